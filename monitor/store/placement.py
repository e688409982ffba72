"""Threading a few new messages by placing each into the stored conversations.

A sync of a threaded store brings a few messages, nearly all of them later than the mail they
can join. Such a message M, added to the stored set, changes the threads
:func:`monitor.core.threads.assign_threads` gives that set only by joining some of them:

- links by headers (Message-ID, References, In-Reply-To, Gmail thread) only ever join, and the
  stored messages that share one of M's ids are all in one stored thread already;
- a fallback (Graph conversationId, normalised subject) joins a message without references to
  one *earlier* message among the same people: the first of its conversationId, the latest of
  its subject within SUBJECT_WINDOW. M can change that choice only for a stored message after
  M, without references, among the same people (and within the window, for a subject). When
  there is none, every stored choice stands and M adds links; it takes none away.

So M's thread is the stored threads it links to, joined, named after the earliest message among
them, and a thread joined to an older one takes its name. Each message is placed in (date, key)
order, as if it had arrived alone, which is what threading the store with it would give
(tests/store/test_rethread.py and tests/store/test_thread_placement.py compare with a full
rebuild after every sync). That holds while every threaded message has the thread a rebuild
would give it, so two kinds of unthreaded message are left for the rounds that re-thread every
message they can share a conversation with (:mod:`monitor.store.conversations`): a message
that could change a stored choice (late mail), and one threaded before (a copy that brought
other headers, the rest of a conversation that lost a message to a purge), which may leave its
thread, not only join one.

Placing a message reads what it links to: one row per id it names (a reply in a long ticket
thread does not read the thread), the messages of its subject within the window (a new issue
of a newsletter of 50,000 issues reads a month of them), and of its conversationId those after
it and, before it, those up to the first among the same people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from monitor.core.threads import SUBJECT_WINDOW, same_people, thread_name
from monitor.store.links import (
    THREAD_COLUMNS,
    conversation_link,
    header_links,
    keep_links,
    participants,
    subject_link,
)
from monitor.store.schema import message_links, messages

#: A sync that leaves more new messages than this is threaded in rounds (a first import).
PLACE_AT_MOST = 200

_MEMBER_COLUMNS = (
    messages.c.thread_id,
    messages.c.date,
    messages.c.key,
    messages.c.from_addr,
    messages.c.to_addrs,
    messages.c.cc_addrs,
    messages.c.in_reply_to,
    messages.c.refs,
)


@dataclass(frozen=True, slots=True)
class _Member:
    """A threaded message that a new one links to, as threading compares them."""

    thread: str
    date: datetime
    key: str
    people: frozenset[str]
    has_refs: bool

    @classmethod
    def of(cls, row: Any) -> _Member:
        return cls(
            row.thread_id, row.date, row.key, participants(row), bool(row.in_reply_to or row.refs)
        )

    @property
    def order(self) -> tuple[datetime, str]:
        return (self.date, self.key)


def place_new(connection: sa.Connection) -> int:
    """Place the unthreaded messages, if there are at most PLACE_AT_MOST, into the stored
    threads; returns how many messages changed thread. Those that could change a stored
    message's thread otherwise than by joining it stay unthreaded."""
    limit = PLACE_AT_MOST
    seeds = connection.execute(
        sa.select(*THREAD_COLUMNS)
        .where(messages.c.thread_id.is_(None))
        .order_by(messages.c.id)
        .limit(limit + 1)
    ).all()
    if not seeds or len(seeds) > limit:
        return 0
    # A message threaded before (a copy that brought other headers, the rest of a conversation
    # that lost a message to a purge) may leave its thread, not only join one: the rounds
    # thread it with all it shared a conversation with.
    before = set(
        connection.execute(
            sa.select(message_links.c.message)
            .where(message_links.c.message.in_([seed.id for seed in seeds]))
            .distinct()
        ).scalars()
    )
    new = [seed for seed in seeds if seed.id not in before]
    keep_links(connection, new)
    changed = 0
    for seed in sorted(new, key=lambda row: (row.date, row.key)):
        changed += _place(connection, seed)
    return changed


def _place(connection: sa.Connection, seed: Any) -> int:
    """Thread ``seed`` with the stored messages; 0 when it could change a stored choice."""
    me = (seed.date, seed.key)
    people = participants(seed)
    has_refs = bool(seed.in_reply_to or seed.refs)
    joined: dict[str, list[_Member]] = {}
    for link in header_links(seed):
        row = connection.execute(_ONE_LINKED, {"link": link}).first()
        if row is not None:
            joined.setdefault(row.thread_id, []).append(_Member.of(row))
    fallbacks: list[tuple[str | None, timedelta | None]] = [
        (conversation_link(seed), None),
        (subject_link(seed), SUBJECT_WINDOW),
    ]
    for fallback, window in fallbacks:
        if fallback is None:
            continue
        # A conversation is read from the new message on, and before it only until the first
        # message among the same people (all of it could be years of mail).
        earlier = not has_refs and window is not None
        members = _linked(connection, fallback, seed.date, window, earlier=earlier)
        if any(_could_choose(member, seed.date, me, people, window) for member in members):
            return 0
        chosen = None
        if not has_refs and window is None:
            chosen = _first_before(connection, fallback, seed.date, people)
        if not has_refs and chosen is None:
            chosen = _choice(members, seed.date, me, people, window)
        if chosen is not None:
            joined.setdefault(chosen.thread, []).append(chosen)
    name = _name(connection, seed, joined)
    connection.execute(_THREAD, {"ident": seed.id, "thread": name})
    changed = 1
    for thread in joined.keys() - {name}:
        changed += connection.execute(_RENAME, {"old": thread, "new": name}).rowcount
    return changed


def _members() -> sa.Select[Any]:
    return (
        sa.select(*_MEMBER_COLUMNS)
        .join(message_links, message_links.c.message == messages.c.id)
        .where(message_links.c.link == sa.bindparam("link"), messages.c.thread_id.is_not(None))
    )


# Built once: a sync places each new message with a few of these.
_ONE_LINKED = _members().limit(1)
_LINKED = {
    (since, until): _members()
    .where(*([messages.c.date >= sa.bindparam("since")] if since else []))
    .where(*([messages.c.date <= sa.bindparam("until")] if until else []))
    for since in (False, True)
    for until in (False, True)
}
#: A thread's messages of its earliest date: the first of them by key is chosen in Python, as
#: threading orders keys (by code point, where PostgreSQL would order by its collation).
_FIRST = sa.select(messages.c.date, messages.c.key).where(
    messages.c.thread_id == sa.bindparam("thread"),
    messages.c.date
    == sa.select(sa.func.min(messages.c.date))
    .where(messages.c.thread_id == sa.bindparam("thread"))
    .scalar_subquery(),
)
#: Earlier messages of a conversation, a page at a time, oldest first.
PAGE = 200
_EARLIER_PAGE = (
    _members()
    .where(messages.c.date < sa.bindparam("when"))
    .order_by(messages.c.date, messages.c.id)
    .limit(PAGE)
    .offset(sa.bindparam("skip"))
)
_ON_DATE = _members().where(messages.c.date == sa.bindparam("when"))
_THREAD = (
    sa.update(messages)
    .where(messages.c.id == sa.bindparam("ident"))
    .values(thread_id=sa.bindparam("thread"))
)
_RENAME = (
    sa.update(messages)
    .where(messages.c.thread_id == sa.bindparam("old"))
    .values(thread_id=sa.bindparam("new"))
)


def _linked(
    connection: sa.Connection,
    link: str,
    when: datetime,
    window: timedelta | None,
    *,
    earlier: bool,
) -> list[_Member]:
    """The threaded messages with ``link`` within ``window`` of ``when``, earliest first; those
    before ``when`` only if ``earlier`` (a message with references joins none of them)."""
    bounds: dict[str, Any] = {"link": link}
    if window is not None:
        bounds["until"] = when + window
    if not earlier:
        bounds["since"] = when
    elif window is not None:
        bounds["since"] = when - window
    query = _LINKED["since" in bounds, "until" in bounds]
    return sorted((_Member.of(row) for row in connection.execute(query, bounds)), key=_order)


def _order(member: _Member) -> tuple[datetime, str]:
    return member.order


def _could_choose(
    member: _Member,
    when: datetime,
    me: tuple[datetime, str],
    people: frozenset[str],
    window: timedelta | None,
) -> bool:
    """Whether a stored message could pick the new one as its fallback link."""
    return (
        member.order > me
        and not member.has_refs
        and (window is None or member.date - when <= window)
        and same_people(member.people, people)
    )


def _choice(
    members: Sequence[_Member],
    when: datetime,
    me: tuple[datetime, str],
    people: frozenset[str],
    window: timedelta | None,
) -> _Member | None:
    """The message the new one's fallback joins: the first earlier one among the same people
    (conversationId), or the latest within the window (subject)."""
    earlier = [m for m in members if m.order < me and (window is None or when - m.date <= window)]
    if window is not None:
        earlier.reverse()
    return next((m for m in earlier if same_people(m.people, people)), None)


def _name(connection: sa.Connection, seed: Any, joined: dict[str, list[_Member]]) -> str:
    """The name of the thread ``seed`` makes with ``joined``: its earliest message's."""
    if len(joined) == 1:
        thread, known = next(iter(joined.items()))
        if any(member.order < (seed.date, seed.key) for member in known):
            return thread
    firsts = [(seed.date, seed.key)]
    for thread in joined:
        firsts.extend((row.date, row.key) for row in connection.execute(_FIRST, {"thread": thread}))
    return thread_name(min(firsts)[1])


def _first_before(
    connection: sa.Connection, link: str, when: datetime, people: frozenset[str]
) -> _Member | None:
    """The first message with ``link`` dated before ``when`` among ``people``: read a page at a
    time, and with every message of the date it is found on (those of one date may straddle
    two pages, and are ordered by key)."""
    skip = 0
    while True:
        page = [
            _Member.of(row)
            for row in connection.execute(_EARLIER_PAGE, {"link": link, "when": when, "skip": skip})
        ]
        found = next((m for m in sorted(page, key=_order) if same_people(m.people, people)), None)
        if found is not None:
            same_day = connection.execute(_ON_DATE, {"link": link, "when": found.date})
            return min(
                (m for m in map(_Member.of, same_day) if same_people(m.people, people)), key=_order
            )
        if len(page) < PAGE:
            return None
        skip += PAGE
