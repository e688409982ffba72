"""Dates in mail headers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_tz


def parse_date(value: str | None) -> datetime | None:
    """An RFC 5322 date as aware UTC; ``None`` if it cannot be read.

    ``-0000`` means "UTC, local zone unknown" (RFC 5322 §3.3), not a naive time.
    """
    if not value:
        return None
    text = re.sub(r"\r?\n[ \t]*", " ", str(value)).strip()
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
    try:
        naive = datetime(year, month, day, min(hour, 23), min(minute, 59), min(second, 59))  # noqa: DTZ001
        return (naive - timedelta(seconds=offset)).replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        return None
