"""The figures behind an alert, as a person reads them: words and units, each beside its baseline.

The detectors keep their figures as raw numbers (business hours, a tone between -1 and +1, ratios)
for the JSON documents and webhooks. An email shows none of those raw names: every line here
says what was measured, in working days or calendar days, and what is usual for this client.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from monitor.core import durations

Figures = Mapping[str, Any]

#: A working day's length when the calendar does not say (8 hours).
DEFAULT_DAY_HOURS = 8.0


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _plural(value: float, unit: str) -> str:
    text = _number(value)
    return f"{text} {unit}" if text == "1" else f"{text} {unit}s"


def working_time(hours: float, day_hours: float = DEFAULT_DAY_HOURS) -> str:
    """Business time in the working days of the calendar it was measured on, or in working
    hours below one day: "3.9 working days", "6 working hours", "20 working minutes" (the
    product's one duration formatter, :mod:`monitor.core.durations`)."""
    return durations.working(hours * 3600, day_hours * 3600)


def calendar_days(days: float) -> str:
    """Wall time: "27 days", "1 day", "18 hours" below two days."""
    return durations.calendar_days(days)


def tone(value: float) -> str:
    """A sentiment figure in words, the number after it for those who track it."""
    word = (
        "very negative"
        if value <= -0.5
        else "negative"
        if value <= -0.05
        else "neutral"
        if value < 0.05
        else "positive"
        if value < 0.5
        else "very positive"
    )
    return f"{word} ({value:+.2f} on a scale of -1 to +1)"


def _silence(f: Figures, day_hours: float) -> list[str]:
    lines = [f"Silent for {calendar_days(f['silent_days'])}"]
    cadence = f.get("cadence_days")
    if cadence:
        lines[0] += f"; usually writes at least every {calendar_days(cadence)}"
        lines.append(f"That is {_number(f['ratio'])} times its usual gap")
    return lines


def _checkin(f: Figures, day_hours: float) -> list[str]:
    return [
        f"We last wrote {calendar_days(f['days_since_we_wrote'])} ago",
        f"Check in at least every {calendar_days(f['interval_days'])}",
    ]


def _target(hours: float) -> str:
    """A reply target as configured: in working hours ("16 working hours")."""
    return f"{durations.number(hours)} working hour" + ("" if hours == 1 else "s")


def _unanswered(f: Figures, day_hours: float) -> list[str]:
    business = working_time(f["oldest_business_hours"], day_hours)
    wall = calendar_days(f["oldest_wall_hours"] / 24)
    oldest = f"The oldest has waited {business}"
    if wall != business:
        oldest += f" ({wall} on the calendar)"
    lines = [oldest]
    usual = f.get("usual_business_hours")
    if usual is not None:
        replies = f.get("usual_replies_90d", 0)
        lines.append(
            f"We usually answer within {working_time(usual, day_hours)} "
            f"(the median of {replies} replies over the last 90 days)"
        )
    if f.get("waiting", 1) > 1:
        lines.insert(0, f"{f['waiting']} client messages are waiting for our reply")
    lines.append(
        f"Our reply target: within {_target(f['sla_warning_hours'])}; "
        f"overdue after {_target(f['sla_critical_hours'])}"
    )
    return lines


#: Counts only: the explanation above the figures quotes the words the client used (examples
#: here would read as quotes of words it may never have written).
_COUNTS = (
    ("escalation_messages", "with escalation words"),
    ("pressure_phrase_messages", "with pointed reminders"),
    ("challenge_messages", "with pointed questions"),
    ("negative_messages", "negative in tone"),
)


def _norm(f: Figures) -> list[str]:
    """The client's own norm: how many recent messages read as curt or impolite, against the
    share of its messages that did over the 90 days before."""
    scored, usual = f.get("recent_scored"), f.get("usual_frictional_share")
    if not scored:
        return []
    if usual is not None and (f.get("recent_frictional") or 0) / scored <= usual:
        return []  # no more curt than usual: the alert rests on the other figures
    line = (
        f"{f.get('recent_frictional') or 0} of its last {_plural(f['recent_scored'], 'message')}"
        " read as curt or impolite"
    )
    if usual is not None:
        line += f"; usually {round(100 * usual)}% of its messages (90 days)"
    return [line]


def _friction(f: Figures, day_hours: float) -> list[str]:
    lines = _norm(f)
    if f.get("sentiment_now") is not None:
        line = f"Tone of recent messages: {tone(f['sentiment_now'])}"
        if f.get("sentiment_usual") is not None:
            line += f"; usually {tone(f['sentiment_usual'])}"
        lines.append(line)
    for key, what in _COUNTS:
        if f.get(key):
            lines.append(f"{_plural(f[key], 'message')} {what}")
    if f.get("senior_copied"):
        lines.append("Copied in for the first time: " + ", ".join(map(str, f["senior_copied"])))
    if f.get("messages"):
        lines.append(f"Read from {_plural(f['messages'], 'recent client message')}")
    return lines


def _micromanagement(f: Figures, day_hours: float) -> list[str]:
    line = f"{_plural(f['messages'], 'client message')} recently"
    if f.get("baseline") and f.get("ratio"):
        line += (
            f"; usually about {_number(round(f['baseline']))} ({_number(f['ratio'])} times that)"
        )
    lines = [line]
    for key, unit, rest in (
        ("chasers", "chaser", " (a second message before we replied)"),
        ("status_requests", "status request", ""),
        ("after_hours", "message", " outside working hours"),
    ):
        if f.get(key):
            lines.append(_plural(f[key], unit) + rest)
    return lines


_BY_KIND: dict[str, Callable[[Figures, float], list[str]]] = {
    "silence": _silence,
    "checkin_due": _checkin,
    "unanswered": _unanswered,
    "friction": _friction,
    "micromanagement": _micromanagement,
}


def figure_lines(kind: str, figures: Figures, *, day_hours: float = DEFAULT_DAY_HOURS) -> list[str]:
    """The figures of one alert as sentences; a kind this module does not know shows none,
    rather than raw names."""
    shown = _BY_KIND.get(kind)
    if shown is None:
        return []
    try:
        return shown(figures, day_hours)
    except (KeyError, TypeError, ValueError):
        return []  # figures from an older version of a detector: the explanation still says it
