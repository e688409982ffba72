"""What an owner receives, through a real SMTP server: one email per client and evaluation,
figures and advice a person reads, a test email that sends only itself, emails superseded by
what the owner did first, and a Date that says when the email left."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from monitor.alerts import smtp
from monitor.alerts.channel import DeliveryError
from monitor.alerts.smtp import SmtpTransport
from monitor.alerts.store import Action, act, listing
from monitor.app.alerting import deliver, evaluate_alerts, send_alerts
from monitor.app.runtime import Runtime
from monitor.cli import cli
from monitor.config import Smtp, load_config_text
from monitor.store.schema import outbox
from tests.factories import CONFIG
from tests.scenario import Scenario, at

pytestmark = pytest.mark.live

QUESTION = (
    "Hi Alice,\n\nCould you send the revised rollout plan with the new go-live dates before "
    "the steering meeting?\n\nThanks,\nHelen"
)
HELEN = "Helen Park <helen.park@acme-logistics.example>"


def utc(text: str) -> datetime:
    return at(text).astimezone(UTC)


@pytest.fixture
def scenario(tmp_path, analyzer, smtp_server):
    s = Scenario(tmp_path, analyzer, extra_config=smtp_server.config())
    yield s
    s.close()


def _text(received) -> str:
    return received.message.get_body(("plain",)).get_content()


def _states(scenario) -> list[str]:
    with scenario.runtime.store.engine.connect() as connection:
        return list(connection.execute(sa.select(outbox.c.state).order_by(outbox.c.id)).scalars())


def test_a_silent_client_due_a_check_in_is_one_email_listing_both(scenario, smtp_server) -> None:
    """GIVEN a client who wrote weekly until mid-April, answered each time
    WHEN silence and the overdue check-in turn critical in the same evaluation
    THEN the owner gets one email that lists both, not two in the same minute."""
    scenario.weekly_history("Mon 2026-02-02 10:00", 11)

    result = send_alerts(scenario.runtime, now=utc("Mon 2026-06-01 10:00"))

    kinds = sorted((e["kind"], e["severity"]) for e in result.events)
    assert kinds == [("checkin_due", "critical"), ("silence", "critical")]
    (received,) = smtp_server.inbox.messages
    text = _text(received)
    assert received.message["Subject"] in (
        "relmon: Acme Logistics: 2 alerts (has gone quiet; is due a check-in)",
        "relmon: Acme Logistics: 2 alerts (is due a check-in; has gone quiet)",
    )
    assert "CRITICAL: Acme Logistics" in text and text.count("CRITICAL:") == 2
    assert "relmon alerts ack" in text
    # Both alerts are notified by the one email.
    assert {a.state.value for a in listing(scenario.runtime.store.engine)} == {"notified"}


def test_an_unanswered_alert_says_who_waits_since_when_and_to_reply(scenario, smtp_server) -> None:
    scenario.client_writes("Mon 2026-06-01 10:00", "Revised rollout plan", QUESTION, frm=HELEN)

    send_alerts(scenario.runtime, now=utc("Thu 2026-06-04 10:30"))

    (received,) = smtp_server.inbox.messages
    text = _text(received)
    assert "What to do: Helen Park has waited 3.1 working days" in text
    assert "for an answer to \u2018Revised rollout plan\u2019" in text
    assert "Reply today" in text
    assert "Mon 01 Jun 2026 10:00 BST" in text  # year and zone, in the owner's zone
    # Figures a person understands, with their baseline; no detector internals.
    assert "The oldest has waited 3.1 working days (3 days on the calendar)" in text
    assert "Our reply target: within 16 working hours; overdue after 24 working hours" in text
    for internal in ("sla warning hours", "oldest business hours", "points:", "Figures:"):
        assert internal not in text


def test_a_test_email_sends_only_itself(scenario, smtp_server, tmp_path) -> None:
    """GIVEN an alert email queued during quiet hours and not yet sent
    WHEN the operator sends a test email
    THEN only the test email leaves; the alert email keeps waiting."""
    scenario.client_writes("Mon 2026-06-01 10:00", "Revised rollout plan", QUESTION, frm=HELEN)
    evaluate_alerts(scenario.runtime, now=utc("Thu 2026-06-04 10:30"))
    config = tmp_path / "relmon.toml"
    from tests.factories import CONFIG

    url = scenario.runtime.config.store.url
    config.write_text(CONFIG + smtp_server.config() + f'\n[store]\nurl = "{url}"\n')

    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "alerts", "test-email", "ops@northwind-advisory.example"],
    )

    assert result.exit_code == 0, result.output
    (received,) = smtp_server.inbox.messages
    assert received.message["Subject"] == "relmon test email"
    assert _states(scenario) == ["pending", "sent"]


def test_an_email_whose_alert_was_acknowledged_before_it_left_is_superseded(
    scenario, smtp_server
) -> None:
    scenario.client_writes("Mon 2026-06-01 10:00", "Revised rollout plan", QUESTION, frm=HELEN)
    evaluate_alerts(scenario.runtime, now=utc("Thu 2026-06-04 10:30"))
    (alert,) = listing(scenario.runtime.store.engine)
    act(
        scenario.runtime.store.engine, alert.id, Action.ACK, utc("Thu 2026-06-04 10:40"), by="alice"
    )

    result = deliver(scenario.runtime, now=utc("Thu 2026-06-04 10:45"))

    assert smtp_server.inbox.messages == []
    assert result.superseded == 1 and result.sent == 0
    assert _states(scenario) == ["superseded"]


def test_a_delayed_email_is_dated_when_sent_and_says_when_the_alert_was_raised(
    tmp_path, analyzer, smtp_server
) -> None:
    s = Scenario(
        tmp_path, analyzer, extra_config=smtp_server.config('quiet_hours = "20:00-07:00"\n')
    )
    s.client_writes("Mon 2026-06-01 10:00", "Revised rollout plan", QUESTION, frm=HELEN)
    # Raised at 22:00 inside quiet hours: the email waits until 07:00.
    evaluate_alerts(s.runtime, now=utc("Thu 2026-06-04 22:00"))
    sent_at = utc("Fri 2026-06-05 07:05")
    deliver(s.runtime, now=sent_at)
    s.close()

    (received,) = smtp_server.inbox.messages
    assert parsedate_to_datetime(str(received.message["Date"])) == sent_at
    assert "Raised Thu 04 Jun 2026 22:00 BST." in _text(received)


def test_the_date_header_is_replaced_without_touching_the_message_id() -> None:
    from monitor.alerts.email_channel import dated
    from monitor.alerts.render import test_email

    written = datetime(2026, 6, 4, 21, 0, tzinfo=UTC)
    message = test_email(
        recipient="alice.marsh@northwind-advisory.example",
        sender="relmon@northwind-advisory.example",
        sender_name="relmon",
        when=written,
    )
    raw = message.as_bytes()

    later = dated(raw, written + timedelta(hours=10))

    assert b"Date: Fri, 05 Jun 2026 07:00:00 +0000\r\n" in later
    assert later.replace(b"Fri, 05 Jun 2026 07:00:00", b"") == raw.replace(
        b"Thu, 04 Jun 2026 21:00:00", b""
    )


def test_an_email_about_two_alerts_still_leaves_while_one_needs_attention(
    scenario, smtp_server
) -> None:
    scenario.weekly_history("Mon 2026-02-02 10:00", 11)
    evaluate_alerts(scenario.runtime, now=utc("Mon 2026-06-01 10:00"))
    silence = next(a for a in listing(scenario.runtime.store.engine) if a.kind == "silence")
    until = utc("Mon 2026-06-08 10:00")
    engine = scenario.runtime.store.engine
    act(engine, silence.id, Action.SNOOZE, utc("Mon 2026-06-01 10:05"), by="alice", until=until)

    result = deliver(scenario.runtime, now=utc("Mon 2026-06-01 10:10"))

    assert result.sent == 1 and result.superseded == 0
    (received,) = smtp_server.inbox.messages
    assert "has gone quiet" in _text(received) and "is due a check-in" in _text(received)


ALERT = (
    b"From: relmon <relmon@northwind-advisory.example>\r\n"
    b"To: =?utf-8?q?J=C3=BCrgen?= <j\xc3\xbcrgen@northwind-advisory.example>\r\n"
    b"Subject: Falkenberg: waiting 3 working days for our reply\r\n"
    b"Message-ID: <relmon.alert.7@northwind-advisory.example>\r\n\r\n"
    b"Jana Vogel's offer request has waited 3 working days.\r\n"
)


def test_an_owner_whose_address_is_not_ascii_gets_the_alert_through_smtputf8(smtp_server) -> None:
    transport = SmtpTransport(Smtp(host="127.0.0.1", port=smtp_server.port, security="plain"))

    transport.send(
        ALERT, "relmon@northwind-advisory.example", ["jürgen@northwind-advisory.example"]
    )

    assert smtp_server.inbox.message_ids() == ["<relmon.alert.7@northwind-advisory.example>"]


def test_an_address_beyond_ascii_through_a_server_without_smtputf8_is_a_clear_failure() -> None:
    class NoUtf8:
        def ehlo_or_helo_if_needed(self) -> None:
            pass

        def has_extn(self, name: str) -> bool:
            return False

    with pytest.raises(DeliveryError, match="SMTPUTF8") as raised:
        smtp._utf8(NoUtf8(), ["relmon@northwind-advisory.example", "jürgen@example.org"])  # type: ignore[arg-type]
    assert raised.value.permanent and not raised.value.stop
    assert smtp._utf8(NoUtf8(), ["alice.marsh@northwind-advisory.example"]) == ()  # type: ignore[arg-type]


def _handed_to_ben(scenario: Scenario, tmp_path, analyzer, extra: str) -> Scenario:
    """The same store, reopened after Acme Logistics was given to Ben in the configuration."""
    alice = 'owner = "alice.marsh@northwind-advisory.example"'
    ben = 'owner = "ben.okafor@northwind-advisory.example"'
    return _reconfigured(scenario, tmp_path, analyzer, extra, alice, ben)


def _reconfigured(
    scenario: Scenario, tmp_path, analyzer, extra: str, old: str, new: str
) -> Scenario:
    """The same store, reopened after ``old`` became ``new`` in the configuration."""
    scenario.close()
    text = CONFIG.replace(old, new, 1)
    handed = Scenario.__new__(Scenario)
    handed.analyzer = analyzer
    handed.runtime = Runtime.open(
        load_config_text(text + extra + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n'),
        analyzer=analyzer,
    )
    return handed


def _held_for_alice(tmp_path, analyzer, extra: str) -> Scenario:
    """Helen's question unanswered since Monday; Alice's critical alert raised at 22:00 on
    Thursday, its email held by quiet hours (``extra``) until 07:00."""
    alice_days = Scenario(tmp_path, analyzer, extra_config=extra)
    alice_days.client_writes("Mon 2026-06-01 10:00", "Revised rollout plan", QUESTION, frm=HELEN)
    evaluate_alerts(alice_days.runtime, now=utc("Thu 2026-06-04 22:00"))
    return alice_days


def test_an_alert_held_by_quiet_hours_goes_to_the_new_owner_when_the_client_is_handed_over(
    tmp_path, analyzer, smtp_server
) -> None:
    """GIVEN Helen's question unanswered since Monday, and Alice's critical alert raised at
    22:00 on Thursday, held by quiet hours until 07:00
    WHEN Acme Logistics is given to Ben before the email leaves
    THEN Ben gets the alert, said to be his client now, and Alice's email is not sent."""
    extra = smtp_server.config('quiet_hours = "20:00-07:00"\n')
    alice_days = _held_for_alice(tmp_path, analyzer, extra)

    ben_days = _handed_to_ben(alice_days, tmp_path, analyzer, extra)
    evaluate_alerts(ben_days.runtime, now=utc("Fri 2026-06-05 06:30"))
    result = deliver(ben_days.runtime, now=utc("Fri 2026-06-05 07:05"))
    (alert,) = listing(ben_days.runtime.store.engine)
    states = _states(ben_days)
    ben_days.close()

    (received,) = smtp_server.inbox.messages
    assert received.recipients == ["ben.okafor@northwind-advisory.example"]
    assert "CRITICAL: Acme Logistics is waiting for our reply (now your client)" in _text(received)
    # Raised for Alice on Thursday at 22:00, not when it became Ben's.
    said = "Open since Thu 04 Jun 2026 22:00 BST; yours since Fri 05 Jun 2026 06:30 BST."
    assert said in _text(received)
    assert (result.sent, result.superseded) == (1, 1) and states == ["superseded", "sent"]
    assert alert.owner == "ben.okafor@northwind-advisory.example"


def test_an_alert_the_old_owner_acknowledged_is_told_to_the_new_owner_once(
    tmp_path, analyzer, smtp_server
) -> None:
    """Alice was told and acknowledged; Ben, who takes the client over, has not been told."""
    extra = smtp_server.config()
    alice_days = Scenario(tmp_path, analyzer, extra_config=extra)
    alice_days.client_writes("Mon 2026-06-01 10:00", "Revised rollout plan", QUESTION, frm=HELEN)
    send_alerts(alice_days.runtime, now=utc("Thu 2026-06-04 10:30"))
    (alert,) = listing(alice_days.runtime.store.engine)
    act(
        alice_days.runtime.store.engine,
        alert.id,
        Action.ACK,
        utc("Thu 2026-06-04 11:00"),
        by="alice",
    )

    ben_days = _handed_to_ben(alice_days, tmp_path, analyzer, extra)
    send_alerts(ben_days.runtime, now=utc("Thu 2026-06-04 14:00"))
    send_alerts(ben_days.runtime, now=utc("Thu 2026-06-04 15:00"))
    (handed,) = listing(ben_days.runtime.store.engine)
    ben_days.close()

    to = [m.recipients for m in smtp_server.inbox.messages]
    assert to == [
        ["alice.marsh@northwind-advisory.example"],
        ["ben.okafor@northwind-advisory.example"],
    ]
    assert handed.id == alert.id and handed.state.value == "notified"


def test_a_client_renamed_in_the_configuration_keeps_its_alerts_and_mails_nobody(
    tmp_path, analyzer, smtp_server
) -> None:
    """GIVEN Alice told of Helen's unanswered question and snoozing the alert for two days
    WHEN "Acme Logistics" is renamed "Acme Logistics Ltd" in the configuration
    THEN the alert is the renamed client's, still snoozed; no new alert, no first-run summary."""
    extra = smtp_server.config()
    before = Scenario(tmp_path, analyzer, extra_config=extra)
    before.client_writes("Mon 2026-06-01 10:00", "Revised rollout plan", QUESTION, frm=HELEN)
    send_alerts(before.runtime, now=utc("Thu 2026-06-04 10:30"))
    (alert,) = listing(before.runtime.store.engine)
    snoozed_at = utc("Thu 2026-06-04 11:00")
    act(
        before.runtime.store.engine,
        alert.id,
        Action.SNOOZE,
        snoozed_at,
        by="alice",
        until=snoozed_at + timedelta(days=2),
    )

    renamed = _reconfigured(
        before, tmp_path, analyzer, extra, 'name = "Acme Logistics"', 'name = "Acme Logistics Ltd"'
    )
    send_alerts(renamed.runtime, now=utc("Thu 2026-06-04 15:00"))
    alerts = listing(renamed.runtime.store.engine, include_resolved=True)
    renamed.close()

    assert len(smtp_server.inbox.messages) == 1  # Alice's first email, nothing since
    assert [(a.id, a.client, a.state.value) for a in alerts] == [
        (alert.id, "Acme Logistics Ltd", "snoozed")
    ]


ALICE_OWNS = 'owner = "alice.marsh@northwind-advisory.example"'
ALIAS_OWNS = 'owner = "a.marsh@northwind-advisory.example"'


def _alice_with_alias(tmp_path, analyzer, extra: str) -> tuple[str, Scenario]:
    """Alice with the alias a.marsh@, Helen's question unanswered since Monday: the
    configuration's text and the world (a store of its own, under ``tmp_path``)."""
    member = 'address = "alice.marsh@northwind-advisory.example"\n'
    text = CONFIG.replace(member, member + 'aliases = ["a.marsh@northwind-advisory.example"]\n')
    text += extra + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n'
    world = Scenario.__new__(Scenario)
    world.runtime = Runtime.open(load_config_text(text), analyzer=analyzer)
    world.analyzer = analyzer
    world.client_writes("Mon 2026-06-01 10:00", "Revised rollout plan", QUESTION, frm=HELEN)
    return text, world


def test_naming_the_owner_by_an_alias_hands_nothing_over(tmp_path, analyzer, smtp_server) -> None:
    """Alice's alias is still Alice: changing the owner line to it mails her nothing."""
    text, world = _alice_with_alias(tmp_path, analyzer, smtp_server.config())
    send_alerts(world.runtime, now=utc("Thu 2026-06-04 10:30"))
    world.runtime.close()

    renamed = text.replace(ALICE_OWNS, ALIAS_OWNS, 1)
    runtime = Runtime.open(load_config_text(renamed), analyzer=analyzer)
    send_alerts(runtime, now=utc("Thu 2026-06-04 14:00"))
    (alert,) = listing(runtime.store.engine)
    runtime.close()

    assert len(smtp_server.inbox.messages) == 1  # the first email only
    assert alert.state.value == "notified"


def test_an_email_held_by_quiet_hours_still_leaves_when_the_owner_is_renamed_to_an_alias(
    tmp_path, analyzer, smtp_server
) -> None:
    """GIVEN Alice's critical alert raised at 22:00, held by quiet hours until 07:00
    WHEN the owner line is changed to Alice's alias before it leaves
    THEN Alice still gets it at 07:00: the same person, nothing handed over, nothing dropped."""
    extra = smtp_server.config('quiet_hours = "20:00-07:00"\n')
    text, world = _alice_with_alias(tmp_path, analyzer, extra)
    evaluate_alerts(world.runtime, now=utc("Thu 2026-06-04 22:00"))
    world.runtime.close()

    renamed = text.replace(ALICE_OWNS, ALIAS_OWNS, 1)
    world.runtime = Runtime.open(load_config_text(renamed), analyzer=analyzer)
    evaluate_alerts(world.runtime, now=utc("Fri 2026-06-05 06:30"))
    result = deliver(world.runtime, now=utc("Fri 2026-06-05 07:05"))
    states = _states(world)
    world.close()

    (received,) = smtp_server.inbox.messages
    assert received.recipients == ["alice.marsh@northwind-advisory.example"]
    assert (result.sent, result.superseded, states) == (1, 0, ["sent"])


def test_a_client_handed_over_and_back_before_its_email_left_mails_its_owner_once(
    tmp_path, analyzer, smtp_server
) -> None:
    """GIVEN Alice's alert email held by quiet hours, WHEN Acme Logistics goes to Ben and comes
    back to Alice before 07:00, THEN Alice gets one email (hers again), Ben none."""
    extra = smtp_server.config('quiet_hours = "20:00-07:00"\n')
    alice_days = _held_for_alice(tmp_path, analyzer, extra)
    ben_days = _handed_to_ben(alice_days, tmp_path, analyzer, extra)
    evaluate_alerts(ben_days.runtime, now=utc("Thu 2026-06-04 23:00"))
    ben = 'owner = "ben.okafor@northwind-advisory.example"'
    back = _reconfigured(ben_days, tmp_path, analyzer, extra, ben, ben)  # Alice's again
    evaluate_alerts(back.runtime, now=utc("Fri 2026-06-05 06:00"))
    deliver(back.runtime, now=utc("Fri 2026-06-05 07:05"))
    back.close()

    to = [m.recipients for m in smtp_server.inbox.messages]
    assert to == [["alice.marsh@northwind-advisory.example"]]
