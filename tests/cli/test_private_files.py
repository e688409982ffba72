"""Files relmon writes that name clients and people are their owner's alone, as the database is:
an export, a report page, a kept demo's configuration, whatever the umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli


@pytest.fixture
def wide_umask():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_export_a_report_and_a_kept_demo_are_readable_by_their_owner_only(
    tmp_path: Path, wide_umask
) -> None:
    kept = tmp_path / "demo"
    runner = CliRunner()
    demo = runner.invoke(cli, ["demo", "--keep", str(kept)], catch_exceptions=False)
    config = ["--config", str(kept / "relmon.toml")]
    stale = tmp_path / "messages.jsonl"
    stale.write_text("an older export, once readable by all\n")
    stale.chmod(0o644)

    exported = runner.invoke(cli, [*config, "export", "--json", "-o", str(stale)])
    report = runner.invoke(cli, [*config, "report", "--html", str(tmp_path / "week.html")])

    assert demo.exit_code == exported.exit_code == report.exit_code == 0, report.output
    assert "@" in stale.read_text()  # it does hold addresses
    assert mode(stale) == 0o600
    assert mode(tmp_path / "week.html") == 0o600
    assert mode(kept / "relmon.toml") == 0o600 and mode(kept) == 0o700
