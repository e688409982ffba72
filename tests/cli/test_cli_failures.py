"""When the database or the disk fails under a command: one clear line, exit status 1, no
traceback, never the SQL or a message's subject; and big ingests show how far they are."""

from __future__ import annotations

import errno
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from monitor.app import sync
from monitor.cli import cli, ingest_cmd
from tests.factories import CONFIG, email

ROOT = Path(__file__).resolve().parents[2]


def configured(tmp_path: Path, url: str) -> Path:
    config = tmp_path / "relmon.toml"
    config.write_text(CONFIG + f'\n[store]\nurl = "{url}"\n')
    return config


def relmon(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


@pytest.mark.parametrize("command", [("db", "status"), ("clients",), ("alerts", "send")])
def test_a_damaged_store_file_is_one_line_naming_the_store(tmp_path: Path, command) -> None:  # type: ignore[no-untyped-def]
    store = tmp_path / "relmon.db"
    store.write_bytes(b"this was overwritten by a backup script\n" * 200)
    store.chmod(0o600)
    config = configured(tmp_path, f"sqlite:///{store}")

    result = relmon(config, *command)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"Error: the store file is not a database (damaged, or not relmon's) (sqlite:///{store})"
    ]


def test_db_status_on_a_database_server_that_does_not_answer_is_one_line(tmp_path: Path) -> None:
    config = configured(tmp_path, "postgresql+psycopg://relmon@127.0.0.1:9/relmon")

    result = relmon(config, "db", "status")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "127.0.0.1:9" in lines[0], lines


def _failing(error: BaseException) -> Any:
    def ingest_paths(*args: object, **kwargs: object) -> None:
        raise error

    return ingest_paths


def _locked() -> sa.exc.OperationalError:
    return sa.exc.OperationalError(
        "INSERT INTO messages (subject) VALUES (?)",
        ("Confidential: Acme acquisition terms",),
        sqlite3.OperationalError("database is locked"),
    )


def _sqlite_full() -> sa.exc.OperationalError:
    return sa.exc.OperationalError(
        "UPDATE messages SET snippet=?",
        ("Dana's salary",),
        sqlite3.OperationalError("database or disk is full"),
    )


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (_locked(), "the database is locked by another relmon process; try again shortly"),
        (_sqlite_full(), "the disk holding the database is full; free space and retry"),
        (
            OSError(errno.ENOSPC, "No space left on device", "/var/lib/relmon/relmon.db-wal"),
            "no space left on the disk: /var/lib/relmon/relmon.db-wal; free space and retry",
        ),
    ],
    ids=["locked", "sqlite-full", "enospc"],
)
def test_a_locked_database_or_a_full_disk_is_one_line_without_the_sql(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException, expected: str
) -> None:
    config = configured(tmp_path, f"sqlite:///{tmp_path / 'relmon.db'}")
    (tmp_path / "mail.eml").write_bytes(email())
    monkeypatch.setattr(sync, "ingest_paths", _failing(error))

    result = CliRunner().invoke(
        cli, ["--config", str(config), "ingest", str(tmp_path / "mail.eml")]
    )

    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith(f"Error: {expected}")
    assert "Confidential" not in result.output and "salary" not in result.output
    assert "INSERT" not in result.output and "UPDATE" not in result.output


def test_the_ingest_progress_bar_has_the_bytes_of_the_mail_as_its_total(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, analyzer
) -> None:
    """GIVEN a maildir and an mbox
    WHEN they are ingested at a terminal
    THEN the progress bar's total is their size, known before the first message, and the
    bar advances to it."""
    from monitor.app.runtime import Runtime
    from tests.factories import team_config

    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for n in range(5):
        (maildir / "cur" / f"17803903{n}.M{n}P1.mx:2,S").write_bytes(
            email(message_id=f"m{n}@acme-logistics.example")
        )
    seen: dict[str, list[float]] = {"total": [], "advanced": []}

    class Recording(ingest_cmd.Progress):  # type: ignore[misc]
        def update(self, task: Any, **fields: Any) -> None:
            if fields.get("total") is not None:
                seen["total"].append(fields["total"])
            super().update(task, **fields)

        def advance(self, task: Any, advance: float = 1) -> None:
            seen["advanced"].append(advance)
            super().advance(task, advance)

    monkeypatch.setattr(ingest_cmd, "Progress", Recording)
    runtime = Runtime.open(team_config(f"sqlite:///{tmp_path / 'relmon.db'}"), analyzer=analyzer)

    report = ingest_cmd._ingest_with_progress(runtime, (maildir,), "alice", sync.utcnow())
    runtime.close()

    on_disk = sum(p.stat().st_size for p in (maildir / "cur").iterdir())
    assert report.total("new") == 5
    assert seen["total"] == [on_disk]
    assert sum(seen["advanced"]) == on_disk


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["alerts", "snooze", "1", "99999999999999999999d"], "longer than relmon counts"),
        (["alerts", "snooze", "1", "10000000w"], "longer than relmon counts"),
        (["alerts", "snooze", "1", "100w"], "snooze for at most 90 days"),
        (["health", "--as-of", "9999-12-31"], "out of range"),
        (["client", "Kestrel", "--as-of", "0001-01-01"], "out of range"),
    ],
    ids=["huge-duration", "years", "beyond-90-days", "far-future", "year-one"],
)
def test_an_instant_or_duration_out_of_range_is_one_line_naming_it(
    demo_config: Path, args: list[str], problem: str
) -> None:
    """A snooze of years would mute a critical alert for good; an instant past the calendar's
    end cannot be computed with: each is refused in one line, and no alert is changed."""
    result = CliRunner().invoke(cli, ["--config", str(demo_config), *args])

    assert result.exit_code != 0
    assert problem in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
