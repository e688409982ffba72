"""Alerts reach the right consultant once, by email, through a real SMTP server, and can be
acknowledged, snoozed and resolved."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from structlog.testing import capture_logs

from monitor.alerts.email_channel import EmailChannel
from monitor.alerts.outbox import dispatch
from monitor.alerts.store import act, events_of, listing
from monitor.app.alerting import deliver, evaluate_alerts, send_alerts, send_digests
from monitor.cli import cli
from monitor.config import Privacy
from monitor.core.detectors import Severity
from monitor.core.model import Message, Noise
from monitor.sources.pipeline import from_raw
from monitor.store.schema import alert_events, outbox
from tests.claims import let_claims_expire
from tests.crashes import crash_setup
from tests.factories import ALICE, BEN, CONFIG, JANA
from tests.scenario import Scenario, at
from tests.servers.smtp import SmtpServer

pytestmark = pytest.mark.live

QUESTION = "Hi Alice,\n\nCould you confirm the revised rollout dates and the budget change before Thursday?\n\nThanks,\nDana"


def utc(text: str) -> datetime:
    return at(text).astimezone(UTC)


@pytest.fixture
def scenario(tmp_path, analyzer, smtp_server):
    s = Scenario(tmp_path, analyzer, extra_config=smtp_server.config())
    yield s
    s.close()


def outbox_rows(scenario) -> list:
    with scenario.runtime.store.engine.connect() as connection:
        return connection.execute(sa.select(outbox).order_by(outbox.c.id)).all()


def test_exactly_one_email_per_transition(scenario, smtp_server) -> None:
    scenario.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)

    # Wed 10:30: 16.5 business hours waiting → warning (digest, no immediate email).
    warn = send_alerts(scenario.runtime, now=utc("Wed 2026-06-03 10:30"))
    again = send_alerts(scenario.runtime, now=utc("Wed 2026-06-03 11:30"))
    # Thu 10:30: 25 business hours → critical: one immediate email.
    critical = send_alerts(scenario.runtime, now=utc("Thu 2026-06-04 10:30"))
    later = send_alerts(scenario.runtime, now=utc("Thu 2026-06-04 15:30"))

    assert [(e["kind"], e["event"], e["severity"]) for e in warn.events] == [
        ("unanswered", "opened", "warning")
    ]
    assert again.events == [] and later.events == []
    assert [(e["event"], e["severity"]) for e in critical.events] == [("worsened", "critical")]
    # The warning went out in Wednesday's digest, the worsening on its own on Thursday: two emails.
    digest, received = smtp_server.inbox.messages
    assert digest.message["Subject"] == "relmon daily digest: 1 warning (2026-06-03)"
    assert received.recipients == ["alice.marsh@northwind-advisory.example"]
    message = received.message
    assert message["Subject"] == "relmon: Acme Logistics is waiting for our reply"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert message["In-Reply-To"] == message["References"]  # threads with the alert's first email
    text = message.get_body(("plain",)).get_content()
    assert text.startswith("CRITICAL: Acme Logistics is waiting for our reply (worse than before)")
    assert (
        "'Revised rollout dates' from dana.whitfield@acme-logistics.example has waited 3.1 working "
        "days (3 days)" in text
    )  # Mon 7.5 + Tue 8.5 + Wed 8.5 + Thu 1.5 = 26 hours of 8.5-hour working days
    html = message.get_body(("html",)).get_content()
    assert (
        "<script" not in html and "http://" not in html and "https://" not in html
    )  # no external content


def test_a_resolved_alert_does_not_mail_again_within_the_cooldown(scenario, smtp_server) -> None:
    question = scenario.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)
    send_alerts(scenario.runtime, now=utc("Thu 2026-06-04 10:30"))
    scenario.we_reply(
        question,
        "Thu 2026-06-04 11:00",
        "Hi Dana,\n\nConfirmed: go-live 14 September, budget as in CR-03.\n\nAlice",
    )
    resolved = send_alerts(scenario.runtime, now=utc("Thu 2026-06-04 12:00"))
    second = scenario.client_writes("Thu 2026-06-04 13:00", "Training schedule", QUESTION)
    assert second is not None
    within = send_alerts(scenario.runtime, now=utc("Tue 2026-06-09 17:00"))

    assert [e["event"] for e in resolved.events] == ["resolved"]
    assert within.events == []  # the condition is back, but the cool-down (7 days) holds it
    assert len(smtp_server.inbox.messages) == 1


def test_a_digest_carries_the_owners_warnings_and_nothing_else(
    tmp_path, analyzer, smtp_server
) -> None:
    from tests import factories

    original = factories.CONFIG
    factories.CONFIG = original + (
        '\n[[clients]]\nname = "Harbour Board"\ndomains = ["harbour-board.example"]\nowner = "alice.marsh@northwind-advisory.example"\n'
        '\n[[clients]]\nname = "Lumen Analytics"\ndomains = ["lumen-analytics.example"]\nowner = "ben.okafor@northwind-advisory.example"\n'
    )
    try:
        s = Scenario(tmp_path, analyzer, extra_config=smtp_server.config())
    finally:
        factories.CONFIG = original
    s.client_writes(
        "Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION
    )  # Acme: will be critical
    s.client_writes(
        "Tue 2026-06-02 12:00",
        "Berth schedule",
        QUESTION.replace("Dana", "Mia"),
        frm="Mia Holt <mia.holt@harbour-board.example>",
    )
    s.client_writes(
        "Tue 2026-06-02 12:00",
        "Data platform",
        QUESTION,
        frm="Sam Reed <sam.reed@lumen-analytics.example>",
        to=BEN,
    )

    result = send_alerts(
        s.runtime, now=utc("Thu 2026-06-04 11:00")
    )  # after Alice's and Ben's 08:00
    again = send_alerts(s.runtime, now=utc("Thu 2026-06-04 15:00"))
    s.close()

    assert result.digests == 2 and again.digests == 0
    subjects = sorted(m.message["Subject"] for m in smtp_server.inbox.messages)
    assert subjects == [
        "relmon daily digest: 1 warning (2026-06-04)",
        "relmon daily digest: 1 warning (2026-06-04)",
        "relmon: Acme Logistics is waiting for our reply",
    ]
    alice_digest = next(
        m
        for m in smtp_server.inbox.messages
        if "digest" in m.message["Subject"] and m.recipients == [ALICE.split("<")[1].rstrip(">")]
    )
    text = alice_digest.message.get_body(("plain",)).get_content()
    assert "Harbour Board is waiting for our reply" in text
    assert "Acme Logistics" not in text  # critical: already mailed on its own
    assert "Lumen" not in text  # Ben's client


def test_a_digest_is_skipped_when_there_is_nothing_to_say(scenario, smtp_server) -> None:
    assert send_digests(scenario.runtime, now=utc("Thu 2026-06-04 09:00")) == 0
    assert smtp_server.inbox.messages == []


def test_a_snoozed_alert_stays_quiet_until_its_time(scenario, smtp_server) -> None:
    scenario.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)
    send_alerts(scenario.runtime, now=utc("Thu 2026-06-04 10:30"))
    (alert,) = listing(scenario.runtime.store.engine)
    act(
        scenario.runtime.store.engine,
        alert.id,
        "snooze",
        utc("Thu 2026-06-04 11:00"),
        by="alice",
        until=utc("Mon 2026-06-08 09:00"),
    )

    quiet = [
        send_alerts(scenario.runtime, now=utc(day))
        for day in ("Fri 2026-06-05 10:00", "Sat 2026-06-06 10:00", "Sun 2026-06-07 10:00")
    ]
    woke = send_alerts(scenario.runtime, now=utc("Mon 2026-06-08 10:00"))

    assert all(r.events == [] for r in quiet)
    assert alert.figures["messages_behind"] == len(alert.evidence) == 1
    assert [e["event"] for e in woke.events] == ["snooze_ended"]
    assert len(smtp_server.inbox.messages) == 2
    reminder = smtp_server.inbox.messages[1].message.get_body(("plain",)).get_content()
    # Raised on Thursday, not when the snooze ended.
    said = "Open since Thu 04 Jun 2026 10:30 BST; the snooze ended Mon 08 Jun 2026 10:00 BST."
    assert said in reminder


def test_an_acknowledged_alert_mails_again_only_when_it_gets_worse(scenario, smtp_server) -> None:
    scenario.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)
    send_alerts(scenario.runtime, now=utc("Wed 2026-06-03 10:30"))  # warning
    (alert,) = listing(scenario.runtime.store.engine)
    act(scenario.runtime.store.engine, alert.id, "ack", utc("Wed 2026-06-03 11:00"), by="alice")

    worse = send_alerts(scenario.runtime, now=utc("Thu 2026-06-04 10:30"))

    assert [e["event"] for e in worse.events] == ["worsened"]
    # Wednesday's digest (the warning), then Thursday's critical despite the acknowledgement.
    assert [m.message["Subject"] for m in smtp_server.inbox.messages] == [
        "relmon daily digest: 1 warning (2026-06-03)",
        "relmon: Acme Logistics is waiting for our reply",
    ]


def test_critical_alerts_wait_for_the_end_of_quiet_hours(tmp_path, analyzer, smtp_server) -> None:
    s = Scenario(
        tmp_path, analyzer, extra_config=smtp_server.config('quiet_hours = "20:00-07:00"\n')
    )
    s.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)

    evening = send_alerts(s.runtime, now=utc("Thu 2026-06-04 22:00"))
    night = deliver(s.runtime, now=utc("Fri 2026-06-05 03:00"))
    morning = deliver(s.runtime, now=utc("Fri 2026-06-05 07:00"))
    s.close()

    assert evening.sent == 0 and night.sent == 0
    assert morning.sent == 1
    assert len(smtp_server.inbox.messages) == 1


def test_smtp_down_leaves_the_email_waiting_however_long_and_nothing_is_lost(
    tmp_path, analyzer
) -> None:
    """An unreachable server is the channel's fault, not the email's: no attempt is counted,
    so an outage longer than the retries last gives nothing up."""
    down = SmtpServer()  # not started: connections are refused
    s = Scenario(tmp_path, analyzer, extra_config=down.config())
    s.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)

    with capture_logs() as logged:
        first = send_alerts(s.runtime, now=utc("Thu 2026-06-04 10:30"))
        for hour in range(14):  # longer than every retry would last
            deliver(s.runtime, now=utc("Thu 2026-06-04 11:00") + timedelta(hours=hour))
    (row,) = outbox_rows(s)
    config = tmp_path / "relmon.toml"
    config.write_text(
        CONFIG + down.config() + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n'
    )
    listing = CliRunner().invoke(cli, ["--config", str(config), "alerts"]).stdout
    down.start()
    try:
        back = deliver(s.runtime, now=utc("Fri 2026-06-05 01:00"))
    finally:
        down.stop()
    (delivered,) = outbox_rows(s)
    s.close()

    assert (first.sent, first.retried, first.failed) == (0, 0, 0)
    assert first.delivery is not None and "cannot reach SMTP server" in first.delivery
    assert row.state == "pending" and row.attempts == 0
    assert "cannot reach SMTP server" in row.last_error
    waits = [e for e in logged if e["event"] == "alert_delivery_waits"]
    assert {(e["log_level"], e["channel"], e["reason"]) for e in waits} == {
        ("warning", "email", row.last_error)
    }
    assert 1 <= len(waits) < 15  # when it stopped and then hourly, not at each of 15 runs
    assert (
        "1 email waiting to be sent. 1 of them after a failed try: cannot reach SMTP"
        in " ".join(listing.split())
    )
    assert back.sent == 1
    assert delivered.state == "sent" and delivered.attempts == 1
    assert len(down.inbox.messages) == 1


def test_the_log_says_why_emails_wait_when_it_starts_hourly_after_and_again_after_a_restart(
    tmp_path, analyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SMTP is down for two hours while deliveries run every ten minutes and a second email is
    queued: the log says why when it stops, then hourly (3 lines, not 13), and once more at
    once after a restart, whatever email is tried."""
    from monitor.alerts import outbox as delivery

    monkeypatch.setattr(delivery, "_waits_said", {})
    down = SmtpServer()  # not started: connections are refused
    s = Scenario(tmp_path, analyzer, extra_config=down.config())
    s.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)
    with capture_logs() as logged:
        send_alerts(s.runtime, now=utc("Thu 2026-06-04 10:30"))
        for minutes in range(10, 121, 10):
            deliver(s.runtime, now=utc("Thu 2026-06-04 10:30") + timedelta(minutes=minutes))
        monkeypatch.setattr(delivery, "_waits_said", {})  # a new process after a restart
        deliver(s.runtime, now=utc("Thu 2026-06-04 12:35"))
    s.close()

    said = [e for e in logged if e["event"] == "alert_delivery_waits"]
    assert len(said) == 4


def test_a_refused_tls_setup_keeps_every_email_waiting_until_the_setting_is_fixed(
    tmp_path, analyzer, smtp_server
) -> None:
    """Rejected credentials or a failed TLS check stop the channel, whatever email is first in
    line: one run after another must not use up the queued alerts."""
    starttls = smtp_server.config().replace('security = "plain"', 'security = "starttls"')
    s = Scenario(tmp_path, analyzer, extra_config=starttls)  # the relay offers no STARTTLS
    s.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)
    s.client_writes(
        "Mon 2026-06-01 11:00",
        "Angebot Wartungsvertrag",
        "Dear Ben, could you send us the maintenance contract offer? Regards, Jana",
        frm=JANA,
        to=BEN,
    )
    first = send_alerts(s.runtime, now=utc("Thu 2026-06-04 10:30"))
    for minute in range(1, 6):
        deliver(s.runtime, now=utc("Thu 2026-06-04 10:30") + timedelta(minutes=minute))
    waiting = outbox_rows(s)
    s.close()
    s = Scenario(tmp_path, analyzer, extra_config=smtp_server.config())  # fixed
    fixed = deliver(s.runtime, now=utc("Thu 2026-06-04 11:00"))
    s.close()

    assert first.delivery is not None and "STARTTLS" in first.delivery
    assert len(waiting) == 2 and all(r.state == "pending" and r.attempts == 0 for r in waiting)
    assert fixed.sent == 2 and fixed.failed == 0
    assert len(smtp_server.inbox.messages) == 2


def test_a_rejected_recipient_is_a_permanent_failure_not_retried_forever(
    scenario, smtp_server
) -> None:
    smtp_server.inbox.reject["alice.marsh@northwind-advisory.example"] = (
        "550 5.1.1 <alice.marsh@northwind-advisory.example>: user unknown"
    )
    scenario.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)

    first = send_alerts(scenario.runtime, now=utc("Thu 2026-06-04 10:30"))
    later = deliver(scenario.runtime, now=utc("Fri 2026-06-05 10:30"))
    (row,) = outbox_rows(scenario)

    assert first.failed == 1 and later.sent == 0 and later.failed == 0
    assert row.state == "failed" and row.attempts == 1
    assert "550" in row.last_error and "user unknown" in row.last_error
    assert smtp_server.inbox.messages == []


def test_an_email_given_up_is_sent_again_by_retry_once_the_server_takes_it(
    scenario, smtp_server, tmp_path
) -> None:
    """GIVEN Thursday's critical alert refused for good (relaying denied: the server is set up
    wrong), WHEN the server is fixed and `relmon alerts retry` names the email relmon alerts
    listed as undelivered, THEN the next delivery sends it once and the alert is notified."""
    alice = "alice.marsh@northwind-advisory.example"
    smtp_server.inbox.reject[alice] = "550 5.7.1 Relaying denied"
    scenario.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)
    refused = send_alerts(scenario.runtime, now=utc("Thu 2026-06-04 10:30"))
    (row,) = outbox_rows(scenario)
    config = tmp_path / "relmon.toml"
    config.write_text(
        CONFIG + smtp_server.config() + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n'
    )
    command = ["--config", str(config), "alerts"]
    listed = CliRunner().invoke(cli, command).stdout
    del smtp_server.inbox.reject[alice]

    unknown = CliRunner().invoke(cli, [*command, "retry", str(row.id + 1)])
    retried = CliRunner().invoke(cli, [*command, "retry", str(row.id)])
    now = datetime.now(UTC)  # the command's clock: the email is due from then
    sent = deliver(scenario.runtime, now=now + timedelta(minutes=1))
    again = deliver(scenario.runtime, now=now + timedelta(minutes=2))
    (alert,) = listing(scenario.runtime.store.engine)

    assert refused.failed == 1 and row.state == "failed"
    assert f"undelivered #{row.id} 'relmon: Acme Logistics is waiting for our reply'" in listed
    assert "550 5.7.1 Relaying denied" in listed
    assert f"Once what failed it is fixed, relmon alerts retry {row.id} sends it again." in listed
    assert unknown.exit_code == 1
    assert f"not sent again: #{row.id + 1}: not given up" in unknown.output
    assert retried.exit_code == 0, retried.output
    assert f"queued again: #{row.id} 'relmon: Acme Logistics" in retried.stdout
    assert (sent.sent, again.sent) == (1, 0)
    assert len(smtp_server.inbox.messages) == 1
    assert alert.state.value == "notified"


def test_a_retry_waits_for_quiet_hours_and_never_sends_what_may_have_arrived(
    tmp_path, analyzer, smtp_server
) -> None:
    """Retried at 23:30 in London, an email waits for 07:00. One the receiver may have taken
    three times already (it took the message and hung up before answering) is not sent again,
    nor, unless named, one given up more than a week ago."""
    from monitor.app.retry import retry_given_up

    s = Scenario(
        tmp_path, analyzer, extra_config=smtp_server.config('quiet_hours = "20:00-07:00"\n')
    )
    for owner in ("alice.marsh", "ben.okafor"):
        smtp_server.inbox.reject[f"{owner}@northwind-advisory.example"] = "550 5.7.1 Denied"
    s.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)
    s.client_writes("Mon 2026-06-01 10:05", "Spindle retrofit", QUESTION, frm=JANA, to=BEN)
    send_alerts(s.runtime, now=utc("Thu 2026-06-04 10:30"))
    first, second = (r.id for r in outbox_rows(s))
    with s.runtime.store.engine.begin() as connection:
        connection.execute(sa.update(outbox).where(outbox.c.id == second).values(unconfirmed=3))
    late = utc("Thu 2026-06-04 23:30")  # London time, as every time here
    taken = (second, "the receiver may already have taken it 3 times")

    stale = retry_given_up(s.runtime, None, late + timedelta(days=8))
    named = retry_given_up(s.runtime, [first, second], late)
    s.close()

    assert stale.queued == []
    assert stale.left == [(first, "given up over 7 days ago: name it"), taken]
    assert [(q.ident, q.due) for q in named.queued] == [(first, utc("Fri 2026-06-05 07:00"))]
    assert named.left == [taken]


def test_the_process_killed_between_commit_and_send_delivers_the_email_once_after_restart(
    tmp_path, smtp_server
) -> None:
    command = crash_setup(tmp_path, f"sqlite:///{tmp_path / 'relmon.db'}", smtp_server)

    crashed = subprocess.run(
        [*command, "alerts", "send"],
        env={**os.environ, "RELMON_CRASH_AT": "alerts-committed"},
        capture_output=True,
    )
    queued = subprocess.run(
        [*command, "alerts", "--json"], check=True, capture_output=True, text=True
    )
    restarted = subprocess.run(
        [*command, "alerts", "send"], check=True, capture_output=True, text=True
    )
    again = subprocess.run([*command, "alerts", "send"], check=True, capture_output=True, text=True)

    assert crashed.returncode == 137
    assert '"pending": 1' in queued.stdout  # the transition and its email were committed together
    assert "1 email sent" in restarted.stdout and "0 emails sent" in again.stdout
    assert len(smtp_server.inbox.messages) == 1


def test_a_crash_after_sending_redelivers_the_same_message_id(
    tmp_path, analyzer, smtp_server
) -> None:
    s = Scenario(tmp_path, analyzer, extra_config=smtp_server.config())
    s.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)
    evaluate_alerts(s.runtime, now=utc("Thu 2026-06-04 10:30"))
    engine = s.runtime.store.engine

    class SentThenCrashed:
        """Delivers, then the process 'dies' before recording it."""

        def send(self, raw, sender, recipients):
            from tests.servers.smtp import Received

            smtp_server.inbox.messages.append(Received(sender, list(recipients), raw))
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        dispatch(
            engine,
            {
                "email": EmailChannel(
                    "relmon@northwind-advisory.example", transport=SentThenCrashed()
                )
            },
            now=utc("Thu 2026-06-04 10:30"),
            max_attempts=5,
        )
    too_soon = deliver(
        s.runtime, now=utc("Thu 2026-06-04 10:45")
    )  # the dead worker's claim still holds, whatever the time says
    let_claims_expire(engine)  # ten minutes by the database's clock
    after_claim = deliver(s.runtime, now=utc("Thu 2026-06-04 10:45"))
    s.close()

    assert too_soon.sent == 0 and after_claim.sent == 1
    assert len(smtp_server.inbox.messages) == 2
    assert len(set(smtp_server.inbox.message_ids())) == 1  # the receiver sees one Message-ID


def test_two_workers_never_send_the_same_email(tmp_path, analyzer, smtp_server) -> None:
    from tests import factories

    original = factories.CONFIG
    factories.CONFIG = original + "".join(
        f'\n[[clients]]\nname = "Client {n}"\ndomains = ["client{n}.example"]\nowner = "alice.marsh@northwind-advisory.example"\n'
        for n in range(8)
    )
    try:
        s = Scenario(tmp_path, analyzer, extra_config=smtp_server.config())
    finally:
        factories.CONFIG = original
    for n in range(8):
        s.client_writes(
            "Mon 2026-06-01 10:00", f"Question {n}", QUESTION, frm=f"Pat <pat@client{n}.example>"
        )
    evaluate_alerts(s.runtime, now=utc("Thu 2026-06-04 10:30"))
    sends: list[str] = []

    class Slow:
        def send(self, raw, sender, recipients):
            time.sleep(0.05)
            sends.append(raw.split(b"Message-ID: ")[1].split(b"\r\n")[0].decode())

    workers = [
        threading.Thread(
            target=dispatch,
            args=(
                s.runtime.store.engine,
                {"email": EmailChannel("relmon@x.example", transport=Slow())},
            ),
            kwargs={
                "now": utc("Thu 2026-06-04 10:31"),
                "max_attempts": 5,
                "worker": name,
            },
        )
        for name in ("one", "two")
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    s.close()

    assert len(sends) == 8
    assert len(set(sends)) == 8


def test_hostile_subjects_and_names_produce_a_safe_email(scenario, smtp_server) -> None:
    hostile = (
        "=?UTF-8?Q?Invoice=0D=0ABcc:_victim@attacker.example?= <script>alert('x')</script> \u202egnp.exe "
        + "A" * 2000
    )
    scenario.client_writes(
        "Mon 2026-06-01 10:00",
        hostile,
        QUESTION,
        frm="=?UTF-8?Q?Dana=E2=80=AE=0D=0ABcc:_evil@attacker.example?= <dana.whitfield@acme-logistics.example>",
    )

    send_alerts(scenario.runtime, now=utc("Thu 2026-06-04 10:30"))

    (received,) = smtp_server.inbox.messages
    raw = received.raw
    message = received.message
    assert received.recipients == ["alice.marsh@northwind-advisory.example"]
    assert message["Bcc"] is None and b"victim@attacker.example\r\n" not in raw
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "\u202e" not in html and "\u202e" not in text and "\u202e" not in str(message["Subject"])
    assert len(str(message["Subject"])) < 200


def test_alert_emails_parse_back_as_auto_generated_and_are_ignored_if_ingested(
    scenario, smtp_server, analyzer
) -> None:
    scenario.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)
    send_alerts(scenario.runtime, now=utc("Thu 2026-06-04 10:30"))
    (received,) = smtp_server.inbox.messages

    parsed = from_raw(received.raw, analyzer=analyzer, privacy=Privacy())

    assert received.message["Auto-Submitted"] == "auto-generated"
    assert isinstance(parsed, Message)
    assert parsed.noise is Noise.OWN_ALERT and not parsed.needs_reply


def test_an_account_whose_credentials_stopped_working_alerts_the_operator_once(
    tmp_path, analyzer, smtp_server
) -> None:
    from monitor.store.sources import record_attempt

    account = '\n[[accounts]]\nname = "ben-imap"\nkind = "maildir"\npath = "/srv/mail/ben"\n'
    s = Scenario(tmp_path, analyzer, extra_config=account + smtp_server.config())
    for hour in range(3):
        record_attempt(
            s.runtime.store.engine,
            "ben-imap",
            now=utc(f"Mon 2026-06-01 1{hour}:00"),
            error_kind="auth",
            error="LOGIN failed: invalid credentials",
            escalate_after=3,
        )

    first = send_alerts(s.runtime, now=utc("Mon 2026-06-01 13:00"))
    second = send_alerts(s.runtime, now=utc("Mon 2026-06-01 14:00"))
    s.close()

    assert [(e["kind"], e["event"]) for e in first.events] == [("account", "opened")]
    assert second.events == []
    (received,) = smtp_server.inbox.messages
    assert received.recipients == ["it@northwind-advisory.example"]
    assert received.message["Subject"] == "relmon: account ben-imap needs attention"
    assert "invalid credentials" in received.message.get_body(("plain",)).get_content()


def test_each_past_day_of_a_trend_is_computed_once_for_the_kept_answers_and_the_emails(
    scenario, smtp_server, monkeypatch
) -> None:
    import monitor.app.trends as trends

    calls: list[tuple[str, datetime]] = []
    real = trends.health_at

    def counting(history, now):
        calls.append((history.context.name, now))
        return real(history, now)

    monkeypatch.setattr(trends, "health_at", counting)
    scenario.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)

    send_alerts(scenario.runtime, now=utc("Wed 2026-06-03 10:30"))  # a warning: digest only
    first = len(calls)
    send_alerts(scenario.runtime, now=utc("Thu 2026-06-04 10:30"))  # critical: one email

    # The first pass keeps every client's trend for `relmon health`; the next computes only
    # the day that has ended since (and the email's last day where its owner's zone ends the
    # day at another instant): every other day is read back.
    clients = len(scenario.runtime.config.clients)
    assert first == 29 * clients
    assert len(set(calls)) == len(calls)
    assert clients <= len(calls) - first <= 2 * clients
    assert len(smtp_server.inbox.messages) == 2


def test_an_alert_emails_trend_reads_back_the_days_the_nightly_job_kept(
    scenario, monkeypatch
) -> None:
    import monitor.app.notifications as notifications
    import monitor.app.trends as trends
    from monitor.app.notifications import ClientFacts

    scenario.weekly_history("2026-03-02 10:00", 12)
    scenario.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)
    now = utc("Thu 2026-06-04 10:30")
    evaluation = scenario.evaluation(now)
    client = next(c for c in scenario.runtime.config.clients if c.name == "Acme Logistics")
    history = evaluation.histories[client.name]
    report = evaluation.report(client.name, now)
    scratch = ClientFacts(history, report, client.owner, client_zone(scenario, client), now).trend
    trends.keep_for_trends(scenario.runtime, now)

    def not_again(history, now):  # type: ignore[no-untyped-def]
        raise AssertionError(f"{now} was kept and is computed again")

    monkeypatch.setattr(trends, "health_at", not_again)
    monkeypatch.setattr(notifications, "analyse", not_again)
    kept = ClientFacts.kept_by(scenario.runtime, client, history, report, now).trend

    assert kept == scratch
    assert len(kept) == 30
    assert any(score is not None for score in kept)


def client_zone(scenario, client):  # type: ignore[no-untyped-def]
    return scenario.runtime.config.owner_tz(client.owner)


def test_every_transition_is_recorded_with_its_time(scenario, smtp_server) -> None:
    scenario.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)
    send_alerts(scenario.runtime, now=utc("Wed 2026-06-03 10:30"))
    send_alerts(scenario.runtime, now=utc("Thu 2026-06-04 10:30"))
    (alert,) = listing(scenario.runtime.store.engine)
    act(scenario.runtime.store.engine, alert.id, "ack", utc("Thu 2026-06-04 11:00"), by="alice")

    with scenario.runtime.store.engine.connect() as connection:
        events = connection.execute(
            sa.select(alert_events.c.event, alert_events.c.severity, alert_events.c.by).order_by(
                alert_events.c.id
            )
        ).all()

    assert [tuple(e) for e in events] == [
        ("opened", "warning", "relmon"),
        ("notified", "warning", "relmon"),  # carried by Wednesday's digest
        ("worsened", "critical", "relmon"),
        ("notified", "critical", "relmon"),
        ("acknowledged", "critical", "alice"),
    ]


def test_an_evaluation_that_changes_nothing_writes_no_alert_row(scenario) -> None:
    scenario.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)
    scenario.evaluation(utc("Wed 2026-06-03 10:30"))  # threads the stored mail
    engine = scenario.runtime.store.engine
    evaluate_alerts(scenario.runtime, now=utc("Wed 2026-06-03 10:30"))
    writes: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("UPDATE ALERTS"):
            writes.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        same = evaluate_alerts(scenario.runtime, now=utc("Wed 2026-06-03 10:30"))
        unchanged = len(writes)
        later = evaluate_alerts(scenario.runtime, now=utc("Thu 2026-06-04 10:30"))
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)

    assert same.events == [] and unchanged == 0  # the open warning already says all of it
    assert [e["event"] for e in later.events] == ["worsened"] and len(writes) > unchanged


def test_acknowledging_again_changes_nothing_until_the_alert_gets_worse(scenario) -> None:
    """A second acknowledgement of a warning is refused and records nothing (the owner's
    report would list it twice); once the alert is critical, acknowledging it means something
    again."""
    engine = scenario.runtime.store.engine
    scenario.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)
    send_alerts(scenario.runtime, now=utc("Wed 2026-06-03 10:30"))  # warning
    (alert,) = listing(engine)
    act(engine, alert.id, "ack", utc("Wed 2026-06-03 11:00"), by="alice")

    with pytest.raises(ValueError, match=f"alert {alert.id} is already acknowledged"):
        act(engine, alert.id, "ack", utc("Wed 2026-06-03 15:00"), by="alice")
    send_alerts(scenario.runtime, now=utc("Thu 2026-06-04 10:30"))  # critical
    again = act(engine, alert.id, "ack", utc("Thu 2026-06-04 11:00"), by="alice")

    acknowledged = [e["at"] for e in events_of(engine, alert.id) if e["event"] == "acknowledged"]
    assert again.state.value == "acknowledged"
    assert acknowledged == [utc("Wed 2026-06-03 11:00"), utc("Thu 2026-06-04 11:00")]


def test_an_alert_acknowledged_after_it_worsened_while_snoozed_stays_quiet(
    scenario, smtp_server
) -> None:
    """GIVEN Wednesday's warning snoozed, and critical on Thursday while snoozed (quietly),
    WHEN Alice acknowledges it on Thursday, THEN she has seen it at critical: a second
    acknowledgement changes nothing, and the evaluations after it send nothing."""
    engine = scenario.runtime.store.engine
    scenario.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)
    send_alerts(scenario.runtime, now=utc("Wed 2026-06-03 10:30"))  # a warning, in the digest
    (alert,) = listing(engine)
    until = utc("Fri 2026-06-05 11:00")
    act(engine, alert.id, "snooze", utc("Wed 2026-06-03 11:00"), by="alice", until=until)
    send_alerts(scenario.runtime, now=utc("Thu 2026-06-04 10:30"))  # critical, snoozed
    acknowledged = act(engine, alert.id, "ack", utc("Thu 2026-06-04 11:00"), by="alice")
    mailed = len(smtp_server.inbox.messages)

    with pytest.raises(ValueError, match="already acknowledged"):
        act(engine, alert.id, "ack", utc("Thu 2026-06-04 11:10"), by="alice")
    later = [
        send_alerts(scenario.runtime, now=utc(f"Thu 2026-06-04 {hour}:00")) for hour in ("12", "18")
    ]

    assert (acknowledged.severity.value, acknowledged.peak) == ("critical", Severity.CRITICAL)
    assert [r.events for r in later] == [[], []]
    assert len(smtp_server.inbox.messages) == mailed
