"""Every duration relmon prints: working time in working days of the team's own day, calendar
time beside it, the year on dates of another year, the zone on times."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from monitor.core import durations
from monitor.core.detectors import Kind
from tests.core.records import analyse_at, at, calendar, inbound, reply

HOUR = 3600.0
DAY = 86400.0
WORKING_DAY = 8.5 * HOUR  # Mon-Fri 09:00-17:30
LONDON = ZoneInfo("Europe/London")


def test_business_time_is_told_in_working_days_of_the_teams_day_never_hours_over_24() -> None:
    # 33 working hours: the old "1.4d" (33 / 24) read as less than two days of a week-long wait.
    assert durations.working(33 * HOUR, WORKING_DAY) == "3.9 working days"
    assert durations.working(8.5 * HOUR, WORKING_DAY) == "1 working day"
    assert durations.working(5.5 * HOUR, WORKING_DAY) == "5.5 working hours"
    assert durations.working(40 * 60, WORKING_DAY) == "40 working minutes"
    assert durations.working(0, WORKING_DAY) == "0 working minutes"
    assert durations.working(170 * HOUR, WORKING_DAY) == "20 working days"


def test_the_working_day_is_the_calendars_own_length() -> None:
    assert calendar("Mon-Fri 09:00-17:30").day_seconds() == WORKING_DAY
    assert durations.working(24 * HOUR, calendar("Mon-Fri 08:00-20:00").day_seconds()) == (
        "2 working days"
    )


def test_a_wait_states_working_time_and_calendar_time_where_they_differ() -> None:
    # Meridian's message: sent Monday 10:05, 33 working hours by Friday 09:00.
    wall = (at("Fri 2026-11-20 09:00") - at("Mon 2026-11-16 10:05")).total_seconds()
    assert durations.waited(33 * HOUR, wall, WORKING_DAY) == "3.9 working days (4 days)"
    # Sent at 21:37, read at 09:00: no working time has passed, eleven hours have.
    assert durations.waited(0, 11.4 * HOUR, WORKING_DAY) == "no working time (11 hours)"
    assert durations.waited(20, 11.4 * HOUR, WORKING_DAY) == "no working time (11 hours)"
    assert durations.waited(0, 30, WORKING_DAY) == "0 working minutes"
    # Within one working stretch both clocks agree: said once.
    assert durations.waited(2 * HOUR, 2 * HOUR, WORKING_DAY) == "2 working hours"


def test_calendar_time_names_its_unit() -> None:
    assert durations.calendar(45 * 60) == "45 minutes"
    assert durations.calendar(11 * HOUR) == "11 hours"
    assert durations.calendar(36 * HOUR) == "36 hours"
    assert durations.calendar(67 * DAY) == "67 days"
    assert durations.calendar_days(1.0) == "24 hours"
    assert durations.calendar_days(13.0) == "13 days"


def test_a_date_of_another_year_shows_its_year() -> None:
    now = datetime(2026, 11, 20, 9, tzinfo=UTC)

    assert durations.day(datetime(2026, 9, 27, 10, tzinfo=UTC), now, LONDON) == "27 Sep"
    assert durations.day(datetime(2001, 9, 27, 10, tzinfo=UTC), now, LONDON) == "27 Sep 2001"
    assert durations.day(date(2027, 1, 4), now) == "4 Jan 2027"


def test_a_date_is_the_readers_date_not_utcs() -> None:
    late = datetime(2026, 11, 19, 23, 30, tzinfo=UTC)  # 20 Nov in Helsinki

    assert durations.day(late, late, ZoneInfo("Europe/Helsinki")) == "20 Nov"
    assert durations.day(late, late, LONDON) == "19 Nov"


def test_a_time_carries_its_zone() -> None:
    now = datetime(2026, 11, 20, 9, tzinfo=UTC)
    summer = datetime(2026, 7, 1, 8, tzinfo=UTC)

    assert durations.moment(datetime(2026, 11, 19, 21, 37, tzinfo=UTC), now, LONDON) == (
        "19 Nov 21:37 GMT"
    )
    assert durations.moment(summer, now, LONDON) == "1 Jul 09:00 BST"
    assert durations.moment(summer, now, ZoneInfo("Asia/Kolkata")) == "1 Jul 13:30 IST"
    assert durations.zone_label(summer, ZoneInfo("America/Sao_Paulo")) == "-0300"


def test_the_unanswered_alert_says_working_days_and_calendar_days() -> None:
    question = inbound("Mon 2026-11-16 10:05", "RE: Revised rollout plan and change request CR-03")

    finding = analyse_at("Fri 2026-11-20 09:00", question).finding(Kind.UNANSWERED)

    assert "has waited 3.9 working days (4 days) for our reply (since 16 Nov)" in (
        finding.explanation
    )
    assert finding.figures["oldest_working_days"] == 3.9
    assert finding.figures["working_day_hours"] == 8.5


def test_the_usual_reply_time_leaves_out_the_message_still_waiting() -> None:
    """GIVEN two questions answered in one and in three working hours, and a third that has
    waited three working days, WHEN the unanswered alert is judged, THEN the usual time is the
    median of the two answers (2 hours), not pulled up by the wait being judged (3 hours)."""
    first = inbound("Tue 2026-06-09 10:00", "Pallet count for week 24")
    second = inbound("Tue 2026-06-16 10:00", "Pallet count for week 25")
    waiting = inbound("Mon 2026-06-22 09:00", "Customs paperwork for the Rotterdam shipment")
    answers = (reply(first, "Tue 2026-06-09 11:00"), reply(second, "Tue 2026-06-16 13:00"))

    report = analyse_at("Thu 2026-06-25 09:00", first, second, waiting, *answers)

    finding = report.finding(Kind.UNANSWERED)
    assert "has waited 3 working days (3 days)" in finding.explanation
    assert (
        "over the last 90 days we answered Acme Logistics in 2 working hours (median of 2 replies)"
        in finding.explanation
    )
    assert finding.figures["usual_business_hours"] == 2.0
    assert finding.figures["usual_replies_90d"] == 2


def test_silence_and_check_in_show_the_year_of_a_message_from_another_year() -> None:
    old = inbound("Tue 2025-09-30 10:00", "Re: Recommendations – timing")
    ours = reply(old, "Wed 2025-10-01 10:00")

    report = analyse_at("Mon 2026-01-12 09:00", old, ours)

    assert "'Re: Recommendations – timing', 30 Sep 2025" in report.finding(Kind.SILENCE).explanation
    assert (
        "('Re: Re: Recommendations – timing', 1 Oct 2025)"
        in report.finding(Kind.CHECKIN_DUE).explanation
    )


@pytest.mark.parametrize("seconds", [0.0, 59.0, 3569.0, 3600.0, 30000.0, 10 * 30600.0])
def test_working_time_always_names_a_unit(seconds: float) -> None:
    number, unit = durations.working(seconds, WORKING_DAY).split(" ", 1)

    assert float(number) >= 0
    assert unit.startswith("working ")


def test_an_alert_dates_its_evidence_in_the_owners_zone() -> None:
    """GIVEN a question sent at 23:30 London time on Monday, WHEN its owner works from Helsinki,
    THEN the alert says it waits since Tuesday: the owner's date, not the team's."""
    from dataclasses import replace

    from monitor.core.analysis import analyse
    from monitor.core.history import ClientHistory
    from tests.core.records import context

    question = inbound("Mon 2026-06-01 23:30", "Customs paperwork for the Rotterdam shipment")
    helsinki = replace(context(), owner_zone=ZoneInfo("Europe/Helsinki"))

    in_london = analyse_at("Thu 2026-06-04 17:00", question).finding(Kind.UNANSWERED)
    in_helsinki = analyse(ClientHistory.build(helsinki, [question]), at("Thu 2026-06-04 17:00"))

    assert "(since 1 Jun)" in in_london.explanation
    assert "(since 2 Jun)" in in_helsinki.finding(Kind.UNANSWERED).explanation
