"""Date headers: read as aware UTC, or refused; never a shifted guess."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.core.dates import parse_date


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Tue, 14 Nov 2026 09:12:33 +0530 (IST)", datetime(2026, 11, 14, 3, 42, 33, tzinfo=UTC)),
        ("Wed, 2 Dec 2026 10:00:00 +1400", datetime(2026, 12, 1, 20, 0, tzinfo=UTC)),
        ("Mon, 3 Mar 2026 10:00:00 EST", datetime(2026, 3, 3, 15, 0, tzinfo=UTC)),
        ("3 Mar 26 10:00 +0100", datetime(2026, 3, 3, 9, 0, tzinfo=UTC)),  # obsolete 2-digit year
        ("Wed, 31 Dec 2025 23:59:60 +0000", datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("03 Mar 1999 10:00 -0000", datetime(1999, 3, 3, 10, 0, tzinfo=UTC)),
    ],
)
def test_real_date_headers_are_read_as_utc(header: str, expected: datetime) -> None:
    assert parse_date(header) == expected


@pytest.mark.parametrize(
    "header",
    [
        "Mon, 3 Mar 0000 10:00:00 +0000",  # would otherwise become the year 2000
        "Mon, 3 Mar 2026 99:00:00 +0000",  # would otherwise be clamped to 23:00
        "Mon, 3 Mar 2026 10:75:00 +0000",
        "Mon, 3 Mar 2026 10:00:00 +9999",  # would otherwise move the message four days
        "Mon, 3 Mar 2026 10:00:00 +0160",
        "Mon, 31 Feb 2026 10:00:00 +0000",
    ],
)
def test_impossible_dates_are_refused_rather_than_shifted(header: str) -> None:
    assert parse_date(header) is None


def test_a_huge_date_header_is_read_from_its_start_only() -> None:
    assert parse_date("Mon, 3 Mar 2026 10:00:00 +0000" + " (comment)" * 100_000) == datetime(
        2026, 3, 3, 10, 0, tzinfo=UTC
    )
