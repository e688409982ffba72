"""``checkin_due``: we have not written to the client for longer than its check-in interval.

The advice for a hands-off client is to check in every few weeks even when nothing is asked; this
is the reminder. A contact who said when they are back pauses the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING

from monitor.core.detectors.base import (
    Detector,
    Finding,
    Kind,
    Severity,
    day_month,
    days_text,
    paused,
    quoted,
    severity_between,
)
from monitor.core.records import Record

if TYPE_CHECKING:
    from monitor.core.facts import ClientFacts


@dataclass(frozen=True)
class CheckinThresholds:
    checkin_warning_days: float = 21.0  # we have not written for this long
    checkin_critical_days: float = 42.0


def _level(quiet_days: float, thresholds: CheckinThresholds) -> Severity | None:
    return severity_between(
        quiet_days, thresholds.checkin_warning_days, thresholds.checkin_critical_days
    )


def judge(
    client: str,
    *,
    last_outbound: Record | None,
    quiet_days: float,
    away_until: date | None,
    has_history: bool,
    now: datetime,
    thresholds: CheckinThresholds,
    zone: tzinfo | None = None,
) -> Finding:
    """We have not written to the client for longer than its check-in interval."""
    if not has_history:
        return Finding(Kind.CHECKIN_DUE, None, f"No correspondence with {client} yet.")
    if paused(away_until, now):
        return Finding(
            Kind.CHECKIN_DUE,
            None,
            f"{client}'s contact is away until {day_month(away_until, now, zone)}; check-in clock paused.",
        )
    if last_outbound is None:
        explanation = f"We have never written to {client} in the history relmon holds."
    else:
        explanation = (
            f"We last wrote to {client} {days_text(quiet_days)} ago ({quoted(last_outbound.subject)}, "
            f"{day_month(last_outbound.date, now, zone)}); check-in interval {days_text(thresholds.checkin_warning_days)}."
        )
    severity = _level(quiet_days, thresholds)
    return Finding(
        Kind.CHECKIN_DUE,
        severity,
        explanation,
        figures={
            "days_since_we_wrote": round(quiet_days, 1),
            "interval_days": thresholds.checkin_warning_days,
        },
        evidence=(last_outbound,) if last_outbound else (),
    )


def detect(facts: ClientFacts, thresholds: CheckinThresholds) -> Finding:
    return judge(
        facts.client,
        last_outbound=facts.last_outbound,
        quiet_days=facts.clocks.quiet_days,
        away_until=facts.away.until,
        has_history=facts.has_history,
        now=facts.now,
        thresholds=thresholds,
        zone=facts.zone,
    )


def severity(facts: ClientFacts, thresholds: CheckinThresholds) -> Severity | None:
    """:func:`detect`'s severity alone."""
    if not facts.has_history or paused(facts.away.until, facts.now):
        return None
    return _level(facts.clocks.quiet_days, thresholds)


DETECTOR = Detector(
    kind=Kind.CHECKIN_DUE,
    detect=detect,
    thresholds=CheckinThresholds,
    pairs=(("checkin_warning_days", "checkin_critical_days"),),
    title="is due a check-in",
    severity=severity,
)
