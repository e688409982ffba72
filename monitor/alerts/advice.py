"""What to do next about one alert, in words that fit the alert and the client.

The pattern's general advice (:data:`monitor.core.health.ADVICE`) describes the client over half
a year; an alert is about now. So each kind says first what to do about this alert (who is
waiting and since when, whom to call), then adds what the client's pattern changes about it.
Where the pattern's description contradicts the alert (a client who "rarely complains" is
complaining), the description is left out and the alert is read as the late sign the pattern
warns of.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from monitor.alerts.figures import DEFAULT_DAY_HOURS, calendar_days, working_time
from monitor.core.health import RISK_SHOWING, UNTIL_NOW, Pattern

#: Patterns of clients who seldom show friction or pressure.
CALM = frozenset({"laissez-faire", "savvy"})
#: Patterns whose advice is to get in touch unprompted: no help while the client waits on us.
UNPROMPTED = frozenset({"laissez-faire", "savvy"})


@dataclass(frozen=True)
class Waiting:
    """The oldest client message an alert is about."""

    sender: str
    subject: str
    since: str  # already formatted in the owner's zone


@dataclass(frozen=True)
class Situation:
    client: str
    kind: str
    pattern: str | None
    figures: Mapping[str, Any]
    oldest: Waiting | None = None
    day_hours: float = DEFAULT_DAY_HOURS


def _subject(text: str) -> str:
    return "\u2018" + (text or "(no subject)") + "\u2019"


def _unanswered(s: Situation) -> str:
    hours = s.figures.get("oldest_business_hours")
    waited = working_time(float(hours), s.day_hours) if hours is not None else "too long"
    if s.oldest is None:
        return f"A message from {s.client} has waited {waited} for our answer: reply today."
    return (
        f"{s.oldest.sender} has waited {waited} for an answer to {_subject(s.oldest.subject)} "
        f"(sent {s.oldest.since}). Reply today, even if only to say when the full answer "
        "will come."
    )


def _silence(s: Situation) -> str:
    text = (
        f"Write to or call {s.client} to ask how things stand: a client who goes quiet "
        "may be an unhappy one."
    )
    if s.pattern == "laissez-faire":
        text += " This client writes rarely even when content, so ask openly rather than chase."
    elif s.pattern == "micromanager":
        text += " Silence from a client who usually writes often is a change worth a call."
    return text


def _checkin(s: Situation) -> str:
    days = s.figures.get("days_since_we_wrote")
    since = f" in {calendar_days(float(days))}" if days is not None else ""
    return (
        f"We have not written to {s.client}{since}. Send a short update: progress, next steps, "
        "and anything they should decide or know, even if they have asked for nothing."
    )


def _friction(s: Situation) -> str:
    text = (
        f"Call {s.client} rather than write: acknowledge the concern, then confirm in writing "
        "what will change and by when."
    )
    if s.pattern in CALM:
        text += (
            " Friction is unusual for this client: take it as the late sign of dissatisfaction, "
            "not a bad day."
        )
    elif s.pattern == "micromanager":
        text += " Agree a fixed status rhythm in the same call, so each worry has a place to go."
    elif s.pattern == "in-the-dark":
        text += " Explain what we are doing and why; confusion often reads as poor work."
    return text


def _micromanagement(s: Situation) -> str:
    return (
        f"Offer {s.client} a fixed rhythm, a weekly status report or call instead of daily "
        "check-ins, and keep to it, so the client trusts the process rather than each message."
    )


_BY_KIND: dict[str, Callable[[Situation], str]] = {
    "unanswered": _unanswered,
    "silence": _silence,
    "checkin_due": _checkin,
    "friction": _friction,
    "micromanagement": _micromanagement,
}


def next_step(situation: Situation) -> str | None:
    """What to do about this alert now; None for a kind without advice of its own."""
    advise = _BY_KIND.get(situation.kind)
    return advise(situation) if advise else None


def pattern_note(
    pattern: str | None, advice: str | None, kinds: Sequence[str]
) -> tuple[str, str] | None:
    """(a label, the advice) of the client's pattern, unless the alerts at hand contradict its
    description. A calm client whose friction is building now is not described as one that
    "rarely complains": only what that change means is said."""
    if not pattern or not advice or pattern == "unknown":
        return None
    if pattern in CALM and any(k in ("friction", "micromanagement") for k in kinds):
        return None  # "rarely complains" next to a complaint: the next step says what it means
    if pattern in CALM and RISK_SHOWING in advice:
        # Whatever the stored advice says (older versions kept the description), say what was.
        return f"until now {pattern}", f"{UNTIL_NOW[Pattern(pattern)]} {RISK_SHOWING}"
    if pattern in UNPROMPTED and all(k == "unanswered" for k in kinds):
        return None  # the client asked and waits: keeping in touch unprompted is beside the point
    return pattern, advice
