"""Reply gaps both ways, messages awaiting our reply, and chasers — in business time.

Per conversation, in date order, counting client mail only (noise never counts):

- An inbound message that needs a reply (and is addressed to us, not only copied to us) opens
  an *episode*; our first outbound message after it
  closes it. That is our **reply gap**, measured from the first unanswered inbound message
  (several client messages before our reply: the gap starts at the first), in the team's
  business time, not counting time the owner was away. A further inbound message while an
  episode is open is a **chaser**.
- Our outbound message that needs an answer starts a wait for the client; their next inbound
  message in the thread ends it: the **client reply gap**, in the client's business time, not counting time the
  client's contact was away.
- Episodes still open at ``now`` are **awaiting reply**.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from monitor.core.calendar import BusinessCalendar, Interval
from monitor.core.model import Direction
from monitor.core.records import Record, by_date, utc


@dataclass(frozen=True, slots=True)
class Gap:
    start: Record  # the message that started the wait
    end: Record | None  # the answer; None while still waiting
    business_seconds: float
    wall_seconds: float

    @property
    def open(self) -> bool:
        return self.end is None


@dataclass(frozen=True, slots=True)
class Chaser:
    record: Record  # the second (third, …) client message before our reply
    first: Record  # the message that is still unanswered


@dataclass(frozen=True, slots=True)
class GapStats:
    count: int
    median_business: float | None  # seconds
    p90_business: float | None
    median_wall: float | None
    p90_wall: float | None


@dataclass(frozen=True)
class OpenWaits:
    """Waits still open at ``now``, each from its message (oldest first), measured when asked."""

    starts: tuple[Record, ...]
    now: datetime
    calendar: BusinessCalendar
    pauses: tuple[Interval, ...]

    def measured(self) -> tuple[Gap, ...]:
        return self._measure(self.starts)

    def longest(self) -> Gap | None:
        """The oldest wait: with the same pauses for all, none has waited longer."""
        return self._measure(self.starts[:1])[0] if self.starts else None

    def within(self, since: datetime, until: datetime) -> tuple[Gap, ...]:
        """The waits started from ``since`` to ``until`` (both included), measured."""
        starts = self.starts
        low = bisect.bisect_left(starts, utc(since), key=by_date)
        return self._measure(
            starts[low : bisect.bisect_right(starts, utc(until), lo=low, key=by_date)]
        )

    def at_least(self, hours: float) -> int:
        """How many waits have lasted at least ``hours`` of working time: the oldest ones, as a
        later message has waited no longer. Found by bisection, measuring a few of them (a
        trend asks it every day of every wait a busy client leaves open)."""

        def short(start: Record) -> bool:
            return self._measure((start,))[0].business_seconds / 3600 < hours

        return bisect.bisect_left(self.starts, True, key=short)

    def _measure(self, starts: Sequence[Record]) -> tuple[Gap, ...]:
        now = self.now
        waited = self.calendar.waited([r.date for r in starts], now, self.pauses)
        return tuple(
            Gap(r, None, seconds, max(0.0, (now - r.date).total_seconds()))
            for r, seconds in zip(starts, waited, strict=True)
        )


#: Gaps measured before, by the keys of their two messages (each with one calendar and pauses).
Measured = dict[tuple[str, str], Gap]


@dataclass(frozen=True)
class EndedWaits:
    """Waits that ended, each from its message to the answer (by start), measured when asked:
    no detector reads them, only the words of a finding and a report (health: 30 days)."""

    pairs: tuple[tuple[Record, Record], ...]
    calendar: BusinessCalendar
    pauses: tuple[Interval, ...]
    #: Those measured before with the same calendar and pauses (a history followed day after
    #: day keeps them for the next day's waits).
    known: Measured = field(default_factory=dict, compare=False, repr=False)

    def measured(self) -> tuple[Gap, ...]:
        return self._measure(self.pairs)

    def within(self, since: datetime, until: datetime) -> tuple[Gap, ...]:
        """The waits started from ``since`` to ``until`` (both included), measured."""
        pairs = self.pairs
        low = bisect.bisect_left(pairs, utc(since), key=_begun)
        high = bisect.bisect_right(pairs, utc(until), lo=low, key=_begun)
        return self._measure(pairs[low:high])

    def _measure(self, pairs: Sequence[tuple[Record, Record]]) -> tuple[Gap, ...]:
        known, found = self.known, []
        for start, end in pairs:
            gap = known.get((start.key, end.key))
            if gap is None:
                gap = known[start.key, end.key] = measured(start, end, self.calendar, self.pauses)
            found.append(gap)
        return tuple(found)


def _begun(pair: tuple[Record, Record]) -> datetime:
    return pair[0].date


@dataclass(frozen=True, eq=False)
class Gaps:
    """Reply gaps both ways, closed and open, and the chasers. The waits are measured when
    first read: a detector reads only the longest one still open (a report, all)."""

    ours_ended: EndedWaits  # our replies, by start
    ours_open: OpenWaits  # client messages still waiting for our reply
    theirs_ended: EndedWaits  # the client's replies to us, by start
    theirs_open: OpenWaits  # our messages still waiting for the client's reply
    chasers: tuple[Chaser, ...]  # by date

    @cached_property
    def ours_closed(self) -> tuple[Gap, ...]:
        """Our replies, by start."""
        return self.ours_ended.measured()

    @cached_property
    def theirs_closed(self) -> tuple[Gap, ...]:
        """The client's replies to us, by start."""
        return self.theirs_ended.measured()

    @cached_property
    def awaiting(self) -> tuple[Gap, ...]:
        """Client messages still waiting for our reply, oldest first: the open ones of
        ``ours``."""
        return self.ours_open.measured()

    @cached_property
    def ours(self) -> tuple[Gap, ...]:
        """Our reply gaps, closed and open, by start date."""
        return _by_start(self.ours_closed, self.awaiting)

    def ours_within(self, since: datetime, until: datetime) -> Sequence[Gap]:
        """The gaps of :attr:`ours` started from ``since`` to ``until`` (both included), as
        :func:`started_within` cuts them, measuring only the waits among them (health reads 30
        days of them every day of a trend)."""
        if "ours" in self.__dict__:
            return started_within(self.ours, since, until)
        closed = self.ours_ended.within(since, until)
        return _by_start(closed, self.ours_open.within(since, until))

    @cached_property
    def theirs(self) -> tuple[Gap, ...]:
        """The client's reply gaps, closed and open, by start date."""
        return _by_start(self.theirs_closed, self.theirs_open.measured())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Gaps):
            return NotImplemented
        return (self.ours, self.theirs, self.chasers, self.awaiting) == (
            other.ours,
            other.theirs,
            other.chasers,
            other.awaiting,
        )

    __hash__ = None  # type: ignore[assignment]


def _start_order(gap: Gap) -> tuple[datetime, str]:
    return order(gap.start)


def _by_start(closed: Sequence[Gap], waiting: Sequence[Gap]) -> tuple[Gap, ...]:
    if not waiting:
        return tuple(closed)
    return tuple(heapq.merge(closed, waiting, key=_start_order))


def _percentile(ordered: Sequence[float], fraction: float) -> float | None:
    """The ``fraction`` percentile of ``ordered`` (sorted), between its two nearest values."""
    if not ordered:
        return None
    if len(ordered) == 1:
        return ordered[0]
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _median(ordered: Sequence[float]) -> float | None:
    """The median of ``ordered`` (sorted), as :func:`statistics.median` gives it."""
    n = len(ordered)
    if not n:
        return None
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def stats(gaps: Iterable[Gap]) -> GapStats:
    chosen = list(gaps)
    business = sorted(g.business_seconds for g in chosen)
    wall = sorted(g.wall_seconds for g in chosen)
    return GapStats(
        count=len(chosen),
        median_business=_median(business),
        p90_business=_percentile(business, 0.9),
        median_wall=_median(wall),
        p90_wall=_percentile(wall, 0.9),
    )


def median_business(gaps: Iterable[Gap]) -> float | None:
    """The median working time of ``gaps`` (seconds), as :func:`stats` gives it."""
    return _median(sorted(g.business_seconds for g in gaps))


def _started(gap: Gap) -> datetime:
    return gap.start.date


def started_within(gaps: Sequence[Gap], since: datetime, until: datetime) -> Sequence[Gap]:
    """The gaps (sorted by start, as :func:`compute` gives them) that started from ``since`` to
    ``until``, both included."""
    low = bisect.bisect_left(gaps, utc(since), key=_started)
    return gaps[low : bisect.bisect_right(gaps, utc(until), lo=low, key=_started)]


def window(gaps: Sequence[Gap], now: datetime, days: int) -> Sequence[Gap]:
    """Gaps (sorted by start) that started within the last ``days`` (open ones counted at their
    current age)."""
    return started_within(gaps, now - timedelta(days=days), now)


@dataclass(slots=True)
class Walk:
    """One conversation's records (counted, in date order) walked in order: the waits that
    ended, the chasers, and the waits still open at the last record."""

    ours: list[tuple[Record, Record]]  # (the client's message, our answer)
    theirs: list[tuple[Record, Record]]  # (our message, the client's answer)
    chasers: list[Chaser]
    waiting_for_us: Record | None = None
    waiting_for_them: Record | None = None


def walk(messages: Iterable[Record], found: Walk | None = None) -> Walk:
    """Pair one conversation's counted records (sorted by date and key); ``found``: the walk
    of the records before them, which goes on over these (the same walk as over them all)."""
    if found is None:
        found = Walk(ours=[], theirs=[], chasers=[])
    for record in messages:
        if record.direction is Direction.INBOUND:
            if found.waiting_for_them is not None:
                found.theirs.append((found.waiting_for_them, record))
                found.waiting_for_them = None
            if record.waits_for_us:
                if found.waiting_for_us is None:
                    found.waiting_for_us = record
                else:
                    found.chasers.append(Chaser(record=record, first=found.waiting_for_us))
        else:
            if found.waiting_for_us is not None:
                found.ours.append((found.waiting_for_us, record))
                found.waiting_for_us = None
            if found.waiting_for_them is None and record.needs_reply:
                # Only our messages that ask for something wait for an answer; a "thanks"
                # of ours starts no clock on the client.
                found.waiting_for_them = record
    return found


def order(record: Record) -> tuple[datetime, str]:
    """Gaps are kept in the order of the messages that start them, chasers in their own."""
    return record.date, record.key


def pair_order(pair: tuple[Record, Record]) -> tuple[datetime, str]:
    """A wait that ended (the message that started it, the answer) in the order of its start."""
    return order(pair[0])


def compute(
    records: Sequence[Record],
    now: datetime,
    *,
    ours: BusinessCalendar,
    theirs: BusinessCalendar,
    owner_away: Sequence[Interval] = (),
    client_away: Sequence[Interval] = (),
) -> Gaps:
    """Reply gaps, client reply gaps and chasers for one client's records up to ``now``."""
    threads: dict[str, list[Record]] = {}
    for record in records:
        if record.date <= now and record.counts:
            threads.setdefault(record.thread, []).append(record)
    ours_ended: list[tuple[Record, Record]] = []
    waiting_on_us: list[Record] = []
    theirs_ended: list[tuple[Record, Record]] = []
    waiting_on_them: list[Record] = []
    chasers: list[Chaser] = []
    for messages in threads.values():
        messages.sort(key=order)
        walked = walk(messages)
        ours_ended += walked.ours
        theirs_ended += walked.theirs
        chasers += walked.chasers
        if walked.waiting_for_us is not None:
            waiting_on_us.append(walked.waiting_for_us)
        if walked.waiting_for_them is not None:
            waiting_on_them.append(walked.waiting_for_them)
    return Gaps(
        ours_ended=EndedWaits(tuple(sorted(ours_ended, key=pair_order)), ours, tuple(owner_away)),
        ours_open=OpenWaits(tuple(sorted(waiting_on_us, key=order)), now, ours, tuple(owner_away)),
        theirs_ended=EndedWaits(
            tuple(sorted(theirs_ended, key=pair_order)), theirs, tuple(client_away)
        ),
        theirs_open=OpenWaits(
            tuple(sorted(waiting_on_them, key=order)), now, theirs, tuple(client_away)
        ),
        chasers=tuple(sorted(chasers, key=lambda c: order(c.record))),
    )


def measured(
    start: Record, end: Record, calendar: BusinessCalendar, pauses: Sequence[Interval]
) -> Gap:
    return Gap(
        start=start,
        end=end,
        business_seconds=calendar.seconds(start.date, end.date, pauses),
        wall_seconds=max(0.0, (end.date - start.date).total_seconds()),
    )
