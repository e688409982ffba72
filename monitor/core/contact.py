"""Who wrote last and who is waiting for whom: the plain facts behind every other measure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.core.model import Direction
from monitor.core.records import Record


@dataclass(frozen=True, slots=True)
class Awaiting:
    """An inbound message that needs our reply and has none yet."""

    record: Record
    age: timedelta  # wall-clock time since it arrived


@dataclass(frozen=True, slots=True)
class ContactSummary:
    client: str
    inbound: int
    outbound: int
    noise: int
    last_inbound: Record | None
    last_outbound: Record | None
    awaiting: tuple[Awaiting, ...]

    @property
    def oldest_awaiting(self) -> Awaiting | None:
        return max(self.awaiting, key=lambda a: a.age, default=None)


def awaiting_replies(records: Iterable[Record], now: datetime) -> list[Awaiting]:
    """Inbound messages needing a reply after our last outbound message in their thread.

    Our reply is any outbound message later in the same conversation; noise never counts, so an
    auto-acknowledgement from our side does not clear a client message.
    """
    by_thread: dict[str, list[Record]] = {}
    for record in records:
        if record.noise is None and record.date <= now and record.direction in (Direction.INBOUND, Direction.OUTBOUND):
            by_thread.setdefault(record.thread, []).append(record)
    waiting: list[Awaiting] = []
    for messages in by_thread.values():
        messages.sort(key=lambda r: (r.date, r.key))
        last_ours = max((r.date for r in messages if r.direction is Direction.OUTBOUND), default=None)
        for record in messages:
            if record.direction is not Direction.INBOUND or not record.needs_reply:
                continue
            if last_ours is not None and last_ours > record.date:
                continue
            waiting.append(Awaiting(record=record, age=now - record.date))
    waiting.sort(key=lambda a: (-a.age.total_seconds(), a.record.key))
    return waiting


def summarise(client: str, records: Sequence[Record], now: datetime) -> ContactSummary:
    """Counts, last messages each way and open client messages, as of ``now``."""
    visible = [r for r in records if r.date <= now and r.client == client]
    counted = [r for r in visible if r.noise is None]
    inbound = [r for r in counted if r.direction is Direction.INBOUND]
    outbound = [r for r in counted if r.direction is Direction.OUTBOUND]
    return ContactSummary(
        client=client,
        inbound=len(inbound),
        outbound=len(outbound),
        noise=sum(1 for r in visible if r.noise is not None),
        last_inbound=max(inbound, key=lambda r: (r.date, r.key), default=None),
        last_outbound=max(outbound, key=lambda r: (r.date, r.key), default=None),
        awaiting=tuple(awaiting_replies(visible, now)),
    )
