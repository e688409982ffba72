"""``[reports]``: the weekly portfolio email each owner gets, at a weekday and time of their own
time zone (``[[team.members]] timezone``, else the team's)."""

from __future__ import annotations

import re

from monitor.config.model import Alerts, Reports
from monitor.config.reading import Problems, Table

_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WHEN = re.compile(r"^\s*([a-z]+)\s+(\d{1,2}):(\d{2})\s*$", re.IGNORECASE)


def _weekday(name: str) -> int | None:
    """Monday is 0; "mon", "Monday" and "MONDAY" all name it."""
    name = name.casefold()
    found = [n for n, day in enumerate(_DAYS) if len(name) >= 3 and day.startswith(name)]
    return found[0] if len(found) == 1 else None


def parse_reports(root: Table, alerts: Alerts, problems: Problems) -> Reports:
    """The weekly report is an email, so asking for it without an address to send it from is a
    problem to report, not a report that silently never comes."""
    table = root.table("reports")
    weekly = table.text("weekly")
    reports = Reports()
    if weekly:
        match = _WHEN.match(weekly)
        day = _weekday(match.group(1)) if match else None
        hour, minute = (int(match.group(2)), int(match.group(3))) if match else (0, 0)
        if match is None or day is None or hour > 23 or minute > 59:
            problems.add(
                f"{table.where}.weekly",
                f'{weekly!r} is not a weekday and a time; write e.g. "monday 08:00"',
            )
        elif alerts.sender is None:
            problems.add(
                f"{table.where}.weekly",
                "the weekly report is an email: set [alerts] from (and [smtp] to deliver it), "
                "or leave weekly out",
            )
        else:
            reports = Reports(weekly_day=day, weekly_minute=hour * 60 + minute)
    table.done()
    return reports
