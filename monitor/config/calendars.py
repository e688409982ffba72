"""Calendar settings shared by the team and its clients: time zones, working hours, holidays.

A time zone is resolved here, once, while the configuration is read; the model carries the zone
object and nothing downstream looks a zone up by name again.
"""

from __future__ import annotations

from datetime import tzinfo

from monitor.clock import zone
from monitor.config.reading import Problems, did_you_mean
from monitor.core.calendar import Holidays, WorkingHours, parse_working_hours


def check_zone(value: str | None, where: str, problems: Problems) -> tzinfo | None:
    """The IANA zone ``value`` resolved, or ``None`` (absent, or unknown: a problem)."""
    if value is None:
        return None
    try:
        return zone(value)
    except ValueError as err:
        problems.add(where, str(err))
        return None


def check_hours(value: object, where: str, problems: Problems) -> WorkingHours | None:
    """Working hours from one span or a list of spans, such as ``"Mon-Fri 09:00-17:30"``."""
    if value is None:
        return None
    specs = [value] if isinstance(value, str) else value
    if not isinstance(specs, list) or not all(isinstance(s, str) for s in specs):
        problems.add(where, 'expected a string such as "Mon-Fri 09:00-17:30" or a list of them')
        return None
    try:
        return parse_working_hours(specs)
    except ValueError as err:
        problems.add(where, str(err))
        return None


def check_holidays(value: str | None, where: str, problems: Problems) -> Holidays | None:
    """Public holidays of a country (``"DE"``) or one of its subdivisions (``"DE-BY"``)."""
    if not value:
        return None
    import holidays as holidays_lib

    country, _, subdivision = value.partition("-")
    country = country.upper()
    supported = holidays_lib.list_supported_countries()
    if country not in supported:
        extra = did_you_mean(country, supported)
        problems.add(where, f"unknown country code {country!r} for public holidays{extra}")
        return None
    if subdivision:
        subdivision = subdivision.upper()
        if subdivision not in supported[country]:
            problems.add(
                where,
                f"unknown subdivision {subdivision!r} of {country}; known: {', '.join(supported[country][:30])}",
            )
            return None
    return Holidays(country=country, subdivision=subdivision or None)
