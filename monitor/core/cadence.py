"""A client's usual rhythm, learned from its own history — or "unknown", never a guess.

Inbound client messages of the last 180 days are reduced to *contact days* (a burst of five
messages on one day is one contact), and the cadence is the 80th percentile of the gaps
between consecutive contact days: how long the client usually goes without writing, robust to a
single holiday or a single busy week. Fewer than five completed gaps: unknown. The gap that is
still running (the current silence) never teaches the cadence, or silence would excuse itself.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from monitor.core.model import Direction
from monitor.core.records import Record, dated_within

LEARNING_DAYS = 180
MIN_GAPS = 5
PERCENTILE = 0.8


@dataclass(frozen=True, slots=True)
class Cadence:
    days: float | None  # None: unknown
    source: str  # "learned", "configured" or "unknown"
    samples: int  # completed gaps it was learned from

    @property
    def known(self) -> bool:
        return self.days is not None


def contact_days(
    records: list[Record], zone: tzinfo, *, since: datetime, until: datetime
) -> list[date]:
    """The days (in ``zone``) of the client's messages among ``records`` (sorted by date)
    dated from ``since`` to ``until``."""
    days = {
        r.date.astimezone(zone).date()
        for r in dated_within(records, since, until)
        if r.direction is Direction.INBOUND and r.counts
    }
    return sorted(days)


@dataclass(frozen=True)
class ContactRuns:
    """Messages sorted by date, as runs of those written on one day (in some zone): each
    message's day and the gaps between the days worked out once, however many instants ask."""

    starts: list[int]  # the index of each run's first message
    days: list[date]  # each run's day
    gaps: list[float]  # the days from each run's day to the next's
    #: Every message's day, when the days do not follow the dates (a zone that turns its clocks
    #: back across midnight): then the runs say nothing and the days are read one by one.
    every: list[date] | None

    @classmethod
    def of(cls, records: list[Record], zone: tzinfo) -> ContactRuns:
        every = [r.date.astimezone(zone).date() for r in records]
        starts = [i for i, day in enumerate(every) if i == 0 or day != every[i - 1]]
        days = [every[i] for i in starts]
        ascending = all(a < b for a, b in itertools.pairwise(days))
        return cls(starts, days, _gaps(days), None if ascending else every)

    def days_of(self, low: int, high: int) -> list[date]:
        """The days of the messages from index ``low`` up to ``high`` (excluded), in order."""
        if low >= high:
            return []
        if self.every is not None:
            return sorted(set(self.every[low:high]))
        # The runs that hold a message from ``low`` up to ``high``: one day each, in order.
        return self.days[
            bisect.bisect_right(self.starts, low) - 1 : bisect.bisect_left(self.starts, high)
        ]

    def gaps_of(self, low: int, high: int) -> list[float]:
        """The gaps between the consecutive :meth:`days_of` the same messages."""
        if low >= high or self.every is not None:
            return _gaps(self.days_of(low, high))
        first = bisect.bisect_right(self.starts, low) - 1
        return self.gaps[first : bisect.bisect_left(self.starts, high) - 1]


def _gaps(days: list[date]) -> list[float]:
    return [float((b - a).days) for a, b in itertools.pairwise(days)]


def learn(
    records: list[Record],
    now: datetime,
    zone: tzinfo,
    *,
    configured_days: float | None = None,
    days: list[date] | None = None,
    gaps: list[float] | None = None,
) -> Cadence:
    """The cadence at ``now`` from ``records`` (sorted by date), or the one configured.

    ``days``: the :func:`contact_days` of the LEARNING_DAYS up to ``now``, or ``gaps``: the
    gaps between them, when the caller has them already (a history keeps each message's day)."""
    if configured_days is not None:
        return Cadence(days=configured_days, source="configured", samples=0)
    if gaps is None:
        if days is None:
            since = now - timedelta(days=LEARNING_DAYS)
            days = contact_days(records, zone, since=since, until=now)
        gaps = _gaps(days)
    if len(gaps) < MIN_GAPS:
        return Cadence(days=None, source="unknown", samples=len(gaps))
    ordered = sorted(gaps)
    position = PERCENTILE * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    value = ordered[low] + (ordered[high] - ordered[low]) * (position - low)
    return Cadence(days=max(1.0, round(value, 1)), source="learned", samples=len(gaps))
