"""`relmon run` end to end: a real Dovecot (IMAP IDLE) in, a real SMTP server out."""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.factories import ALICE, CONFIG, DANA, email
from tests.servers.dovecot import Dovecot
from tests.servers.proxy import FaultyProxy
from tests.servers.relmon import RelmonProcess
from tests.servers.smtp import SmtpServer

pytestmark = [pytest.mark.slow, pytest.mark.live]

BODY_WORDS = ("Rotterdam", "forty-one percent surcharge")


def answered_history(now: datetime) -> tuple[list[bytes], list[bytes]]:
    """Two months of Acme asking and Alice answering the same day."""
    inbox, sent = [], []
    for weeks, topic in (
        (8, "Warehouse rollout: steering agenda"),
        (5, "Pilot depot staffing"),
        (2, "Invoice 2026-031"),
    ):
        asked = now - timedelta(weeks=weeks)
        inbox.append(
            email(
                subject=topic,
                date=asked,
                message_id=f"q-{weeks}@acme-logistics.example",
                body=f"Hi Alice,\n\nCould you look at the {topic.lower()} before our call?\n\nThanks,\nDana",
            )
        )
        sent.append(
            email(
                frm=ALICE,
                to=DANA,
                subject=f"Re: {topic}",
                date=asked + timedelta(hours=5),
                message_id=f"a-{weeks}@northwind-advisory.example",
                in_reply_to=f"q-{weeks}@acme-logistics.example",
                body="Hi Dana,\n\nDone - notes attached, happy to walk through them on Thursday.\n\nBest,\nAlice",
            )
        )
    return inbox, sent


def overdue_question(now: datetime, n: int = 0) -> bytes:
    """A client question that has waited six days: past the critical `unanswered` threshold."""
    return email(
        subject="Carrier contract renewal: need your view",
        date=now - timedelta(days=6),
        message_id=f"carrier-renewal-{n}@acme-logistics.example",
        body="Hi Alice,\n\nThe Rotterdam carrier wants a forty-one percent surcharge from January. "
        "Can you tell me by Friday whether we should sign or go to tender?\n\nDana",
    )


def daemon_config(
    path: Path,
    dovecot: Dovecot,
    smtp: SmtpServer,
    *,
    db: Path,
    extra_accounts: str = "",
    poll: int = 300,
) -> Path:
    path.write_text(
        CONFIG
        + dovecot.account_toml("alice-imap", extra=f"poll_seconds = {poll}\n")
        + extra_accounts
        + f'\n[store]\nurl = "sqlite:///{db}"\n'
        + smtp.config()
        + "\n[daemon]\nstop_seconds = 8\n"
    )
    return path


def stored(db: Path) -> tuple[int, int, int]:
    """(messages, distinct Message-IDs, sightings) in the store."""
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as connection:
            messages = connection.execute(
                sa.text("SELECT count(*), count(DISTINCT message_id) FROM messages")
            ).one()
            sightings = connection.execute(sa.text("SELECT count(*) FROM sightings")).scalar_one()
    except sa.exc.OperationalError:  # not migrated yet
        return 0, 0, 0
    finally:
        engine.dispose()
    return int(messages[0]), int(messages[1]), int(sightings)


def test_a_new_client_message_past_the_threshold_mails_one_alert_and_a_wrong_password_does_not_stop_it(
    dovecot, smtp_server, tmp_path, relmon_processes
) -> None:
    now = datetime.now(UTC)
    inbox, sent = answered_history(now)
    dovecot.append("INBOX", inbox)
    dovecot.append("Sent", sent, flags=(b"\\Seen",))
    wrong = tmp_path / "ben-password"
    wrong.write_text("not-the-password\n")
    ben = (
        f'\n[[accounts]]\nname = "ben-imap"\nkind = "imap"\nhost = "{dovecot.host}"\nport = {dovecot.port}\n'
        f'security = "plain"\ninsecure = true\nusername = "{dovecot.username}"\npassword_file = "{wrong}"\ntimeout_seconds = 10\n'
    )
    db = tmp_path / "relmon.db"
    config = daemon_config(
        tmp_path / "relmon.toml", dovecot, smtp_server, db=db, extra_accounts=ben
    )
    daemon = RelmonProcess(config)
    relmon_processes.append(daemon.start())

    daemon.wait_for("account_synced", account="alice-imap", timeout=60)
    failed = daemon.wait_for("account_sync_failed", account="ben-imap", timeout=60)
    assert failed["error_kind"] == "auth"
    # The evaluation that follows the first syncs finds nothing to say.
    assert daemon.wait_for("alerts_evaluated", timeout=30)["transitions"] == 0
    assert smtp_server.inbox.messages == [], "an answered history raises nothing"

    dovecot.append("INBOX", [overdue_question(now)])
    daemon.wait_until(lambda: smtp_server.inbox.messages, "the alert email", timeout=30)
    time.sleep(3)  # a duplicate would arrive within this
    assert len(smtp_server.inbox.messages) == 1
    alert = smtp_server.inbox.messages[0]
    assert alert.recipients == ["alice.marsh@northwind-advisory.example"]
    assert "kind=unanswered; severity=critical" in alert.message["X-Relmon-Alert"]
    assert daemon.alive()

    daemon.signal(signal.SIGTERM)
    assert daemon.wait(timeout=10) == 0
    # The failing account was not retried in a tight loop.
    assert len(daemon.events("account_sync_failed", account="ben-imap")) <= 2
    assert dovecot.password not in daemon.output
    for words in BODY_WORDS:
        assert words not in daemon.output


def test_sigterm_during_a_large_sync_exits_cleanly_and_a_restart_loses_and_duplicates_nothing(
    dovecot, smtp_server, tmp_path, relmon_processes
) -> None:
    now = datetime.now(UTC)
    total = 4000
    start = now - timedelta(days=400)
    dovecot.write_maildir(
        "INBOX",
        (
            (
                email(
                    subject=f"Depot {i % 37} weekly figures",
                    date=start + timedelta(hours=2 * i),
                    message_id=f"figures-{i}@acme-logistics.example",
                    body=f"Hi Alice,\n\nAttached are the figures for depot {i % 37}. Volumes are up {i % 9} percent on last week.\n\nDana",
                ),
                (start + timedelta(hours=2 * i)).timestamp(),
            )
            for i in range(total)
        ),
    )
    dovecot.resync()
    db = tmp_path / "relmon.db"
    config = daemon_config(tmp_path / "relmon.toml", dovecot, smtp_server, db=db)
    config.write_text(
        config.read_text().replace("poll_seconds = 300", "poll_seconds = 300\nbatch_size = 200")
    )
    daemon = RelmonProcess(config)
    relmon_processes.append(daemon.start())

    daemon.wait_until(lambda: db.exists() and stored(db)[0] >= 400, "the first batches", timeout=60)
    stopped_at = time.monotonic()
    daemon.signal(signal.SIGTERM)
    assert daemon.wait(timeout=10) == 0
    assert time.monotonic() - stopped_at < 10
    assert not daemon.events("daemon_stop_timeout"), (
        "the running batch finished and committed in time"
    )
    partial = stored(db)
    assert 0 < partial[0] < total, "stopped in the middle of the sync"
    assert partial[0] == partial[1]

    again = RelmonProcess(config)
    relmon_processes.append(again.start())
    again.wait_for("account_synced", account="alice-imap", timeout=120)
    again.signal(signal.SIGTERM)
    assert again.wait(timeout=10) == 0
    messages, distinct, sightings = stored(db)
    assert messages == distinct == total
    assert sightings == total


@pytest.fixture
def stuck_sync(dovecot, smtp_server, tmp_path, relmon_processes):
    """A daemon whose second sync hangs: the server stops answering mid-session (a half-open
    connection through a proxy that goes silent). Returns (daemon, config)."""
    proxy = FaultyProxy((dovecot.host, dovecot.port))
    inbox, _ = answered_history(datetime.now(UTC))
    dovecot.append("INBOX", inbox)

    def start(stop_seconds: int) -> RelmonProcess:
        db = tmp_path / "relmon.db"
        config = tmp_path / "relmon.toml"
        config.write_text(
            CONFIG
            + dovecot.account_toml(
                "alice-imap", port=proxy.port, timeout=60, extra="poll_seconds = 10\nidle = false\n"
            )
            + f'\n[store]\nurl = "sqlite:///{db}"\n'
            + smtp_server.config()
            + f"\n[daemon]\nstop_seconds = {stop_seconds}\nsync_jitter = 0\n"
        )
        daemon = RelmonProcess(config)
        relmon_processes.append(daemon.start())
        daemon.wait_for("account_synced", account="alice-imap", timeout=60)
        connections = proxy.connections
        proxy.go_silent()
        dovecot.append("INBOX", [overdue_question(datetime.now(UTC))])
        # The next poll (10 s) connects, and now waits on a server that says nothing.
        daemon.wait_until(lambda: proxy.connections > connections, "the next poll", timeout=30)
        assert len(daemon.events("account_synced", account="alice-imap")) == 1
        return daemon

    yield start
    proxy.close()


def test_sigterm_with_a_sync_stuck_on_a_silent_server_still_exits_within_ten_seconds(
    stuck_sync,
) -> None:
    daemon = stuck_sync(stop_seconds=8)
    started = time.monotonic()
    daemon.signal(signal.SIGTERM)
    assert daemon.wait(timeout=10) == 0
    assert time.monotonic() - started < 10
    assert daemon.events("daemon_stop_timeout")[0]["running"] == ["sync:alice-imap"]
    assert daemon.events("daemon_stopped")


def test_a_second_signal_exits_at_once(stuck_sync) -> None:
    daemon = stuck_sync(stop_seconds=60)
    daemon.signal(signal.SIGTERM)
    daemon.wait_for("daemon_stopping")
    time.sleep(0.5)
    assert daemon.alive(), "still waiting for the stuck sync"
    started = time.monotonic()
    daemon.signal(signal.SIGINT)
    assert daemon.wait(timeout=5) == 130
    assert time.monotonic() - started < 2
