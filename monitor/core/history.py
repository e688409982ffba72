"""A client's records prepared once for many evaluations, and the window of them seen at ``now``.

The CLI, the daemon and the backtest build a :class:`ClientHistory` once and then analyse it at
any number of instants; :meth:`ClientHistory.at` cuts the records one instant looks at.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo

from monitor.core.calendar import BusinessCalendar, Interval
from monitor.core.detectors import Thresholds
from monitor.core.model import Direction
from monitor.core.records import Record

HISTORY_DAYS = 210  # the most any measure looks back (cadence 180 + friction window 30)


def _always_client(_address: str) -> bool:
    return True


@dataclass(frozen=True)
class ClientContext:
    name: str
    owner: str
    ours: BusinessCalendar  # the team's calendar: our side of reply gaps
    theirs: BusinessCalendar  # the client's calendar: its side, after hours
    thresholds: Thresholds = field(default_factory=Thresholds)
    cadence_days: float | None = None  # configured instead of learned
    is_client_address: Callable[[str], bool] = _always_client
    #: The owner's time zone: the dates in the owner's alerts are the owner's dates (the team's
    #: zone when the owner has none of their own).
    owner_zone: tzinfo | None = None

    @property
    def reader_zone(self) -> tzinfo:
        return self.owner_zone if self.owner_zone is not None else self.ours.zone


@dataclass(frozen=True)
class Window:
    """The records one evaluation at ``now`` looks at: the last :data:`HISTORY_DAYS`."""

    now: datetime
    records: list[Record]  # counted and noise, by date
    counted: list[Record]  # client mail that is not noise
    inbound: list[Record]
    outbound: list[Record]

    def since(self, days: int) -> datetime:
        return self.now - timedelta(days=days)


@dataclass
class ClientHistory:
    """A client's records prepared once for many evaluations (the CLI, the daemon, a backtest)."""

    context: ClientContext
    records: list[Record]  # counted and noise, sorted by date
    dates: list[datetime]
    first_seen: dict[str, datetime]  # client-side address -> first message it appears in
    client_away: list[tuple[Interval, str]]  # (away interval, the contact's address)
    owner_away: list[Interval]
    inbound: list[Record] = field(default_factory=list)  # counted inbound, by date
    outbound: list[Record] = field(default_factory=list)  # counted outbound, by date

    @classmethod
    def build(
        cls, context: ClientContext, records: Iterable[Record], owner_away: Sequence[Interval] = ()
    ) -> ClientHistory:
        ordered = sorted(
            (r for r in records if r.client in (None, context.name)), key=lambda r: (r.date, r.key)
        )
        first_seen: dict[str, datetime] = {}
        away: list[tuple[Interval, str]] = []
        for record in ordered:
            if record.counts:
                for address in (record.sender, *sorted(record.recipients)):
                    if context.is_client_address(address):
                        first_seen.setdefault(address, record.date)
            if (
                record.noise == "auto_reply"
                and record.away_until is not None
                and record.direction is Direction.INBOUND
            ):
                back = datetime.combine(record.away_until, time(0), tzinfo=context.theirs.zone)
                if back > record.date:
                    away.append(((record.date, back), record.sender))
        return cls(
            context=context,
            records=ordered,
            dates=[r.date for r in ordered],
            first_seen=first_seen,
            client_away=away,
            owner_away=sorted(owner_away),
            inbound=[r for r in ordered if r.counts and r.direction is Direction.INBOUND],
            outbound=[r for r in ordered if r.counts and r.direction is Direction.OUTBOUND],
        )

    @staticmethod
    def _last(records: list[Record], now: datetime) -> Record | None:
        index = bisect.bisect_right(records, now, key=lambda r: r.date)
        return records[index - 1] if index else None

    def last_inbound(self, now: datetime) -> Record | None:
        """The client's latest message up to ``now``, however long ago."""
        return self._last(self.inbound, now)

    def last_outbound(self, now: datetime) -> Record | None:
        return self._last(self.outbound, now)

    def count_until(self, now: datetime) -> int:
        """Client mail (both ways, noise excluded) dated up to ``now``."""
        return bisect.bisect_right(self.inbound, now, key=lambda r: r.date) + bisect.bisect_right(
            self.outbound, now, key=lambda r: r.date
        )

    def first_counted(self, now: datetime) -> Record | None:
        first = [r for r in (self.inbound[:1] + self.outbound[:1]) if r.date <= now]
        return min(first, key=lambda r: r.date) if first else None

    def window(self, since: datetime, until: datetime) -> list[Record]:
        low = bisect.bisect_left(self.dates, since)
        high = bisect.bisect_right(self.dates, until)
        return self.records[low:high]

    def at(self, now: datetime) -> Window:
        """The records an evaluation at ``now`` looks at."""
        records = self.window(now - timedelta(days=HISTORY_DAYS), now)
        counted = [r for r in records if r.counts]
        return Window(
            now=now,
            records=records,
            counted=counted,
            inbound=[r for r in counted if r.direction is Direction.INBOUND],
            outbound=[r for r in counted if r.direction is Direction.OUTBOUND],
        )
