"""`relmon run` with poison mail: crafted messages that used to take minutes each never stall a
sync, and SIGTERM stops the daemon within `stop_seconds` (8 s), from a maildir and over IMAP."""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.factories import email
from tests.hostile import CONFIG, corpus, write_maildir
from tests.servers.dovecot import Dovecot
from tests.servers.relmon import RelmonProcess
from tests.servers.smtp import SmtpServer

pytestmark = [pytest.mark.slow, pytest.mark.live]

#: The messages of the hostile corpus that cost the most before their text steps were bounded
#: (each from 6 s to well over two minutes), and an ordinary one beside them.
POISON = [
    "baseline",
    "spaces-line-full",
    "from-line-spaces-48k",
    "greeting-spaces-48k",
    "emoji-full",
    "sentence-full",
    "html-comment-full",
    "rfc2231-part-params-800k",
    "rfc2231-top-params-3900k",
]
STOP_SECONDS = 8


def _config(path: Path, smtp: SmtpServer, db: Path, account: str) -> Path:
    path.write_text(
        CONFIG
        + account
        + f'\n[store]\nurl = "sqlite:///{db}"\n'
        + smtp.config()
        + f"\n[daemon]\nstop_seconds = {STOP_SECONDS}\n"
    )
    return path


def _maildir_account(maildir: Path) -> str:
    return (
        '\n[[accounts]]\nname = "alice-archive"\nkind = "maildir"\n'
        f'address = "alice.marsh@northwind-advisory.example"\npath = "{maildir}"\n'
    )


def _stored(db: Path) -> int:
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as connection:
            return int(connection.execute(sa.text("SELECT count(*) FROM messages")).scalar_one())
    except sa.exc.OperationalError:  # not migrated yet
        return 0
    finally:
        engine.dispose()


def _stops_in_time(daemon: RelmonProcess) -> None:
    started = time.monotonic()
    daemon.signal(signal.SIGTERM)
    assert daemon.wait(timeout=STOP_SECONDS + 2) == 0
    assert time.monotonic() - started < STOP_SECONDS
    assert not daemon.events("daemon_stop_timeout")


def test_poison_mail_in_a_maildir_is_stored_in_one_sync_and_sigterm_stops_the_daemon_in_time(
    smtp_server, tmp_path, relmon_processes
) -> None:
    maildir = tmp_path / "Maildir"
    write_maildir(maildir, POISON)
    db = tmp_path / "relmon.db"
    config = _config(tmp_path / "relmon.toml", smtp_server, db, _maildir_account(maildir))
    daemon = RelmonProcess(config)
    relmon_processes.append(daemon.start())

    synced = daemon.wait_for("account_synced", account="alice-archive", timeout=60)

    assert synced["new"] + synced["quarantined"] == len(POISON)
    assert _stored(db) == len(POISON)
    assert not daemon.events("analysis_budget")
    _stops_in_time(daemon)


def test_sigterm_in_the_middle_of_a_large_maildir_sync_stops_between_two_messages(
    smtp_server, tmp_path, relmon_processes
) -> None:
    maildir = tmp_path / "Maildir"
    cur = maildir / "cur"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    total = 6000
    start = datetime.now(UTC) - timedelta(days=500)
    for i in range(total):
        sent = start + timedelta(hours=2 * i)
        (cur / f"{int(sent.timestamp())}.M{i}:2,S").write_bytes(
            email(
                subject=f"Depot {i % 37} weekly figures",
                date=sent,
                message_id=f"figures-{i}@acme-logistics.example",
                body=f"Hi Alice,\n\nAttached are the figures for depot {i % 37}. "
                f"Volumes are up {i % 9} percent on last week.\n\nDana",
            )
        )
    db = tmp_path / "relmon.db"
    config = _config(tmp_path / "relmon.toml", smtp_server, db, _maildir_account(maildir))
    daemon = RelmonProcess(config)
    relmon_processes.append(daemon.start())
    daemon.wait_for("daemon_ready", timeout=60)
    time.sleep(2)  # into the sync: thousands of messages take far longer than this

    _stops_in_time(daemon)

    assert 0 < _stored(db) < total, "stopped between two messages, with what was read stored"


def test_poison_mail_over_imap_is_stored_in_one_sync_and_sigterm_stops_the_daemon_in_time(
    dovecot: Dovecot, smtp_server, tmp_path, relmon_processes
) -> None:
    dovecot.append("INBOX", [raw for _, raw in corpus(POISON)])
    db = tmp_path / "relmon.db"
    config = _config(tmp_path / "relmon.toml", smtp_server, db, dovecot.account_toml("alice-imap"))
    daemon = RelmonProcess(config)
    relmon_processes.append(daemon.start())

    synced = daemon.wait_for("account_synced", account="alice-imap", timeout=60)

    assert synced["new"] + synced["quarantined"] == len(POISON)
    assert _stored(db) == len(POISON)
    _stops_in_time(daemon)
