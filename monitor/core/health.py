"""Health 0–100 with its components, and the client's pattern with the advice that goes with it.

Each component is 0–100 and explainable on its own; health is their weighted mean over the
components that can be computed (a client with no scored English mail has no sentiment
component, rather than a made-up neutral one).

- responsiveness: our median reply gap (business time, 30 days, open ones at their current
  age) against the reply SLA, minus overdue client messages.
- engagement: how long the client has been silent against its own cadence.
- sentiment: the client's tone over 30 days (90 when sparse), minus friction.
- pressure: how far the client is from micromanaging (volume against baseline, chasers,
  status requests).
- balance: whether the conversation goes both ways (our messages against theirs, 90 days).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from monitor.core.detectors.base import counted
from monitor.core.durations import DEFAULT_WORKING_DAY, working

WEIGHTS = {
    "responsiveness": 0.25,
    "engagement": 0.2,
    "sentiment": 0.25,
    "pressure": 0.15,
    "balance": 0.15,
}
#: The components as people read them: the sentiment component is the client's tone, scored
#: out of 100 (one measure, one name in the terminal, the emails and the web pages).
COMPONENT_NAMES = {"sentiment": "tone"}
#: No other component can make up for one that has collapsed: health is at most the weakest
#: component plus this.
WEAKEST_PLUS = 50


@dataclass(frozen=True)
class Health:
    score: int | None  # None: too little history (fewer than three messages)
    components: dict[str, int | None]


def _clamp(value: float) -> float:
    return max(0.0, min(100.0, value))


def responsiveness(median_hours: float | None, overdue: int, critical_hours: float) -> float | None:
    if median_hours is None and not overdue:
        return None
    score = 100.0
    if median_hours is not None:
        ratio = median_hours / critical_hours
        # Full marks up to a quarter of the SLA, nothing at twice it.
        score = 100.0 if ratio <= 0.25 else _clamp(100.0 * (2.0 - ratio) / 1.75)
    return _clamp(score - 20.0 * overdue)


def engagement(
    silent_days: float | None, cadence_days: float | None, critical_ratio: float
) -> float | None:
    if silent_days is None:
        return None
    if cadence_days is None:
        # Without a learned rhythm, a month of silence is what costs everything.
        return _clamp(100.0 * (1.0 - max(0.0, silent_days - 14.0) / 30.0))
    ratio = silent_days / cadence_days
    return (
        100.0 if ratio <= 1.0 else _clamp(100.0 * (critical_ratio - ratio) / (critical_ratio - 1.0))
    )


def sentiment(mean: float | None, friction_points: float) -> float | None:
    if mean is None:
        return None if friction_points == 0 else _clamp(70.0 - 8.0 * friction_points)
    return _clamp(50.0 + 60.0 * mean - 8.0 * friction_points)


def pressure(
    ratio: float | None, points: float, critical_ratio: float, critical_points: float
) -> float:
    load = points / critical_points
    if ratio is not None:
        load = max(
            load,
            (ratio - 1.0)
            / max(critical_ratio - 1.0, 0.1)
            * min(1.0, points / max(critical_points / 2, 1.0)),
        )
    return _clamp(100.0 * (1.0 - load))


def balance(inbound: int, outbound: int) -> float | None:
    if inbound + outbound < 4:
        return None
    ratio = (outbound + 1) / (inbound + 1)
    spread = abs(math.log2(ratio))
    return 100.0 if spread <= 1.0 else _clamp(100.0 - 40.0 * (spread - 1.0))


#: An open alert caps health, so the score never looks fine while an owner is being alerted.
CAP_BY_SEVERITY = {"warning": 75, "critical": 55}


def combine(components: dict[str, float | None], *, worst_alert: str | None = None) -> Health:
    present = {name: value for name, value in components.items() if value is not None}
    rounded = {
        name: (round(value) if value is not None else None) for name, value in components.items()
    }
    if not present:
        return Health(score=None, components=rounded)
    weight = sum(WEIGHTS[name] for name in present)
    score = sum(WEIGHTS[name] * value for name, value in present.items()) / weight
    score = min(score, min(present.values()) + WEAKEST_PLUS)
    if worst_alert is not None:
        score = min(score, CAP_BY_SEVERITY[worst_alert])
    return Health(score=round(score), components=rounded)


# --------------------------------------------------------------------------- patterns


class Pattern(StrEnum):
    LAISSEZ_FAIRE = "laissez-faire"
    MICROMANAGER = "micromanager"
    IN_THE_DARK = "in-the-dark"
    SAVVY = "savvy"
    UNKNOWN = "unknown"


ADVICE = {
    Pattern.LAISSEZ_FAIRE: (
        "Writes rarely, trusts us, rarely complains; dissatisfaction arrives late and silently. "
        "Check in by email or phone every few weeks, even when nothing is asked."
    ),
    Pattern.MICROMANAGER: (
        "Writes often, asks for status, chases; our time and the relationship erode. Offer a fixed "
        "rhythm — a weekly status report or call instead of daily check-ins — and keep to it, so the "
        "client trusts the process rather than each message."
    ),
    Pattern.IN_THE_DARK: (
        "Many questions, many basics, long threads; confusion can read as incompetence. Go back to "
        "basics, explain what we do and why, and invite questions."
    ),
    Pattern.SAVVY: (
        "Clear requests, prompt replies, positive; the risk is complacency. Keep in touch anyway, "
        "send something useful unprompted: this client refers others."
    ),
    Pattern.UNKNOWN: "Too little history to tell this client's pattern yet.",
}
#: Added to the advice of a calm pattern (laissez-faire, savvy) while friction builds: from a
#: client who rarely complains, a complaint is the late dissatisfaction the pattern warns of.
RISK_SHOWING = (
    "Friction is showing now, which this client rarely shows: take it as the late sign of "
    "dissatisfaction, call rather than write, and agree in writing what will change."
)
CALM_PATTERNS = frozenset({Pattern.LAISSEZ_FAIRE, Pattern.SAVVY})
#: What a calm pattern was, said in the past when friction now shows: the description ("rarely
#: complains") would contradict the complaint in front of the owner.
UNTIL_NOW = {
    Pattern.LAISSEZ_FAIRE: "Over half a year this client wrote rarely and trusted us.",
    Pattern.SAVVY: "Over half a year this client was clear, prompt and positive.",
}
#: A client fits a pattern when its score, to two decimals, is above this (0–1). The best of
#: weak fits is no pattern: a client writing a little more than weekly with one status request
#: in eleven is no micromanager, whatever fits it worse.
CLEAR_FIT = 0.2
NO_CLEAR_PATTERN = (
    "No pattern stands out in this client's mail over half a year: there is no handling "
    "advice for this client beyond what each alert says."
)
COMMON_ADVICE = (
    "Confirm scope and timelines in writing, send regular progress reports, and answer every piece "
    "of feedback: an unanswered client message is the earliest sign that expectations are slipping."
)


@dataclass(frozen=True)
class PatternFacts:
    inbound: int  # client messages, last 180 days
    span_days: float  # how far back the client's history goes
    per_week: float
    questions_per_message: float
    basics_share: float  # share of inbound messages asking about basics
    status_share: float  # share with status requests
    chaser_share: float  # chasers per inbound message
    messages_per_thread: float
    sentiment: float | None
    scored: int  # messages the sentiment is the mean of
    client_reply_hours: float | None  # median client reply gap, business hours
    friction_points: float
    #: Share of inbound messages that are status requests or chasers, each message once (a
    #: chaser asking for status is both); None: the sum of the two shares stands for it.
    pressing_share: float | None = None
    #: The length of the team's working day in seconds: the reply time is told in its days.
    working_day: float = DEFAULT_WORKING_DAY


@dataclass(frozen=True)
class PatternResult:
    pattern: Pattern
    reasons: tuple[str, ...]
    scores: dict[str, float]
    note: str | None = None  # what the advice adds for the client's current state

    @property
    def advice(self) -> str:
        if self.note is None:
            return ADVICE[self.pattern]
        if self.pattern is Pattern.UNKNOWN:
            return self.note
        return f"{UNTIL_NOW.get(self.pattern, ADVICE[self.pattern])} {self.note}"


def _shown_savvy(facts: PatternFacts) -> float:
    """1 when something savvy shows (a positive tone, or how fast the client answers us); 0
    when neither is known (an unscored or neutral tone is no sign of "clear, prompt and
    positive"), or when its tone is negative."""
    scored = facts.scored >= 3 and facts.sentiment is not None
    if scored and (facts.sentiment or 0.0) < 0:
        return 0.0
    positive = scored and (facts.sentiment or 0.0) > 0
    return 1.0 if positive or facts.client_reply_hours is not None else 0.0


def _scores(facts: PatternFacts, pressure: float) -> dict[str, float]:
    """How well the client fits each pattern, 0–1."""
    calm = 1.0 - min(1.0, pressure / 0.3)
    content = 1.0 - min(1.0, facts.friction_points / 6.0)
    # Writes rarely: full marks at one message every three weeks, none at one a week.
    rarity = max(0.0, min(1.0, (1.0 - facts.per_week) / (1.0 - 0.35)))
    return {
        Pattern.MICROMANAGER.value: min(1.0, facts.per_week / 4.0) * min(1.0, pressure / 0.3),
        Pattern.IN_THE_DARK.value: 0.7 * min(1.0, facts.basics_share / 0.3)
        + 0.3
        * min(1.0, facts.questions_per_message / 2.5)
        * min(1.0, facts.messages_per_thread / 8.0),
        Pattern.LAISSEZ_FAIRE.value: rarity
        * calm
        * (1.0 - min(1.0, facts.questions_per_message / 2.5)),
        Pattern.SAVVY.value: _shown_savvy(facts)
        * (
            (
                0.5
                + 0.5
                * min(1.0, max(0.0, (facts.sentiment or 0.0) / 0.3))
                * (1.0 if facts.scored >= 3 else 0.0)
            )
            * (
                1.0
                if facts.client_reply_hours is None
                else max(0.3, min(1.0, 1.0 - (facts.client_reply_hours - 16.0) / 34.0))
            )
            * calm
            * content
        ),
    }


def _over(facts: PatternFacts) -> str:
    """The window ``per_week`` was counted over: half a year, or the client's history when
    shorter (at least a week), as :func:`monitor.core.analysis.pattern_facts` counts it."""
    days = round(max(7.0, min(180.0, facts.span_days)))
    return "over 180 days" if days >= 180 else f"over the last {days} days"


def _pressing(facts: PatternFacts, pressure: float) -> float:
    return facts.pressing_share if facts.pressing_share is not None else min(1.0, pressure)


def _reasons(pattern: Pattern, facts: PatternFacts, pressure: float) -> tuple[str, ...]:
    """The figures that made the client ``pattern``, in words."""
    if pattern is Pattern.MICROMANAGER:
        return (
            f"{facts.per_week:.1f} messages a week {_over(facts)}",
            f"{_pressing(facts, pressure):.0%} of them status requests or chasers",
        )
    if pattern is Pattern.IN_THE_DARK:
        return (
            f"{facts.basics_share:.0%} ask about basics",
            f"{facts.questions_per_message:.1f} questions a message",
            f"{facts.messages_per_thread:.1f} messages a conversation",
        )
    if pattern is Pattern.LAISSEZ_FAIRE:
        return (
            f"{facts.per_week:.1f} messages a week {_over(facts)}",
            f"{facts.questions_per_message:.1f} questions a message",
        )
    return (
        f"tone {facts.sentiment:+.2f}" if facts.sentiment is not None else "tone not scored",
        f"answers us in {working(facts.client_reply_hours * 3600, facts.working_day)} "
        f"(median {_over(facts)})"
        if facts.client_reply_hours is not None
        else "reply time unknown",
    )


#: On a tie the more specific pattern wins: its advice is the more useful one.
_PRIORITY = [
    Pattern.MICROMANAGER.value,
    Pattern.IN_THE_DARK.value,
    Pattern.LAISSEZ_FAIRE.value,
    Pattern.SAVVY.value,
]


def classify(facts: PatternFacts, *, friction_warning_points: float) -> PatternResult:
    """The client's pattern over half a year, with its reasons; a calm pattern whose client is
    building friction now (at least ``friction_warning_points``) says so in its advice."""
    if facts.inbound < 6 or facts.span_days < 30:
        return PatternResult(
            Pattern.UNKNOWN,
            (
                f"{counted(facts.inbound, 'client message')} over the last "
                f"{min(180.0, facts.span_days):.0f} days",
            ),
            {},
        )
    pressure = facts.status_share + facts.chaser_share
    scores = _scores(facts, pressure)
    best = max(scores, key=lambda name: (round(scores[name], 2), -_PRIORITY.index(name)))
    if round(scores[best], 2) <= CLEAR_FIT:
        closest = f"no pattern stands out (closest: {best}, {scores[best]:.2f} of 1)"
        rounded = {k: round(v, 2) for k, v in scores.items()}
        return PatternResult(Pattern.UNKNOWN, (closest,), rounded, NO_CLEAR_PATTERN)
    pattern = Pattern(best)
    reasons = _reasons(pattern, facts, pressure)
    note = None
    if pattern in CALM_PATTERNS and facts.friction_points >= friction_warning_points:
        reasons += (f"but {facts.friction_points:g} friction points in the last 30 days",)
        note = RISK_SHOWING
    return PatternResult(pattern, reasons, {k: round(v, 2) for k, v in scores.items()}, note)
