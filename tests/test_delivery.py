"""The delivery guarantee of docs/delivery.md, half by half.

Each notification is sent at most once, except that a crash between the mail server's
acceptance and the commit that records it sends it again, with the same Message-ID. A crash
before sending loses nothing: the email goes out exactly once. And a second worker never takes
a row while another is sending it, even when the workers' clocks disagree by eleven minutes or
a delivery loop has been running for longer than a claim lasts.
"""

from __future__ import annotations

import os
import subprocess
from datetime import datetime, timedelta

import pytest
from aiosmtpd.controller import Controller

from monitor.alerts import render
from monitor.alerts.channel import OutboxKind
from monitor.alerts.email_channel import EmailChannel, outgoing
from monitor.alerts.outbox import dispatch
from monitor.alerts.smtp import SmtpTransport
from monitor.alerts.store import enqueue
from monitor.clock import utcnow
from monitor.config import Smtp
from monitor.store import Store
from monitor.store.db import create_engine
from tests.claims import let_claims_expire
from tests.crashes import crash_setup
from tests.servers import free_port
from tests.servers.smtp import Inbox

pytestmark = pytest.mark.live

SENDER = "relmon@northwind-advisory.example"
OWNER = "alice.marsh@northwind-advisory.example"
QUESTION = "Hi Alice,\n\nCould you confirm the revised rollout dates and the budget change before Thursday?\n\nThanks,\nDana"


class Recording:
    """A transport that keeps the Message-ID of every email it is given, and can run something
    (another worker) while it is in the middle of sending."""

    def __init__(self, sent: list[str], during_first_send=None) -> None:
        self.sent = sent
        self.during_first_send = during_first_send

    def send(self, raw: bytes, sender: str, recipients) -> None:
        if self.during_first_send is not None:
            meanwhile, self.during_first_send = self.during_first_send, None
            meanwhile()
        self.sent.append(raw.split(b"Message-ID: ")[1].split(b"\r\n")[0].decode())


def queue_test_emails(store: Store, count: int, when: datetime) -> None:
    with store.engine.begin() as connection:
        for n in range(count):
            message = render.test_email(
                recipient=OWNER,
                sender=SENDER,
                sender_name="relmon",
                when=when + timedelta(seconds=n),
            )
            item = outgoing(message, kind=OutboxKind.TEST, recipients=[OWNER], not_before=when)
            enqueue(connection, item, now=when)


@pytest.mark.parametrize(
    "first_clock, second_clock",
    [(timedelta(0), timedelta(minutes=11)), (timedelta(minutes=-11), timedelta(0))],
    ids=["second-worker-11-min-ahead", "first-worker-11-min-behind"],
)
def test_two_workers_whose_clocks_differ_by_eleven_minutes_never_send_an_email_twice(
    store_url, first_clock, second_clock
) -> None:
    """GIVEN eight emails in the outbox and two workers whose clocks are eleven minutes apart
    (or, the same thing to the first worker's claims, a delivery loop that began eleven minutes
    ago)
    WHEN the second worker delivers while the first is sending its first email
    THEN the second sends the seven others, never the one being sent, and nothing goes twice."""
    store = Store.open(store_url)
    real = utcnow()
    queue_test_emails(store, 8, real - timedelta(hours=1))
    sent: list[str] = []

    def second_worker() -> None:
        dispatch(
            store.engine,
            {"email": EmailChannel(SENDER, transport=Recording(sent))},
            now=real + second_clock,
            max_attempts=5,
            worker="second",
        )

    first = dispatch(
        store.engine,
        {"email": EmailChannel(SENDER, transport=Recording(sent, second_worker))},
        now=real + first_clock,
        max_attempts=5,
        worker="first",
    )
    store.close()

    assert first.sent == 1
    assert len(sent) == 8 and len(set(sent)) == 8, sent


def send(command: list[str], crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RELMON_CRASH_AT": crash_at} if crash_at else None
    return subprocess.run(
        [*command, "alerts", "send"], env=env, capture_output=True, text=True, check=not crash_at
    )


def test_a_crash_after_claiming_and_before_sending_delivers_the_email_exactly_once(
    tmp_path, store_url, smtp_server
) -> None:
    command = crash_setup(tmp_path, store_url, smtp_server)
    engine = create_engine(store_url)

    crashed = send(command, crash_at="outbox-claimed")
    received = len(smtp_server.inbox.messages)
    while_claimed = send(command)  # the dead worker's claim holds: nobody knows it is dead
    expired = let_claims_expire(engine)  # ten minutes later, by the database's clock
    after_claim = send(command)
    again = send(command)
    engine.dispose()

    assert crashed.returncode == 137 and received == 0
    assert "0 emails sent" in while_claimed.stdout and expired == 1
    assert "1 email sent" in after_claim.stdout and "0 emails sent" in again.stdout
    assert len(smtp_server.inbox.messages) == 1


def test_a_crash_between_acceptance_and_commit_sends_the_same_message_id_again(
    tmp_path, store_url, smtp_server
) -> None:
    command = crash_setup(tmp_path, store_url, smtp_server)
    engine = create_engine(store_url)

    crashed = send(command, crash_at="outbox-sent")
    accepted = list(smtp_server.inbox.message_ids())
    expired = let_claims_expire(engine)
    after_claim = send(command)
    again = send(command)
    engine.dispose()

    assert crashed.returncode == 137 and len(accepted) == 1 and expired == 1
    assert "1 email sent" in after_claim.stdout and "0 emails sent" in again.stdout
    # Twice on the wire, once in the owner's mailbox: mail programs collapse one Message-ID.
    assert smtp_server.inbox.message_ids() == accepted * 2


class Faulty:
    """A transport with a fault of relmon's own: something no delivery error describes."""

    def __init__(self, sent: list[str]) -> None:
        self.sent = sent
        self.calls = 0

    def send(self, raw: bytes, sender: str, recipients) -> None:
        self.calls += 1
        if self.calls == 1:
            raise UnicodeEncodeError("ascii", "jürgen", 1, 2, "ordinal not in range(128)")
        self.sent.append(raw.split(b"Message-ID: ")[1].split(b"\r\n")[0].decode())


def test_an_unexpected_fault_is_a_counted_attempt_and_the_run_goes_on(store_url) -> None:
    """A row is never left claimed and uncounted, retried for ever at each claim's end."""
    store = Store.open(store_url)
    now = utcnow()
    queue_test_emails(store, 3, now - timedelta(hours=1))
    sent: list[str] = []

    report = dispatch(
        store.engine,
        {"email": EmailChannel(SENDER, transport=Faulty(sent))},
        now=now,
        max_attempts=5,
    )
    with store.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT state, attempts, last_error FROM outbox ORDER BY id"
        ).all()
    store.close()

    assert (report.sent, report.retried) == (2, 1) and len(sent) == 2
    assert rows[0][:2] == ("pending", 1) and "UnicodeEncodeError" in rows[0][2]
    assert [r[:2] for r in rows[1:]] == [("sent", 1), ("sent", 1)]


class TakesThenHangsUp(Inbox):
    """A relay that keeps each message and drops the connection before it answers the DATA
    (or, with ``at_rcpt``, drops it before the message is sent)."""

    def __init__(self, *, at_rcpt: bool = False) -> None:
        super().__init__()
        self.at_rcpt = at_rcpt

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.at_rcpt:
            server.transport.abort()
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

    async def handle_DATA(self, server, session, envelope):
        await super().handle_DATA(server, session, envelope)
        server.transport.abort()
        return "250 never heard"


def deliver_until_given_up(store: Store, port: int) -> tuple[str, int, int, str]:
    """Send the outbox's one row at each retry, past every backoff, until it is done with."""
    transport = SmtpTransport(
        Smtp(host="127.0.0.1", port=port, security="plain", timeout_seconds=5)
    )
    channel = {"email": EmailChannel(SENDER, transport=transport)}
    now = utcnow()
    for _ in range(20):
        dispatch(store.engine, channel, now=now, max_attempts=12)
        with store.engine.connect() as connection:
            row = connection.exec_driver_sql(
                "SELECT state, attempts, unconfirmed, last_error FROM outbox"
            ).one()
        if row[0] != "pending":
            break
        now += timedelta(hours=2)  # beyond the longest backoff
    return row[0], row[1], row[2], row[3]


@pytest.fixture
def hanging_up_relay():
    relays: list[Controller] = []

    def start(inbox: TakesThenHangsUp) -> int:
        port = free_port()
        relays.append(Controller(inbox, hostname="127.0.0.1", port=port))
        relays[-1].start()
        return port

    yield start
    for relay in relays:
        relay.stop()


def test_a_relay_that_takes_the_email_and_hangs_up_gets_three_copies_not_a_dozen(
    store_url, hanging_up_relay
) -> None:
    relay = TakesThenHangsUp()
    store = Store.open(store_url)
    queue_test_emails(store, 1, utcnow() - timedelta(minutes=5))

    state, attempts, unconfirmed, error = deliver_until_given_up(store, hanging_up_relay(relay))
    store.close()

    assert len(relay.messages) == 3 and len(set(relay.message_ids())) == 1
    assert (state, attempts, unconfirmed) == ("failed", 3, 3)
    assert "may have been delivered" in error and "no more copies" in error


def test_a_connection_lost_before_the_email_went_out_is_retried_to_the_last_attempt(
    store_url, hanging_up_relay
) -> None:
    """Nothing reached the relay, so nothing is lost by trying on: every attempt is made."""
    relay = TakesThenHangsUp(at_rcpt=True)
    store = Store.open(store_url)
    queue_test_emails(store, 1, utcnow() - timedelta(minutes=5))

    state, attempts, unconfirmed, error = deliver_until_given_up(store, hanging_up_relay(relay))
    store.close()

    assert relay.messages == []
    assert (state, attempts, unconfirmed) == ("failed", 12, 0)
    assert "may have been delivered" not in error
