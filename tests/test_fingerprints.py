"""A kept answer is found again only if every process computes the same fingerprint for the
same configuration, and another one for another configuration: the daemon keeps answers and
`relmon health`, in a process of its own, reads them."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.app import fingerprints
from monitor.app import kept as kept_mod
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
import pytest

from monitor.app import fingerprints
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


# ------------------------------------------------------------------ the code part

_SOURCES = fingerprints._core_sources()


def _python_imports(source: bytes) -> set[str]:
    """The ``monitor/core`` modules a module imports, as Python's own parser reads it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("monitor.core"):
            base = (node.module or "").removeprefix("monitor.core").lstrip(".")
            named = {f"{base}.{a.name}" if base else a.name for a in node.names}
            found |= named | ({base} if base else set())
        elif isinstance(node, ast.Import):
            found |= {
                a.name.removeprefix("monitor.core.")
                for a in node.names
                if a.name.startswith("monitor.core.")
            }
    packages = {".".join(n.split(".")[:k]) for n in found for k in range(1, n.count(".") + 1)}
    return (found | packages) & set(_SOURCES)


@pytest.mark.parametrize("name", sorted(_SOURCES))
def test_the_fingerprint_sees_every_import_python_sees(name: str) -> None:
    assert fingerprints.core_imports(_SOURCES[name], _SOURCES) == _python_imports(_SOURCES[name])


def test_reading_a_message_is_no_part_of_the_answers_about_stored_mail() -> None:
    answers = fingerprints.answer_modules(_SOURCES)

    assert {"owntext", "politeness", "curtness", "footer", "language", "bounds"}.isdisjoint(answers)
    assert {"analysis", "history", "friction_norm", "gaps", "health", "detectors"} <= answers


def _changed(name: str) -> dict[str, bytes]:
    return {**_SOURCES, name: _SOURCES[name] + b"\n# another version\n"}


def test_an_upgrade_that_changes_how_mail_is_read_keeps_the_kept_answers() -> None:
    before = fingerprints.fingerprint_of(_SOURCES)

    assert fingerprints.fingerprint_of(_changed("owntext")) == before
    assert fingerprints.fingerprint_of(_changed("politeness")) == before


def test_an_upgrade_that_changes_how_answers_are_computed_makes_them_stale() -> None:
    before = fingerprints.fingerprint_of(_SOURCES)

    assert fingerprints.fingerprint_of(_changed("friction_norm")) != before
    assert fingerprints.fingerprint_of(_changed("detectors.silence")) != before
    assert fingerprints.fingerprint_of(_changed("model")) != before  # records are its classes


#: Code outside monitor/core that runs code which only reads mail, and why no kept answer
#: depends on it. A new use is a decision: an answer computed with it would not be
#: recomputed when it changes.
_READS_MAIL = {
    "monitor/alerts/weekly.py": "the reply commands the weekly email offers",
    "monitor/app/reanalyse.py": "judges stored mail again (it moves the revisions)",
    "monitor/app/replies.py": "reads an owner's reply to an alert",
    "monitor/app/runtime.py": "builds the text analyzer a sync reads mail with",
    "monitor/config/thresholds.py": "checks the cue categories a configuration names",
    "monitor/store/bulk.py": "fits values to the store as mail is written",
    "monitor/store/reanalyse.py": "judges stored mail again (it moves the revisions)",
    "monitor/store/sources.py": "fits values to the store as mail is written",
}


def test_only_code_that_reads_mail_runs_what_the_fingerprint_leaves_out() -> None:
    answers = fingerprints.answer_modules(_SOURCES)
    uses = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "monitor").rglob("*.py")
        if not path.is_relative_to(ROOT / "monitor" / "core")
        and not path.is_relative_to(ROOT / "monitor" / "sources")  # reading mail is theirs
        and fingerprints.core_imports(path.read_bytes(), _SOURCES) - answers
    }

    assert uses == set(_READS_MAIL)


_SHELL = fingerprints._shell_sources()


def test_an_upgrade_of_how_stored_rows_become_records_makes_the_answers_stale() -> None:
    before = fingerprints.fingerprint_of(_SOURCES, _SHELL)
    changed = {**_SHELL, "store/records.py": _SHELL["store/records.py"] + b"\n# another\n"}

    assert fingerprints.fingerprint_of(_SOURCES, changed) != before
    assert fingerprints.fingerprint_of(_SOURCES, _SHELL, "['# version 2031a']") != before


#: Modules of monitor/app and monitor/store that the code turning stored rows into answers
#: imports, and why a change to them cannot change an answer. A new import is a decision:
#: add the module to ANSWER_SHELL (or kept.py's row code) or say here why it is not needed.
_SHELL_USES = {
    "app/dashboard.py": "the number of weeks a dashboard trend shows (a view's name holds it)",
    "app/fingerprints.py": "the fingerprints themselves",
    "app/runtime.py": "opens the store and builds the text analyzer",
    "store/bulk.py": "writes rows in chunks (alerts, in store/alerting.py)",
    "store/db.py": "connections",
    "store/day_health.py": "where trend days are kept",
    "store/evaluated.py": "where evaluation passes are kept",
    "store/kept.py": "where answers are kept",
    "store/kept_tables.py": "table definitions of what is kept (as schema.py)",
    "store/meta.py": "the store's own settings (alerts, in store/alerting.py)",
    "store/queries.py": "suggests a client's name for a mistyped one",
    "store/schema.py": "table definitions (a migration changes what is stored)",
}
_IMPORTED = re.compile(rb"from monitor\.(app|store)(?:\.(\w+))? import (\([^)]*\)|[^\n]*)")


def _imported_modules(source: bytes) -> set[str]:
    package = ROOT / "monitor"
    found = set()
    for layer, module, names in _IMPORTED.findall(source):
        candidates = [module] if module else re.findall(rb"\w+", names)
        for name in candidates:
            path = f"{layer.decode()}/{name.decode()}.py"
            if (package / path).exists():
                found.add(path)
    return found


def test_every_module_the_answer_code_imports_is_in_the_fingerprint_or_said_why_not() -> None:
    fingerprinted = set(fingerprints.ANSWER_SHELL) | {f"app/{n}" for n in kept_mod._ROW_CODE}
    imported = set().union(
        *(_imported_modules((ROOT / "monitor" / path).read_bytes()) for path in fingerprinted)
    )

    assert imported - fingerprinted == set(_SHELL_USES)
