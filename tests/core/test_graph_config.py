"""The Graph account keys: the example configuration's block is valid, and ca_file is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import load_config_text
from monitor.errors import ConfigError
from tests.factories import CONFIG

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "relmon.example.toml"


def example_graph_block() -> list[str]:
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index('# name = "m365"') - len("# [[accounts]]\n")
    block = []
    for line in text[start:].splitlines():
        if not line.startswith("# "):
            break
        block.append(line[2:])
    return block


def test_the_example_graph_account_is_valid_when_uncommented(tmp_path: Path) -> None:
    # A secret or a certificate, not both; the CA files must exist to be accepted.
    ca = tmp_path / "proxy-ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    lines = [
        line.replace("/etc/relmon/proxy-ca.pem", str(ca))
        for line in example_graph_block()
        if not line.startswith(("certificate_", "address"))
    ]

    config = load_config_text(
        CONFIG + "\n" + "\n".join(lines) + '\n[store]\nurl = "sqlite:///:memory:"\n'
    )

    [account] = config.accounts
    assert account.kind == "graph" and account.graph is not None
    assert account.graph.mailboxes == (
        "alice.marsh@northwind-advisory.example",
        "ben.okafor@northwind-advisory.example",
    )
    assert account.graph.ca_file == ca and account.graph.microsoft.ca_file == ca
    assert account.graph.max_concurrency == 4


def test_every_graph_key_is_documented_in_the_example() -> None:
    documented = {line.split("=")[0].strip() for line in example_graph_block() if "=" in line}

    assert {
        "name",
        "kind",
        "auth",
        "tenant_id",
        "client_id",
        "client_secret_file",
        "certificate_file",
        "certificate_thumbprint",
        "mailboxes",
        "address",
        "folders",
        "page_size",
        "max_concurrency",
        "timeout_seconds",
        "poll_seconds",
        "graph_url",
        "authority_host",
        "ca_file",
        "authority_ca_file",
        "failures_before_alert",
    } <= documented


def test_more_than_four_concurrent_requests_are_capped_at_exchanges_limit() -> None:
    account = """
[[accounts]]
name = "m365"
kind = "graph"
tenant_id = "northwind-advisory.example"
client_id = "5f1d2c3b-8a7e-4f60-9b1c-2d3e4f5a6b7c"
client_secret_env = "RELMON_GRAPH_SECRET"
mailboxes = ["alice.marsh@northwind-advisory.example"]
max_concurrency = 10
"""
    config = load_config_text(CONFIG + account + '\n[store]\nurl = "sqlite:///:memory:"\n')

    assert config.accounts[0].graph is not None and config.accounts[0].graph.max_concurrency == 4


def test_a_missing_graph_ca_file_is_reported_by_name() -> None:
    account = """
[[accounts]]
name = "m365"
kind = "graph"
tenant_id = "northwind-advisory.example"
client_id = "5f1d2c3b-8a7e-4f60-9b1c-2d3e4f5a6b7c"
client_secret_env = "RELMON_GRAPH_SECRET"
mailboxes = ["alice.marsh@northwind-advisory.example"]
ca_file = "/nonexistent/graph-ca.pem"
"""
    with pytest.raises(ConfigError, match=r"accounts\[0\]\.ca_file: no such file"):
        load_config_text(CONFIG + account + '\n[store]\nurl = "sqlite:///:memory:"\n')
