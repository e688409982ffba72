"""Working hours: when the clock of a reply gap runs.

``"Mon-Fri 09:00-17:30"`` or several such spans (``["Mon-Thu 09:00-17:30", "Fri 09:00-13:00"]``).
Times are local to the calendar's time zone; conversion to and from UTC happens per day so that
DST changes are handled by the zone database, not by arithmetic on offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
        raise ValueError("no working hours given; write e.g. \"Mon-Fri 09:00-17:30\"")
    days: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for spec in specs:
        match = _SPAN.match(spec)
        if not match:
            raise ValueError(f"{spec!r} is not a working-hours span; write e.g. \"Mon-Fri 09:00-17:30\"")
        start = _minutes(match.group("start"), spec)
        end = _minutes(match.group("end"), spec)
        if end <= start:
            raise ValueError(f"{spec!r}: the day ends ({match.group('end')}) before it starts ({match.group('start')})")
        for group in match.group("days").split(","):
            first, _, last = group.partition("-")
            a = _day(first, spec)
            b = _day(last, spec) if last else a
            if b < a:
                raise ValueError(f"{spec!r}: {group.strip()} runs backwards; write e.g. Mon-Fri")
            for weekday in range(a, b + 1):
                for other_start, other_end in days[weekday]:
                    if start < other_end and other_start < end:
                        raise ValueError(f"{spec!r} overlaps another span on {DAYS[weekday].title()}")
                days[weekday].append((start, end))
    return WorkingHours(
        days=tuple(tuple(sorted(day)) for day in days),
        spec=tuple(s.strip() for s in specs),
    )
