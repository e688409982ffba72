"""``friction``: escalation words, pointed reminders, negative tone, senior people copied in.

Judged against the client's own norm over a window of several messages: one grumpy message is
not a pattern, so at least two messages must contribute before it fires.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from monitor.core.detectors.base import (
    Detector,
    Finding,
    Kind,
    counted,
    day_month,
    severity_between,
    terms,
)

if TYPE_CHECKING:
    from monitor.core.facts import ClientFacts
    from monitor.core.tone import FrictionFacts


@dataclass(frozen=True)
class FrictionThresholds:
    friction_window_days: int = 30
    friction_warning_points: float = 4.0
    friction_critical_points: float = 8.0


def _detail(facts: FrictionFacts) -> str:
    parts: list[str] = []
    if facts.sentiment_now is not None:
        usual = (
            # One window per statement: the norm is the 180 days before the friction window.
            f" vs {facts.sentiment_usual:+.2f} over the 180 days before"
            if facts.sentiment_usual is not None
            else ""
        )
        parts.append(f"tone {facts.sentiment_now:+.2f}{usual}")
    if facts.escalation:
        parts.append(
            f"{counted(len(facts.escalation), 'message')} with escalation words ({terms(facts.escalation)})"
        )
    if facts.pressure_phrases:
        parts.append(f"pointed reminders ({terms(facts.pressure_phrases)})")
    if facts.challenges:
        parts.append(f"pointed questions ({terms(facts.challenges)})")
    if facts.negative:
        parts.append(counted(len(facts.negative), "negative message"))
    for record, address in facts.senior_copied:
        parts.append(f"{address} copied in for the first time on {day_month(record.date)}")
    return "; ".join(parts) if parts else "no friction cues"


def judge(client: str, facts: FrictionFacts, thresholds: FrictionThresholds) -> Finding:
    """Friction building: escalation words, pointed reminders, negative tone, senior people copied."""
    points = facts.points()
    contributing = facts.contributing()
    severity = severity_between(
        points, thresholds.friction_warning_points, thresholds.friction_critical_points
    )
    if len(contributing) < 2:
        severity = None  # one grumpy message is not a pattern
    explanation = (
        f"{client}, last {facts.window_days} days ({facts.messages} messages): {_detail(facts)}."
    )
    evidence = facts.records()
    return Finding(
        Kind.FRICTION,
        severity,
        explanation,
        figures={
            "points": round(points, 1),
            "messages": facts.messages,
            "sentiment_now": facts.sentiment_now,
            "sentiment_usual": facts.sentiment_usual,
            "escalation_messages": len(facts.escalation),
            "pressure_phrase_messages": len(facts.pressure_phrases),
            "challenge_messages": len(facts.challenges),
            "negative_messages": len(facts.negative),
            "senior_copied": [a for _, a in facts.senior_copied],
        },
        evidence=tuple(evidence),
    )


def detect(facts: ClientFacts, thresholds: FrictionThresholds) -> Finding:
    return judge(facts.client, facts.friction, thresholds)


DETECTOR = Detector(
    kind=Kind.FRICTION,
    detect=detect,
    thresholds=FrictionThresholds,
    pairs=(("friction_warning_points", "friction_critical_points"),),
    title="shows friction",
)
