"""Dates in mail headers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_tz

#: The longest Date header read; real ones are about 40 characters.
MAX_DATE_CHARS = 200
#: Zone offsets in use span -12:00 to +14:00; ±18:00 is the widest any standard allows.
MAX_OFFSET_SECONDS = 18 * 3600
_ZONE = re.compile(r"(?<![\d:])[+-](\d{2})(\d{2})\b")
_LONG_NUMBER = re.compile(r"(?<![\d:+-])(\d{3,})(?![\d:])")


def _impossible(text: str, year: int, hour: int, minute: int, second: int, offset: int) -> bool:
    """A date that ``parsedate_tz`` would read shifted rather than refuse.

    It turns the year ``0000`` into 2000 and accepts hour 99 and zone ``+9999``; stored as they
    come out, such a message would sit in the wrong place of every timeline. Second 60 is a leap
    second and stays readable.
    """
    if hour > 23 or minute > 59 or second > 60 or abs(offset) > MAX_OFFSET_SECONDS:
        return True
    zone = _ZONE.search(text)
    if zone is not None and int(zone.group(2)) > 59:
        return True
    return any(int(token) != year for token in _LONG_NUMBER.findall(text))


def parse_date(value: str | None) -> datetime | None:
    """An RFC 5322 date as aware UTC; ``None`` if it cannot be read or cannot be true.

    ``-0000`` means "UTC, local zone unknown" (RFC 5322 §3.3), not a naive time. A date that
    cannot be true (year 0000, hour 99, zone +9999) is ``None`` too, never a shifted guess.
    """
    if not value:
        return None
    text = re.sub(r"\r?\n[ \t]*", " ", str(value)[:MAX_DATE_CHARS]).strip()
    try:
        parsed = parsedate_tz(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    year, month, day, hour, minute, second = parsed[:6]
    offset = parsed[9] or 0
    if not (1 <= month <= 12 and 1 <= day <= 31 and year > 0):
        return None
    if _impossible(text, year, hour, minute, second, offset):
        return None
    try:
        naive = datetime(year, month, day, hour, minute, min(second, 59))  # noqa: DTZ001
        return (naive - timedelta(seconds=offset)).replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        return None
