"""Answers to the CLI's questions as plain data: the same rows feed tables and ``--json``; the
rows are the TypedDicts of :mod:`monitor.app.rows`, which also document them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Literal

from monitor.app.evaluation import Evaluation, batches, in_batches, owner_away, prepare, recent
from monitor.app.kept import (
    DEFAULT_TIMELINE,
    detail_view,
    health_view,
    kept_answers,
    latest_answers,
)
from monitor.app.rows import (
    AwaitingMessage,
    ClientDetail,
    ClientRow,
    FindingRow,
    FrictionEvidence,
    GapStatsRow,
    HealthRow,
    MessageRef,
    SentimentEvidence,
    SuggestionRow,
    TrendPoint,
)
from monitor.app.runtime import Runtime
from monitor.app.timeline import hours as _hours
from monitor.app.timeline import ref_of as _ref
from monitor.app.timeline import timeline_of
from monitor.config import Client
from monitor.core import durations
from monitor.core.detectors import Finding
from monitor.core.gaps import GapStats
from monitor.core.health import COMMON_ADVICE
from monitor.core.history import ClientHistory
from monitor.core.model import Direction
from monitor.core.records import Record
from monitor.store.queries import suggest_clients

if TYPE_CHECKING:  # the analysis is loaded where a client is analysed, not for a kept answer
    from monitor.core.analysis import ClientReport, DayHealth

TREND_DAYS = 30


def message_ref(record: Record | None) -> MessageRef | None:
    if record is None:
        return None
    return _ref(record)


def _gap_stats(stats: GapStats) -> GapStatsRow:
    return {
        "count": stats.count,
        "median_business_hours": _hours(stats.median_business),
        "p90_business_hours": _hours(stats.p90_business),
        "median_wall_hours": _hours(stats.median_wall),
        "p90_wall_hours": _hours(stats.p90_wall),
    }


def waiting_on(report: ClientReport) -> Literal["us", "client"] | None:
    """Who owes the next message: ``"us"`` when a client message waits for our reply."""
    if report.gaps.awaiting:
        return "us"
    last_in, last_out = report.last_inbound, report.last_outbound
    if last_out is not None and (last_in is None or last_out.date > last_in.date):
        return "client"
    return None


def awaiting(report: ClientReport) -> list[AwaitingMessage]:
    return [
        AwaitingMessage(
            **_ref(gap.start),
            age_seconds=round(gap.wall_seconds),
            business_seconds=round(gap.business_seconds),
        )
        for gap in sorted(report.gaps.awaiting, key=lambda g: -g.wall_seconds)
    ]


def client_overview(runtime: Runtime, as_of: datetime) -> list[ClientRow]:
    """Per configured client: counts, last messages each way, messages awaiting our reply."""
    clients = {client.name: client for client in runtime.config.clients}
    rows: dict[str, ClientRow] = {}
    for evaluation in in_batches(runtime, as_of):
        for name, history in evaluation.histories.items():
            rows[name] = _overview(clients[name], history, evaluation.report(name))
    return [rows[name] for name in clients]


def _overview(client: Client, history: ClientHistory, report: ClientReport) -> ClientRow:
    mine = history.records  # the client's mail, noise included
    counted = [r for r in mine if r.noise is None]
    return {
        "name": client.name,
        "owner": client.owner,
        "domains": list(client.domains),
        "addresses": list(client.addresses),
        "inbound": sum(1 for r in counted if r.direction is Direction.INBOUND),
        "outbound": sum(1 for r in counted if r.direction is Direction.OUTBOUND),
        "noise": len(mine) - len(counted),
        "last_inbound": message_ref(report.last_inbound),
        "last_outbound": message_ref(report.last_outbound),
        "waiting_on": waiting_on(report),
        "awaiting": awaiting(report),
        "working_day_hours": round(history.context.ours.day_seconds() / 3600, 2),
    }


def suggestions(runtime: Runtime, as_of: datetime, limit: int) -> list[SuggestionRow]:
    found = suggest_clients(runtime.store.engine, runtime.directory, as_of=as_of, limit=limit)
    return [
        {
            "name": c.name,
            "kind": "domain" if c.kind == "domain" else "address",
            "inbound": c.inbound,
            "outbound": c.outbound,
            "two_way": c.two_way,
            "people": sorted(c.people),
            "first": c.first,
            "last": c.last,
        }
        for c in found
    ]


# --------------------------------------------------------------------------- health


def finding_dict(finding: Finding, *, evidence: bool = True) -> FindingRow:
    data: FindingRow = {
        "kind": finding.kind.value,
        "severity": finding.severity.value if finding.severity else None,
        "explanation": finding.explanation,
        "figures": finding.figures,
    }
    if evidence:
        data["evidence"] = [message_ref(r) for r in finding.evidence]
    return data


def trend_points(points: Sequence[DayHealth], zone: tzinfo) -> list[TrendPoint]:
    return [
        {
            "date": point.now.astimezone(zone).date(),
            "health": point.score,
            "sentiment_30d": point.sentiment_30,
        }
        for point in points
    ]


def known_point(report: ClientReport) -> DayHealth:
    """The trend's last point: ``report``'s instant, whose full report is already there."""
    from monitor.core.analysis import DayHealth

    return DayHealth(report.now, report.health.score, report.sentiment.mean_30)


def health_row(
    report: ClientReport,
    trend: list[TrendPoint],
    working_day: float,
) -> HealthRow:
    """``working_day``: seconds in one of the team's working days, the unit of working time."""
    oldest = report.gaps.awaiting[0] if report.gaps.awaiting else None  # as the alert names it
    day = working_day
    return {
        "name": report.client,
        "owner": report.owner,
        "as_of": report.now,
        "health": report.health.score,
        "components": report.health.components,
        "trend": trend,
        "pattern": {
            "name": report.pattern.pattern.value,
            "advice": report.pattern.advice,
            "reasons": list(report.pattern.reasons),
        },
        "last_inbound": message_ref(report.last_inbound),
        "last_outbound": message_ref(report.last_outbound),
        "awaiting": {
            "count": len(report.gaps.awaiting),
            "oldest_business_hours": _hours(oldest.business_seconds) if oldest else None,
            "oldest_age_seconds": round(oldest.wall_seconds) if oldest else None,
            "oldest_working_days": durations.working_days(oldest.business_seconds, day)
            if oldest
            else None,
            "oldest_text": durations.waited(oldest.business_seconds, oldest.wall_seconds, day)
            if oldest
            else None,
        },
        "working_day_hours": round(day / 3600, 2),
        "reply_gap_30d": _gap_stats(report.ours_30),
        "reply_gap_90d": _gap_stats(report.ours_90),
        "client_reply_gap_30d": _gap_stats(report.theirs_30),
        "client_reply_gap_90d": _gap_stats(report.theirs_90),
        "cadence": {
            "days": report.cadence.days,
            "source": report.cadence.source,
            "samples": report.cadence.samples,
        },
        "silent_days": round(report.silent_days, 3) if report.silent_days is not None else None,
        "away_until": report.away_until,
        "sentiment": {
            "mean_30d": report.sentiment.mean_30,
            "scored_30d": report.sentiment.scored_30,
            "mean_90d": report.sentiment.mean_90,
            "scored_90d": report.sentiment.scored_90,
            "unscored_30d": report.sentiment.unscored_30,
            "trend": report.sentiment.trend,
        },
        "alerts": [finding_dict(f, evidence=False) for f in report.firing],
    }


#: Open alerts rank a client before its score does: critical, then warning, then none.
_ALERT_RANK = {"critical": 0, "warning": 1}


def _worst_first(row: HealthRow) -> tuple[int, int, float, str]:
    """Worst open alert first, whatever the health (a client with too little history for a
    score still has its alerts); then the lowest score; then clients without one."""
    rank = min((_ALERT_RANK.get(a["severity"] or "", 2) for a in row["alerts"]), default=2)
    score = row["health"]
    return (rank, 1 if score is None else 0, score if score is not None else 101, row["name"])


def health(
    runtime: Runtime, as_of: datetime, *, trend_days: int = TREND_DAYS, latest: bool = False
) -> list[HealthRow]:
    """One row per client, worst first: kept rows where they still hold, the rest computed.
    ``latest``: asked about now, a client's row may be its last evaluation's (its ``as_of``)."""

    def compute(names: list[str]) -> dict[str, HealthRow]:
        wanted = set(names)
        clients = [c for c in runtime.config.clients if c.name in wanted]
        rows: dict[str, HealthRow] = {}
        since, away = recent(as_of, trend_days), owner_away(runtime, as_of) if clients else {}
        for batch in batches(clients):  # memory bounded by clients, not by the store
            evaluation = prepare(runtime, as_of, clients=batch, since=since, away=away)
            rows.update(computed_health(runtime, evaluation, trend_days))
        return rows

    names = [c.name for c in runtime.config.clients]
    answers = latest_answers if latest else kept_answers
    rows = answers(runtime, as_of, health_view(trend_days), names, compute)
    return sorted(rows.values(), key=_worst_first)


def health_points(
    runtime: Runtime,
    evaluation: Evaluation,
    trend_days: int,
    reports: Mapping[str, ClientReport] | None = None,
) -> tuple[Mapping[str, ClientReport], dict[str, list[DayHealth]]]:
    """Every client's report at the instant of ``evaluation`` (``reports``, if known) and its
    trend over ``trend_days``."""
    from monitor.app.trends import trends
    from monitor.core.analysis import day_ends

    as_of = evaluation.as_of
    days = day_ends(as_of, trend_days, runtime.config.team.tz)
    if reports is None:
        reports = {name: evaluation.report(name, as_of) for name in evaluation.histories}
    points = trends(runtime, evaluation, days, {n: known_point(r) for n, r in reports.items()})
    return reports, points


def computed_health(
    runtime: Runtime, evaluation: Evaluation, trend_days: int
) -> dict[str, HealthRow]:
    """The row of every client of ``evaluation``, computed from its records."""
    reports, points = health_points(runtime, evaluation, trend_days)
    return {
        name: row_of(evaluation.histories[name], report, points[name])
        for name, report in reports.items()
    }


def row_of(history: ClientHistory, report: ClientReport, points: Sequence[DayHealth]) -> HealthRow:
    ours = history.context.ours
    return health_row(report, trend_points(points, ours.zone), ours.day_seconds())


def client_detail(
    runtime: Runtime,
    name: str,
    as_of: datetime,
    *,
    timeline: int = DEFAULT_TIMELINE,
    latest: bool = False,
) -> ClientDetail:
    """Everything about one client: measures, a timeline of recent messages, why each alert
    fires (kept, and read back while it holds; ``latest`` as for :func:`health`)."""
    client = runtime.config.client(name)
    if client is None:
        raise KeyError(name)

    def compute(_: list[str]) -> dict[str, ClientDetail]:
        evaluation = prepare(
            runtime, as_of, clients=[client], since=recent(as_of, TREND_DAYS), latest=timeline
        )
        reports, points = health_points(runtime, evaluation, TREND_DAYS)
        history = evaluation.histories[client.name]
        return {client.name: detail(history, reports[client.name], points[client.name], timeline)}

    answers = latest_answers if latest else kept_answers
    return answers(runtime, as_of, detail_view(timeline), [client.name], compute)[client.name]


def detail(
    history: ClientHistory, report: ClientReport, points: Sequence[DayHealth], timeline: int
) -> ClientDetail:
    """One client's detail from its history and report, and its trend."""
    as_of = report.now
    latest = history.latest(as_of - timedelta(days=365), as_of, timeline)
    return ClientDetail(
        **row_of(history, report, points),
        timeline=timeline_of(report, latest),
        findings=[finding_dict(f) for f in report.findings],
        sentiment_evidence=[
            SentimentEvidence(message=_ref(record), sentence=index, compound=compound, text=text)
            for record, index, compound, text in report.sentiment.evidence
        ],
        friction_evidence=_friction_evidence(report),
        advice_common=COMMON_ADVICE,
    )


def _friction_evidence(report: ClientReport) -> list[FrictionEvidence]:
    """The recent messages the friction alert reads as curt or impolite, oldest first."""
    norm = report.friction.norm
    if norm is None:
        return []
    return [
        FrictionEvidence(
            message=_ref(r),
            strength=value,
            impoliteness=r.impoliteness,
            curtness=r.curtness,
            tone=r.tone,
            courtesy=r.courtesy,
            evidence=r.friction_evidence,
        )
        for r, value in norm.frictional
    ]
