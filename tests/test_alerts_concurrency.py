"""Several relmon processes on one database: every alert is raised once and mailed once.

Northwind Advisory runs relmon on a shared PostgreSQL: the daemon evaluates on its timer while
Alice runs `relmon alerts send` by hand, or two daemon replicas run side by side. Twenty-four
clients each have a question waiting ten days; for six of them the owners chose a lenient reply
SLA, so those are warnings for the daily digest, and the others are critical. Whatever runs at
the same moment, the SMTP server must receive one email per critical alert and one digest per
owner listing each of that owner's warnings once.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.factories import ALICE, BEN, CONFIG, email
from tests.servers.relmon import ROOT, RelmonProcess
from tests.servers.smtp import SmtpServer

pytestmark = [pytest.mark.live, pytest.mark.slow]

OWNERS = (ALICE, BEN)
CLIENTS = 24
LENIENT = range(18, 24)  # these clients' owners accept slow replies: a warning, not critical


def owner_of(n: int) -> str:
    return OWNERS[n % 2]


def address(mailbox: str) -> str:
    return mailbox.split("<")[1].rstrip(">")


def clients_config(lenient: range) -> str:
    parts = []
    for n in range(CLIENTS):
        parts.append(
            f'\n[[clients]]\nname = "Client {n:02d}"\ndomains = ["client{n:02d}.example"]\n'
            f'owner = "{address(owner_of(n))}"\n'
        )
        if n in lenient:
            parts.append(
                "\n[clients.thresholds]\nunanswered_warning_hours = 8\n"
                "unanswered_critical_hours = 100000\n"
            )
    return "".join(parts)


def waiting_questions(maildir: Path, now: datetime) -> None:
    """One question from each client, ten days old and unanswered."""
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    for n in range(CLIENTS):
        (maildir / "cur" / f"{n}.M{n}:2,S").write_bytes(
            email(
                frm=f"Pat Lee <pat.lee@client{n:02d}.example>",
                to=owner_of(n),
                subject=f"Phase 2 budget ({n:02d})",
                date=now - timedelta(days=10, minutes=n),
                message_id=f"budget-{n:02d}@client{n:02d}.example",
                body="Hi,\n\nCould you confirm the phase 2 budget before our board meets?\n\nThanks,\nPat",
            )
        )


def write_config(
    tmp_path: Path, store_url: str, smtp: SmtpServer, *, lenient: range = LENIENT, extra: str = ""
) -> Path:
    config = tmp_path / "relmon.toml"
    config.write_text(
        CONFIG
        + clients_config(lenient)
        + smtp.config("digest_hour = 0\n")
        + f'\n[store]\nurl = "{store_url}"\n'
        + extra
    )
    return config


def relmon(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "monitor", "--config", str(config), *args]


def stored(store_url: str) -> tuple[list, list, list]:
    """Alerts, their events and the outbox, as the database holds them."""
    engine = sa.create_engine(store_url)
    with engine.connect() as connection:
        alerts = connection.execute(sa.text("SELECT client, kind, severity FROM alerts")).all()
        events = connection.execute(sa.text("SELECT alert, event FROM alert_events")).all()
        outbox = connection.execute(sa.text("SELECT message_id, kind, state FROM outbox")).all()
    engine.dispose()
    return alerts, events, outbox


def assert_each_alert_mailed_once(store_url: str, smtp: SmtpServer) -> None:
    alerts, events, outbox = stored(store_url)
    raised = Counter((a.client, a.kind) for a in alerts)
    critical = sorted(a.client for a in alerts if a.severity == "critical")
    warnings = {address(o): [] for o in OWNERS}
    for a in alerts:
        if a.severity == "warning":
            warnings[address(owner_of(int(a.client.split()[-1])))].append(a.client)

    # The database: one alert per (client, kind), opened once, one outbox row per notification.
    assert len(alerts) == CLIENTS and set(raised.values()) == {1}, raised
    assert len(critical) == CLIENTS - len(LENIENT)
    assert Counter(e.event for e in events if e.event != "notified") == {"opened": CLIENTS}
    assert len(outbox) == len(critical) + len(OWNERS) and {o.state for o in outbox} == {"sent"}

    # The SMTP server: one email per critical alert, one digest per owner, nothing twice.
    mails = smtp.inbox.messages
    subjects = [str(m.message["Subject"]) for m in mails]
    assert len(set(smtp.inbox.message_ids())) == len(mails), subjects
    alerts_mailed = sorted(
        str(m.message["Subject"]).removeprefix("relmon: ").split(" is waiting")[0]
        for m in mails
        if "digest" not in str(m.message["Subject"])
    )
    assert alerts_mailed == critical
    digests = [m for m in mails if "digest" in str(m.message["Subject"])]
    assert sorted(m.recipients[0] for m in digests) == sorted(warnings)
    for digest in digests:
        text = digest.message.get_body(("plain",)).get_content()
        listed = sorted(c for c in (f"Client {n:02d}" for n in range(CLIENTS)) if c in text)
        assert listed == sorted(warnings[digest.recipients[0]])
        for client in listed:
            assert text.count(f"{client} is waiting") == 1, text


@pytest.mark.parametrize("store_url", ["sqlite", "postgresql"], indirect=True)
def test_four_alerts_send_at_once_mail_each_alert_exactly_once(
    tmp_path, store_url, smtp_server
) -> None:
    """GIVEN twenty-four clients whose questions have waited ten days, ingested once
    WHEN four `relmon alerts send` start at the same moment on the one database
    THEN each alert exists once, and the SMTP server receives exactly one email per alert."""
    config = write_config(tmp_path, store_url, smtp_server)
    maildir = tmp_path / "Maildir"
    waiting_questions(maildir, datetime.now(UTC))
    subprocess.run(relmon(config, "ingest", str(maildir)), check=True, capture_output=True)

    workers = [
        subprocess.Popen(
            relmon(config, "alerts", "send"),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        for _ in range(4)
    ]
    outputs = [worker.communicate(timeout=120)[0].decode() for worker in workers]

    assert [worker.returncode for worker in workers] == [0, 0, 0, 0], outputs
    assert_each_alert_mailed_once(store_url, smtp_server)


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_two_daemons_on_one_database_mail_each_alert_exactly_once(
    tmp_path, store_url, smtp_server, relmon_processes
) -> None:
    """GIVEN twenty-four clients waiting ten days, in a maildir both daemons read
    WHEN two `relmon run` replicas share the work on one PostgreSQL
    THEN one of them evaluates (it holds the evaluation lease), both deliver, and the SMTP
    server receives exactly one email per alert."""
    maildir = tmp_path / "Maildir"
    waiting_questions(maildir, datetime.now(UTC))
    account = (
        f'\n[[accounts]]\nname = "shared-archive"\nkind = "maildir"\n'
        f'address = "alice.marsh@northwind-advisory.example"\npath = "{maildir}"\n'
        "\n[daemon]\nevaluate_minutes = 1\ndeliver_seconds = 1\n"
    )
    # Critical alerts only: each daemon's first digest runs at its start, and which of them
    # finds warnings (if any) would depend on timing.
    config = write_config(tmp_path, store_url, smtp_server, lenient=range(0), extra=account)
    subprocess.run(relmon(config, "db", "upgrade"), check=True, capture_output=True)
    daemons = [RelmonProcess(config).start() for _ in range(2)]
    relmon_processes.extend(daemons)

    expected = CLIENTS
    daemons[0].wait_until(
        lambda: any(d.events("alerts_evaluated") for d in daemons), "an evaluation", timeout=90
    )
    daemons[0].wait_until(
        lambda: len(smtp_server.inbox.messages) >= expected, "the alert emails", timeout=60
    )
    time.sleep(4)  # deliveries every second: a second copy would have arrived by now
    for daemon in daemons:
        daemon.kill()

    assert sum(bool(d.events("alerts_evaluated")) for d in daemons) == 1
    alerts, events, outbox = stored(store_url)
    assert len(alerts) == CLIENTS and len({(a.client, a.kind) for a in alerts}) == CLIENTS
    assert Counter(e.event for e in events if e.event != "notified") == {"opened": CLIENTS}
    mails = smtp_server.inbox.messages
    assert len(mails) == expected == len(set(smtp_server.inbox.message_ids()))
    assert len(outbox) == expected
