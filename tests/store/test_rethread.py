"""Re-threading after a sync touches only the new or changed messages and the conversations they
can join, and gives every message the thread a full rebuild would."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from monitor.config import Privacy
from monitor.core.model import Message
from monitor.sources.pipeline import from_raw
from monitor.store import conversations, placement, retention
from monitor.store.conversations import rethread
from monitor.store.messages import Item, save_items
from monitor.store.retention import purge_before
from monitor.store.schema import messages, stored_instant
from tests.factories import ALICE, BEN, DANA, JANA, RAJ, SAM, email, team_config

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PEOPLE = (DANA, RAJ, JANA, SAM)
SUBJECTS = ("Q3 roadmap review", "Invoice 4471", "Pallet count", "hello", "Warehouse move")


_MADE: list[tuple[str, Message]] = []


def mail(analyzer) -> tuple[tuple[str, Message], ...]:  # type: ignore[no-untyped-def]
    if not _MADE:
        _MADE.extend(_make(analyzer))
    return tuple(_MADE)


def _make(analyzer) -> list[tuple[str, Message]]:  # type: ignore[no-untyped-def]
    """About 90 messages of 12 conversations: reply chains, replies that lost their headers
    (joined by subject among the same people, within 30 days or not), Gmail and Graph thread
    ids, the same subject among other people, and second copies that bring the references
    their first copy lacked (a merge changes a stored message's links)."""
    rng = random.Random(12)
    made: list[tuple[str, Message]] = []
    for topic in range(12):
        client = PEOPLE[topic % len(PEOPLE)]
        us = ALICE if topic % 3 else BEN
        subject = SUBJECTS[topic % len(SUBJECTS)]
        when = START + timedelta(days=rng.randint(0, 120))
        ids: list[str] = []
        for step in range(rng.randint(3, 9)):
            when += timedelta(days=rng.choice((0, 1, 3, 12, 40)), minutes=rng.randint(1, 600))
            frm, to = (client, us) if step % 2 == 0 else (us, client)
            mid = f"t{topic}-{step}@mail.example"
            keeps_headers = step == 0 or rng.random() < 0.6
            parent = rng.choice(ids) if ids else None
            raw = email(
                frm=frm,
                to=to,
                subject=("Re: " if step else "") + subject,
                date=when,
                message_id=mid,
                in_reply_to=parent if keeps_headers else None,
                references=ids[-3:] if keeps_headers and parent else None,
                body=f"Step {step} of topic {topic}.\n\nRegards",
            )
            message = from_raw(raw, analyzer=analyzer, privacy=Privacy())
            assert isinstance(message, Message)
            if topic % 4 == 1:
                message = dataclasses.replace(message, gm_thread=f"{1700 + topic}")
            if topic % 4 == 2 and not keeps_headers:
                message = dataclasses.replace(message, conversation_id=f"AAQk{topic}")
            made.append((f"inbox:{topic}:{step}", message))
            if parent and not keeps_headers and rng.random() < 0.5:
                # The same message in Sent, with its headers: stored later, merged in.
                copy = dataclasses.replace(
                    message, in_reply_to=(parent,), references=tuple(ids[-3:])
                )
                made.append((f"sent:{topic}:{step}", copy))
            ids.append(mid)
    return made


def threads_of(engine: sa.Engine) -> dict[str, str | None]:
    with engine.connect() as connection:
        return dict(connection.execute(sa.select(messages.c.key, messages.c.thread_id)).all())


def store_in_batches(engine, items, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    directory = team_config().directory()
    position = 0
    while position < len(items):
        size = rng.choice((1, 2, 5, 17))
        batch = items[position : position + size]
        position += size
        for folder in ("INBOX", "Sent"):
            chosen = [Item(loc, m) for loc, m in batch if loc.startswith(folder.lower())]
            if not chosen:
                continue
            with engine.begin() as connection:
                save_items(
                    connection,
                    account="alice",
                    folder=folder,
                    items=chosen,
                    directory=directory,
                    now=NOW,
                )
        rethread(engine)


@pytest.mark.parametrize("order", range(6))
def test_threads_after_each_small_sync_equal_a_full_rebuild(
    store, analyzer, order: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN the same mail stored in a random order, in random small batches
    WHEN the store is re-threaded incrementally after each batch (new mail placed into the
    stored threads where it can be, the rest in rounds of a few messages for some orders,
    every message in rounds for the last two)
    THEN every message has the thread a full rebuild gives it."""
    if order % 2:
        monkeypatch.setattr(conversations, "ROUND", 3)
        monkeypatch.setattr(conversations, "BUDGET", 7)
    if order >= 4:
        monkeypatch.setattr(placement, "PLACE_AT_MOST", 0)
    rng = random.Random(order)
    items = list(mail(analyzer))
    rng.shuffle(items)

    store_in_batches(store.engine, items, rng)
    incremental = threads_of(store.engine)
    rethread(store.engine, force=True)
    full = threads_of(store.engine)

    assert None not in incremental.values()
    assert len(set(full.values())) >= 12
    assert incremental == full


def _counting_rounds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many messages each round of re-threading threads."""
    rounds: list[int] = []
    real = conversations.assign_threads

    def counting(inputs):  # type: ignore[no-untyped-def]
        given = list(inputs)
        rounds.append(len(given))
        return real(given)

    monkeypatch.setattr(conversations, "assign_threads", counting)
    return rounds


def test_mail_arriving_in_date_order_is_placed_without_rethreading_conversations(
    store, analyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN mail that arrives in small syncs, each later than the mail before it (no second
    copy of a stored message among it)
    WHEN the store is re-threaded after each
    THEN every message is placed into the threads it links to (no conversation is threaded
    again) and has the thread a full rebuild gives it."""
    rounds = _counting_rounds(monkeypatch)
    first_copies = [item for item in mail(analyzer) if item[0].startswith("inbox:")]
    items = sorted(first_copies, key=lambda item: (item[1].date, item[0]))

    store_in_batches(store.engine, items, random.Random(5))
    placed = threads_of(store.engine)
    rethread(store.engine, force=True)

    assert rounds == [len(placed)]  # the full rebuild's only
    assert None not in placed.values()
    assert placed == threads_of(store.engine)


def test_a_small_sync_threaded_in_rounds_reads_only_the_conversation_it_touches(
    store, analyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a threaded store, and a message that cannot be placed alone
    WHEN it arrives
    THEN re-threading reads the messages of the conversations it can join, not the store."""
    monkeypatch.setattr(placement, "PLACE_AT_MOST", 0)
    items = list(mail(analyzer))
    store_in_batches(store.engine, items[:-1], random.Random(1))
    threaded = _counting_rounds(monkeypatch)

    store_in_batches(store.engine, items[-1:], random.Random(1))

    thread = threads_of(store.engine)[items[-1][1].key]
    same = [key for key, value in threads_of(store.engine).items() if value == thread]
    assert threaded and threaded[0] < len(items) / 3
    assert threaded[0] >= len(same)


def _store_at_once(engine: sa.Engine, items) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as connection:
        for folder in ("INBOX", "Sent"):
            save_items(
                connection,
                account="alice",
                folder=folder,
                items=[Item(loc, m) for loc, m in items if loc.startswith(folder.lower())],
                directory=team_config().directory(),
                now=NOW,
            )


def test_a_first_import_within_the_budget_is_threaded_in_one_round(
    store, analyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a first import of many times the messages taken at a time, all within the budget
    WHEN it is threaded
    THEN one round threads every message once: no conversation is read again for each batch
    of new messages that joins it (a mailbox whose conversations span it read most of itself
    once per batch)."""
    monkeypatch.setattr(placement, "PLACE_AT_MOST", 10)  # far fewer than it imports
    monkeypatch.setattr(conversations, "ROUND", 5)
    rounds = _counting_rounds(monkeypatch)
    items = list(mail(analyzer))
    _store_at_once(store.engine, items)

    rethread(store.engine)

    threaded = threads_of(store.engine)  # fewer than the items: second copies merge
    assert rounds == [len(threaded)]
    assert None not in threaded.values()


def test_a_first_import_beyond_the_budget_is_threaded_in_bounded_rounds(
    store, analyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a first import larger than one round may hold
    WHEN it is threaded
    THEN each round holds at most the budget and one more batch with the conversations it
    joins, and the threads equal a full rebuild's."""
    monkeypatch.setattr(placement, "PLACE_AT_MOST", 10)  # far fewer than it imports
    monkeypatch.setattr(conversations, "ROUND", 4)
    monkeypatch.setattr(conversations, "BUDGET", 20)
    rounds = _counting_rounds(monkeypatch)
    items = list(mail(analyzer))
    _store_at_once(store.engine, items)

    rethread(store.engine)
    threaded = threads_of(store.engine)
    rethread(store.engine, force=True)

    assert len(rounds) > 3
    assert max(rounds[:-1]) < len(threaded) / 2
    assert threaded == threads_of(store.engine)


@pytest.mark.parametrize(("days", "slice_"), [(40, 5000), (60, 5000), (100, 5000), (60, 3)])
def test_a_purge_threads_again_only_the_conversations_that_lost_a_message(
    store, analyzer, days: int, slice_: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a store of a dozen conversations
    WHEN the mail older than a date is purged (the nightly retention) and the store threaded
    THEN only the conversations that lost a message are read again, and every message has
    the thread a full rebuild gives it, including conversations named after a message gone;
    purged a few messages per transaction (``slice_``), the same."""
    monkeypatch.setattr(retention, "PURGE_SLICE", slice_)
    transactions = _counting_transactions(store.engine)
    items = list(mail(analyzer))
    store_in_batches(store.engine, items, random.Random(3))
    cut = START + timedelta(days=days)
    with store.engine.connect() as connection:
        dated = dict(connection.execute(sa.select(messages.c.key, messages.c.date)).all())
    before = threads_of(store.engine)
    losing = {before[key] for key, when in dated.items() if stored_instant(when) < cut}

    transactions.clear()
    purge_before(store.engine, cut)
    purged_in = len(transactions)

    unthreaded = {key for key, thread in threads_of(store.engine).items() if thread is None}
    kept = {key for key, when in dated.items() if stored_instant(when) >= cut}
    gone = len(dated) - len(kept)
    assert purged_in == -(-gone // slice_) + 2  # the slices, the last empty one, the rest
    assert unthreaded == {key for key in kept if before[key] in losing}
    assert 0 < len(unthreaded) < len(kept)
    rethread(store.engine)
    after_purge = threads_of(store.engine)
    renamed = {key for key in unthreaded if after_purge[key] != before[key]}
    rethread(store.engine, force=True)
    assert after_purge == threads_of(store.engine)
    assert renamed  # a conversation whose first message went is named after its new first


def _counting_transactions(engine: sa.Engine) -> list[object]:
    begun: list[object] = []
    sa.event.listen(engine, "begin", lambda connection: begun.append(connection))
    return begun


def test_a_large_import_gives_postgresql_the_statistics_to_plan_its_lookups(
    store, analyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a first import far larger than one round of threading, on a server whose
    autovacuum has not analysed the new rows (or is off)
    WHEN it is threaded
    THEN PostgreSQL's planner knows how many messages and links there are (it would otherwise
    plan each round's lookups by link for an empty table and read every row)."""
    if store.engine.dialect.name != "postgresql":
        pytest.skip("statistics are PostgreSQL's planner's")
    monkeypatch.setattr(placement, "PLACE_AT_MOST", 10)
    monkeypatch.setattr(conversations, "ROUND", 10)
    monkeypatch.setattr(conversations, "BUDGET", 10)
    _store_at_once(store.engine, list(mail(analyzer)))

    rethread(store.engine)

    with store.engine.connect() as connection:
        counted = {
            table: connection.execute(
                sa.text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:name)"),
                {"name": table},
            ).scalar_one()
            for table in ("messages", "message_links")
        }
        stored = connection.execute(sa.select(sa.func.count()).select_from(messages)).scalar()
    assert counted["messages"] == stored
    assert counted["message_links"] >= stored
