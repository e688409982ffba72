"""Placing new mail into the stored threads gives every message the thread a full rebuild gives
it, whatever order the mail arrives in, and reads only what a new message links to."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from monitor.core.model import Mailbox, Message
from monitor.store import conversations, placement
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
        conversations._one_at_a_time(connection)
        other.start()
        other.join(timeout=1.0)
        assert not finished.is_set()
    other.join(timeout=30)

    assert finished.is_set()
    assert None not in _threads(store.engine).values()
