"""Placing new mail into the stored threads gives every message the thread a full rebuild gives
it, whatever order the mail arrives in, and reads only what a new message links to."""

from __future__ import annotations

import dataclasses
import random
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from monitor.core.model import Mailbox, Message
from monitor.core.threads import thread_name
from monitor.store import Store, conversations, placement, retention
from monitor.store.conversations import rethread
from monitor.store.messages import Item, save_items
from monitor.store.schema import messages
from tests.factories import team_config

START = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
US = Mailbox("alice.marsh@northwind-advisory.example", "Alice Marsh")
PEOPLE = (
    Mailbox("dana.whitfield@acme-logistics.example", "Dana Whitfield"),
    Mailbox("raj.patel@acme-logistics.example", "Raj Patel"),
    Mailbox("sam.reed@lumen-analytics.example", "Sam Reed"),
)
#: Few subjects, so messages of one subject among the same people but in different threads
#: (a reply with references to another chain) sit within 30 days of each other.
SUBJECTS = ("Invoice 4471", "Pallet count for Leeds", "Warehouse move")


def _mail(rng: random.Random, count: int) -> list[Message]:
    """Mail over 80 days: about half with references (to an earlier message, or to one never
    seen), the rest joined only by subject or by a Graph conversationId, between us and one
    or two of the client's people."""
    made: list[Message] = []
    for number in range(count):
        client = rng.sample(PEOPLE, rng.choice((1, 1, 2)))
        inbound = rng.random() < 0.6
        sender, to = (client[0], (US, *client[1:])) if inbound else (US, tuple(client))
        refs: tuple[str, ...] = ()
        if made and rng.random() < 0.5:
            parent = rng.choice(made).message_id if rng.random() < 0.8 else f"lost{number}@x"
            refs = (parent or "",)
        key = f"m{number}@mail.example"
        made.append(
            Message(
                key=key,
                message_id=key,
                date=START + timedelta(hours=rng.randint(0, 80 * 24)),
                sender=sender,
                to=to,
                subject=("Re: " if refs else "") + rng.choice(SUBJECTS),
                in_reply_to=refs,
                references=refs,
                conversation_id=f"AAQk{rng.randint(0, 3)}" if rng.random() < 0.2 else None,
                gm_thread=f"17{rng.randint(0, 5)}" if rng.random() < 0.1 else None,
            )
        )
    return made


def _store(engine: sa.Engine, batch: list[Message]) -> None:
    with engine.begin() as connection:
        save_items(
            connection,
            account="alice",
            folder="INBOX",
            items=[Item(f"INBOX:{m.key}", m) for m in batch],
            directory=team_config().directory(),
            now=NOW,
        )


def _threads(engine: sa.Engine) -> dict[str, str | None]:
    with engine.connect() as connection:
        return dict(connection.execute(sa.select(messages.c.key, messages.c.thread_id)).all())


def _counting(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many new messages were placed, and how many left to be threaded in rounds."""
    counts = {"placed": 0, "left": 0}
    place = placement._place

    def placing(connection, seed):  # type: ignore[no-untyped-def]
        changed = place(connection, seed)
        counts["placed" if changed else "left"] += 1
        return changed

    monkeypatch.setattr(placement, "_place", placing)
    return counts


@pytest.mark.parametrize("seed", range(12))
def test_mail_placed_as_it_arrives_has_the_threads_of_a_full_rebuild(
    store, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN 60 messages among the same few people under three subjects, arriving in small
    syncs mostly in date order, some late (a folder synced after another)
    WHEN the store is re-threaded after each sync
    THEN every message has the thread a full rebuild gives it, and most were placed."""
    rng = random.Random(seed)
    mail = sorted(_mail(rng, 60), key=lambda m: m.date)
    for _ in range(8):  # some mail arrives late
        mail.insert(rng.randrange(len(mail)), mail.pop(rng.randrange(len(mail))))
    counts = _counting(monkeypatch)

    while mail:
        batch, mail = mail[: rng.choice((1, 1, 2, 4))], mail[rng.choice((1, 1, 2, 4)) :]
        _store(store.engine, batch)
        rethread(store.engine)
    incremental = _threads(store.engine)
    rethread(store.engine, force=True)

    assert incremental == _threads(store.engine)
    assert counts["left"] > 0  # late mail that could change a stored choice
    assert counts["placed"] > 2 * counts["left"]


def _note(
    key: str,
    when: datetime,
    sender: Mailbox,
    subject: str,
    refs: tuple[str, ...] = (),
    to: Mailbox = US,
) -> Message:
    return Message(
        key=key,
        message_id=key,
        date=when,
        sender=sender,
        to=(to,),
        subject=subject,
        in_reply_to=refs[-1:],
        references=refs,
    )


def test_a_new_issue_of_a_long_newsletter_reads_only_the_subject_window(
    store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN two years of a daily digest under one subject from one sender (one thread), and
    a ticket thread of 300 daily replies that each name its first message
    WHEN the next issue and the next reply arrive
    THEN each joins its thread, reading the issues of the last 30 days (an issue without
    references may join any of them) and one message per id the reply names, not the
    threads."""
    sender = Mailbox("digest@news.acme-logistics.example", "Acme digest")
    news = "Acme logistics daily digest"
    digest = [
        _note(f"d{day}@news.example", START + timedelta(days=day), sender, news)
        for day in range(730)
    ]
    ticket = [
        _note(
            f"k{n}@desk.example",
            START + timedelta(days=n),
            PEOPLE[0],
            "Re: Ticket 88120",
            ("k0@desk.example", f"k{n - 1}@desk.example")[: min(n, 2)],
        )
        for n in range(300)
    ]
    _store(store.engine, digest + ticket)
    rethread(store.engine)
    before = _threads(store.engine)
    read: list[object] = []
    made = placement._Member.of
    monkeypatch.setattr(placement._Member, "of", lambda row: read.append(row) or made(row))

    issue = _note("d730@news.example", START + timedelta(days=730), sender, news)
    reply = _note(
        "k300@desk.example",
        START + timedelta(days=299, hours=5),
        US,
        "Re: Ticket 88120",
        ("k0@desk.example", "k299@desk.example"),
        to=PEOPLE[0],
    )
    _store(store.engine, [issue, reply])
    rethread(store.engine)

    after = _threads(store.engine)
    assert after[issue.key] == before["d0@news.example"]
    assert after[reply.key] == before["k0@desk.example"]
    assert 31 <= len(read) <= 31 + 2


def test_replicas_on_postgresql_thread_one_at_a_time(store) -> None:
    """GIVEN two replicas sharing PostgreSQL, one of them in the middle of threading
    WHEN the other threads the mail its sync stored
    THEN it waits for the first to commit, and threads on what the first committed (two at
    once would each join mail to a thread the other is renaming)."""
    if store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's writers take turns already")
    _store(store.engine, [_note("m1@mail.example", START, PEOPLE[0], "Pallet count for Leeds")])
    finished = threading.Event()
    other = threading.Thread(target=lambda: (rethread(store.engine), finished.set()))

    with store.engine.begin() as connection:
        conversations.one_at_a_time(connection)
        other.start()
        other.join(timeout=1.0)
        assert not finished.is_set()
    other.join(timeout=30)

    assert finished.is_set()
    assert None not in _threads(store.engine).values()


def _agrees_with_a_full_rebuild(engine: sa.Engine) -> None:
    incremental = _threads(engine)
    rethread(engine, force=True)
    assert incremental == _threads(engine)


def test_a_copy_that_brings_references_leaves_the_thread_its_subject_joined(store) -> None:
    """GIVEN a reply whose first copy (Sent Items through Graph) had no references and joined
    its subject's thread, and a message replying to it
    WHEN its copy with references (to a message never seen) is stored
    THEN it leaves that thread with the message replying to it, as a full rebuild has it."""
    news = "Pallet count for Leeds"
    first = _note("a@mail.example", START, PEOPLE[0], news)
    reply = _note("b@mail.example", START + timedelta(days=1), US, "Re: " + news, to=PEOPLE[0])
    answer = _note(
        "d@mail.example", START + timedelta(days=2), PEOPLE[0], "Re: " + news, ("b@mail.example",)
    )
    _store(store.engine, [first, reply, answer])
    rethread(store.engine)
    copy = dataclasses.replace(
        reply, in_reply_to=("x@mail.example",), references=("x@mail.example",)
    )

    _store(store.engine, [copy])
    rethread(store.engine)

    threads = _threads(store.engine)
    assert threads["b@mail.example"] == threads["d@mail.example"] != threads["a@mail.example"]
    _agrees_with_a_full_rebuild(store.engine)


def test_a_purge_cut_short_leaves_no_message_in_a_stale_thread(
    store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a conversation of two messages past the retention period
    WHEN the purge stops after deleting the first (one message a slice), and a late reply to
    the second arrives
    THEN the reply and the second message are named after the second, as a full rebuild
    names them, not after the message deleted."""
    monkeypatch.setattr(retention, "PURGE_SLICE", 1)
    old = _note("p1@mail.example", START, PEOPLE[0], "Warehouse move")
    older_reply = _note(
        "p2@mail.example", START + timedelta(days=1), US, "Re: Warehouse move", ("p1@mail.example",)
    )
    _store(store.engine, [old, older_reply])
    rethread(store.engine)
    begin, begun = store.engine.begin, []

    def stopping():  # type: ignore[no-untyped-def]
        begun.append(1)
        if len(begun) == 2:
            raise KeyboardInterrupt("the daemon stopped during the purge")
        return begin()

    monkeypatch.setattr(store.engine, "begin", stopping)
    with pytest.raises(KeyboardInterrupt):
        retention.purge_before(store.engine, START + timedelta(days=30))
    monkeypatch.setattr(store.engine, "begin", begin)
    late = _note(
        "r@mail.example",
        START + timedelta(days=90),
        PEOPLE[0],
        "Re: Warehouse move",
        ("p1@mail.example", "p2@mail.example"),
    )
    _store(store.engine, [late])
    rethread(store.engine)

    threads = _threads(store.engine)
    assert threads == {
        name: thread_name("p2@mail.example") for name in ("p2@mail.example", "r@mail.example")
    }
    _agrees_with_a_full_rebuild(store.engine)


def test_a_long_conversation_is_read_only_up_to_the_first_message_among_the_same_people(
    store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a Graph conversation of 450 messages among other people but two, which share a
    date with 18 more across the boundary of the pages the conversation is read in (the one
    first by key in the later page)
    WHEN our copy of a reply without references (Sent Items) arrives
    THEN it joins the first of the two by key (each is a thread of its own), as a full rebuild
    has it, reading the conversation up to that date, not the whole of it."""
    tied = START + timedelta(hours=190)

    def member(n: int) -> Message:
        among_us = n in (195, 205)
        return dataclasses.replace(
            _note(
                f"{'a' if n == 205 else 'c'}{n:03d}@mail.example",
                tied if 190 <= n < 210 else START + timedelta(hours=n),
                PEOPLE[0] if among_us else PEOPLE[1],
                "Quarterly figures" if n % 2 else f"Figures {n}",
                ("lost@mail.example",) if n == 195 else (),  # in a thread of its own
            ),
            conversation_id="AAQkQ3",
        )

    mail = [member(n) for n in range(450)]
    _store(store.engine, mail)
    rethread(store.engine)
    read: list[object] = []
    made = placement._Member.of
    monkeypatch.setattr(placement._Member, "of", lambda row: read.append(row) or made(row))
    ours = dataclasses.replace(
        _note("ours@mail.example", START + timedelta(days=30), US, "Figures", to=PEOPLE[0]),
        conversation_id="AAQkQ3",
    )

    _store(store.engine, [ours])
    rethread(store.engine)

    assert (
        _threads(store.engine)["ours@mail.example"] == _threads(store.engine)["a205@mail.example"]
    )
    assert len(read) <= 2 * placement.PAGE + 30
    _agrees_with_a_full_rebuild(store.engine)


def test_a_thread_is_named_by_code_point_on_a_database_that_sorts_by_language(
    postgres_url: str,
) -> None:
    """GIVEN a PostgreSQL database that orders text by English rules (ICU), a thread whose two
    first messages share a date ("Z1" before "a1" by code point, after it in English)
    WHEN a message joins it with another thread
    THEN the joined thread is named after "Z1", as a full rebuild names it."""
    name = f"relmon_icu_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(
                sa.text(
                    f'CREATE DATABASE "{name}" TEMPLATE template0 LOCALE_PROVIDER icu '
                    "ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
                )
            )
    except sa.exc.DBAPIError as err:
        admin.dispose()
        pytest.skip(f"this PostgreSQL cannot create an ICU database: {err}")
    store = Store.open(postgres_url.rsplit("/", 1)[0] + f"/{name}")
    try:
        first = _note("Z1@mail.example", START, PEOPLE[0], "Warehouse move")
        second = _note("a1@mail.example", START, US, "Re: Warehouse move", ("Z1@mail.example",))
        other = _note("u1@mail.example", START + timedelta(days=3), PEOPLE[1], "Invoice 4471")
        _store(store.engine, [first, second, other])
        rethread(store.engine)
        both = _note(
            "m1@mail.example",
            START + timedelta(days=5),
            US,
            "Re: both",
            ("a1@mail.example", "u1@mail.example"),
        )
        _store(store.engine, [both])
        rethread(store.engine)

        assert _threads(store.engine)["m1@mail.example"] == thread_name("Z1@mail.example")
        _agrees_with_a_full_rebuild(store.engine)
    finally:
        store.close()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
