"""A kept answer is found again only if every process computes the same fingerprint for the
same configuration, and another one for another configuration: the daemon keeps answers and
`relmon health`, in a process of its own, reads them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from monitor.app.fingerprints import config_fingerprints
from monitor.config import load_config_text
from tests.factories import CONFIG

ROOT = Path(__file__).resolve().parents[1]

#: Everything a client's analysis reads, set: holidays, aliases, several domains and
#: addresses, thresholds, a cadence, a calendar of its own.
FULL = (
    CONFIG.replace(
        'working_hours = "Mon-Fri 09:00-17:30"',
        'working_hours = "Mon-Fri 09:00-17:30"\nholidays = "GB"',
    ).replace(
        'address = "alice.marsh@northwind-advisory.example"',
        'address = "alice.marsh@northwind-advisory.example"\n'
        'aliases = ["a.marsh@northwind-advisory.example", "alice@northwind-advisory.example"]',
    )
    + """
[[clients]]
name = "Halden Marine"
domains = ["halden-marine.example", "halden.example", "haldenmarine.example"]
addresses = ["erik.solheim@gmail.com", "ops.halden@outlook.com"]
owner = "alice.marsh@northwind-advisory.example"
timezone = "Europe/Oslo"
working_hours = "Mon-Fri 08:00-16:00"
cadence_days = 10
checkin_days = 14

[clients.thresholds]
silence_warning_ratio = 2.5
unanswered_warning_hours = 12
"""
    + '\n[store]\nurl = "sqlite:///:memory:"\n'
)

PRINT = """
import json, sys
from monitor.app.fingerprints import config_fingerprints
from monitor.config import load_config_text
print(json.dumps(config_fingerprints(load_config_text(sys.stdin.read()))))
"""


def _in_a_process(text: str, seed: str) -> dict[str, str]:
    result = subprocess.run(
        [sys.executable, "-c", PRINT],
        input=text,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONHASHSEED": seed},
        check=True,
        timeout=120,
    )
    found: dict[str, str] = json.loads(result.stdout)
    return found


def test_processes_with_different_hash_seeds_agree_on_every_clients_fingerprint() -> None:
    first = _in_a_process(FULL, "1")
    second = _in_a_process(FULL, "2")

    assert first == second
    assert set(first) == {"Acme Logistics", "Falkenberg Maschinenbau", "Halden Marine"}
    assert len(set(first.values())) == 3


def test_a_clients_threshold_changes_its_fingerprint_alone() -> None:
    before = config_fingerprints(load_config_text(FULL))
    after = config_fingerprints(
        load_config_text(FULL.replace("silence_warning_ratio = 2.5", "silence_warning_ratio = 3.0"))
    )

    assert [name for name in before if before[name] != after[name]] == ["Halden Marine"]


def test_another_clients_address_changes_every_fingerprint() -> None:
    """Which address is whose is read by every client's analysis (mail copied to two clients)."""
    before = config_fingerprints(load_config_text(FULL))
    after = config_fingerprints(
        load_config_text(FULL.replace('"ops.halden@outlook.com"', '"ops@halden-group.example"'))
    )

    assert all(before[name] != after[name] for name in before)
