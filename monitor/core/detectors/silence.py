"""``silence``: the client is quiet far beyond its own cadence.

"Acme usually writes every 6 days; silent for 27 days (4.5× its norm); last message: 'Re: Q3
roadmap', 2 May." A cadence that cannot be learned yet raises nothing; a contact who said when
they are back pauses the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING

from monitor.core.cadence import LEARNING_DAYS
from monitor.core.detectors.base import (
    Detector,
    Finding,
    Kind,
    Severity,
    day_month,
    days_text,
    paused,
    quoted,
)
from monitor.core.records import Record

if TYPE_CHECKING:
    from monitor.core.facts import ClientFacts


@dataclass(frozen=True)
class SilenceThresholds:
    silence_warning_ratio: float = 3.0  # silent for this many times the usual gap …
    silence_critical_ratio: float = 5.0
    silence_min_days: float = 10.0  # … and never less than this many days


#: Where the usual rhythm comes from, named with its window (one window per statement).
_WHERE_FROM = {
    "learned": f" (its rhythm over the last {LEARNING_DAYS} days)",
    "configured": " (as configured)",
}


def _level(
    cadence_days: float, silent_days: float, thresholds: SilenceThresholds
) -> Severity | None:
    floor = thresholds.silence_min_days
    if silent_days >= max(floor, thresholds.silence_critical_ratio * cadence_days):
        return Severity.CRITICAL
    if silent_days >= max(floor, thresholds.silence_warning_ratio * cadence_days):
        return Severity.WARNING
    return None


def judge(
    client: str,
    *,
    last_inbound: Record | None,
    cadence_days: float | None,
    silent_days: float,
    away_until: date | None,
    now: datetime,
    thresholds: SilenceThresholds,
    zone: tzinfo | None = None,
    cadence_source: str = "learned",
) -> Finding:
    """The client is quiet far beyond its own cadence; dates read in ``zone`` (the team's),
    with the year when it is not the current one."""
    if last_inbound is None:
        return Finding(Kind.SILENCE, None, f"No message from {client} yet.")
    last = (
        f"last message: {quoted(last_inbound.subject)}, {day_month(last_inbound.date, now, zone)}"
    )
    if paused(away_until, now):
        return Finding(
            Kind.SILENCE,
            None,
            f"{client}'s contact is away until {day_month(away_until, now, zone)}; silence "
            f"paused ({last}).",
        )
    if cadence_days is None:
        return Finding(
            Kind.SILENCE,
            None,
            f"{client}'s usual rhythm is not known yet (too little history); silent for {days_text(silent_days)}, {last}.",
            figures={"silent_days": round(silent_days, 1)},
        )
    ratio = silent_days / cadence_days
    severity = _level(cadence_days, silent_days, thresholds)
    explanation = (
        f"{client} usually writes every {days_text(cadence_days)}{_WHERE_FROM.get(cadence_source, '')}; "
        f"silent for {days_text(silent_days)} ({ratio:.1f}× its norm); {last}."
    )
    return Finding(
        Kind.SILENCE,
        severity,
        explanation,
        figures={
            "cadence_days": cadence_days,
            "silent_days": round(silent_days, 1),
            "ratio": round(ratio, 2),
        },
        evidence=(last_inbound,),
    )


def detect(facts: ClientFacts, thresholds: SilenceThresholds) -> Finding:
    return judge(
        facts.client,
        last_inbound=facts.last_inbound,
        cadence_days=facts.clocks.cadence.days,
        silent_days=facts.clocks.silent_days or 0.0,
        away_until=facts.away.until,
        now=facts.now,
        thresholds=thresholds,
        zone=facts.zone,
        cadence_source=facts.clocks.cadence.source,
    )


def severity(facts: ClientFacts, thresholds: SilenceThresholds) -> Severity | None:
    """:func:`detect`'s severity alone."""
    cadence_days, away_until = facts.clocks.cadence.days, facts.away.until
    if facts.last_inbound is None or cadence_days is None:
        return None
    if paused(away_until, facts.now):
        return None
    return _level(cadence_days, facts.clocks.silent_days or 0.0, thresholds)


DETECTOR = Detector(
    kind=Kind.SILENCE,
    detect=detect,
    thresholds=SilenceThresholds,
    pairs=(("silence_warning_ratio", "silence_critical_ratio"),),
    title="has gone quiet",
    severity=severity,
)
