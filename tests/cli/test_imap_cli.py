"""`relmon sync` and `relmon accounts test` on an IMAP account served by a real Dovecot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from tests.factories import CONFIG
from tests.servers.dovecot import Dovecot
from tests.sources.imap_helpers import client_mail, our_replies

pytestmark = pytest.mark.live


def write_config(server: Dovecot, tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "relmon.toml"
    path.write_text(
        CONFIG
        + server.account_toml(extra=extra)
        + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n'
    )
    return path


def test_relmon_sync_prints_counts_and_timing_per_folder(dovecot: Dovecot, tmp_path: Path) -> None:
    uids = dovecot.append("INBOX", client_mail(4))
    dovecot.append("Sent", our_replies(2))
    config = write_config(dovecot, tmp_path)
    runner = CliRunner()
    first = runner.invoke(cli, ["--config", str(config), "sync", "--json"], catch_exceptions=False)
    dovecot.expunge("INBOX", uids[:1])
    dovecot.set_flags("INBOX", uids[1:2], (b"\\Flagged",))
    dovecot.append("INBOX", client_mail(1, start=4))

    table = runner.invoke(
        cli, ["--config", str(config), "sync", "--account", "alice-imap"], catch_exceptions=False
    )

    assert first.exit_code == 0
    data = json.loads(first.output)
    assert data["schema"] == "relmon/sync/v1"
    folders = {f["folder"]: f for f in data["accounts"][0]["folders"]}
    assert (folders["INBOX"]["new"], folders["Sent"]["new"]) == (4, 2)
    assert all(isinstance(f["seconds"], float | int) for f in folders.values())
    assert table.exit_code == 0
    inbox_line = next(line for line in table.output.splitlines() if "INBOX" in line)
    cells = inbox_line.replace("│", " ").split()
    assert cells[:6] == [
        "alice-imap",
        "INBOX",
        "1",
        "1",
        "1",
        "0",
    ]  # new, changed, expunged, quarantined


def test_relmon_sync_exits_1_and_says_why_when_the_password_is_wrong(
    dovecot: Dovecot, tmp_path: Path, monkeypatch
) -> None:
    config = write_config(dovecot, tmp_path)
    monkeypatch.setenv("RELMON_TEST_IMAP_PASSWORD", "wrong")

    result = CliRunner().invoke(cli, ["--config", str(config), "sync"], catch_exceptions=False)

    assert result.exit_code == 1
    assert "auth error" in result.output and "rejected the username or password" in " ".join(
        result.output.split()
    )


def test_accounts_test_lists_the_folders_it_will_sync(dovecot: Dovecot, tmp_path: Path) -> None:
    config = write_config(dovecot, tmp_path, extra='exclude = ["Archive"]\n')

    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "accounts", "test", "alice-imap", "--json"],
        catch_exceptions=False,
    )

    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["ok"] is True and data["folders"] == ["INBOX", "Sent"]
    assert "IDLE" in data["capabilities"] and "CONDSTORE" in data["capabilities"]
    assert "Archive (excluded by configuration)" in data["detail"]
