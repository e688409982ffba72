"""``friction``: escalation words, pointed reminders, negative tone, senior people copied in.

Judged against the client's own norm over a window of several messages: one grumpy message is
not a pattern, so at least two messages must contribute before it fires.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from monitor.core import friction_norm
from monitor.core.detectors.base import (
    Detector,
    Figure,
    Finding,
    Kind,
    Severity,
    counted,
    day_month,
    severity_between,
    terms,
)

if TYPE_CHECKING:
    from monitor.core.facts import ClientFacts
    from monitor.core.friction_norm import NormFacts
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


def _norm_severity(norm: NormFacts | None) -> Severity | None:
    """A turn against the client's own norm warns (critical when far beyond it); one hostile
    message from a warm client warns."""
    if norm is None:
        return None
    if norm.critical:
        return Severity.CRITICAL
    if norm.turn or norm.outburst is not None:
        return Severity.WARNING
    return None


def explanation(client: str, facts: FrictionFacts) -> str:
    """What the alert email and ``relmon client`` both say about the client's friction."""
    cues = (
        f"{client}, last {facts.window_days} days ({counted(facts.messages, 'message')}): "
        f"{_detail(facts)}."
    )
    norm = facts.norm
    if norm is None or not (norm.frictional or norm.outburst):
        return cues
    return f"{friction_norm.explain(client, norm)}. {cues}"


def level(facts: FrictionFacts, thresholds: FrictionThresholds) -> Severity | None:
    """The severity of friction building: cues (escalation words, pointed reminders, negative
    tone, senior people copied) and a turn against the client's own norm, whichever is worse."""
    severity = severity_between(
        facts.points(), thresholds.friction_warning_points, thresholds.friction_critical_points
    )
    if severity is not None and len(facts.contributing()) < 2:
        severity = None  # one grumpy message is not a pattern
    norm_severity = _norm_severity(facts.norm)
    if norm_severity is not None and severity is not None:
        return Severity.CRITICAL  # explicit cues and a turn against the norm agree
    return norm_severity if norm_severity is not None else severity


def judge(client: str, facts: FrictionFacts, thresholds: FrictionThresholds) -> Finding:
    """Friction building: cues (escalation words, pointed reminders, negative tone, senior
    people copied) and a turn against the client's own norm, whichever is worse."""
    points = facts.points()
    evidence = facts.records()
    return Finding(
        Kind.FRICTION,
        level(facts, thresholds),
        explanation(client, facts),
        figures={
            "points": round(points, 1),
            **_norm_figures(facts.norm),
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


def _norm_figures(norm: NormFacts | None) -> dict[str, Figure]:
    if norm is None:
        return {}
    return {
        "recent_scored": len(norm.recent),
        "recent_frictional": len(norm.frictional),
        "usual_frictional_share": round(norm.norm_rate, 2) if norm.norm_rate is not None else None,
        "unscored_messages": norm.unscored,
    }


def detect(facts: ClientFacts, thresholds: FrictionThresholds) -> Finding:
    return judge(facts.client, facts.friction, thresholds)


def severity(facts: ClientFacts, thresholds: FrictionThresholds) -> Severity | None:
    """:func:`detect`'s severity alone."""
    return level(facts.friction, thresholds)


DETECTOR = Detector(
    kind=Kind.FRICTION,
    detect=detect,
    thresholds=FrictionThresholds,
    pairs=(("friction_warning_points", "friction_critical_points"),),
    title="shows friction",
    severity=severity,
)
