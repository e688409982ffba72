"""Reading stored messages as analysis records: every record of a client (or of every client)
up to an instant, or only the recent ones and what an evaluation reads of the older.

Every query takes ``as_of``: only messages dated up to that instant count, so a question can be
asked of the data as it stood then.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from monitor.core.addresses import Directory
from monitor.core.addressing import ReplyReason, why_not_for_us
from monitor.core.history import ENOUGH_MAIL, Before
from monitor.core.model import Direction
from monitor.core.records import Record, record_of
from monitor.store.db import reading
from monitor.store.schema import messages, stored_instant

#: JSON columns are read as their text and decoded once per distinct value (most are ``[]`` or
#: repeat a client's usual recipients): a stored year is decoded in a fraction of the time.
_JSON_AS_TEXT = ("to_addrs", "cc_addrs", "friction", "pressure", "basics", "evidence")
_RECORD_COLUMNS = (
    messages.c.key,
    sa.type_coerce(messages.c.date, sa.String).label("date"),
    messages.c.direction,
    messages.c.client,
    messages.c.thread_id,
    messages.c.from_addr,
    messages.c.subject,
    messages.c.noise,
    messages.c.needs_reply,
    messages.c.sentiment,
    messages.c.impoliteness,
    messages.c.tone,
    messages.c.curtness,
    messages.c.courtesy,
    messages.c.friction_evidence,
    messages.c.language,
    messages.c.questions,
    messages.c.own_chars,
    sa.type_coerce(messages.c.away_until, sa.String).label("away_until"),
    *(sa.cast(messages.c[name], sa.Text).label(name) for name in _JSON_AS_TEXT),
    messages.c.revision,
)
_DIRECTIONS = {d.value: d for d in Direction}


def _day(value: date | str | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


class _Decoder:
    """One read's JSON values (read as text), each distinct text decoded once into its
    immutable form."""

    def __init__(self, directory: Directory | None) -> None:
        self.directory = directory
        self._names: dict[str, tuple[str, ...]] = {}
        self._evidence: dict[str, tuple[tuple[int, float, str | None], ...]] = {}
        self._parties: dict[tuple[str, str, bool], tuple[frozenset[str], ReplyReason | None]] = {}
        self._strings: dict[str, str] = {}

    def shared(self, text: str) -> str:
        """One string object for every row that holds the same text (a client's name, an
        address, a thread): a year of records keeps each once, not once a row."""
        return self._strings.setdefault(text, text)

    def names(self, text: str) -> tuple[str, ...]:
        found = self._names.get(text)
        if found is None:
            found = self._names[text] = tuple(json.loads(text) or ())
        return found

    def evidence(self, text: str) -> tuple[tuple[int, float, str | None], ...]:
        found = self._evidence.get(text)
        if found is None:
            found = self._evidence[text] = tuple(
                (int(i), float(c), t) for i, c, t in (json.loads(text) or [])
            )
        return found

    def parties(self, to: str, cc: str, inbound: bool) -> tuple[frozenset[str], ReplyReason | None]:
        key = (to, cc, inbound)
        found = self._parties.get(key)
        if found is None:
            to_addrs = [a for a, _ in json.loads(to) or []]
            cc_addrs = [a for a, _ in json.loads(cc) or []]
            reason = None
            if self.directory is not None and inbound:
                reason = why_not_for_us(to_addrs, cc_addrs, self.directory)
            found = self._parties[key] = (frozenset([*to_addrs, *cc_addrs]), reason)
        return found


def _record(row: Any, decoder: _Decoder) -> Record:
    (
        key, when, direction_value, client, thread, sender, subject, noise, needs_reply,
        sentiment, impoliteness, tone, curtness, courtesy, friction_evidence, language,
        questions, own_chars, away_until, to_addrs, cc_addrs, friction, pressure, basics,
        evidence, revision,
    ) = row  # fmt: skip
    direction = _DIRECTIONS[direction_value]
    recipients, reason = decoder.parties(to_addrs, cc_addrs, direction is Direction.INBOUND)
    shared = decoder.shared
    return record_of(  # Record's fields, in their order (a test holds it to the keyword call)
        (
            key,
            stored_instant(when),
            direction,
            client and shared(client),
            shared(thread) if thread else key,
            shared(sender),
            shared(subject),
            noise,
            bool(needs_reply),
            recipients,
            reason is ReplyReason.CC_ONLY,
            reason.value if reason is not None else None,
            sentiment,
            impoliteness,
            tone,
            curtness,
            courtesy,
            friction_evidence,
            language and shared(language),
            decoder.names(friction),
            decoder.names(pressure),
            decoder.names(basics),
            questions,
            own_chars,
            _day(away_until),
            decoder.evidence(evidence),
            revision,
        )
    )


@contextmanager
def _connected(source: sa.Engine | sa.Connection) -> Iterator[sa.Connection]:
    """``source`` itself when it is a connection (a caller making several reads checks one
    out once), else a read-only connection of it for this read."""
    if isinstance(source, sa.Connection):
        yield source
        return
    with reading(source) as connection:
        yield connection


def load_records(
    source: sa.Engine | sa.Connection,
    *,
    as_of: datetime,
    client: str | None = None,
    since: datetime | None = None,
    include_unassigned: bool = False,
    directory: Directory | None = None,
) -> list[Record]:
    """Messages up to ``as_of`` as analysis records, oldest first.

    By default only client mail (inbound and outbound); ``include_unassigned`` adds the rest,
    which the away-tracking of our own team needs (our out-of-office replies are internal noise).
    """
    query = sa.select(*_RECORD_COLUMNS).where(messages.c.date <= as_of)
    if client is not None:
        query = query.where(messages.c.client == client)
    elif not include_unassigned:
        query = query.where(messages.c.client.is_not(None))
    if since is not None:
        query = query.where(messages.c.date >= since)
    query = query.order_by(messages.c.date, messages.c.key)
    decoder = _Decoder(directory)
    with _connected(source) as connection:
        return [_record(row, decoder) for row in connection.execute(query)]


_COUNTED = sa.and_(
    messages.c.noise.is_(None),
    messages.c.direction.in_([Direction.INBOUND.value, Direction.OUTBOUND.value]),
)


def load_before(
    source: sa.Engine | sa.Connection,
    *,
    client: str,
    since: datetime,
    latest: int = 0,
    directory: Directory | None = None,
) -> Before:
    """What an evaluation from ``since`` on reads of ``client``'s mail dated before it (see
    :class:`~monitor.core.history.Before`), and its ``latest`` newest records: a few rows and
    aggregates, from the (client, date) index, instead of every record; four queries."""
    older = sa.and_(messages.c.client == client, messages.c.date < since)
    decoder = _Decoder(directory)
    with _connected(source) as connection:
        edges, newest_first = _edges_and_newest(connection, older, latest, decoder)
        counted, count, total, newest = _counts(connection, older)
        # Out-of-office periods that may still pause something: those ending after the window
        # or after the last message each way (two days' slack for the client's time zone).
        lasts = [r.date for (_, last), r in edges.items() if last and r is not None]
        reach = min([since, *lasts]) - timedelta(days=2)
        dated = _rows(connection, _away(client, reach.date()), decoder)
        away = [record for record in dated if record.date < since]
        addresses = _addresses(connection, older, decoder)
    return Before(
        since=since,
        counted=counted,
        first_inbound=edges.get((Direction.INBOUND, False)),
        first_outbound=edges.get((Direction.OUTBOUND, False)),
        last_inbound=edges.get((Direction.INBOUND, True)),
        last_outbound=edges.get((Direction.OUTBOUND, True)),
        away=tuple(away),
        latest=tuple(reversed(newest_first)),
        latest_kept=latest,
        addresses=addresses,
        count=count,
        revisions=total,
        newest=newest,
    )


#: The first and the last counted message each way: the parts of one query, by number.
_EDGES = tuple(
    (direction, last)
    for direction in (Direction.INBOUND, Direction.OUTBOUND)
    for last in (False, True)
)


def _edges_and_newest(
    connection: sa.Connection, older: sa.ColumnElement[bool], latest: int, decoder: _Decoder
) -> tuple[dict[tuple[Direction, bool], Record], list[Record]]:
    """The first and the last counted message each way of those ``older`` (by direction and
    whether last), and the ``latest`` newest of them all, newest first: one query."""
    order = (messages.c.date, messages.c.key)
    descending = tuple(column.desc() for column in order)
    parts: list[sa.Select[Any]] = [
        sa.select(sa.literal(number).label("part"), sa.literal(0).label("rank"), *_RECORD_COLUMNS)
        .where(older, messages.c.noise.is_(None), messages.c.direction == direction.value)
        .order_by(*(descending if last else order))
        .limit(1)
        for number, (direction, last) in enumerate(_EDGES)
    ]
    if latest > 0:
        rank = sa.func.row_number().over(order_by=descending)
        parts.append(
            sa.select(sa.literal(len(_EDGES)).label("part"), rank.label("rank"), *_RECORD_COLUMNS)
            .where(older)
            .order_by(*descending)
            .limit(latest)
        )
    query = sa.union_all(*(sa.select(part.subquery()) for part in parts))
    edges: dict[tuple[Direction, bool], Record] = {}
    ranked: list[tuple[int, Record]] = []
    for part, rank, *values in connection.execute(query):
        record = _record(values, decoder)
        if part < len(_EDGES):
            edges[_EDGES[part]] = record
        else:
            ranked.append((rank, record))
    return edges, [record for _, record in sorted(ranked, key=lambda pair: pair[0])]


def _counts(connection: sa.Connection, older: sa.ColumnElement[bool]) -> tuple[int, int, int, int]:
    """How many counted messages are ``older`` (up to ENOUGH_MAIL), and the number, the sum
    and the highest of the revisions of every record ``older``: one query."""
    counted = sa.select(sa.func.count()).select_from(
        sa.select(messages.c.id).where(older, _COUNTED).limit(ENOUGH_MAIL).subquery()
    )
    query = sa.select(
        counted.scalar_subquery(),
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(messages.c.revision), 0),
        sa.func.coalesce(sa.func.max(messages.c.revision), 0),
    ).where(older)
    enough, count, total, newest = connection.execute(query).one()
    return int(enough), int(count), int(total), int(newest)


def _away(client: str, until: date) -> sa.Select[Any]:
    """The client's out-of-office replies that say it is away until ``until`` or later, of any
    date (the caller keeps the older ones). Read from the index of a client's dated replies
    (migration 0024); asked with a date bound too, SQLite's planner takes the client's (client,
    date) index instead and walks the client's whole older history, years of it."""
    return (
        sa.select(*_RECORD_COLUMNS)
        .where(
            messages.c.client == client,
            messages.c.noise == "auto_reply",
            messages.c.direction == Direction.INBOUND.value,
            messages.c.away_until >= until,
        )
        .order_by(messages.c.date, messages.c.key)
    )


def _rows(connection: sa.Connection, query: sa.Select[Any], decoder: _Decoder) -> list[Record]:
    return [_record(row, decoder) for row in connection.execute(query)]


def _addresses(
    connection: sa.Connection, older: sa.ColumnElement[bool], decoder: _Decoder
) -> tuple[tuple[frozenset[str], datetime], ...]:
    """The addresses of the counted messages ``older``, each group with its first date (in no
    order: the history takes them by date)."""
    parties = [sa.cast(messages.c[name], sa.Text) for name in ("to_addrs", "cc_addrs")]
    query = (
        sa.select(
            messages.c.from_addr, *parties, sa.type_coerce(sa.func.min(messages.c.date), sa.String)
        )
        .where(older, _COUNTED)
        .group_by(messages.c.from_addr, *parties)
    )
    found = []
    for sender, to_addrs, cc_addrs, first in connection.execute(query):
        recipients, _ = decoder.parties(to_addrs, cc_addrs, inbound=False)
        found.append((recipients | {sender}, stored_instant(first)))
    return tuple(found)


__all__ = ["load_before", "load_records"]
