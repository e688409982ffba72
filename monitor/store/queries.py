"""Reading: the first stored mail, exports, and the unassigned correspondents (a client's
records for analysis: :mod:`monitor.store.records`).

Every query takes ``as_of``: only messages dated up to that instant count, so a question can be
asked of the data as it stood then.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from monitor.core.addresses import Directory, PartyKind, domain_of
from monitor.core.model import Direction
from monitor.store.db import reading
from monitor.store.schema import messages, quarantine, sightings, stored_instant


def first_mail(
    engine: sa.Engine, as_of: datetime, clients: Collection[str] | None = None
) -> datetime | None:
    """The date of the oldest client message up to ``as_of`` (of ``clients``, if given)."""
    query = sa.select(sa.func.min(messages.c.date)).where(
        messages.c.date <= as_of, messages.c.client.is_not(None)
    )
    if clients is not None:
        query = query.where(messages.c.client.in_(sorted(clients)))
    with reading(engine) as connection:
        found = connection.execute(query).scalar()
    return stored_instant(found) if found is not None else None


def message_count(engine: sa.Engine, *, as_of: datetime | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(messages)
    if as_of is not None:
        query = query.where(messages.c.date <= as_of)
    with reading(engine) as connection:
        return int(connection.execute(query).scalar_one())


@dataclass
class Correspondent:
    """An external domain (or a free-mail address) that matches no client."""

    name: str  # domain, or address for free-mail senders
    kind: str  # "domain" or "address"
    inbound: int = 0  # messages from them to us
    outbound: int = 0  # messages from us to them
    people: set[str] = field(default_factory=set)
    first: datetime | None = None
    last: datetime | None = None

    @property
    def two_way(self) -> int:
        return min(self.inbound, self.outbound)

    def note(self, when: datetime) -> None:
        self.first = when if self.first is None or when < self.first else self.first
        self.last = when if self.last is None or when > self.last else self.last


def suggest_clients(
    engine: sa.Engine, directory: Directory, *, as_of: datetime, limit: int = 20
) -> list[Correspondent]:
    """Unassigned external correspondents ranked by two-way traffic (then by volume).

    Noise is ignored: a newsletter that writes every day is not a relationship. Our mail counts
    as relmon will count it once the correspondent is a client: only what it knows is ours.
    """
    query = sa.select(
        messages.c.date,
        messages.c.from_addr,
        messages.c.to_addrs,
        messages.c.cc_addrs,
        messages.c.counterpart,
    ).where(
        messages.c.date <= as_of,
        messages.c.direction == Direction.OTHER.value,
        messages.c.noise.is_(None),
    )
    found: dict[str, Correspondent] = {}

    def bucket(address: str) -> Correspondent:
        domain = domain_of(address)
        if domain in directory.freemail:
            name, kind = address, "address"
        else:
            name, kind = domain, "domain"
        entry = found.get(name)
        if entry is None:
            entry = found[name] = Correspondent(name=name, kind=kind)
        entry.people.add(address)
        return entry

    with reading(engine) as connection:
        for row in connection.execute(query):
            sender_party = directory.party(row.from_addr)
            if sender_party.kind is PartyKind.EXTERNAL:
                if any(
                    directory.is_us(a) for a, _ in [*(row.to_addrs or []), *(row.cc_addrs or [])]
                ):
                    entry = bucket(row.from_addr)
                    entry.inbound += 1
                    entry.note(row.date)
            elif sender_party.kind is PartyKind.US and row.counterpart is not None:
                # Ours only where a Sent folder or our server proves it (the attribution then
                # names whom it went to): a colleague's mail seen as a copy would not count as
                # our reply once the correspondent is a client, so it is not counted here.
                seen: set[str] = set()
                for address, _ in [*(row.to_addrs or []), *(row.cc_addrs or [])]:
                    if directory.party(address).kind is PartyKind.EXTERNAL:
                        entry = bucket(address)
                        if entry.name not in seen:
                            seen.add(entry.name)
                            entry.outbound += 1
                            entry.note(row.date)
    ranked = sorted(found.values(), key=lambda c: (-c.two_way, -(c.inbound + c.outbound), c.name))
    return ranked[:limit]


EXPORT_FIELDS = (
    "key",
    "message_id",
    "date",
    "date_problem",
    "from",
    "from_name",
    "to",
    "cc",
    "subject",
    "direction",
    "client",
    "counterpart",
    "thread_id",
    "in_reply_to",
    "references",
    "noise",
    "noise_reason",
    "needs_reply",
    "language",
    "own_chars",
    "questions",
    "closing_only",
    "sentiment",
    "impoliteness",
    "tone",
    "curtness",
    "courtesy",
    "friction_evidence",
    "friction",
    "pressure",
    "basics",
    "away_until",
    "has_attachments",
    "size",
    "seen_in",
    "notes",
)


def export_messages(
    engine: sa.Engine, *, as_of: datetime, client: str | None = None
) -> Iterator[dict[str, Any]]:
    """One dict per message with its normalised fields (the ``relmon export`` row)."""
    # Each message with its places, one row per place, in one streamed query: memory holds
    # a part of the store at a time, whatever its size.
    query = (
        sa.select(
            messages,
            sightings.c.account.label("seen_account"),
            sightings.c.folder.label("seen_folder"),
        )
        .outerjoin(sightings, sightings.c.message == messages.c.id)
        .where(messages.c.date <= as_of)
        .order_by(messages.c.date, messages.c.key, sightings.c.id)
    )
    if client is not None:
        query = query.where(messages.c.client == client)
    with reading(engine) as connection:
        rows = connection.execution_options(yield_per=1000).execute(query)
        for _, group in itertools.groupby(rows, key=lambda row: row.id):
            places = list(group)  # one row per place of the same message
            seen_in: list[str] = []
            for row in places:
                label = f"{row.seen_account}:{row.seen_folder}"
                if row.seen_account is not None and label not in seen_in:
                    seen_in.append(label)
            yield _exported(places[0], seen_in)


# One flat mapping of every export column, in EXPORT_FIELDS order: split up, the columns and
# their order would be read in two places.
def _exported(row: Any, seen_in: list[str]) -> dict[str, Any]:
    return {
        "key": row.key,
        "message_id": row.message_id,
        "date": row.date,
        "date_problem": row.date_problem,
        "from": row.from_addr,
        "from_name": row.from_name,
        "to": [a for a, _ in row.to_addrs],
        "cc": [a for a, _ in row.cc_addrs],
        "subject": row.subject,
        "direction": row.direction,
        "client": row.client,
        "counterpart": row.counterpart,
        "thread_id": row.thread_id,
        "in_reply_to": row.in_reply_to,
        "references": row.refs,
        "noise": row.noise,
        "noise_reason": row.noise_reason,
        "needs_reply": row.needs_reply,
        "language": row.language,
        "own_chars": row.own_chars,
        "questions": row.questions,
        "closing_only": row.closing_only,
        "sentiment": row.sentiment,
        "impoliteness": row.impoliteness,
        "tone": row.tone,
        "curtness": row.curtness,
        "courtesy": row.courtesy,
        "friction_evidence": row.friction_evidence,
        "friction": row.friction,
        "pressure": row.pressure,
        "basics": row.basics,
        "away_until": row.away_until,
        "has_attachments": row.has_attachments,
        "size": row.size,
        "seen_in": seen_in,
        "notes": row.notes,
    }


QUARANTINE_FIELDS = (
    "account",
    "folder",
    "location",
    "reason",
    "detail",
    "key",
    "size",
    "first_seen",
)


def export_quarantine(engine: sa.Engine) -> Iterator[dict[str, Any]]:
    query = sa.select(quarantine).order_by(quarantine.c.id)
    with reading(engine) as connection:
        for row in connection.execute(query):
            yield {name: getattr(row, name) for name in QUARANTINE_FIELDS}


def quarantine_count(engine: sa.Engine) -> int:
    with reading(engine) as connection:
        return int(
            connection.execute(sa.select(sa.func.count()).select_from(quarantine)).scalar_one()
        )
