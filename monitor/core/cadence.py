"""A client's usual rhythm, learned from its own history — or "unknown", never a guess.

Inbound client messages of the last 180 days are reduced to *contact days* (a burst of five
messages on one day is one contact), and the cadence is the 80th percentile of the gaps
between consecutive contact days: how long the client usually goes without writing, robust to a
single holiday or a single busy week. Fewer than five completed gaps: unknown. The gap that is
still running (the current silence) never teaches the cadence, or silence would excuse itself.
"""

from __future__ import annotations

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


def learn(
    records: list[Record],
    now: datetime,
    zone: tzinfo,
    *,
    configured_days: float | None = None,
    days: list[date] | None = None,
) -> Cadence:
    """The cadence at ``now`` from ``records`` (sorted by date), or the one configured.

    ``days``: the :func:`contact_days` of the LEARNING_DAYS up to ``now``, when the caller has
    them already (a history keeps each message's day)."""
    if configured_days is not None:
        return Cadence(days=configured_days, source="configured", samples=0)
    if days is None:
        days = contact_days(records, zone, since=now - timedelta(days=LEARNING_DAYS), until=now)
    gaps = [float((b - a).days) for a, b in itertools.pairwise(days)]
    if len(gaps) < MIN_GAPS:
        return Cadence(days=None, source="unknown", samples=len(gaps))
    ordered = sorted(gaps)
    position = PERCENTILE * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    value = ordered[low] + (ordered[high] - ordered[low]) * (position - low)
    return Cadence(days=max(1.0, round(value, 1)), source="learned", samples=len(gaps))
