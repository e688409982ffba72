"""Re-threading: which conversation each stored message belongs to.

After a sync of a few messages, each is placed into the stored threads it links to, reading
only those links (:mod:`monitor.store.placement`). The rest (a first import, or mail older
than stored mail it could be joined with) are threaded in rounds: the unthreaded messages and
every stored message that can share a conversation with them, not the whole store. A thread
depends only on the messages it can link to, by an id one of them names (Message-ID,
References, In-Reply-To), a Gmail thread, a Graph conversationId or a normalised subject
(:func:`monitor.core.threads.assign_threads`). The closure under those links is found through
the ``message_links`` table (each message's links as indexed digests,
:mod:`monitor.store.links`), and threading it alone gives each of its messages what threading
the whole store would: every message that could link to one of them is in it. A purge
unthreads the rest of every conversation that lost a message (it may have been named after
it, or held together by it), so they are threaded again the same way. A full rebuild stays
available (``force``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from monitor.core.threads import ThreadInput, assign_threads
from monitor.store.bulk import chunks
from monitor.store.links import THREAD_COLUMNS, keep_links, link_keys, participants
from monitor.store.meta import THREADS_DIRTY, get_meta, set_meta
from monitor.store.placement import place_new
from monitor.store.schema import message_links, messages

#: The THREADS_DIRTY value that asks for a full rebuild (set by a purge).
FULL = "full"  # the value purges of earlier versions set
#: Unthreaded messages taken at a time: a round (one transaction) takes them until its messages,
#: with every stored message that can share a conversation with them, number at least BUDGET.
ROUND = 5000
#: The messages one round reads and threads, at most (about 2 KB of memory each), plus a ROUND
#: and what shares a conversation with it. A round's messages are threaded together: more in
#: one round reads the conversations they share once, not once per round.
BUDGET = 25_000
_PG_THREADING = 0x72656C74  # "relt": the lock threading transactions take on PostgreSQL

_LINK_COLUMNS = (
    messages.c.id,
    messages.c.message_id,
    # As their JSON text, decoded only for rows not found yet (the scan's main cost).
    sa.cast(messages.c.in_reply_to, sa.Text).label("in_reply_to"),
    sa.cast(messages.c.refs, sa.Text).label("refs"),
    messages.c.subject,
    messages.c.gm_thread,
    messages.c.conversation_id,
)


def rethread(engine: sa.Engine, *, force: bool = False) -> int:
    """Give new and changed messages their conversation, and every message whose conversation
    they change its new one; returns how many messages changed thread. ``force``: rethread the
    whole store.

    Unthreaded messages are taken in rounds of at most about BUDGET messages, each round in its
    own transaction, so a first ingest of a large archive is threaded in bounded memory too.
    Threading some of them first is what a sync of those alone would have done, and gives the
    same threads.
    """
    with engine.begin() as connection:
        one_at_a_time(connection)
        if force or get_meta(connection, THREADS_DIRTY) == FULL:
            rows: list[sa.Row[Any]] = list(connection.execute(sa.select(*THREAD_COLUMNS)))
            connection.execute(sa.delete(message_links))
            keep_links(connection, rows)
            changed = _assign(connection, rows)
            set_meta(connection, THREADS_DIRTY, "0")
            return changed
        changed = place_new(connection)
    statistics = _Statistics(due=ROUND)
    while True:
        with engine.begin() as connection:
            one_at_a_time(connection)
            affected = _affected(connection, ROUND, BUDGET, statistics)
            if not affected:
                set_meta(connection, THREADS_DIRTY, "0")
                return changed
            changed += _assign(connection, _rows(connection, affected))


def one_at_a_time(connection: sa.Connection) -> None:
    """Replicas sharing PostgreSQL thread one transaction at a time, each on what the one
    before committed: two reading the same conversations at once would each join new mail to
    a thread the other is renaming. A purge's slices take the same turns: a message placed
    into a thread is never joined to one a purge is deleting. (SQLite's writers take turns
    already.)"""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_THREADING})


def release_threads(connection: sa.Connection, ids: Sequence[int]) -> None:
    """Before these messages are deleted: the conversations they belong to lose their threads,
    to be threaded again at the next rethread. A conversation that loses a message may have
    been named after it, or held together by it; every other conversation stays as it is."""
    one_at_a_time(connection)
    losing = (
        sa.select(messages.c.thread_id)
        .where(messages.c.id.in_(list(ids)), messages.c.thread_id.is_not(None))
        .scalar_subquery()
    )
    connection.execute(
        sa.update(messages).where(messages.c.thread_id.in_(losing)).values(thread_id=None)
    )
    set_meta(connection, THREADS_DIRTY, "1")


@dataclass
class _Statistics:
    """Fresh statistics for PostgreSQL's planner while a large import is threaded: planned on
    the counts of an empty table, each lookup by link reads every row (90 ms instead of 15 at
    100,000 messages), and so would every question after it. Autovacuum does this too, in its
    own time, where it is on. The tables are analysed once the first ROUND unthreaded messages
    are taken, then each time the number taken has doubled (5,000, 10,000, 20,000 …)."""

    due: int
    taken: int = 0

    def took(self, connection: sa.Connection, count: int) -> None:
        self.taken += count
        if self.taken >= self.due:
            if connection.dialect.name == "postgresql":
                connection.execute(sa.text("ANALYZE messages, message_links"))
            self.due = 2 * self.taken


def _affected(
    connection: sa.Connection, limit: int, budget: int, statistics: _Statistics
) -> set[int]:
    """Unthreaded messages, ``limit`` at a time, and every message that can share a
    conversation with them, until they number at least ``budget`` (or none is left).

    The threaded messages that share a link with those found so far are looked up by their
    link digests (an indexed lookup); each one found brings its whole stored thread at once,
    and every message found brings its own links into the next lookup, until one adds nothing.
    A link asked about once is not asked about again: what it brings is already found.
    """
    found: set[int] = set()
    asked: set[str] = set()
    after = 0
    while len(found) < budget:
        seeds = connection.execute(
            sa.select(*_LINK_COLUMNS)
            .where(messages.c.thread_id.is_(None), messages.c.id > after)
            .order_by(messages.c.id)
            .limit(limit)
        ).all()
        if not seeds:
            break
        after = seeds[-1].id
        found |= {row.id for row in seeds}
        pending: set[str] = set()
        for keys in keep_links(connection, seeds).values():
            pending |= keys - asked
        while pending:
            asked |= pending
            threads = _linked_threads(connection, sorted(pending), found)
            pending = set()
            for chunk in chunks(sorted(threads)):
                for row in connection.execute(
                    sa.select(*_LINK_COLUMNS).where(messages.c.thread_id.in_(chunk))
                ):
                    if row.id not in found:
                        found.add(row.id)
                        pending |= link_keys(row) - asked
        statistics.took(connection, len(seeds))
    return found


def _linked_threads(connection: sa.Connection, keys: Sequence[str], found: set[int]) -> set[str]:
    """The threads of the threaded messages not in ``found`` that have one of ``keys``."""
    threads: set[str] = set()
    for chunk in chunks(keys):
        for ident, thread in connection.execute(
            sa.select(messages.c.id, messages.c.thread_id)
            .join(message_links, message_links.c.message == messages.c.id)
            .where(message_links.c.link.in_(chunk), messages.c.thread_id.is_not(None))
        ):
            if ident not in found:
                threads.add(thread)
    return threads


def _rows(connection: sa.Connection, ids: Iterable[int]) -> list[sa.Row[Any]]:
    rows: list[sa.Row[Any]] = []
    for chunk in chunks(sorted(ids)):
        rows.extend(connection.execute(sa.select(*THREAD_COLUMNS).where(messages.c.id.in_(chunk))))
    return rows


def _assign(connection: sa.Connection, rows: Sequence[sa.Row[Any]]) -> int:
    if not rows:
        return 0
    threads = assign_threads(
        ThreadInput(
            key=row.key,
            date=row.date,
            message_id=row.message_id,
            in_reply_to=tuple(row.in_reply_to or ()),
            references=tuple(row.refs or ()),
            subject=row.subject,
            participants=participants(row),
            gm_thread=row.gm_thread,
            conversation_id=row.conversation_id,
        )
        for row in rows
    )
    updates = [
        {"ident": row.id, "thread": threads[row.key]}
        for row in rows
        if row.thread_id != threads[row.key]
    ]
    statement = (
        sa.update(messages)
        .where(messages.c.id == sa.bindparam("ident"))
        .values(thread_id=sa.bindparam("thread"))
    )
    for chunk in chunks(updates):
        connection.execute(statement, chunk)
    return len(updates)
