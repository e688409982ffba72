"""How the templates write times, ages and durations: in the team's time zone, briefly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, tzinfo
from typing import Any


def age(seconds: float | None) -> str:
    """``3d 4h``, ``5h``, ``12 min``: a wait in words a glance can take in."""
    if seconds is None:
        return "–"
    minutes = int(seconds // 60)
    days, hours = divmod(minutes // 60, 24)
    if days:
        return f"{days}d {hours}h" if hours and days < 10 else f"{days}d"
    if hours:
        return f"{hours}h"
    return f"{minutes} min"


def hours(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} h"


def number(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:+.{digits}f}"


def template_filters(tz: tzinfo) -> dict[str, Callable[..., Any]]:
    def when(value: datetime | None) -> str:
        return "–" if value is None else value.astimezone(tz).strftime("%d %b %Y %H:%M")

    def day(value: datetime | date | None) -> str:
        if value is None:
            return "–"
        if isinstance(value, datetime):
            value = value.astimezone(tz)
        return value.strftime("%d %b %Y")

    return {"when": when, "day": day, "age": age, "hours": hours, "signed": number}
