"""`relmon run` as systemd and container runtimes see it: readiness, keep-alives, signals,
configuration reloads, logs and metrics. The daemon runs as a real subprocess; alert emails go
to a real SMTP server."""

from __future__ import annotations

import signal
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.factories import ALICE, CONFIG, DANA, email
from tests.servers import free_port
from tests.servers.relmon import NotifySocket, RelmonProcess
from tests.servers.smtp import SmtpServer

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS"),
]

SMTP_PASSWORD = "smtp-Pa55-quokka-17"
# Words of a client's message that must never reach a log line.
BODY_WORDS = ("Rotterdam", "forty-one percent surcharge")


def deliver(maildir: Path, name: str, raw: bytes) -> None:
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    (maildir / "new" / name).write_bytes(raw)


def acme_history(maildir: Path, now: datetime) -> None:
    """Two months of an ordinary relationship with Acme, then a question Alice has left
    unanswered for six days: an `unanswered` alert at the critical level."""
    sent = maildir / ".Sent"
    for weeks, topic in (
        (8, "Warehouse rollout: steering agenda"),
        (5, "Pilot depot staffing"),
        (2, "Invoice 2026-031"),
    ):
        asked = now - timedelta(weeks=weeks)
        deliver(
            maildir,
            f"in-{weeks}",
            email(
                subject=topic,
                date=asked,
                message_id=f"q-{weeks}@acme-logistics.example",
                body=f"Hi Alice,\n\nCould you look at the {topic.lower()} before our call?\n\nThanks,\nDana",
            ),
        )
        deliver(
            sent,
            f"out-{weeks}",
            email(
                frm=ALICE,
                to=DANA,
                subject=f"Re: {topic}",
                date=asked + timedelta(hours=5),
                message_id=f"a-{weeks}@northwind-advisory.example",
                in_reply_to=f"q-{weeks}@acme-logistics.example",
                body="Hi Dana,\n\nDone - notes attached, happy to walk through them on Thursday.\n\nBest,\nAlice",
            ),
        )
    deliver(
        maildir,
        "in-open",
        email(
            subject="Carrier contract renewal: need your view",
            date=now - timedelta(days=6),
            message_id="carrier-renewal@acme-logistics.example",
            body="Hi Alice,\n\nThe Rotterdam carrier wants a forty-one percent surcharge from January. "
            "Can you tell me by Friday whether we should sign or go to tender?\n\nDana",
        ),
    )


def write_config(
    path: Path, *, maildir: Path, db: Path, smtp: SmtpServer, secret: Path, extra: str = ""
) -> None:
    path.write_text(
        CONFIG
        + f'\n[[accounts]]\nname = "alice-archive"\nkind = "maildir"\naddress = "alice.marsh@northwind-advisory.example"\npath = "{maildir}"\n'
        + f'\n[store]\nurl = "sqlite:///{db}"\n'
        + smtp.config(password_file=str(secret))
        + extra
    )


@pytest.fixture
def smtp_with_auth():
    server = SmtpServer(credentials=("relmon", SMTP_PASSWORD)).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def setup(tmp_path, smtp_with_auth):
    maildir = tmp_path / "Maildir"
    acme_history(maildir, datetime.now(UTC))
    secret = tmp_path / "smtp-password"
    secret.write_text(SMTP_PASSWORD + "\n")
    config = tmp_path / "relmon.toml"
    write_config(
        config, maildir=maildir, db=tmp_path / "relmon.db", smtp=smtp_with_auth, secret=secret
    )
    return config, maildir, secret


@pytest.mark.parametrize("abstract", [False, True], ids=["path-socket", "abstract-socket"])
def test_systemd_hears_ready_then_keepalives_then_stopping_and_the_exit_is_clean(
    setup, tmp_path, relmon_processes, abstract
) -> None:
    config, _, _ = setup
    notify = NotifySocket(tmp_path, abstract=abstract)
    try:
        daemon = RelmonProcess(
            config, env={"NOTIFY_SOCKET": notify.address, "WATCHDOG_USEC": "2000000"}
        )
        relmon_processes.append(daemon.start())
        ready = notify.wait_for("READY")
        assert ready["READY"] == "1" and "1 accounts" in ready["STATUS"]
        # Migrations ran and the account was checked before READY.
        assert daemon.events("account_checked", account="alice-archive")
        # WATCHDOG_USEC=2 s: a keep-alive every second
        daemon.wait_until(
            lambda: notify.keys().count("WATCHDOG") >= 2, "two keep-alives", timeout=10
        )

        started = time.monotonic()
        daemon.signal(signal.SIGTERM)
        assert daemon.wait(timeout=10) == 0
        assert time.monotonic() - started < 10
        keys = notify.keys()
        assert keys.index("READY") < keys.index("WATCHDOG") < keys.index("STOPPING")
        assert "READY" not in keys[keys.index("STOPPING") :]
        assert daemon.events("daemon_stopped")
    finally:
        notify.close()


def test_a_client_waiting_past_the_threshold_mails_the_owner_exactly_once(
    setup, smtp_with_auth, relmon_processes, tmp_path
) -> None:
    config, _, _ = setup
    port = free_port()
    config.write_text(
        config.read_text()
        + f'\n[daemon]\nmetrics_address = "127.0.0.1:{port}"\nevaluate_minutes = 1\n'
    )
    daemon = RelmonProcess(config)
    relmon_processes.append(daemon.start())

    daemon.wait_until(lambda: smtp_with_auth.inbox.messages, "an alert email", timeout=60)
    daemon.wait_for("alerts_evaluated", timeout=30)
    time.sleep(2)  # a second evaluation or delivery would have sent again by now
    mails = smtp_with_auth.inbox.messages
    assert len(mails) == 1, [m.message["Subject"] for m in mails]
    alert = mails[0].message
    assert mails[0].recipients == ["alice.marsh@northwind-advisory.example"]
    assert "kind=unanswered; severity=critical" in alert["X-Relmon-Alert"]
    assert "Acme Logistics" in alert["Subject"]
    assert smtp_with_auth.logins == ["relmon"]

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
        assert response.status == 200 and response.read().strip() == b"ok"
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        metrics = response.read().decode()
    assert 'relmon_messages_ingested_total{account="alice-archive"} 7.0' in metrics
    assert 'relmon_open_alerts{kind="unanswered",severity="critical"} 1.0' in metrics
    assert 'relmon_last_successful_sync_timestamp_seconds{account="alice-archive"}' in metrics
    assert "relmon_outbox_depth 0.0" in metrics
    assert 'relmon_job_duration_seconds_count{job="sync"}' in metrics

    daemon.signal(signal.SIGTERM)
    assert daemon.wait(timeout=10) == 0

    # One summary line per sync, with stable keys; nothing secret or private anywhere.
    synced = daemon.events("account_synced", account="alice-archive")
    assert (
        synced
        and {"kind", "seconds", "new", "known", "changed", "expunged", "quarantined"}
        <= synced[0].keys()
    )
    assert synced[0]["new"] == 7
    for record in daemon.records():
        assert {"event", "level", "timestamp"} <= record.keys()
    assert SMTP_PASSWORD not in daemon.output
    for words in BODY_WORDS:
        assert words not in daemon.output


def test_a_broken_configuration_on_sighup_is_rejected_and_the_daemon_keeps_running(
    setup, relmon_processes, tmp_path
) -> None:
    config, _, _ = setup
    good = config.read_text()
    daemon = RelmonProcess(config)
    relmon_processes.append(daemon.start())
    daemon.wait_for("daemon_ready")

    config.write_text(good.replace('timezone = "Europe/London"', 'timezone = "Europe/Londn"', 1))
    daemon.signal(signal.SIGHUP)
    rejected = daemon.wait_for("config_reload_rejected")
    assert "team.timezone" in str(rejected["problems"])
    assert daemon.alive()

    # A valid change is taken: a third client appears without a restart.
    config.write_text(
        good
        + '\n[[clients]]\nname = "Lumen Analytics"\ndomains = ["lumen-analytics.example"]\nowner = "ben.okafor@northwind-advisory.example"\n'
    )
    daemon.signal(signal.SIGHUP)
    reloaded = daemon.wait_for("config_reloaded")
    assert reloaded["clients"] == 3

    daemon.signal(signal.SIGTERM)
    assert daemon.wait(timeout=10) == 0


def test_an_invalid_configuration_at_start_exits_with_ex_config_naming_the_key(
    tmp_path, relmon_processes
) -> None:
    config = tmp_path / "relmon.toml"
    config.write_text(
        CONFIG.replace(
            'working_hours = "Mon-Fri 09:00-17:30"', 'working_hours = "Mon-Fri 9-5:30"', 1
        )
    )
    daemon = RelmonProcess(config)
    relmon_processes.append(daemon.start())
    assert daemon.wait(timeout=30) == 78  # EX_CONFIG: RestartPreventExitStatus=78 in the unit
    assert "team.working_hours" in daemon.output
