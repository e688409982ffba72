"""Every duration relmon prints, in one place: working time and calendar time, units spelled out.

Two clocks run in relmon and a reader must always know which one a figure is on:

- **working time** counts only the hours of a working calendar (``team.working_hours``, its
  holidays, the owner's absence). It is stated in *working days* of that calendar's own day
  (8.5 hours for "Mon-Fri 09:00-17:30"), or in working hours or minutes under one day. It is
  never business hours ÷ 24: 33 working hours are "3.9 working days", not "1.4d".
- **calendar time** is the wall clock: "4 days", "11 hours".

A wait is stated on both clocks where they differ: ``waited(...)`` → "3.9 working days
(4 days)". The CLI, the JSON documents, the alert emails and the detectors' explanations all
call these functions, so one message reads the same everywhere.

Pure: numbers in, text out; no clock is read.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

MINUTE = 60.0
HOUR = 3600.0
DAY = 86400.0
#: The working day assumed when a calendar cannot say (no working hours at all).
DEFAULT_WORKING_DAY = 8 * HOUR


def number(value: float) -> str:
    """One decimal under ten ("3.9", "4" rather than "4.0"), whole numbers from ten up."""
    if value >= 9.95:
        return str(round(value))
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _unit(value: float, singular: str) -> str:
    text = number(value)
    return f"{text} {singular}" if text == "1" else f"{text} {singular}s"


def working_days(seconds: float, day_seconds: float = DEFAULT_WORKING_DAY) -> float:
    """Working seconds as working days of ``day_seconds`` each, to one decimal."""
    return round(seconds / (day_seconds or DEFAULT_WORKING_DAY), 1)


def working(seconds: float, day_seconds: float = DEFAULT_WORKING_DAY) -> str:
    """Working time in words: "40 working minutes", "5.5 working hours", "3.9 working days".

    ``day_seconds`` is the length of one working day of the calendar the time was counted in
    (:meth:`~monitor.core.calendar.BusinessCalendar.day_seconds`)."""
    day = day_seconds or DEFAULT_WORKING_DAY
    seconds = max(0.0, seconds)
    if seconds < HOUR - 30:
        return _unit(round(seconds / MINUTE), "working minute")
    if seconds < day - 0.05 * HOUR:
        return _unit(seconds / HOUR, "working hour")
    return _unit(seconds / day, "working day")


def calendar(seconds: float) -> str:
    """Calendar (wall-clock) time in words: "40 minutes", "11 hours", "4 days"."""
    seconds = max(0.0, seconds)
    if seconds < HOUR - 30:
        return _unit(round(seconds / MINUTE), "minute")
    if seconds < 2 * DAY:
        return _unit(seconds / HOUR, "hour")
    return _unit(seconds / DAY, "day")


def calendar_days(days: float) -> str:
    """A number of calendar days in words ("13 days"; under a day, in hours)."""
    return calendar(days * DAY)


def waited(
    business_seconds: float, wall_seconds: float, day_seconds: float = DEFAULT_WORKING_DAY
) -> str:
    """A wait on both clocks: "3.9 working days (4 days)"; the calendar time is left out where
    it says nothing more (a wait inside one working stretch). A wait that took no working
    minute, all of it outside working hours (sent at 21:37, answered at 07:00), is "no
    working time (9 hours)", not "0 working minutes"."""
    work = working(business_seconds, day_seconds)
    if abs(wall_seconds - business_seconds) < max(MINUTE, 0.05 * wall_seconds):
        return work
    if round(max(0.0, business_seconds) / MINUTE) == 0:
        work = "no working time"
    return f"{work} ({calendar(wall_seconds)})"


# --------------------------------------------------------------------------- moments


def zone_label(moment: datetime, zone: tzinfo) -> str:
    """The zone's name as people read it at that moment: "GMT", "CET", "EEST" (the offset when
    the zone database has no abbreviation, "+0530")."""
    local = moment.astimezone(zone)
    name = local.tzname() or ""
    if not name or name[0] in "+-":
        return local.strftime("%z")
    return name


def day(moment: datetime | date, now: datetime | date, zone: tzinfo | None = None) -> str:
    """A date as people write it: "27 Sep", with the year when it is not ``now``'s: "27 Sep 2001".
    An instant is read in ``zone`` (the reader's), so a late-evening message keeps its day."""
    if isinstance(moment, datetime) and zone is not None:
        moment = moment.astimezone(zone)
    if isinstance(now, datetime) and zone is not None:
        now = now.astimezone(zone)
    text = f"{moment.day} {moment.strftime('%b')}"
    return text if moment.year == now.year else f"{text} {moment.year}"


def moment(value: datetime, now: datetime, zone: tzinfo) -> str:
    """An instant with its day, time and zone: "19 Nov 21:37 GMT" ("… 2025" in another year)."""
    local = value.astimezone(zone)
    return f"{day(local, now, zone)} {local.strftime('%H:%M')} {zone_label(value, zone)}"


def full(value: datetime, zone: tzinfo) -> str:
    """An instant in full, for headings and emails: "Fri 20 Nov 2026 09:00 GMT"."""
    local = value.astimezone(zone)
    return f"{local.strftime('%a')} {local.day} {local.strftime('%b %Y %H:%M')} {zone_label(value, zone)}"
