"""Working hours: when the clock of a reply gap runs.

``"Mon-Fri 09:00-17:30"`` or several such spans (``["Mon-Thu 09:00-17:30", "Fri 09:00-13:00"]``).
Times are local to the calendar's time zone; conversion to and from UTC happens per day so that
DST changes are handled by the zone database, not by arithmetic on offsets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import TypeVar

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(
    r"^\s*(?P<days>[A-Za-z]{3}(?:\s*-\s*[A-Za-z]{3})?(?:\s*,\s*[A-Za-z]{3}(?:\s*-\s*[A-Za-z]{3})?)*)"
    r"\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$"
)


@dataclass(frozen=True)
class WorkingHours:
    """Per weekday (0 = Monday), the working intervals in minutes since local midnight."""

    days: tuple[tuple[tuple[int, int], ...], ...]  # 7 entries
    spec: tuple[str, ...] = ()

    def intervals(self, weekday: int) -> tuple[tuple[int, int], ...]:
        return self.days[weekday]

    def minutes_per_week(self) -> int:
        return sum(end - start for day in self.days for start, end in day)

    def __str__(self) -> str:
        return ", ".join(self.spec)


def _minutes(text: str, spec: str) -> int:
    hours, minutes = (int(x) for x in text.split(":"))
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        raise ValueError(f"{spec!r}: {text} is not a time of day")
    return hours * 60 + minutes


def _day(text: str, spec: str) -> int:
    key = text.strip().lower()[:3]
    if key not in DAYS:
        raise ValueError(f"{spec!r}: {text!r} is not a weekday (write Mon, Tue, … Sun)")
    return DAYS.index(key)


def parse_working_hours(specs: list[str]) -> WorkingHours:
    """Parse working-hour spans; raises ``ValueError`` naming the span that is wrong."""
    if not specs:
        raise ValueError('no working hours given; write e.g. "Mon-Fri 09:00-17:30"')
    days: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for spec in specs:
        match = _SPAN.match(spec)
        if not match:
            raise ValueError(
                f'{spec!r} is not a working-hours span; write e.g. "Mon-Fri 09:00-17:30"'
            )
        start = _minutes(match.group("start"), spec)
        end = _minutes(match.group("end"), spec)
        if end <= start:
            raise ValueError(
                f"{spec!r}: the day ends ({match.group('end')}) before it starts ({match.group('start')})"
            )
        for group in match.group("days").split(","):
            first, _, last = group.partition("-")
            a = _day(first, spec)
            b = _day(last, spec) if last else a
            if b < a:
                raise ValueError(f"{spec!r}: {group.strip()} runs backwards; write e.g. Mon-Fri")
            for weekday in range(a, b + 1):
                for other_start, other_end in days[weekday]:
                    if start < other_end and other_start < end:
                        raise ValueError(
                            f"{spec!r} overlaps another span on {DAYS[weekday].title()}"
                        )
                days[weekday].append((start, end))
    return WorkingHours(
        days=tuple(tuple(sorted(day)) for day in days),
        spec=tuple(s.strip() for s in specs),
    )


# --------------------------------------------------------------------------- business time


@lru_cache(maxsize=64)
def _holiday_dates(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    import holidays as holidays_lib

    return frozenset(holidays_lib.country_holidays(country, subdiv=subdivision, years=year).keys())


@dataclass(frozen=True)
class Holidays:
    """Public holidays of a country (and subdivision), from the ``holidays`` package."""

    country: str
    subdivision: str | None = None

    def label(self) -> str:
        return f"{self.country}-{self.subdivision}" if self.subdivision else self.country

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and day in _holiday_dates(
            self.country, self.subdivision, day.year
        )


NO_HOLIDAYS: frozenset[date] = frozenset()
Interval = tuple[datetime, datetime]


@dataclass
class _RunningTotals:
    """Working seconds summed over consecutive local days: ``totals[i]`` covers the days from
    ``base`` up to, not including, ``base + i``."""

    base: date | None = None
    totals: list[float] = field(default_factory=lambda: [0.0])


K = TypeVar("K")
V = TypeVar("V")

#: At most this many answers of :meth:`BusinessCalendar.seconds` are kept (about 40 MB): a
#: year's backtest of many clients asks for millions.
ANSWERS_KEPT = 200_000


@dataclass(frozen=True)
class BusinessCalendar:
    """Working time in a time zone: weekly hours minus public holidays.

    Local working intervals are turned into instants day by day through the zone database, so
    a day that is 23 or 25 hours long (DST) is handled where it happens.
    """

    zone: tzinfo
    hours: WorkingHours
    holidays: Holidays | frozenset[date] = NO_HOLIDAYS
    # Working intervals per local day, memoised: the zone database is asked once per day.
    _intervals: dict[date, tuple[Interval, ...]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    # Running totals of working seconds over consecutive days, so that a client message that has
    # waited for months costs two look-ups, not a walk over every day.
    _running: _RunningTotals = field(
        default_factory=_RunningTotals, compare=False, hash=False, repr=False
    )
    # Answers to :meth:`seconds`, memoised: a trend asks for the same closed reply gap once per
    # day it draws, and a gap's working time depends only on its ends and the pauses.
    _answers: dict[tuple[datetime, datetime, tuple[Interval, ...]], float] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    # Per start of a wait still open (:meth:`waited`): its local date and the working seconds
    # of that day after it, which stay the same for as long as it waits.
    _heads: dict[datetime, tuple[date, float | None]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    # Answers to :meth:`is_working`, memoised.
    _working: dict[datetime, bool] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    # The average working day (:meth:`day_seconds`), worked out once: every figure uses it.
    _day_length: list[float] = field(default_factory=list, compare=False, hash=False, repr=False)

    def intervals(self, start: datetime, end: datetime) -> Iterator[Interval]:
        """Working intervals overlapping [start, end), clipped to it, in order (aware UTC)."""
        if end <= start:
            return
        day = start.astimezone(self.zone).date() - timedelta(days=1)
        last = end.astimezone(self.zone).date() + timedelta(days=1)
        while day <= last:
            for low, high in self._day_intervals(day):
                low, high = max(low, start), min(high, end)
                if low < high:
                    yield low, high
            day += timedelta(days=1)

    def _day_intervals(self, day: date) -> tuple[Interval, ...]:
        """The working intervals of one local day as instants, memoised."""
        cached = self._intervals.get(day)
        if cached is None:
            hours = () if day in self.holidays else self.hours.intervals(day.weekday())
            cached = tuple(
                (_local(day, begin, self.zone), _local(day, finish, self.zone))
                for begin, finish in hours
            )
            self._intervals[day] = cached
        return cached

    def _day(self, day: date) -> float:
        return sum((high - low).total_seconds() for low, high in self._day_intervals(day))

    def _plain_seconds(self, start: datetime, end: datetime) -> float:
        if end <= start:
            return 0.0
        first = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        if first == last:
            return self._clipped(first, start, end)
        # Partial first and last days; whole days in between from the running totals.
        return (
            self._clipped(first, start, end)
            + self._clipped(last, start, end)
            + self._whole_days(first + timedelta(days=1), last)
        )

    def _clipped(self, day: date, start: datetime, end: datetime) -> float:
        """Working seconds of one local day that fall in [start, end)."""
        total = 0.0
        for low, high in self._day_intervals(day):
            if low < end and start < high:
                total += (min(high, end) - max(low, start)).total_seconds()
        return total

    def _whole_days(self, first: date, last: date) -> float:
        """Working seconds of the local days from ``first`` up to, not including, ``last``."""
        running = self._running
        if running.base is None or first < running.base:
            # Start a year earlier, so that the next, slightly older question does not start over.
            running.base = first - timedelta(days=min(366, (first - date.min).days))
            running.totals = [0.0]
        base, totals = running.base, running.totals
        while len(totals) <= (last - base).days:
            totals.append(totals[-1] + self._day(base + timedelta(days=len(totals) - 1)))
        return totals[(last - base).days] - totals[(first - base).days]

    def seconds(
        self,
        start: datetime,
        end: datetime,
        pauses: Iterable[Interval] = (),
        *,
        remember: bool = True,
    ) -> float:
        """Working seconds in [start, end), not counting the ``pauses`` (e.g. an owner away).

        ``remember``: keep the answer for the next time the same is asked (a closed reply gap,
        asked for once per day a trend or a backtest draws); not for one that ends at ``now``
        (a gap still open), which is never asked again."""
        key = (start, end, tuple(pauses))
        known = self._answers.get(key)
        if known is not None:
            return known
        answer = self._less_pauses(
            self._plain_seconds(start, end), start, end, merge_pauses(key[2])
        )
        if remember:
            _keep(self._answers, key, answer)  # memory bounded, whatever a backtest replays
        return answer

    def _less_pauses(
        self, total: float, start: datetime, end: datetime, merged: list[Interval]
    ) -> float:
        """``total`` working seconds of [start, end) less those the ``merged`` pauses cover."""
        for begin, finish in merged:
            low, high = max(begin, start), min(finish, end)
            if low < high:
                total -= self._plain_seconds(low, high)
        return max(0.0, total)

    def waited(
        self, starts: Sequence[datetime], end: datetime, pauses: Iterable[Interval] = ()
    ) -> list[float]:
        """``seconds(start, end, pauses)`` for each of ``starts``: the working time of waits
        still open at ``end``, the same answers worked out together. ``end``'s own day is read
        once for all of them, and a start's own day once for as long as it waits (a backtest
        measures every open wait again each day)."""
        last = end.astimezone(self.zone).date()
        ending = self._day_intervals(last)
        merged = merge_pauses(pauses)
        tail: float | None = None
        answers = []
        for start in starts:
            if end <= start:
                total = 0.0
            else:
                first, head = self._heads.get(start) or (start.astimezone(self.zone).date(), None)
                opening = self._day_intervals(first)
                if first == last or (opening and end < opening[-1][1]):
                    total = self._plain_seconds(start, end)
                else:
                    # The start's day is over by ``end``, and ``end``'s day began after the
                    # start: both clipped days are as _plain_seconds reads them, in its order.
                    if head is None:
                        head = self._clipped(first, start, end)
                        _keep(self._heads, start, (first, head))
                    if ending and start > ending[0][0]:
                        total = head + self._clipped(last, start, end)
                    else:
                        if tail is None:
                            tail = self._clipped(last, start, end)
                        total = head + tail
                    total += self._whole_days(first + timedelta(days=1), last)
            answers.append(self._less_pauses(total, start, end, merged))
        return answers

    def is_working(self, instant: datetime) -> bool:
        """Whether ``instant`` falls in working hours (asked again of the same message each day
        a backtest or a trend draws, so the answer is kept)."""
        known = self._working.get(instant)
        if known is None:
            span = (instant, instant + timedelta(seconds=1))
            known = any(True for _ in self.intervals(*span))
            _keep(self._working, instant, known)
        return known

    def day_seconds(self) -> float:
        """The length of an average working day, for stating figures in business days."""
        if not self._day_length:
            days = [sum(b - a for a, b in self.hours.intervals(d)) for d in range(7)]
            working = [d for d in days if d > 0]
            self._day_length.append(60.0 * (sum(working) / len(working)) if working else 8 * 3600.0)
        return self._day_length[0]


def _local(day: date, minutes: int, zone: tzinfo) -> datetime:
    if minutes >= 24 * 60:
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    # fold=0: a wall time that does not exist (spring forward) or exists twice (fall back) is
    # taken as the first reading, which is what people mean by "09:00 on that day".
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone).astimezone(UTC)


def _keep(memo: dict[K, V], key: K, value: V) -> None:
    """Remember ``value`` in one of a calendar's memos, which start afresh once they hold
    ANSWERS_KEPT entries: memory bounded, however many a backtest asks for."""
    if len(memo) >= ANSWERS_KEPT:
        memo.clear()
    memo[key] = value


def merge_pauses(pauses: Iterable[Interval]) -> list[Interval]:
    """Overlapping pauses counted once."""
    merged: list[Interval] = []
    for begin, finish in sorted(pauses):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], finish))
        else:
            merged.append((begin, finish))
    return merged
