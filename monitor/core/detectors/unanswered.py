"""``unanswered``: a client message has waited beyond the reply SLA, in business hours.

An unanswered client message is the earliest measurable sign that expectations are slipping.
The owner's own out-of-office pauses the clock (the gaps are measured without it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING

from monitor.core import durations
from monitor.core.detectors.base import (
    Detector,
    Finding,
    Kind,
    Severity,
    day_month,
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


@dataclass(frozen=True)
class Usual:
    """Our usual reply time to the client: the median of the replies we sent over ``days``
    (answered messages only: the message being judged is never part of its own norm)."""

    median_seconds: float | None
    count: int
    days: int = 90


def _usual_text(client: str, usual: Usual | None, day_seconds: float) -> str:
    if usual is None or not usual.median_seconds:
        return ""
    return (
        f"; over the last {usual.days} days we answered {client} in "
        f"{durations.working(usual.median_seconds, day_seconds)} (median of {usual.count} "
        f"{'reply' if usual.count == 1 else 'replies'})"
    )


def _level(business_seconds: float, thresholds: UnansweredThresholds) -> Severity | None:
    return severity_between(
        business_seconds / 3600,
        thresholds.unanswered_warning_hours,
        thresholds.unanswered_critical_hours,
    )


def judge(
    client: str,
    *,
    longest: tuple[Record, float, float] | None,  # (message, business seconds, wall seconds)
    waiting: Sequence[Record],  # every message waiting for our reply, oldest first
    usual: Usual | None,
    owner_away_until: date | None,
    thresholds: UnansweredThresholds,
    now: datetime | None = None,
    zone: tzinfo | None = None,
    day_seconds: float = durations.DEFAULT_WORKING_DAY,
) -> Finding:
    """A client message has waited beyond the reply SLA (in business hours), told in working
    days of the team's own day beside the calendar time, against our usual reply time."""
    if longest is None:
        return Finding(Kind.UNANSWERED, None, f"Nothing from {client} is waiting for our reply.")
    oldest, business, wall = longest
    severity = _level(business, thresholds)
    today = now if now is not None else oldest.date
    others = f" (and {len(waiting) - 1} more)" if len(waiting) > 1 else ""
    away = (
        f"; the owner is away until {day_month(owner_away_until, today, zone)}, which pauses "
        "the clock"
        if owner_away_until
        else ""
    )
    explanation = (
        f"{quoted(oldest.subject)} from {oldest.sender} has waited "
        f"{durations.waited(business, wall, day_seconds)} for our reply "
        f"(since {day_month(oldest.date, today, zone)}){others}"
        f"{_usual_text(client, usual, day_seconds)}{away}."
    )
    median = usual.median_seconds if usual is not None else None
    return Finding(
        Kind.UNANSWERED,
        severity,
        explanation,
        figures={
            "waiting": len(waiting),
            # To the second's order, as the explanation has them: "55 working minutes" there
            # is not "54" in the email's figure lines (read back from these, in minutes).
            "oldest_business_hours": round(business / 3600, 4),
            "oldest_wall_hours": round(wall / 3600, 4),
            "oldest_working_days": durations.working_days(business, day_seconds),
            "working_day_hours": round(day_seconds / 3600, 2),
            "usual_business_hours": round(median / 3600, 4) if median else None,
            "usual_replies_90d": usual.count if usual is not None else 0,
            "sla_warning_hours": thresholds.unanswered_warning_hours,
            "sla_critical_hours": thresholds.unanswered_critical_hours,
        },
        evidence=tuple(waiting),
    )


def detect(facts: ClientFacts, thresholds: UnansweredThresholds) -> Finding:
    median, count = facts.gaps.usual_90
    return judge(
        facts.client,
        longest=facts.gaps.longest_wait,
        waiting=facts.gaps.waiting_messages,
        usual=Usual(median_seconds=median, count=count),
        owner_away_until=facts.away.owner_until,
        thresholds=thresholds,
        now=facts.now,
        zone=facts.zone,
        day_seconds=facts.gaps.working_day,
    )


def severity(facts: ClientFacts, thresholds: UnansweredThresholds) -> Severity | None:
    """:func:`detect`'s severity alone: our usual reply time is read only for the words."""
    longest = facts.gaps.longest_wait
    return _level(longest[1], thresholds) if longest is not None else None


DETECTOR = Detector(
    kind=Kind.UNANSWERED,
    detect=detect,
    thresholds=UnansweredThresholds,
    pairs=(("unanswered_warning_hours", "unanswered_critical_hours"),),
    title="is waiting for our reply",
    severity=severity,
)
