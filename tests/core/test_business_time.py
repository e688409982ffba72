"""Working time: hours, holidays, time zones, DST, pauses."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from monitor.core.calendar import BusinessCalendar, Holidays, parse_working_hours

LONDON = ZoneInfo("Europe/London")
HELSINKI = ZoneInfo("Europe/Helsinki")


ENGLAND = Holidays("GB", "ENG")


def london(
    hours: str = "Mon-Fri 09:00-17:00", holidays: Holidays | None = ENGLAND
) -> BusinessCalendar:
    return BusinessCalendar(LONDON, parse_working_hours([hours]), holidays or frozenset())


def test_nights_and_weekends_do_not_count() -> None:
    calendar = london()

    friday_late = datetime(2026, 6, 5, 16, 0, tzinfo=LONDON)
    monday_morning = datetime(2026, 6, 8, 10, 0, tzinfo=LONDON)

    assert calendar.seconds(friday_late, monday_morning) == 2 * 3600


def test_split_working_days_count_only_their_spans() -> None:
    calendar = BusinessCalendar(
        LONDON,
        parse_working_hours(["Mon-Thu 09:00-12:30", "Mon-Thu 13:30-17:30", "Fri 09:00-13:00"]),
    )

    assert (
        calendar.seconds(
            datetime(2026, 6, 4, 12, 0, tzinfo=LONDON), datetime(2026, 6, 5, 14, 0, tzinfo=LONDON)
        )
        == (0.5 + 4 + 4) * 3600
    )


def test_a_pause_removes_only_its_working_time() -> None:
    calendar = london()
    start, end = (
        datetime(2026, 6, 1, 9, 0, tzinfo=LONDON),
        datetime(2026, 6, 5, 17, 0, tzinfo=LONDON),
    )
    away = [(datetime(2026, 6, 2, 0, 0, tzinfo=LONDON), datetime(2026, 6, 4, 0, 0, tzinfo=LONDON))]

    assert calendar.seconds(start, end, away) == 3 * 8 * 3600


def test_the_same_instant_is_working_time_in_one_zone_and_not_in_another() -> None:
    helsinki = BusinessCalendar(HELSINKI, parse_working_hours(["Mon-Fri 08:00-16:00"]))
    instant = datetime(2026, 6, 1, 15, 30, tzinfo=LONDON)  # 17:30 in Helsinki

    assert london().is_working(instant)
    assert not helsinki.is_working(instant)


@pytest.mark.parametrize(
    "spring_or_autumn",
    [datetime(2026, 3, 27, 9, tzinfo=LONDON), datetime(2026, 10, 23, 9, tzinfo=LONDON)],
)
def test_a_working_week_across_a_clock_change_is_still_five_days(spring_or_autumn) -> None:
    calendar = london(holidays=None)

    assert calendar.seconds(spring_or_autumn, spring_or_autumn + timedelta(days=7)) == 5 * 8 * 3600


from hypothesis import given, settings  # noqa: E402 - the property tests below
from hypothesis import strategies as st  # noqa: E402

T0 = datetime(2026, 1, 1, tzinfo=LONDON)


def brute_force(calendar: BusinessCalendar, start: datetime, end: datetime, pauses) -> float:
    total = 0.0
    for low, high in calendar.intervals(start, end):
        cursor = low
        while cursor < high:
            step = min(high, cursor + timedelta(minutes=15))
            if not any(a <= cursor < b for a, b in pauses):
                total += (step - cursor).total_seconds()
            cursor = step
    return total


@settings(max_examples=150, deadline=None)
@given(
    start=st.integers(0, 400 * 96),
    length=st.integers(0, 120 * 96),
    pauses=st.lists(st.tuples(st.integers(0, 500 * 96), st.integers(1, 30 * 96)), max_size=3),
)
def test_long_spans_measure_the_same_as_walking_every_working_interval(
    start, length, pauses
) -> None:
    calendar = london()
    quarter = timedelta(minutes=15)
    begin = T0 + start * quarter
    end = begin + length * quarter
    away = [(T0 + a * quarter, T0 + (a + b) * quarter) for a, b in pauses]

    assert calendar.seconds(begin, end, away) == brute_force(calendar, begin, end, away)


@settings(max_examples=60, deadline=None)
@given(
    spans=st.lists(
        st.tuples(st.integers(0, 800 * 96), st.integers(0, 200 * 96)), min_size=2, max_size=6
    )
)
def test_one_calendar_measures_spans_asked_in_any_order_alike(spans) -> None:
    # The calendar keeps running totals of whole days; an older span asked after a newer one
    # must not be measured against the wrong start.
    calendar = london()
    quarter = timedelta(minutes=15)
    for start, length in spans:
        begin = T0 - timedelta(days=400) + start * quarter
        end = begin + length * quarter
        assert calendar.seconds(begin, end) == brute_force(calendar, begin, end, [])


def test_a_reply_still_open_is_measured_afresh_each_day_without_growing_the_calendar() -> None:
    """A backtest or a trend measures an open wait up to each day it draws: a year of them must
    not be kept (the calendar remembers closed spans only, asked for again every day)."""
    from monitor.core import gaps
    from tests.core.records import calendar as team_calendar
    from tests.core.records import inbound, outbound, reply

    ours = team_calendar()
    question = inbound("Mon 2026-06-01 10:00", "Customs paperwork for the Rotterdam shipment")
    answered = inbound("Tue 2026-06-02 11:00", "Pallet labels for the Leeds depot")
    mail = [question, answered, reply(answered, "Tue 2026-06-02 15:00")]
    mail.append(outbound("Wed 2026-06-03 09:00", "Invoice query", needs_reply=True))
    start = datetime(2026, 6, 4, 18, 0, tzinfo=LONDON)
    for day in range(365):
        now = start + timedelta(days=day)
        found = gaps.compute(mail, now, ours=ours, theirs=ours)
        assert [g.open for g in found.ours] == [True, False]
        assert found.ours[0].business_seconds == ours.seconds(question.date, now, remember=False)

    assert len(ours._answers) == 1  # the closed gap only: nothing about the 365 "now"s


def test_the_calendar_keeps_a_bounded_number_of_answers(monkeypatch) -> None:
    from monitor.core import calendar as calendar_mod

    monkeypatch.setattr(calendar_mod, "ANSWERS_KEPT", 50)
    calendar = london()
    monday = datetime(2026, 6, 1, 9, 0, tzinfo=LONDON)
    for hours in range(1, 400):
        end = monday + timedelta(hours=hours)
        expected = london().seconds(monday, end)
        assert calendar.seconds(monday, end) == expected
        assert len(calendar._answers) <= 50


def test_open_waits_measured_together_each_day_are_measured_as_one_at_a_time() -> None:
    """A backtest measures every wait still open again each day, all of them at once: the
    answers are those of one question at a time, to the last bit, across weekends, bank
    holidays, the clocks changing, waits begun outside hours or the same day, and pauses."""
    import random

    rng = random.Random(7)
    zones = [LONDON, HELSINKI, ZoneInfo("America/Santiago"), ZoneInfo("Asia/Kolkata")]
    for zone in zones:
        together = BusinessCalendar(
            zone, parse_working_hours(["Mon-Fri 08:30-12:00", "Mon-Thu 13:00-18:00"]), ENGLAND
        )
        alone = BusinessCalendar(
            zone, parse_working_hours(["Mon-Fri 08:30-12:00", "Mon-Thu 13:00-18:00"]), ENGLAND
        )
        first = datetime(2026, 3, 1, tzinfo=zone)
        starts = sorted(first + timedelta(minutes=rng.randint(0, 60 * 24 * 300)) for _ in range(60))
        pauses = [(first + timedelta(days=40), first + timedelta(days=47, hours=3))]
        for day in range(0, 330, 3):
            end = first + timedelta(days=day, hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
            for away in ((), pauses):
                answers = together.waited(starts, end, away)
                expected = [alone.seconds(s, end, away, remember=False) for s in starts]
                assert answers == expected, (zone, end, away)


def test_open_waits_keep_a_bounded_number_of_starts(monkeypatch) -> None:
    from monitor.core import calendar as calendar_mod

    monkeypatch.setattr(calendar_mod, "ANSWERS_KEPT", 50)
    calendar = london()
    monday = datetime(2026, 6, 1, 9, 30, tzinfo=LONDON)
    starts = [monday + timedelta(hours=5 * n) for n in range(300)]
    end = monday + timedelta(days=70)
    for day in range(5):
        answers = calendar.waited(starts, end + timedelta(days=day))
        expected = [london().seconds(s, end + timedelta(days=day)) for s in starts]
        assert answers == expected
        assert len(calendar._heads) <= 50
