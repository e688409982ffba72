"""Time helpers. relmon keeps aware UTC datetimes everywhere and reads the clock in one place.

The analysis core never calls :func:`utcnow`; the shells read it once per run and pass it in.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: "Never" as an aware instant, so comparisons need no ``None`` checks.
NEVER = datetime(3000, 1, 1, tzinfo=UTC)
#: The earliest instant relmon will believe for a message.
EPOCH = datetime(1980, 1, 1, tzinfo=UTC)
#: The longest duration relmon reads (ten years): beyond it, the instants it gives would pass
#: NEVER, or the calendar's end.
LONGEST = timedelta(days=3650)
#: The instants a question may be asked as of: from relmon's epoch to a century ahead.
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def utcnow() -> datetime:
    """The current instant, aware, in UTC. Shells call this once and pass the value down."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Make ``value`` aware UTC; a naive value is taken to be UTC already (never local time)."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def zone(name: str) -> tzinfo:
    """The IANA zone ``name``; raises ``ValueError`` naming it when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ValueError(
            f"unknown time zone {name!r} (use an IANA name such as 'Europe/London')"
        ) from err


_DURATION = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|hours?|d|days?|w|weeks?)\s*$", re.I
)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    """Parse a short duration such as ``90m``, ``3d``, ``2w`` or ``1.5h``."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"cannot read {text!r} as a duration; write e.g. '30m', '4h', '3d', '2w'")
    unit = match.group(2)[0].lower()
    seconds = float(match.group(1)) * _UNIT_SECONDS[unit]
    if seconds > LONGEST.total_seconds():
        raise ValueError(f"{text!r} is longer than relmon counts (at most {LONGEST.days} days)")
    return timedelta(seconds=seconds)


def parse_instant(text: str, default_zone: tzinfo = UTC, *, end_of_day: bool = True) -> datetime:
    """Parse ``--as-of`` style input: an ISO date or date-time; a bare date means its end of day
    (or its start, with ``end_of_day=False``, as for ``--since``).

    A value without an offset is read in ``default_zone``. The result is aware UTC.
    """
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = date.fromisoformat(text)
            hour, minute, second = (23, 59, 59) if end_of_day else (0, 0, 0)
            parsed = datetime(
                day.year, day.month, day.day, hour, minute, second, tzinfo=default_zone
            )
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as err:
        raise ValueError(
            f"cannot read {text!r} as a date or time; write e.g. 2026-11-20 or 2026-11-20T09:00+01:00"
        ) from err
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_zone)
    try:
        instant = parsed.astimezone(UTC)
    except OverflowError:
        instant = NEVER if parsed.year > 2000 else EPOCH - timedelta(days=1)
    if not EPOCH <= instant < LATEST:
        raise ValueError(
            f"{text!r} is out of range: relmon answers as of {EPOCH.year} to {LATEST.year - 1}"
        )
    return instant


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``; the form every ``--json`` output uses."""
    if value is None:
        return None
    return as_utc(value).isoformat().replace("+00:00", "Z")


def humanize_age(delta: timedelta) -> str:
    """A compact age for tables: ``45m``, ``5h``, ``3d 4h``, ``6w``."""
    seconds = int(delta.total_seconds())
    if seconds < 0:
        return "-" + humanize_age(-delta)
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    days, rest = divmod(seconds, 86400)
    if days < 14:
        hours = rest // 3600
        return f"{days}d {hours}h" if hours else f"{days}d"
    return f"{days // 7}w {days % 7}d" if days % 7 else f"{days // 7}w"
