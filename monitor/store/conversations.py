"""Re-threading: which conversation each stored message belongs to.

After a sync only the new or changed messages (``thread_id`` NULL) and the messages that can
share a conversation with them are read, not the whole store: a thread depends only on the
messages it can link to, by an id one of them names (Message-ID, References, In-Reply-To), a
Gmail thread, a Graph conversationId or a normalised subject
(:func:`monitor.core.threads.assign_threads`). The closure under those links is found with
narrow scans that keep only the matching rows, and threading it alone gives each of its
messages what threading the whole store would: every message that could link to one of them
is in it. A full rebuild stays available (``force``), and runs after a purge, which removes
messages a thread may have been named after.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from monitor.core.threads import ThreadInput, assign_threads, normalise_subject, subject_links
from monitor.store.messages import THREADS_DIRTY, chunks, get_meta, set_meta
from monitor.store.schema import messages

#: The THREADS_DIRTY value that asks for a full rebuild (set by a purge).
FULL = "full"  # the value purge_before sets
_SCAN_ROWS = 2000  # rows fetched at a time by a scan
#: Unthreaded messages threaded per round (and transaction).
ROUND = 5000

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
_THREAD_COLUMNS = (
    messages.c.id,
    messages.c.key,
    messages.c.date,
    messages.c.message_id,
    messages.c.in_reply_to,
    messages.c.refs,
    messages.c.subject,
    messages.c.from_addr,
    messages.c.to_addrs,
    messages.c.cc_addrs,
    messages.c.gm_thread,
    messages.c.conversation_id,
    messages.c.thread_id,
)


@dataclass
class _Links:
    """What a set of messages can link by."""

    ids: set[str] = field(default_factory=set)
    gmail: set[str] = field(default_factory=set)
    conversations: set[str] = field(default_factory=set)
    subjects: set[str] = field(default_factory=set)
    _tails: tuple[str, ...] | None = None

    def add(self, row: Any) -> None:
        if row.message_id:
            self.ids.add(row.message_id)
        self.ids.update(_ids(row.in_reply_to))
        self.ids.update(_ids(row.refs))
        if row.gm_thread:
            self.gmail.add(row.gm_thread)
        if row.conversation_id:
            self.conversations.add(row.conversation_id)
        subject = normalise_subject(row.subject or "")
        if subject_links(subject):
            self.subjects.add(subject)

    def shares(self, row: Any) -> bool:
        if row.message_id in self.ids or row.gm_thread in self.gmail:
            return True
        if row.conversation_id in self.conversations:
            return True
        if not self.ids.isdisjoint(_ids(row.refs)) or not self.ids.isdisjoint(
            _ids(row.in_reply_to)
        ):
            return True
        if not self.subjects or not row.subject:
            return False
        # A normalised subject is a tail of the folded subject with its white space collapsed:
        # a cheap test first, the regular expressions only for a likely match.
        if self._tails is None or len(self._tails) != len(self.subjects):
            self._tails = tuple(self.subjects)
        if not " ".join(row.subject.split()).casefold().endswith(self._tails):
            return False
        return normalise_subject(row.subject) in self.subjects


def _ids(text: str | None) -> list[str]:
    found = json.loads(text) if text else []
    return [value for value in found if isinstance(value, str)]


def rethread(engine: sa.Engine, *, force: bool = False) -> int:
    """Give new and changed messages their conversation, and every message whose conversation
    they change its new one; returns how many messages changed thread. ``force``: rethread the
    whole store.

    Unthreaded messages are taken ROUND at a time, each round in its own transaction, so a
    first ingest of a large archive is threaded in bounded memory too. Threading some of them
    first is what a sync of those alone would have done, and gives the same threads.
    """
    with engine.begin() as connection:
        if force or get_meta(connection, THREADS_DIRTY) == FULL:
            changed = _assign(connection, list(connection.execute(sa.select(*_THREAD_COLUMNS))))
            set_meta(connection, THREADS_DIRTY, "0")
            return changed
    changed = 0
    while True:
        with engine.begin() as connection:
            affected = _affected(connection, ROUND)
            if not affected:
                set_meta(connection, THREADS_DIRTY, "0")
                return changed
            changed += _assign(connection, _rows(connection, affected))


def _affected(connection: sa.Connection, limit: int) -> set[int]:
    """Up to ``limit`` unthreaded messages and every message that can share a conversation
    with them.

    A scan finds the stored messages that share a link with those found so far; each one found
    brings its whole stored thread at once (an indexed lookup: a thread is linked together, so
    it would be found anyway, one scan per step of its chain). Scans go on until one adds
    nothing, usually the second.
    """
    unthreaded = messages.c.thread_id.is_(None)
    seeds = connection.execute(
        sa.select(*_LINK_COLUMNS).where(unthreaded).order_by(messages.c.id).limit(limit)
    ).all()
    found = {row.id for row in seeds}
    links = _Links()
    for row in seeds:
        links.add(row)
    while found:
        threads: set[str] = set()
        scan = connection.execute(
            sa.select(*_LINK_COLUMNS, messages.c.thread_id)
            .where(messages.c.thread_id.is_not(None))
            .execution_options(yield_per=_SCAN_ROWS)
        )
        for row in scan:
            if row.id not in found and links.shares(row):
                found.add(row.id)
                links.add(row)
                threads.add(row.thread_id)
        if not threads:
            break
        for chunk in chunks(sorted(threads)):
            for row in connection.execute(
                sa.select(*_LINK_COLUMNS).where(messages.c.thread_id.in_(chunk))
            ):
                if row.id not in found:
                    found.add(row.id)
                    links.add(row)
    return found


def _rows(connection: sa.Connection, ids: Iterable[int]) -> list[sa.Row[Any]]:
    rows: list[sa.Row[Any]] = []
    for chunk in chunks(sorted(ids)):
        rows.extend(connection.execute(sa.select(*_THREAD_COLUMNS).where(messages.c.id.in_(chunk))))
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
            participants=frozenset(
                [
                    row.from_addr,
                    *(a for a, _ in row.to_addrs or []),
                    *(a for a, _ in row.cc_addrs or []),
                ]
            ),
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
