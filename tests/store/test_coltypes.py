"""Stored instants read back as aware UTC, whatever form the backend gives them in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from monitor.store.coltypes import stored_instant

SENT = datetime(2026, 3, 2, 9, 15, 30, 250000, tzinfo=UTC)  # Dana's message, as sent


@pytest.mark.parametrize(
    "stored",
    [
        "2026-03-02 09:15:30.250000",  # SQLite's text: naive UTC
        "2026-03-02T09:15:30.250000",
        "2026-03-02 09:15:30.25",
        "2026-03-02 09:15:30.250000Z",
        "2026-03-02 11:15:30.250000+02:00",  # text that carries its own offset
        datetime(2026, 3, 2, 9, 15, 30, 250000),  # a naive datetime: UTC
        datetime(2026, 3, 2, 4, 15, 30, 250000, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_a_stored_instant_reads_back_as_the_same_aware_utc_instant(
    stored: str | datetime,
) -> None:
    read = stored_instant(stored)

    assert read == SENT
    assert read.utcoffset() == timedelta(0)
    assert read.tzinfo is UTC


def test_a_stored_day_reads_back_as_its_utc_midnight() -> None:
    """Text that names a day only is that day's first instant, in UTC."""
    assert stored_instant("2026-03-02") == datetime(2026, 3, 2, tzinfo=UTC)
    assert stored_instant("2026-03-02").tzinfo is UTC


@pytest.mark.parametrize("text", ["2026-03-02 09:15:30 ", "2026-03-02 09:15:", "yesterday"])
def test_text_that_is_no_instant_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        stored_instant(text)
