"""One client's relationship at an instant: every measure, the five detectors, health, pattern.

Pure: the client's records, its context (calendars, thresholds) and ``now`` in, a
:class:`ClientReport` out. The CLI, the daemon and the backtest call the same function, so they
give the same answer for the same instant.
"""

from __future__ import annotations

import bisect
import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from monitor.core import cadence as cadence_mod
from monitor.core import detectors
from monitor.core import gaps as gaps_mod
from monitor.core import health as health_mod
from monitor.core.cadence import Cadence
from monitor.core.calendar import BusinessCalendar, Interval
from monitor.core.detectors import Finding, FrictionFacts, PressureFacts, Thresholds
from monitor.core.gaps import Gaps, GapStats
from monitor.core.health import Health, PatternFacts, PatternResult
from monitor.core.model import Direction
from monitor.core.records import Record
from monitor.core.sentiment import NEGATIVE_MESSAGE

HISTORY_DAYS = 210  # the most any measure looks back (cadence 180 + friction window 30)
_SENIOR_LOCAL = re.compile(
    r"(?:^|[._-])(?:ceo|cfo|coo|cto|cio|cmo|md|vp|svp|evp|chief|director|head|president|partner|board|"
    r"gf|geschaeftsfuehrer|geschaeftsfuehrung|vorstand|dg|pdg|toimitusjohtaja|zongjingli)(?:$|[._-])",
    re.IGNORECASE,
)


def _always_client(_address: str) -> bool:
    return True


@dataclass(frozen=True)
class ClientContext:
    name: str
    owner: str
    ours: BusinessCalendar  # the team's calendar: our side of reply gaps
    theirs: BusinessCalendar  # the client's calendar: its side, after hours
    thresholds: Thresholds = field(default_factory=Thresholds)
    cadence_days: float | None = None  # configured instead of learned
    is_client_address: Callable[[str], bool] = _always_client


@dataclass(frozen=True)
class SentimentSummary:
    mean_30: float | None
    scored_30: int
    mean_90: float | None
    scored_90: int
    unscored_30: int  # client messages in a language VADER does not read
    trend: float | None  # 30-day mean minus the mean of the 90 days before
    evidence: tuple[
        tuple[Record, int, float, str | None], ...
    ]  # (message, sentence, compound, text)


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

    def finding(self, kind: detectors.Kind) -> Finding:
        return next(f for f in self.findings if f.kind is kind)

    @property
    def firing(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.firing)


# --------------------------------------------------------------------------- history


@dataclass
class ClientHistory:
    """A client's records prepared once for many evaluations (the CLI, the daemon, a backtest)."""

    context: ClientContext
    records: list[Record]  # counted and noise, sorted by date
    dates: list[datetime]
    first_seen: dict[str, datetime]  # client-side address -> first message it appears in
    client_away: list[tuple[Interval, str]]  # (away interval, the contact's address)
    owner_away: list[Interval]
    inbound: list[Record] = field(default_factory=list)  # counted inbound, by date
    outbound: list[Record] = field(default_factory=list)  # counted outbound, by date

    @classmethod
    def build(
        cls, context: ClientContext, records: Iterable[Record], owner_away: Sequence[Interval] = ()
    ) -> ClientHistory:
        ordered = sorted(
            (r for r in records if r.client in (None, context.name)), key=lambda r: (r.date, r.key)
        )
        first_seen: dict[str, datetime] = {}
        away: list[tuple[Interval, str]] = []
        for record in ordered:
            if record.counts:
                for address in (record.sender, *sorted(record.recipients)):
                    if context.is_client_address(address):
                        first_seen.setdefault(address, record.date)
            if (
                record.noise == "auto_reply"
                and record.away_until is not None
                and record.direction is Direction.INBOUND
            ):
                back = datetime.combine(record.away_until, time(0), tzinfo=context.theirs.zone)
                if back > record.date:
                    away.append(((record.date, back), record.sender))
        return cls(
            context=context,
            records=ordered,
            dates=[r.date for r in ordered],
            first_seen=first_seen,
            client_away=away,
            owner_away=sorted(owner_away),
            inbound=[r for r in ordered if r.counts and r.direction is Direction.INBOUND],
            outbound=[r for r in ordered if r.counts and r.direction is Direction.OUTBOUND],
        )

    @staticmethod
    def _last(records: list[Record], now: datetime) -> Record | None:
        index = bisect.bisect_right(records, now, key=lambda r: r.date)
        return records[index - 1] if index else None

    def last_inbound(self, now: datetime) -> Record | None:
        """The client's latest message up to ``now``, however long ago."""
        return self._last(self.inbound, now)

    def last_outbound(self, now: datetime) -> Record | None:
        return self._last(self.outbound, now)

    def count_until(self, now: datetime) -> int:
        """Client mail (both ways, noise excluded) dated up to ``now``."""
        return bisect.bisect_right(self.inbound, now, key=lambda r: r.date) + bisect.bisect_right(
            self.outbound, now, key=lambda r: r.date
        )

    def first_counted(self, now: datetime) -> Record | None:
        first = [r for r in (self.inbound[:1] + self.outbound[:1]) if r.date <= now]
        return min(first, key=lambda r: r.date) if first else None

    def window(self, since: datetime, until: datetime) -> list[Record]:
        low = bisect.bisect_left(self.dates, since)
        high = bisect.bisect_right(self.dates, until)
        return self.records[low:high]


def _with_cues(
    records: Sequence[Record], category: str
) -> tuple[tuple[Record, tuple[str, ...]], ...]:
    """The records with friction cues of ``category``, each with those cues."""
    prefix = f"{category}:"
    found = ((r, tuple(c for c in r.friction if c.startswith(prefix))) for r in records)
    return tuple((r, cues) for r, cues in found if cues)


def _mean(values: Sequence[float]) -> float | None:
    return round(statistics.fmean(values), 3) if values else None


def _away_seconds(start: datetime, end: datetime, intervals: Iterable[Interval]) -> float:
    total = 0.0
    for low, high in intervals:
        a, b = max(low, start), min(high, end)
        if a < b:
            total += (b - a).total_seconds()
    return total


def _away_until(now: datetime, away: Iterable[tuple[Interval, str]], who: set[str]) -> date | None:
    current = [high for (low, high), sender in away if low <= now < high and sender in who]
    return max(current).date() if current else None


def analyse(history: ClientHistory, now: datetime) -> ClientReport:
    """Everything relmon knows about one client at ``now``."""
    ctx = history.context
    t = ctx.thresholds
    all_records = history.window(now - timedelta(days=HISTORY_DAYS), now)
    counted = [r for r in all_records if r.counts]
    inbound = [r for r in counted if r.direction is Direction.INBOUND]
    outbound = [r for r in counted if r.direction is Direction.OUTBOUND]
    since_30, since_90 = now - timedelta(days=30), now - timedelta(days=90)
    last_inbound = history.last_inbound(now)
    last_outbound = history.last_outbound(now)
    first = history.first_counted(now)
    has_history = first is not None

    # Who is away: the client's contact (its latest or most frequent correspondent) pauses the
    # silence and check-in clocks; the owner's own out-of-office pauses our reply clock.
    recent_senders = [r.sender for r in inbound if r.date >= since_90]
    main_contacts = set()
    if last_inbound is not None:
        main_contacts.add(last_inbound.sender)
    if recent_senders:
        main_contacts.add(max(set(recent_senders), key=recent_senders.count))
    client_away = [(interval, who) for interval, who in history.client_away if who in main_contacts]
    away_until = _away_until(now, client_away, main_contacts)
    owner_away_until = max(
        (high for low, high in history.owner_away if low <= now < high), default=None
    )

    gaps = gaps_mod.compute(
        all_records,
        now,
        ours=ctx.ours,
        theirs=ctx.theirs,
        owner_away=history.owner_away,
        client_away=[interval for interval, _ in client_away],
    )
    ours_30 = gaps_mod.stats(gaps_mod.window(gaps.ours, now, 30))
    ours_90 = gaps_mod.stats(gaps_mod.window(gaps.ours, now, 90))
    # The client's side counts answered messages only: an open wait is "waiting on the client".
    answered = [g for g in gaps.theirs if not g.open]
    theirs_30 = gaps_mod.stats(gaps_mod.window(answered, now, 30))
    theirs_90 = gaps_mod.stats(gaps_mod.window(answered, now, 90))

    learned = cadence_mod.learn(counted, now, ctx.theirs.zone, configured_days=ctx.cadence_days)
    silent_days = None
    if last_inbound is not None:
        paused = _away_seconds(last_inbound.date, now, [i for i, _ in client_away])
        silent_days = max(0.0, ((now - last_inbound.date).total_seconds() - paused) / 86400)
    quiet_days = 0.0
    if last_outbound is not None:
        paused = _away_seconds(last_outbound.date, now, [i for i, _ in client_away])
        quiet_days = max(0.0, ((now - last_outbound.date).total_seconds() - paused) / 86400)
    elif first is not None:
        quiet_days = (now - first.date).total_seconds() / 86400

    # Sentiment -------------------------------------------------------------
    scored_30 = [r for r in inbound if r.date >= since_30 and r.sentiment is not None]
    scored_90 = [r for r in inbound if r.date >= since_90 and r.sentiment is not None]
    before = [
        r
        for r in inbound
        if since_30 - timedelta(days=90) <= r.date < since_30 and r.sentiment is not None
    ]
    mean_30 = _mean([r.sentiment for r in scored_30 if r.sentiment is not None])
    mean_before = _mean([r.sentiment for r in before if r.sentiment is not None])
    moving = sorted(
        ((r, index, compound, text) for r in scored_30 for index, compound, text in r.evidence),
        key=lambda item: item[2],
    )
    summary = SentimentSummary(
        mean_30=mean_30,
        scored_30=len(scored_30),
        mean_90=_mean([r.sentiment for r in scored_90 if r.sentiment is not None]),
        scored_90=len(scored_90),
        unscored_30=sum(1 for r in inbound if r.date >= since_30 and r.sentiment is None),
        trend=round(mean_30 - mean_before, 3)
        if mean_30 is not None and mean_before is not None
        else None,
        evidence=tuple(item for item in moving if item[2] < 0)[:3]
        + tuple(item for item in reversed(moving) if item[2] > 0)[:2],
    )

    # Friction ---------------------------------------------------------------
    window_start = now - timedelta(days=t.friction_window_days)
    recent = [r for r in inbound if r.date >= window_start]
    senior: list[tuple[Record, str]] = []
    history_before = any(r.date < window_start for r in counted)
    if history_before:
        for record in recent:
            for address in sorted(record.recipients | {record.sender}):
                first_seen = history.first_seen.get(address)
                if (
                    first_seen is None
                    or first_seen < record.date
                    or not ctx.is_client_address(address)
                ):
                    continue
                mentions_senior = any(c.startswith("senior:") for c in record.friction)
                if mentions_senior or _SENIOR_LOCAL.search(address.split("@")[0]):
                    senior.append((record, address))
    friction_facts = FrictionFacts(
        window_days=t.friction_window_days,
        messages=len(recent),
        sentiment_now=_mean([r.sentiment for r in recent if r.sentiment is not None]),
        sentiment_usual=_mean(
            [r.sentiment for r in inbound if r.date < window_start and r.sentiment is not None]
        ),
        escalation=_with_cues(recent, "escalation"),
        pressure_phrases=_with_cues(recent, "pressure_phrase"),
        challenges=_with_cues(recent, "challenge"),
        negative=tuple(
            r for r in recent if r.sentiment is not None and r.sentiment <= NEGATIVE_MESSAGE
        ),
        senior_copied=tuple(senior),
    )

    # Pressure ---------------------------------------------------------------
    pressure_start = now - timedelta(days=t.micromanagement_window_days)
    in_window = tuple(r for r in inbound if r.date >= pressure_start)
    earlier = [r for r in inbound if r.date < pressure_start]
    baseline = None
    if earlier:
        span = min(180.0, (pressure_start - earlier[0].date).total_seconds() / 86400)
        if span >= 3 * t.micromanagement_window_days:
            previous = [r for r in earlier if r.date >= pressure_start - timedelta(days=span)]
            baseline = len(previous) / span * t.micromanagement_window_days
    pressure_facts = PressureFacts(
        window_days=t.micromanagement_window_days,
        inbound=in_window,
        baseline=round(baseline, 1) if baseline is not None else None,
        chasers=tuple(c.record for c in gaps.chasers if c.record.date >= pressure_start),
        status_requests=tuple((r, r.pressure) for r in in_window if r.pressure),
        after_hours=tuple(r for r in in_window if not ctx.theirs.is_working(r.date)),
    )

    # Findings ---------------------------------------------------------------
    waiting = [(g.start, g.business_seconds, g.wall_seconds) for g in gaps.awaiting]
    findings = (
        detectors.silence(
            ctx.name,
            last_inbound=last_inbound,
            cadence_days=learned.days,
            silent_days=silent_days or 0.0,
            away_until=away_until,
            now=now,
            thresholds=t,
        ),
        detectors.checkin_due(
            ctx.name,
            last_outbound=last_outbound,
            quiet_days=quiet_days,
            away_until=away_until,
            has_history=has_history,
            now=now,
            thresholds=t,
        ),
        detectors.unanswered(
            ctx.name,
            waiting=waiting,
            median_reply_seconds=ours_90.median_business,
            owner_away_until=owner_away_until.date() if owner_away_until else None,
            thresholds=t,
        ),
        detectors.friction(ctx.name, friction_facts, t),
        detectors.micromanagement(ctx.name, pressure_facts, t),
    )

    # Health and pattern -----------------------------------------------------
    inbound_90 = [r for r in inbound if r.date >= since_90]
    outbound_90 = [r for r in outbound if r.date >= since_90]
    overdue = sum(1 for _, business, _ in waiting if business / 3600 >= t.unanswered_warning_hours)
    median_hours = ours_30.median_business / 3600 if ours_30.median_business is not None else None
    severities = [f.severity for f in findings if f.severity is not None]
    worst = max(severities, key=lambda sv: sv.rank).value if severities else None
    # Two messages are an anecdote, not a relationship: no score below three.
    enough = history.count_until(now) >= 3
    health = health_mod.combine(
        {
            "responsiveness": health_mod.responsiveness(
                median_hours, overdue, t.unanswered_critical_hours
            ),
            "engagement": health_mod.engagement(
                silent_days, learned.days, t.silence_critical_ratio
            ),
            "sentiment": health_mod.sentiment(
                mean_30 if len(scored_30) >= 2 else summary.mean_90, friction_facts.points()
            ),
            "pressure": health_mod.pressure(
                pressure_facts.ratio,
                pressure_facts.points(),
                t.micromanagement_critical_ratio,
                t.micromanagement_critical_points,
            )
            if counted
            else None,
            "balance": health_mod.balance(len(inbound_90), len(outbound_90)),
        },
        worst_alert=worst,
    )
    if not enough:
        health = Health(score=None, components=health.components)
    # The pattern is a tendency: read it over half a year, so a quiet spell does not hide it.
    since_180 = now - timedelta(days=180)
    inbound_180 = [r for r in inbound if r.date >= since_180]
    outbound_180 = [r for r in outbound if r.date >= since_180]
    threads_180 = {r.thread for r in counted if r.date >= since_180}
    span_days = (now - first.date).total_seconds() / 86400 if first is not None else 0.0
    weeks = max(1.0, min(180.0, span_days) / 7.0)
    answered_180 = [g for g in answered if g.start.date >= since_180]
    client_reply = gaps_mod.stats(answered_180).median_business
    pattern = health_mod.classify(
        PatternFacts(
            inbound=len(inbound_180),
            span_days=span_days,
            per_week=len(inbound_180) / weeks,
            questions_per_message=statistics.fmean([min(r.questions, 6) for r in inbound_180])
            if inbound_180
            else 0.0,
            basics_share=sum(1 for r in inbound_180 if r.basics) / len(inbound_180)
            if inbound_180
            else 0.0,
            status_share=sum(1 for r in inbound_180 if r.pressure) / len(inbound_180)
            if inbound_180
            else 0.0,
            chaser_share=sum(1 for c in gaps.chasers if c.record.date >= since_180)
            / len(inbound_180)
            if inbound_180
            else 0.0,
            messages_per_thread=(len(inbound_180) + len(outbound_180)) / len(threads_180)
            if threads_180
            else 0.0,
            sentiment=_mean([r.sentiment for r in inbound_180 if r.sentiment is not None]),
            scored=sum(1 for r in inbound_180 if r.sentiment is not None),
            client_reply_hours=client_reply / 3600 if client_reply is not None else None,
            friction_points=friction_facts.points(),
        ),
        friction_warning_points=t.friction_warning_points,
    )
    return ClientReport(
        client=ctx.name,
        owner=ctx.owner,
        now=now,
        has_history=has_history,
        inbound_30=sum(1 for r in inbound if r.date >= since_30),
        outbound_30=sum(1 for r in outbound if r.date >= since_30),
        inbound_90=len(inbound_90),
        outbound_90=len(outbound_90),
        noise_90=sum(1 for r in all_records if r.noise is not None and r.date >= since_90),
        last_inbound=last_inbound,
        last_outbound=last_outbound,
        cadence=learned,
        silent_days=silent_days,
        away_until=away_until,
        owner_away_until=owner_away_until.date() if owner_away_until else None,
        gaps=gaps,
        ours_30=ours_30,
        ours_90=ours_90,
        theirs_30=theirs_30,
        theirs_90=theirs_90,
        sentiment=summary,
        friction=friction_facts,
        pressure=pressure_facts,
        findings=findings,
        health=health,
        pattern=pattern,
    )


def health_history(
    history: ClientHistory, days: Sequence[datetime]
) -> list[tuple[datetime, int | None]]:
    """Health at each of ``days`` (end-of-day instants), for trends and sparklines."""
    return [(day, analyse(history, day).health.score) for day in days]


def day_ends(now: datetime, count: int, zone: tzinfo) -> list[datetime]:
    """The last ``count`` end-of-day instants in ``zone`` up to ``now`` (oldest first; today = now)."""
    today = now.astimezone(zone).date()
    ends = []
    for offset in range(count - 1, 0, -1):
        day = today - timedelta(days=offset)
        ends.append(
            datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
            - timedelta(microseconds=1)
        )
    ends.append(now)
    return ends
