"""``micromanagement``: more mail than the client's own norm, chasing and asking for status.

Both the volume against the client's baseline and the pressure points (chasers, status requests,
half a point per after-hours message) must pass a threshold; without a baseline yet, only a clear
absolute case warns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from monitor.core.detectors.base import Detector, Finding, Kind, Severity, counted, terms

if TYPE_CHECKING:
    from monitor.core.facts import ClientFacts
    from monitor.core.tone import PressureFacts


@dataclass(frozen=True)
class MicromanagementThresholds:
    micromanagement_window_days: int = 14
    micromanagement_warning_ratio: float = 2.0  # inbound volume against the client's own baseline
    micromanagement_critical_ratio: float = 3.0
    micromanagement_warning_points: float = 4.0  # chasers + status requests + after-hours/2
    micromanagement_critical_points: float = 8.0


def _severity(facts: PressureFacts, thresholds: MicromanagementThresholds) -> Severity | None:
    """The volume first: the points (after-hours mail among them) are counted only when it
    could matter."""
    ratio = facts.ratio
    if ratio is not None:
        if (
            ratio >= thresholds.micromanagement_critical_ratio
            and facts.points() >= thresholds.micromanagement_critical_points
        ):
            return Severity.CRITICAL
        if (
            ratio >= thresholds.micromanagement_warning_ratio
            and facts.points() >= thresholds.micromanagement_warning_points
        ):
            return Severity.WARNING
        return None
    if len(facts.inbound) >= 10 and facts.points() >= thresholds.micromanagement_critical_points:
        return Severity.WARNING  # no baseline yet: only a clear, absolute case warns
    return None


def _explanation(client: str, facts: PressureFacts) -> str:
    ratio = facts.ratio
    count = len(facts.inbound)
    volume = f"{client} wrote {counted(count, 'message')} in the last {facts.window_days} days"
    if ratio is not None and facts.baseline is not None:
        # One window per statement: the baseline is named as a count per the same window.
        # The baseline as precisely as the ratio needs: "8.5× the 3" reads as a slip of 9.3×.
        usual = f"{facts.baseline:.0f}" if facts.baseline >= 10 else f"{facts.baseline:.1f}"
        volume += (
            f", {ratio:.1f}× the {usual} it usually writes in {facts.window_days} "
            "days (its mail of up to 180 days before)"
        )
    else:
        # Without a norm only a clear case warns (10 messages, 8 points): said, so that the
        # figure is not read against a norm that does not exist.
        volume += "; its usual volume is not known yet (too little mail before)"
    parts = [volume]
    if facts.chasers:
        parts.append(f"{counted(len(facts.chasers), 'chaser')} before we replied")
    if facts.status_requests:
        parts.append(
            f"{counted(len(facts.status_requests), 'status request')} ({terms(facts.status_requests)})"
        )
    if facts.after_hours:
        parts.append(f"{len(facts.after_hours)} after hours")
    return "; ".join(parts) + "."


def judge(client: str, facts: PressureFacts, thresholds: MicromanagementThresholds) -> Finding:
    """More mail than the client's own norm, chasing and asking for status."""
    points = facts.points()
    ratio = facts.ratio
    evidence = sorted(
        {
            r.key: r
            for r in [*facts.chasers, *(r for r, _ in facts.status_requests), *facts.after_hours]
        }.values(),
        key=lambda r: r.date,
    )
    return Finding(
        Kind.MICROMANAGEMENT,
        _severity(facts, thresholds),
        _explanation(client, facts),
        figures={
            "messages": len(facts.inbound),
            "baseline": facts.baseline,
            "ratio": round(ratio, 2) if ratio is not None else None,
            "chasers": len(facts.chasers),
            "status_requests": len(facts.status_requests),
            "after_hours": len(facts.after_hours),
            "points": round(points, 1),
        },
        evidence=tuple(evidence),
    )


def detect(facts: ClientFacts, thresholds: MicromanagementThresholds) -> Finding:
    return judge(facts.client, facts.pressure, thresholds)


def severity(facts: ClientFacts, thresholds: MicromanagementThresholds) -> Severity | None:
    """:func:`detect`'s severity alone."""
    return _severity(facts.pressure, thresholds)


DETECTOR = Detector(
    kind=Kind.MICROMANAGEMENT,
    detect=detect,
    thresholds=MicromanagementThresholds,
    pairs=(
        ("micromanagement_warning_ratio", "micromanagement_critical_ratio"),
        ("micromanagement_warning_points", "micromanagement_critical_points"),
    ),
    title="is micromanaging",
    severity=severity,
)
