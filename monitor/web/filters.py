"""How the templates write times, ages and durations: in the team's time zone, briefly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, tzinfo
from typing import Any

from monitor.core import durations
from monitor.core.health import COMPONENT_NAMES


def age(seconds: float | None) -> str:
    """A wait on the calendar, as every view writes it: "4 days", "11 hours", "40 minutes"."""
    return "–" if seconds is None else durations.calendar(seconds)


def hours(value: float | None, day_hours: float | None = None) -> str:
    """Business hours as working time in the team's working days: "3.9 working days"."""
    if value is None:
        return "–"
    day = (day_hours or durations.DEFAULT_WORKING_DAY / 3600) * 3600
    return durations.working(value * 3600, day)


def days(value: float | None) -> str:
    """Calendar days as every view writes them: "13 days", under two days in hours."""
    return "–" if value is None else durations.calendar_days(value)


def component(name: str) -> str:
    """A health component as people read it ("tone", not "sentiment")."""
    return COMPONENT_NAMES.get(name, name)


def number(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:+.{digits}f}"


def template_filters(tz: tzinfo) -> dict[str, Callable[..., Any]]:
    def when(value: datetime | None) -> str:
        if value is None:
            return "–"
        local = value.astimezone(tz)
        return f"{local.strftime('%d %b %Y %H:%M')} {durations.zone_label(local, tz)}"

    def day(value: datetime | date | None) -> str:
        if value is None:
            return "–"
        if isinstance(value, datetime):
            value = value.astimezone(tz)
        return value.strftime("%d %b %Y")

    return {
        "when": when,
        "day": day,
        "age": age,
        "days": days,
        "hours": hours,
        "signed": number,
        "component": component,
    }
