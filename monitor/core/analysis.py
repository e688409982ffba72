"""One client's relationship at an instant: every measure, the detectors, health, pattern.

Pure: the client's records, its context (calendars, thresholds) and ``now`` in, a
:class:`ClientReport` out. The CLI, the daemon and the backtest call the same function, so they
give the same answer for the same instant.

:func:`analyse` gathers the client's facts (:mod:`monitor.core.facts`), runs every registered
detector on them (:mod:`monitor.core.detectors`), then scores health and reads the pattern.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from monitor.core import detectors
from monitor.core import gaps as gaps_mod
from monitor.core import health as health_mod
from monitor.core.cadence import Cadence
from monitor.core.detectors import Finding, Levels, Thresholds
from monitor.core.facts import ClientFacts, gather
from monitor.core.gaps import Gaps, GapStats
from monitor.core.health import Health, PatternFacts, PatternResult
from monitor.core.history import HISTORY_DAYS, ClientContext, ClientHistory
from monitor.core.records import Record, dated_from
from monitor.core.tone import FrictionFacts, PressureFacts, SentimentSummary, mean


@dataclass(frozen=True)
class ClientReport:
    client: str
    owner: str
    now: datetime
    has_history: bool
    inbound_30: int
    outbound_30: int
    inbound_90: int
    outbound_90: int
    noise_90: int
    last_inbound: Record | None
    last_outbound: Record | None
    cadence: Cadence
    silent_days: float | None
    away_until: date | None  # the client's contact is away until (and clocks are paused)
    owner_away_until: date | None
    gaps: Gaps
    ours_30: GapStats
    ours_90: GapStats
    theirs_30: GapStats
    theirs_90: GapStats
    sentiment: SentimentSummary
    friction: FrictionFacts
    pressure: PressureFacts
    findings: tuple[Finding, ...]
    health: Health
    pattern: PatternResult
    #: The facts the report was read from (what :func:`monitor.core.due.next_change` reads too).
    facts: ClientFacts | None = field(default=None, repr=False, compare=False)

    def finding(self, kind: detectors.Kind) -> Finding:
        return next(f for f in self.findings if f.kind is kind)

    @property
    def firing(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.firing)


def _health(facts: ClientFacts, levels: Levels, t: Thresholds, *, enough: bool) -> Health:
    """Health from its components, capped by the worst open finding; no score without enough
    history."""
    window, since_90 = facts.window, facts.window.since(90)
    overdue = facts.gaps.overdue(t.unanswered_warning_hours)
    ours_30 = facts.gaps.ours_30
    median_hours = ours_30.median_business / 3600 if ours_30.median_business is not None else None
    severities = [severity for severity in levels.values() if severity is not None]
    worst = max(severities, key=lambda sv: sv.rank).value if severities else None
    summary = facts.sentiment
    health = health_mod.combine(
        {
            "responsiveness": health_mod.responsiveness(
                median_hours, overdue, t.unanswered_critical_hours
            ),
            "engagement": health_mod.engagement(
                facts.clocks.silent_days, facts.clocks.cadence.days, t.silence_critical_ratio
            ),
            "sentiment": health_mod.sentiment(
                summary.mean_30 if summary.scored_30 >= 2 else summary.mean_90,
                facts.friction.points(),
            ),
            "pressure": health_mod.pressure(
                facts.pressure.ratio,
                facts.pressure.points(),
                t.micromanagement_critical_ratio,
                t.micromanagement_critical_points,
            )
            if window.counted
            else None,
            "balance": health_mod.balance(
                len(dated_from(window.inbound, since_90)),
                len(dated_from(window.outbound, since_90)),
            ),
        },
        worst_alert=worst,
    )
    # Two messages are an anecdote, not a relationship: no score below three.
    return health if enough else Health(score=None, components=health.components)


def _share(count: float, total: int) -> float:
    return count / total if total else 0.0


def pattern_facts(facts: ClientFacts) -> PatternFacts:
    """The pattern is a tendency: read it over half a year, so a quiet spell does not hide it."""
    window, now = facts.window, facts.now
    since_180 = now - timedelta(days=180)
    inbound_180 = dated_from(window.inbound, since_180)
    outbound_180 = dated_from(window.outbound, since_180)
    threads_180 = {r.thread for r in dated_from(window.counted, since_180)}
    first = facts.first
    span_days = (now - first.date).total_seconds() / 86400 if first is not None else 0.0
    weeks = max(1.0, min(180.0, span_days) / 7.0)
    answered_180 = gaps_mod.started_within(facts.gaps.answered, since_180, now)
    client_reply = gaps_mod.stats(answered_180).median_business
    count = len(inbound_180)
    status = {r.key for r in inbound_180 if r.pressure}
    chased = [c.record for c in facts.gaps.gaps.chasers if c.record.date >= since_180]
    return PatternFacts(
        inbound=count,
        span_days=span_days,
        per_week=count / weeks,
        questions_per_message=statistics.fmean([min(r.questions, 6) for r in inbound_180])
        if inbound_180
        else 0.0,
        basics_share=_share(sum(1 for r in inbound_180 if r.basics), count),
        status_share=_share(len(status), count),
        chaser_share=_share(len(chased), count),
        pressing_share=_share(len(status | {r.key for r in chased}), count),
        messages_per_thread=(count + len(outbound_180)) / len(threads_180) if threads_180 else 0.0,
        sentiment=mean([t for r in inbound_180 if (t := r.business_tone) is not None]),
        scored=sum(1 for r in inbound_180 if r.business_tone is not None),
        client_reply_hours=client_reply / 3600 if client_reply is not None else None,
        friction_points=facts.friction.points(),
        working_day=facts.gaps.working_day,
    )


def analyse(history: ClientHistory, now: datetime) -> ClientReport:
    """Everything relmon knows about one client at ``now``."""
    ctx = history.context
    facts = gather(history, now)
    findings = detectors.detect_all(facts, ctx.thresholds)
    levels = detectors.levels_of(findings)
    health = _health(facts, levels, ctx.thresholds, enough=history.enough_mail(now))
    pattern = health_mod.classify(
        pattern_facts(facts), friction_warning_points=ctx.thresholds.friction_warning_points
    )
    window, gaps = facts.window, facts.gaps
    since_30, since_90 = window.since(30), window.since(90)
    return ClientReport(
        client=ctx.name,
        owner=ctx.owner,
        now=now,
        has_history=facts.has_history,
        inbound_30=len(dated_from(window.inbound, since_30)),
        outbound_30=len(dated_from(window.outbound, since_30)),
        inbound_90=len(dated_from(window.inbound, since_90)),
        outbound_90=len(dated_from(window.outbound, since_90)),
        noise_90=sum(1 for r in dated_from(window.records, since_90) if r.noise is not None),
        last_inbound=facts.last_inbound,
        last_outbound=facts.last_outbound,
        cadence=facts.clocks.cadence,
        silent_days=facts.clocks.silent_days,
        away_until=facts.away.until,
        owner_away_until=facts.away.owner_until,
        gaps=gaps.gaps,
        ours_30=gaps.ours_30,
        ours_90=gaps.ours_90,
        theirs_30=gaps.theirs_30,
        theirs_90=gaps.theirs_90,
        sentiment=facts.sentiment,
        friction=facts.friction,
        pressure=facts.pressure,
        findings=findings,
        health=health,
        pattern=pattern,
        facts=facts,
    )


@dataclass(frozen=True)
class DayHealth:
    """What a trend draws for one day: the health score and the client's 30-day tone."""

    now: datetime
    score: int | None
    sentiment_30: float | None


def health_at(history: ClientHistory, now: datetime) -> DayHealth:
    """Health and tone at ``now``, as :func:`analyse` gives them, without the pattern and the
    rest of the report that a trend point does not show."""
    ctx = history.context
    facts = gather(history, now)
    levels = detectors.levels(facts, ctx.thresholds)
    health = _health(facts, levels, ctx.thresholds, enough=history.enough_mail(now))
    return DayHealth(now=now, score=health.score, sentiment_30=facts.sentiment.mean_30)


def health_history(
    history: ClientHistory, days: Sequence[datetime]
) -> list[tuple[datetime, int | None]]:
    """Health at each of ``days`` (end-of-day instants), for trends and sparklines."""
    return [(day, health_at(history, day).score) for day in days]


def day_ends(now: datetime, count: int, zone: tzinfo, *, every: int = 1) -> list[datetime]:
    """``count`` end-of-day instants in ``zone``, ``every`` days apart, up to ``now`` (oldest
    first; the last one is ``now`` itself). Past days end at midnight, so a trend asked for at
    another time of day has the same points (and the store keeps each once)."""
    today = now.astimezone(zone).date()
    ends = []
    for offset in range(count - 1, 0, -1):
        day = today - timedelta(days=offset * every)
        ends.append(
            datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
            - timedelta(microseconds=1)
        )
    ends.append(now)
    return ends


__all__ = [
    "HISTORY_DAYS",
    "ClientContext",
    "ClientHistory",
    "ClientReport",
    "DayHealth",
    "SentimentSummary",
    "analyse",
    "day_ends",
    "health_at",
    "health_history",
    "pattern_facts",
]
