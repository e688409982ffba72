"""``unanswered``: a client message has waited beyond the reply SLA, in business hours.

An unanswered client message is the earliest measurable sign that expectations are slipping.
The owner's own out-of-office pauses the clock (the gaps are measured without it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from monitor.core.detectors.base import (
    Detector,
    Finding,
    Kind,
    day_month,
    hours_text,
    quoted,
    severity_between,
)
from monitor.core.records import Record

if TYPE_CHECKING:
    from monitor.core.facts import ClientFacts


@dataclass(frozen=True)
class UnansweredThresholds:
    unanswered_warning_hours: float = 16.0  # business hours a client message has waited (~2 days)
    unanswered_critical_hours: float = 24.0


def judge(
    client: str,
    *,
    waiting: Sequence[tuple[Record, float, float]],  # (message, business seconds, wall seconds)
    median_reply_seconds: float | None,
    owner_away_until: date | None,
    thresholds: UnansweredThresholds,
) -> Finding:
    """A client message has waited beyond the reply SLA (in business hours)."""
    if not waiting:
        return Finding(Kind.UNANSWERED, None, f"Nothing from {client} is waiting for our reply.")
    oldest, business, wall = max(waiting, key=lambda w: w[1])
    severity = severity_between(
        business / 3600, thresholds.unanswered_warning_hours, thresholds.unanswered_critical_hours
    )
    usual = (
        f"; we usually answer {client} within {hours_text(median_reply_seconds)}"
        if median_reply_seconds
        else ""
    )
    others = f" (and {len(waiting) - 1} more)" if len(waiting) > 1 else ""
    away = (
        f"; the owner is away until {day_month(owner_away_until)}, which pauses the clock"
        if owner_away_until
        else ""
    )
    explanation = (
        f"{quoted(oldest.subject)} from {oldest.sender} has waited {hours_text(business)} for our reply "
        f"(since {day_month(oldest.date)}){others}{usual}{away}."
    )
    return Finding(
        Kind.UNANSWERED,
        severity,
        explanation,
        figures={
            "waiting": len(waiting),
            "oldest_business_hours": round(business / 3600, 1),
            "oldest_wall_hours": round(wall / 3600, 1),
            "sla_warning_hours": thresholds.unanswered_warning_hours,
            "sla_critical_hours": thresholds.unanswered_critical_hours,
        },
        evidence=tuple(w[0] for w in sorted(waiting, key=lambda w: w[0].date)),
    )


def detect(facts: ClientFacts, thresholds: UnansweredThresholds) -> Finding:
    return judge(
        facts.client,
        waiting=facts.gaps.waiting,
        median_reply_seconds=facts.gaps.ours_90.median_business,
        owner_away_until=facts.away.owner_until,
        thresholds=thresholds,
    )


DETECTOR = Detector(
    kind=Kind.UNANSWERED,
    detect=detect,
    thresholds=UnansweredThresholds,
    pairs=(("unanswered_warning_hours", "unanswered_critical_hours"),),
    title="is waiting for our reply",
)
