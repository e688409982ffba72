"""An owner acts on an alert by replying to its email ("ack", "snooze 3d", "resolve"): relmon
sees the reply in the owner's own Sent folder and applies it once. Nothing that merely arrives
claiming to be from the owner can do it.

Dana Whitfield (Acme Logistics) asks Alice a question on Monday and nobody answers; on Thursday
the alert is critical and relmon emails Alice. Alice answers the alert email from her mail
program; her reply sits in her Sent folder, which relmon reads (a real Dovecot over IMAP, or
Microsoft Graph's Sent Items through the fake Graph service).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from structlog.testing import capture_logs

from monitor.alerts.store import events_of, get, listing
from monitor.app.alerting import send_alerts, send_digests
from monitor.app.runtime import Runtime
from monitor.app.sync import sync_account
from monitor.config import Privacy
from monitor.core.alerts import State
from monitor.store.replies import outcomes
from monitor.store.schema import messages, outbox
from tests.factories import ALICE, BEN, email, team_config
from tests.fakes.fixtures import World, client_message
from tests.fakes.graph import FakeMessage
from tests.servers.dovecot import Dovecot

RELMON = "relmon@northwind-advisory.example"
ALICE_ADDRESS = "alice.marsh@northwind-advisory.example"
# Alerts go out at once (no dry run, no first-run summary): this is about replying to one.
ALERTS = f'\n[alerts]\nfrom = "{RELMON}"\ndry_run = false\nfirst_run = "alerts"\n'
#: Alice's mailbox at Google Workspace, read over IMAP (never connected to in these tests).
ALICE_AT_GMAIL = (
    '\n[[accounts]]\nname = "alice"\nkind = "imap"\nhost = "imap.gmail.com"\n'
    f'username = "{ALICE_ADDRESS}"\npassword_env = "RELMON_TEST_GMAIL_PASSWORD"\n'
)
MONDAY = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # 10:00 in London
THURSDAY = datetime(2026, 6, 4, 9, 30, tzinfo=UTC)
QUESTION = (
    "Hi Alice,\n\nCould you confirm the revised rollout dates and the budget change before "
    "Thursday?\n\nThanks,\nDana"
)


def alert_email_id(runtime: Runtime) -> str:
    """The Message-ID of the (only) alert email relmon queued."""
    with runtime.store.engine.connect() as connection:
        ids = connection.execute(
            sa.select(outbox.c.message_id).where(outbox.c.kind == "alert")
        ).scalars()
        (found,) = list(ids)
    return found.strip("<>")


def reply_to_alert(
    alert_id: str, body: str, *, at: datetime, frm: str = ALICE, ident: str = "r1"
) -> bytes:
    """Alice's reply to relmon's alert email, as her mail program writes it."""
    return email(
        frm=frm,
        to=f"relmon <{RELMON}>",
        subject="Re: relmon: Acme Logistics is waiting for our reply",
        body=f"{body}\n\nOn Thu, 4 Jun 2026 at 10:30, relmon <{RELMON}> wrote:\n"
        "> CRITICAL: Acme Logistics is waiting for our reply\n",
        date=at,
        message_id=f"{ident}.{at:%H%M}@northwind-advisory.example",
        in_reply_to=alert_id,
    )


@pytest.fixture
def imap_world(dovecot: Dovecot, tmp_path: Path, analyzer):
    """Alice's mailbox on Dovecot; an unanswered question from Dana; a critical alert mailed."""
    config = team_config(f"sqlite:///{tmp_path / 'relmon.db'}", dovecot.account_toml() + ALERTS)
    runtime = Runtime.open(config, analyzer=analyzer)
    account = config.accounts[0]
    dovecot.append("INBOX", [email(subject="Revised rollout dates", body=QUESTION, date=MONDAY)])
    dovecot.create_folder("Sent")
    sync_account(runtime, account, now=MONDAY + timedelta(minutes=5))
    send_alerts(runtime, now=THURSDAY)
    (alert,) = listing(runtime.store.engine)
    assert alert.severity.value == "critical"
    yield runtime, account, alert.id, alert_email_id(runtime)
    runtime.close()


@pytest.mark.live
def test_an_ack_in_the_owners_sent_folder_acknowledges_the_alert_once(
    imap_world, dovecot: Dovecot
) -> None:
    """GIVEN the alert emailed to Alice, WHEN her "ack" reply is APPENDed to her Sent folder
    and relmon syncs (twice), THEN the alert is acknowledged once, by reply, and the reply
    itself counts in no measure."""
    runtime, account, alert_id, message_id = imap_world
    replied = THURSDAY + timedelta(minutes=20)
    dovecot.append("Sent", [reply_to_alert(message_id, "Ack", at=replied)], flags=(b"\\Seen",))

    sync_account(runtime, account, now=replied + timedelta(minutes=5))
    sync_account(runtime, account, now=replied + timedelta(minutes=10))

    alert = get_alert(runtime, alert_id)
    events = [e for e in events_of(runtime.store.engine, alert_id) if e["event"] == "acknowledged"]
    assert alert.state is State.ACKNOWLEDGED
    assert [e["by"] for e in events] == ["alice.marsh@northwind-advisory.example (by reply)"]
    (outcome,) = outcomes(runtime.store.engine)
    assert (outcome.outcome, outcome.alert, outcome.account) == ("applied", alert_id, "alice-imap")
    reply = stored_reply(runtime)
    assert (reply.noise, reply.needs_reply, reply.reply_command) == ("alert_reply", False, "ack")
    with runtime.store.engine.connect() as connection:
        (mailed,) = connection.execute(
            sa.select(outbox.c.payload).where(outbox.c.kind == "alert")
        ).scalars()
    footer = message_from_bytes(mailed, policy=policy.default).get_body(("plain",)).get_content()
    assert 'Reply "ack", "snooze 3d" or "resolve" on the first line' in footer


@pytest.mark.live
def test_the_next_digest_confirms_what_a_reply_did_once(imap_world, dovecot: Dovecot) -> None:
    """GIVEN Alice's "snooze 2 days" reply applied on Thursday, WHEN Friday's digest is made
    (no warning waits: the reply alone makes it worth sending), THEN it says what the reply did,
    and Saturday's digest does not say it again."""
    runtime, account, alert_id, message_id = imap_world
    replied = THURSDAY + timedelta(minutes=20)
    dovecot.append("Sent", [reply_to_alert(message_id, "snooze 2 days", at=replied)])
    sync_account(runtime, account, now=replied + timedelta(minutes=5))

    friday = send_digests(runtime, now=THURSDAY + timedelta(days=1))
    saturday = send_digests(runtime, now=THURSDAY + timedelta(days=2))

    assert (friday, saturday) == (1, 0)
    with runtime.store.engine.connect() as connection:
        (digest,) = connection.execute(
            sa.select(outbox.c.payload).where(outbox.c.kind == "digest")
        ).scalars()
    text = message_from_bytes(digest, policy=policy.default).get_body(("plain",)).get_content()
    assert (
        f"Done: Your reply snoozed alert {alert_id} "
        "(Acme Logistics is waiting for our reply) for 2 days; seen Thu 04 Jun 10:55"
    ) in text


@pytest.mark.live
def test_snooze_and_resolve_replies_are_applied(imap_world, dovecot: Dovecot) -> None:
    runtime, account, alert_id, message_id = imap_world
    replied = THURSDAY + timedelta(minutes=20)
    dovecot.append("Sent", [reply_to_alert(message_id, "snooze 3d", at=replied)])

    sync_account(runtime, account, now=replied + timedelta(minutes=5))
    snoozed = get_alert(runtime, alert_id)
    dovecot.append(
        "Sent",
        [reply_to_alert(message_id, "Resolved.", at=replied + timedelta(hours=1), ident="r2")],
    )
    sync_account(runtime, account, now=replied + timedelta(hours=1, minutes=5))
    resolved = get_alert(runtime, alert_id)

    assert snoozed.state is State.SNOOZED
    assert snoozed.snoozed_until == replied + timedelta(days=3)
    assert resolved.state is State.RESOLVED
    assert [o.outcome for o in outcomes(runtime.store.engine)] == ["applied", "applied"]


@pytest.mark.live
def test_the_same_text_arriving_in_the_inbox_from_a_forged_sender_changes_nothing(
    imap_world, dovecot: Dovecot
) -> None:
    """GIVEN the alert emailed to Alice, WHEN "resolve" arrives in her Inbox claiming to be
    from her (a forgery from outside), and "ack" arrives from Ben, who does not own it, THEN
    the alert is as it was, and each attempt is logged once."""
    runtime, account, alert_id, message_id = imap_world
    before = get_alert(runtime, alert_id)
    arrived = THURSDAY + timedelta(minutes=20)
    forged = reply_to_alert(message_id, "resolve", at=arrived, ident="forged")
    colleague = reply_to_alert(message_id, "ack", at=arrived, frm=BEN, ident="ben")
    dovecot.append("INBOX", [forged, colleague])

    with capture_logs() as logs:
        sync_account(runtime, account, now=arrived + timedelta(minutes=5))
        sync_account(runtime, account, now=arrived + timedelta(minutes=10))

    after = get_alert(runtime, alert_id)
    assert (after.state, after.resolved_at) == (before.state, None)
    assert [e["event"] for e in events_of(runtime.store.engine, alert_id)] == [
        e["event"] for e in events_of(runtime.store.engine, alert_id) if e["by"] == "relmon"
    ]
    ignored = [log for log in logs if log["event"] == "alert_reply_ignored"]
    assert sorted((log["reason"], log["sender"]) for log in ignored) == [
        ("not_owner", "ben.okafor@northwind-advisory.example"),
        ("unproven", "alice.marsh@northwind-advisory.example"),
    ]


@pytest.mark.usefixtures("quick_retries")
def test_an_outlook_reply_in_sent_items_acts_through_graph(
    world: World, tmp_path: Path, analyzer
) -> None:
    """GIVEN Alice's mailbox read through Microsoft Graph, WHEN her Outlook reply "snooze 2d"
    sits in Sent Items (no internet headers; In-Reply-To only as a MAPI property), THEN the
    alert is snoozed for two days."""
    alice = ("Alice Marsh", "alice.marsh@northwind-advisory.example")
    store_url = f"sqlite:///{tmp_path / 'relmon.db'}"
    config = world.config(store_url, world.account_toml(mailboxes=(alice[1],)), ALERTS)
    runtime = world.runtime(config, analyzer)
    account = config.accounts[0]
    world.graph.deliver(alice[1], "inbox", client_message(0, text=QUESTION, at=MONDAY))
    sync_account(runtime, account, now=MONDAY + timedelta(minutes=5))
    send_alerts(runtime, now=THURSDAY)
    (alert,) = listing(runtime.store.engine)
    replied = THURSDAY + timedelta(minutes=20)
    world.graph.deliver(
        alice[1],
        "sentitems",
        FakeMessage(
            id="",
            internet_message_id="<AM0PR03MB7A1B2C@AM0PR03MB.eurprd03.prod.outlook.com>",
            subject="RE: relmon: Acme Logistics is waiting for our reply",
            sender=alice,
            to=[("relmon", RELMON)],
            sent=replied,
            received=replied,
            text="snooze 2d\n\nFrom: relmon\nSent: Thursday\n\nCRITICAL: Acme Logistics",
            unique_text="snooze 2d",
            in_reply_to=f"<{alert_email_id(runtime)}>",
            references=[f"<{alert_email_id(runtime)}>"],
            headers=None,
        ),
    )

    sync_account(runtime, account, now=replied + timedelta(minutes=5))

    snoozed = get_alert(runtime, alert.id)
    runtime.close()
    assert snoozed.state is State.SNOOZED
    assert snoozed.snoozed_until == replied + timedelta(days=2)


def store_sent(runtime: Runtime, analyzer, raw: bytes, folder: str, *, at: datetime) -> None:  # type: ignore[no-untyped-def]
    """Store Alice's reply as a sync of her mailbox's ``folder`` would, marked as her sent mail."""
    from monitor.core.model import Message
    from monitor.sources.pipeline import from_raw
    from monitor.store.messages import Item, save_items

    message = from_raw(raw, analyzer=analyzer, privacy=Privacy())
    assert isinstance(message, Message)
    with runtime.store.engine.begin() as connection:
        save_items(
            connection,
            account="alice",
            folder=folder,
            items=[Item("7:4121", message, sent=True)],
            directory=runtime.directory,
            now=at,
        )


def get_alert(runtime: Runtime, alert_id: int):
    with runtime.store.engine.connect() as connection:
        found = get(connection, alert_id)
    assert found is not None
    return found


def stored_reply(runtime: Runtime):
    with runtime.store.engine.connect() as connection:
        return connection.execute(
            sa.select(messages).where(messages.c.reply_command.is_not(None))
        ).one()


def test_a_client_message_naming_an_alert_in_in_reply_to_still_counts_as_client_mail(
    tmp_path: Path, analyzer
) -> None:
    """Only we receive alert emails; a client's message that names one in In-Reply-To (a
    forgery, or a mistake) is still the client's question and is never hidden as noise."""
    from tests.scenario import Scenario

    scenario = Scenario(tmp_path, analyzer, extra_config=ALERTS)
    scenario.add(
        email(
            subject="Re: invoice",
            body="Resolve\n\nWe are still waiting for the corrected invoice. Can you send it today?",
            date=MONDAY,
            in_reply_to="relmon.alert.1@northwind-advisory.example",
        )
    )

    with scenario.runtime.store.engine.connect() as connection:
        row = connection.execute(sa.select(messages)).one()
    scenario.close()
    assert (row.direction, row.client) == ("inbound", "Acme Logistics")
    assert (row.noise, row.reply_command, row.needs_reply) == (None, None, True)


def test_a_reply_gmail_labels_sent_in_all_mail_acts(tmp_path: Path, analyzer) -> None:
    """GIVEN Alice's Google Workspace mailbox, read through All Mail (where Gmail's Sent label,
    not a folder, says she sent a message), WHEN her "resolve" reply is read there, THEN the
    alert is resolved; the same reply read from a colleague's All Mail without the label
    would not be hers."""
    from monitor.app.replies import apply_replies
    from tests.scenario import Scenario

    scenario = Scenario(tmp_path, analyzer, extra_config=ALICE_AT_GMAIL + ALERTS)
    runtime = scenario.runtime
    scenario.add(email(subject="Revised rollout dates", body=QUESTION, date=MONDAY))
    send_alerts(runtime, now=THURSDAY)
    (alert,) = listing(runtime.store.engine)
    replied = THURSDAY + timedelta(minutes=20)
    raw = reply_to_alert(alert_email_id(runtime), "resolve", at=replied)
    store_sent(runtime, analyzer, raw, "[Gmail]/All Mail", at=replied)

    applied = apply_replies(runtime, now=replied + timedelta(minutes=5))

    resolved = get_alert(runtime, alert.id)
    scenario.close()
    assert [a.outcome for a in applied] == ["applied"]
    assert resolved.state is State.RESOLVED


@pytest.mark.live
def test_a_snooze_read_after_it_would_have_ended_changes_nothing_and_holds_up_nothing(
    imap_world, dovecot: Dovecot
) -> None:
    """GIVEN Alice's "snooze 12h" reply, first read two days later (relmon was stopped), and her
    "ack" sent after it, THEN the snooze is recorded as elapsed and the "ack" applies."""
    runtime, account, alert_id, message_id = imap_world
    replied = THURSDAY + timedelta(minutes=20)
    late = reply_to_alert(message_id, "snooze 12h", at=replied)
    ack = reply_to_alert(message_id, "ack", at=replied + timedelta(days=2), ident="r2")
    dovecot.append("Sent", [late, ack])

    sync_account(runtime, account, now=replied + timedelta(days=2, minutes=5))

    assert get_alert(runtime, alert_id).state is State.ACKNOWLEDGED
    assert [o.outcome for o in outcomes(runtime.store.engine)] == ["snooze_elapsed", "applied"]


@pytest.mark.parametrize("first_cleared", [False, True], ids=["both-open", "first-cleared"])
def test_an_ack_to_an_email_about_two_alerts_acknowledges_both(
    tmp_path: Path, analyzer, first_cleared: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN one email that told Alice of two alerts of Acme Logistics at once (its Message-ID
    names the first, its X-Relmon-Alert header both), and an alert of another client
    WHEN her "ack" to that email is read from her Sent folder (after the first alert cleared
    on its own, Dana having been answered, in one case)
    THEN Acme's alerts still open are acknowledged, and only those; the alerts are locked in
    the order of their ids, as an evaluation locks them."""
    from monitor.alerts.model import Action, Condition
    from monitor.alerts.store import act, apply
    from monitor.alerts.weekly import reply_sentence
    from monitor.app import replies
    from monitor.app.replies import apply_replies
    from monitor.core.detectors import Severity
    from monitor.store.replies import unconfirmed
    from tests.scenario import Scenario

    scenario = Scenario(tmp_path, analyzer, extra_config=ALICE_AT_GMAIL + ALERTS)
    runtime = scenario.runtime
    scenario.add(email(subject="Revised rollout dates", body=QUESTION, date=MONDAY))
    send_alerts(runtime, now=THURSDAY)
    (first,) = listing(runtime.store.engine)
    with runtime.store.engine.begin() as connection:
        for client in ("Acme Logistics", "Lumen Analytics"):
            apply(
                connection,
                [
                    Condition(
                        kind="friction",
                        owner=ALICE_ADDRESS,
                        severity=Severity.CRITICAL,
                        explanation=f"{client}'s last 6 messages: 5 read as curt",
                        figures={},
                        evidence=[],
                    )
                ],
                client=client,
                account=None,
                now=THURSDAY,
                cooldown=timedelta(days=7),
            )
    alerts = {(a.client, a.kind): a.id for a in listing(runtime.store.engine)}
    both = (
        f"{first.id},{alerts['Acme Logistics', 'friction']},{alerts['Lumen Analytics', 'friction']}"
    )
    with runtime.store.engine.begin() as connection:
        payload = connection.execute(sa.select(outbox.c.payload)).scalar_one()
        told = payload.replace(
            f"X-Relmon-Alert: {first.id}; kind=unanswered; severity=critical".encode(),
            f"X-Relmon-Alert: {both}; kind=unanswered,friction,friction;"
            " severity=critical,critical,critical".encode(),
        )
        assert told != payload
        connection.execute(sa.update(outbox).values(payload=told))
    replied = THURSDAY + timedelta(minutes=20)
    if first_cleared:
        act(runtime.store.engine, first.id, Action.RESOLVE, replied, by="relmon")
    raw = reply_to_alert(alert_email_id(runtime), "ack", at=replied)
    store_sent(runtime, analyzer, raw, "Sent", at=replied)
    locked: list[int] = []
    get = replies.get
    monkeypatch.setattr(
        replies,
        "get",
        lambda c, ident, lock=False: locked.append(ident) or get(c, ident, lock=lock),
    )

    applied = apply_replies(runtime, now=replied + timedelta(minutes=5))

    states = {key: get_alert(runtime, ident).state for key, ident in alerts.items()}
    with runtime.store.engine.connect() as connection:
        (reply,) = unconfirmed(connection, [ALICE_ADDRESS])
    confirmation = reply_sentence(reply, ZoneInfo("Europe/London"))
    scenario.close()
    assert [a.outcome for a in applied] == ["applied"]
    assert states == {
        ("Acme Logistics", "unanswered"): State.RESOLVED if first_cleared else State.ACKNOWLEDGED,
        ("Acme Logistics", "friction"): State.ACKNOWLEDGED,
        ("Lumen Analytics", "friction"): State.OPEN,
    }
    assert locked == sorted(alerts.values())
    acme = alerts["Acme Logistics", "friction"]
    assert [a.acted for a in applied] == [(acme,) if first_cleared else (first.id, acme)]
    said = (
        f"alert {acme} (Acme Logistics shows friction)"
        if first_cleared
        else f"alerts {first.id} and {acme} (Acme Logistics is waiting for our reply and shows "
        "friction)"
    )
    assert confirmation == f"Your reply acknowledged {said}; seen Thu 04 Jun 10:55"


def weekly_text(runtime: Runtime, now: datetime) -> str:
    """Alice's weekly report as it would be mailed at ``now``, confirming her replies."""
    from dataclasses import replace

    from monitor.alerts.weekly import weekly_email
    from monitor.app.weekly import build_report
    from monitor.store.replies import unconfirmed

    report = build_report(runtime, owner=ALICE_ADDRESS, now=now)
    with runtime.store.engine.connect() as connection:
        report = replace(report, replies=tuple(unconfirmed(connection, [ALICE_ADDRESS])))
    mail = weekly_email(report, sender=RELMON, sender_name="relmon", recipient=ALICE_ADDRESS)
    return str(mail.get_body(("plain",)).get_content())


@pytest.mark.parametrize("by_hand_first", [False, True], ids=["reply-only", "acked-by-hand"])
def test_an_acknowledgement_by_reply_is_recorded_and_told_once(
    tmp_path: Path, analyzer, by_hand_first: bool
) -> None:
    """GIVEN the alert emailed to Alice (acknowledged already with `relmon alerts ack` ten
    minutes later, in one case), WHEN her "ack" reply is read from her Sent folder, THEN the
    alert holds one acknowledgement, and her weekly report says it once: by the reply's
    sentence when the reply did it, as a plain event when she had done it by hand."""
    from monitor.alerts.model import Action
    from monitor.alerts.store import act
    from monitor.app.replies import apply_replies
    from tests.scenario import Scenario

    scenario = Scenario(tmp_path, analyzer, extra_config=ALICE_AT_GMAIL + ALERTS)
    runtime = scenario.runtime
    scenario.add(email(subject="Revised rollout dates", body=QUESTION, date=MONDAY))
    send_alerts(runtime, now=THURSDAY)
    (alert,) = listing(runtime.store.engine)
    if by_hand_first:
        act(
            runtime.store.engine, alert.id, Action.ACK, THURSDAY + timedelta(minutes=10), by="alice"
        )
    replied = THURSDAY + timedelta(minutes=20)
    raw = reply_to_alert(alert_email_id(runtime), "ack", at=replied)
    store_sent(runtime, analyzer, raw, "Sent", at=replied)

    applied = apply_replies(runtime, now=replied + timedelta(minutes=5))

    events = [e for e in events_of(runtime.store.engine, alert.id) if e["event"] == "acknowledged"]
    text = weekly_text(runtime, THURSDAY + timedelta(days=4))
    scenario.close()
    mentions = [line for line in text.splitlines() if "acknowledged" in line]
    if by_hand_first:
        assert [(a.outcome, a.acted) for a in applied] == [("already_acknowledged", ())]
        assert [e["by"] for e in events] == ["alice"]
        assert mentions == [
            "- Thu 04 Jun: Acme Logistics is waiting for our reply: alert acknowledged by alice"
        ]
    else:
        assert [(a.outcome, a.acted) for a in applied] == [("applied", (alert.id,))]
        assert [e["by"] for e in events] == [f"{ALICE_ADDRESS} (by reply)"]
        assert mentions == [
            f"- Your reply acknowledged alert {alert.id} (Acme Logistics is waiting for our "
            "reply); seen Thu 04 Jun 10:55"
        ]


def test_a_reply_to_an_alert_email_of_an_earlier_store_acts_on_nothing(
    tmp_path: Path, analyzer
) -> None:
    """GIVEN relmon moved to a new database, whose first alert is numbered 1 again, WHEN Alice
    answers "ack" to alert 1's email from the old database (in her mailbox still), THEN the new
    alert 1 is not acknowledged, and its own email has a Message-ID of its own (a mail program
    would drop an email with an old one's Message-ID as a copy)."""
    from monitor.app.replies import apply_replies
    from tests.scenario import Scenario

    old = Scenario(tmp_path / "old", analyzer, extra_config=ALICE_AT_GMAIL + ALERTS)
    month = timedelta(days=28)
    old.add(email(subject="Revised rollout dates", body=QUESTION, date=MONDAY - month))
    send_alerts(old.runtime, now=THURSDAY - month)
    old_email = alert_email_id(old.runtime)
    old.close()
    scenario = Scenario(tmp_path / "new", analyzer, extra_config=ALICE_AT_GMAIL + ALERTS)
    runtime = scenario.runtime
    scenario.add(email(subject="Revised rollout dates", body=QUESTION, date=MONDAY))
    send_alerts(runtime, now=THURSDAY)
    (alert,) = listing(runtime.store.engine)
    replied = THURSDAY + timedelta(minutes=20)
    store_sent(runtime, analyzer, reply_to_alert(old_email, "ack", at=replied), "Sent", at=replied)

    applied = apply_replies(runtime, now=replied + timedelta(minutes=5))

    new_email = alert_email_id(runtime)
    state = get_alert(runtime, alert.id).state
    scenario.close()
    assert alert.id == 1 and old_email.startswith("relmon.alert.1.")
    assert new_email.startswith("relmon.alert.1.") and new_email != old_email
    assert [(a.outcome, a.acted) for a in applied] == [("unknown_alert", ())]
    assert state is State.OPEN
