"""The five alert kinds of DESIGN.md, each judged against the client's own baseline.

Every detector takes the facts of one client at ``now`` and returns a :class:`Finding`: a
severity (``None`` when all is well, ``warning`` before a breach, ``critical`` at one), a
one-line explanation a consultant can act on ("Acme usually writes every 6 days; silent for 27
days (4.5× its norm) …"), the figures behind it and the messages that are its evidence.

Defaults are chosen so that a normal relationship raises nothing: alert fatigue is what users
of comparable tools complain about most. A cadence that cannot be learned yet raises no silence
alert; a single grumpy sentence raises no friction alert.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from monitor.core.records import Record


class Kind(StrEnum):
    SILENCE = "silence"
    CHECKIN_DUE = "checkin_due"
    UNANSWERED = "unanswered"
    FRICTION = "friction"
    MICROMANAGEMENT = "micromanagement"


class Severity(StrEnum):
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return 1 if self is Severity.WARNING else 2


@dataclass(frozen=True)
class Thresholds:
    """Warning and critical thresholds; global defaults in ``[thresholds]``, per client in
    ``[clients.thresholds]``."""

    silence_warning_ratio: float = 3.0  # silent for this many times the usual gap …
    silence_critical_ratio: float = 5.0
    silence_min_days: float = 10.0  # … and never less than this many days
    checkin_warning_days: float = 21.0  # we have not written for this long
    checkin_critical_days: float = 42.0
    unanswered_warning_hours: float = 16.0  # business hours a client message has waited (~2 days)
    unanswered_critical_hours: float = 24.0
    friction_window_days: int = 30
    friction_warning_points: float = 4.0
    friction_critical_points: float = 8.0
    micromanagement_window_days: int = 14
    micromanagement_warning_ratio: float = 2.0  # inbound volume against the client's own baseline
    micromanagement_critical_ratio: float = 3.0
    micromanagement_warning_points: float = 4.0  # chasers + status requests + after-hours/2
    micromanagement_critical_points: float = 8.0
    cooldown_days: float = 7.0  # a resolved alert re-opens only after this long

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


@dataclass(frozen=True)
class Finding:
    kind: Kind
    severity: Severity | None
    explanation: str
    figures: dict[str, Any] = field(default_factory=dict)
    evidence: tuple[Record, ...] = ()

    @property
    def firing(self) -> bool:
        return self.severity is not None


# --------------------------------------------------------------------------- wording


def counted(count: int, noun: str) -> str:
    """``counted(1, "message")`` → "1 message", ``counted(3, "message")`` → "3 messages"."""
    return f"{count} {noun}{'s' if count != 1 else ''}"


def days_text(value: float) -> str:
    if value < 1:
        return counted(round(value * 24), "hour")
    return counted(round(value), "day")


def hours_text(seconds: float) -> str:
    hours = seconds / 3600
    if hours < 1:
        return f"{round(seconds / 60)} business minutes"
    return f"{hours:.1f} business hours" if hours < 10 else f"{round(hours)} business hours"


def day_month(moment: datetime | date) -> str:
    return f"{moment.day} {moment.strftime('%b')}"


def quoted(subject: str, limit: int = 60) -> str:
    text = " ".join(subject.split()) or "(no subject)"
    return "'" + (text if len(text) <= limit else text[: limit - 1] + "…") + "'"


def _severity(value: float, warning: float, critical: float) -> Severity | None:
    if value >= critical:
        return Severity.CRITICAL
    if value >= warning:
        return Severity.WARNING
    return None


# --------------------------------------------------------------------------- the detectors


def silence(
    client: str,
    *,
    last_inbound: Record | None,
    cadence_days: float | None,
    silent_days: float,
    away_until: date | None,
    now: datetime,
    thresholds: Thresholds,
) -> Finding:
    """The client is quiet far beyond its own cadence."""
    if last_inbound is None:
        return Finding(Kind.SILENCE, None, f"No message from {client} yet.")
    last = f"last message: {quoted(last_inbound.subject)}, {day_month(last_inbound.date)}"
    if away_until is not None and away_until >= now.date():
        return Finding(
            Kind.SILENCE,
            None,
            f"{client}'s contact is away until {day_month(away_until)}; silence paused ({last}).",
        )
    if cadence_days is None:
        return Finding(
            Kind.SILENCE,
            None,
            f"{client}'s usual rhythm is not known yet (too little history); silent for {days_text(silent_days)}, {last}.",
            figures={"silent_days": round(silent_days, 1)},
        )
    ratio = silent_days / cadence_days
    floor = thresholds.silence_min_days
    severity = None
    if silent_days >= max(floor, thresholds.silence_critical_ratio * cadence_days):
        severity = Severity.CRITICAL
    elif silent_days >= max(floor, thresholds.silence_warning_ratio * cadence_days):
        severity = Severity.WARNING
    explanation = (
        f"{client} usually writes every {days_text(cadence_days)}; silent for {days_text(silent_days)} "
        f"({ratio:.1f}× its norm); {last}."
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


def checkin_due(
    client: str,
    *,
    last_outbound: Record | None,
    quiet_days: float,
    away_until: date | None,
    has_history: bool,
    now: datetime,
    thresholds: Thresholds,
) -> Finding:
    """We have not written to the client for longer than its check-in interval."""
    if not has_history:
        return Finding(Kind.CHECKIN_DUE, None, f"No correspondence with {client} yet.")
    if away_until is not None and away_until >= now.date():
        return Finding(
            Kind.CHECKIN_DUE,
            None,
            f"{client}'s contact is away until {day_month(away_until)}; check-in clock paused.",
        )
    if last_outbound is None:
        explanation = f"We have never written to {client} in the history relmon holds."
    else:
        explanation = (
            f"We last wrote to {client} {days_text(quiet_days)} ago ({quoted(last_outbound.subject)}, "
            f"{day_month(last_outbound.date)}); check-in interval {days_text(thresholds.checkin_warning_days)}."
        )
    severity = _severity(
        quiet_days, thresholds.checkin_warning_days, thresholds.checkin_critical_days
    )
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


def unanswered(
    client: str,
    *,
    waiting: Sequence[tuple[Record, float, float]],  # (message, business seconds, wall seconds)
    median_reply_seconds: float | None,
    owner_away_until: date | None,
    thresholds: Thresholds,
) -> Finding:
    """A client message has waited beyond the reply SLA (in business hours)."""
    if not waiting:
        return Finding(Kind.UNANSWERED, None, f"Nothing from {client} is waiting for our reply.")
    oldest, business, wall = max(waiting, key=lambda w: w[1])
    severity = _severity(
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


@dataclass(frozen=True)
class FrictionFacts:
    window_days: int
    messages: int  # inbound messages in the window
    sentiment_now: float | None  # mean over the window (scored messages)
    sentiment_usual: float | None  # mean over the 180 days before the window
    escalation: tuple[tuple[Record, tuple[str, ...]], ...]  # messages with escalation words
    pressure_phrases: tuple[tuple[Record, tuple[str, ...]], ...]
    challenges: tuple[tuple[Record, tuple[str, ...]], ...]  # pointed questions ("why did you …")
    negative: tuple[Record, ...]  # messages with sentiment ≤ NEGATIVE_MESSAGE (−0.3)
    senior_copied: tuple[tuple[Record, str], ...]  # (message, new senior address)

    def points(self) -> float:
        score = (
            2.0 * len(self.escalation)
            + 1.0 * len(self.pressure_phrases)
            + 1.0 * len(self.challenges)
        )
        score += sum(2.0 if (r.sentiment or 0) <= -0.6 else 1.0 for r in self.negative)
        score += 2.0 * len(self.senior_copied)
        if (
            self.sentiment_now is not None
            and self.sentiment_usual is not None
            and self.sentiment_usual - self.sentiment_now >= 0.3
        ):
            score += 1.0
        return score

    def contributing(self) -> set[str]:
        return {r.key for r in self.records()}

    def records(self) -> list[Record]:
        """Every message that adds to the points, once each, in date order."""
        cued = [*self.escalation, *self.pressure_phrases, *self.challenges, *self.senior_copied]
        unique = {r.key: r for r in [*(r for r, _ in cued), *self.negative]}
        return sorted(unique.values(), key=lambda r: r.date)


def _terms(items: Sequence[tuple[Record, tuple[str, ...]]], limit: int = 3) -> str:
    seen: list[str] = []
    for _, cues in items:
        for cue in cues:
            term = cue.split(":", 1)[1]
            if term not in seen:
                seen.append(term)
    shown = ", ".join(f"'{t}'" for t in seen[:limit])
    return shown + (" …" if len(seen) > limit else "")


def friction(client: str, facts: FrictionFacts, thresholds: Thresholds) -> Finding:
    """Friction building: escalation words, pointed reminders, negative tone, senior people copied."""
    points = facts.points()
    contributing = facts.contributing()
    severity = _severity(
        points, thresholds.friction_warning_points, thresholds.friction_critical_points
    )
    if len(contributing) < 2:
        severity = None  # one grumpy message is not a pattern
    parts: list[str] = []
    if facts.sentiment_now is not None:
        usual = (
            f" vs {facts.sentiment_usual:+.2f} usually" if facts.sentiment_usual is not None else ""
        )
        parts.append(f"tone {facts.sentiment_now:+.2f}{usual}")
    if facts.escalation:
        parts.append(
            f"{counted(len(facts.escalation), 'message')} with escalation words ({_terms(facts.escalation)})"
        )
    if facts.pressure_phrases:
        parts.append(f"pointed reminders ({_terms(facts.pressure_phrases)})")
    if facts.challenges:
        parts.append(f"pointed questions ({_terms(facts.challenges)})")
    if facts.negative:
        parts.append(counted(len(facts.negative), "negative message"))
    for record, address in facts.senior_copied:
        parts.append(f"{address} copied in for the first time on {day_month(record.date)}")
    detail = "; ".join(parts) if parts else "no friction cues"
    explanation = f"{client}, last {facts.window_days} days ({facts.messages} messages): {detail}."
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


@dataclass(frozen=True)
class PressureFacts:
    window_days: int
    inbound: tuple[Record, ...]  # inbound messages in the window
    baseline: float | None  # usual inbound messages per window, from the client's own history
    chasers: tuple[Record, ...]
    status_requests: tuple[tuple[Record, tuple[str, ...]], ...]
    after_hours: tuple[Record, ...]

    @property
    def ratio(self) -> float | None:
        if self.baseline is None:
            return None
        return len(self.inbound) / max(self.baseline, 1.0)

    def points(self) -> float:
        return len(self.chasers) + len(self.status_requests) + 0.5 * len(self.after_hours)


def micromanagement(client: str, facts: PressureFacts, thresholds: Thresholds) -> Finding:
    """More mail than the client's own norm, chasing and asking for status."""
    points = facts.points()
    ratio = facts.ratio
    severity: Severity | None = None
    if ratio is not None:
        if (
            ratio >= thresholds.micromanagement_critical_ratio
            and points >= thresholds.micromanagement_critical_points
        ):
            severity = Severity.CRITICAL
        elif (
            ratio >= thresholds.micromanagement_warning_ratio
            and points >= thresholds.micromanagement_warning_points
        ):
            severity = Severity.WARNING
    elif len(facts.inbound) >= 10 and points >= thresholds.micromanagement_critical_points:
        severity = Severity.WARNING  # no baseline yet: only a clear, absolute case warns
    count = len(facts.inbound)
    volume = f"{client} wrote {counted(count, 'message')} in the last {facts.window_days} days"
    if ratio is not None and facts.baseline is not None:
        volume += f", {ratio:.1f}× its usual {facts.baseline:.0f}"
    parts = [volume]
    if facts.chasers:
        parts.append(f"{counted(len(facts.chasers), 'chaser')} before we replied")
    if facts.status_requests:
        parts.append(
            f"{counted(len(facts.status_requests), 'status request')} ({_terms(facts.status_requests)})"
        )
    if facts.after_hours:
        parts.append(f"{len(facts.after_hours)} after hours")
    evidence = sorted(
        {
            r.key: r
            for r in [*facts.chasers, *(r for r, _ in facts.status_requests), *facts.after_hours]
        }.values(),
        key=lambda r: r.date,
    )
    return Finding(
        Kind.MICROMANAGEMENT,
        severity,
        "; ".join(parts) + ".",
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
