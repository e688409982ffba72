"""What the dashboard's pages show, as plain data: the portfolio, one client's year, the alerts
and the operations page. The web layer filters these by who is signed in and renders them.

Each answer is built from the same evaluation the CLI uses (:mod:`monitor.app.evaluation`) and
the same rows (:func:`monitor.app.views.health_row`), so the dashboard and ``relmon health``
never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from monitor.alerts.store import StoredAlert, events_of, listing
from monitor.app.evaluation import Evaluation, prepare
from monitor.app.rows import FindingRow, HealthRow, TrendPoint
from monitor.app.runtime import Runtime
from monitor.app.trends import trends
from monitor.app.views import finding_dict, health_row, known_point, trend_points
from monitor.config import Client
from monitor.config.web import client_slug as client_slug  # re-exported for the pages and links
from monitor.core.analysis import analyse, day_ends
from monitor.core.gaps import Gap
from monitor.core.health import COMMON_ADVICE
from monitor.core.history import HISTORY_DAYS, ClientHistory
from monitor.core.model import Direction
from monitor.store.records import load_records

#: The portfolio's trend: one health score a week over 90 days.
TREND_WEEKS = 13
#: The client page's year: one health score a fortnight (each is a full evaluation).
YEAR_POINTS = 27
_RANK = {"critical": 0, "warning": 1}


def client_by_slug(clients: Sequence[Client], slug: str) -> Client | None:
    return next((c for c in clients if client_slug(c.name) == slug), None)


def client_url(base_url: str | None, name: str) -> str | None:
    """The absolute link to a client's page, when ``[web] base_url`` is set."""
    return f"{base_url}/clients/{client_slug(name)}" if base_url else None


@dataclass(frozen=True)
class PortfolioEntry:
    slug: str
    row: HealthRow  # ``trend`` holds one point a week
    alerts: list[StoredAlert] = field(default_factory=list)  # not resolved, worst first

    @property
    def rank(self) -> tuple[int, bool, float, str]:
        severities = [a.severity.value for a in self.alerts] + [
            a["severity"] or "" for a in self.row["alerts"]
        ]
        worst = min((_RANK.get(s, 2) for s in severities), default=2)
        score = self.row["health"]
        return (worst, score is None, score if score is not None else 101.0, self.row["name"])


def week_ends(as_of: datetime, weeks: int, every: int = 7) -> list[datetime]:
    """``weeks`` instants ``every`` days apart, the last one ``as_of`` (oldest first)."""
    return [as_of - timedelta(days=every * back) for back in range(weeks - 1, -1, -1)]


def _trend(history: ClientHistory, days: Sequence[datetime]) -> list[TrendPoint]:
    points: list[TrendPoint] = []
    for day in days:
        report = analyse(history, day)
        points.append(
            {
                "date": day.astimezone(history.context.ours.zone).date(),
                "health": report.health.score,
                "sentiment_30d": report.sentiment.mean_30,
            }
        )
    return points


def open_alerts(runtime: Runtime) -> dict[str, list[StoredAlert]]:
    """Per client, its stored alerts not resolved, worst first."""
    found: dict[str, list[StoredAlert]] = {}
    for alert in listing(runtime.store.engine):
        if alert.client is not None:
            found.setdefault(alert.client, []).append(alert)
    for alerts in found.values():
        alerts.sort(key=lambda a: (-a.severity.rank, a.opened_at))
    return found


def portfolio_figures(
    runtime: Runtime, as_of: datetime, clients: Sequence[Client] | None = None
) -> list[PortfolioEntry]:
    """Each client's health row with a weekly 90-day trend (every configured client unless
    ``clients`` is given): the costly part of the portfolio, which depends on the mail and the
    clock but not on alerts acted upon."""
    chosen = list(runtime.config.clients if clients is None else clients)
    records = None
    if len(chosen) < len(runtime.config.clients):  # a few clients: read only their mail
        records = [
            record
            for client in chosen
            for record in load_records(
                runtime.store.engine, as_of=as_of, client=client.name, directory=runtime.directory
            )
        ]
    evaluation = prepare(runtime, as_of, clients=chosen, records=records)
    zone = runtime.config.team.tz
    days = day_ends(as_of, TREND_WEEKS, zone, every=7)
    reports = {name: evaluation.report(name, as_of) for name in evaluation.histories}
    points = trends(runtime, evaluation, days, {n: known_point(r) for n, r in reports.items()})
    return [
        PortfolioEntry(
            slug=client_slug(name),
            row=health_row(
                reports[name],
                trend_points(points[name], zone),
                evaluation.histories[name].context.ours.day_seconds(),
            ),
        )
        for name in evaluation.histories
    ]


def with_alerts(
    figures: Sequence[PortfolioEntry], stored: Mapping[str, list[StoredAlert]]
) -> list[PortfolioEntry]:
    """The portfolio worst first: the figures with the stored alerts as they are now."""
    entries = [replace(e, alerts=stored.get(e.row["name"], [])) for e in figures]
    return sorted(entries, key=lambda e: e.rank)


def portfolio(runtime: Runtime, as_of: datetime) -> list[PortfolioEntry]:
    """Every configured client, worst first: open alerts, then the lowest health."""
    return with_alerts(portfolio_figures(runtime, as_of), open_alerts(runtime))


# --------------------------------------------------------------------------- one client


@dataclass(frozen=True)
class MessagePoint:
    """One counted message on the timeline: when, which way, its tone (None: unscored)."""

    date: datetime
    inbound: bool
    sentiment: float | None
    subject: str


@dataclass(frozen=True)
class GapPoint:
    start: datetime
    business_hours: float
    open: bool
    subject: str


@dataclass(frozen=True)
class AlertMark:
    id: int
    kind: str
    severity: str
    state: str
    opened_at: datetime
    resolved_at: datetime | None
    explanation: str
    events: list[dict[str, object]] = field(default_factory=list)


@dataclass(frozen=True)
class ClientYear:
    """Everything the client page draws and lists."""

    slug: str
    client: Client
    as_of: datetime
    start: datetime
    row: HealthRow
    weekly_health: list[TrendPoint]
    messages: list[MessagePoint]
    ours: list[GapPoint]
    theirs: list[GapPoint]
    weeks: list[tuple[date, int, int]]  # (week start, inbound, outbound)
    away: list[tuple[datetime, datetime, str]]  # (from, until, who): out-of-office periods
    findings: list[FindingRow]
    alerts: list[AlertMark]
    advice_common: str = COMMON_ADVICE


def _client_evaluation(runtime: Runtime, client: Client, as_of: datetime) -> Evaluation:
    """Only this client's mail of the year shown (and the window before it), and of its older
    mail what an evaluation reads (its first message, …): a client page never reads the whole
    store, and its figures are those ``relmon client`` gives."""
    since = as_of - timedelta(days=365 + HISTORY_DAYS)
    return prepare(runtime, as_of, clients=[client], since=since)


def _gaps(gaps: Sequence[Gap], start: datetime) -> list[GapPoint]:
    return [
        GapPoint(g.start.date, g.business_seconds / 3600, g.open, g.start.subject)
        for g in gaps
        if g.start.date >= start
    ]


def _weeks(history: ClientHistory, start: datetime, as_of: datetime) -> list[tuple[date, int, int]]:
    zone = history.context.ours.zone
    first = start.astimezone(zone).date()
    first -= timedelta(days=first.weekday())
    counts: dict[date, list[int]] = {}
    day = first
    while day <= as_of.astimezone(zone).date():
        counts[day] = [0, 0]
        day += timedelta(days=7)
    for record in history.window(start, as_of):
        if not record.counts:
            continue
        local = record.date.astimezone(zone).date()
        week = counts.get(local - timedelta(days=local.weekday()))
        if week is not None:
            week[0 if record.direction is Direction.INBOUND else 1] += 1
    return [(week, inbound, outbound) for week, (inbound, outbound) in counts.items()]


def _away(
    history: ClientHistory, start: datetime, owner: str
) -> list[tuple[datetime, datetime, str]]:
    periods = [(since, until, who) for (since, until), who in history.client_away]
    periods += [(since, until, owner) for since, until in history.owner_away]
    return sorted(p for p in periods if p[1] >= start)


def _alert_marks(runtime: Runtime, client: str, start: datetime) -> list[AlertMark]:
    marks = []
    for alert in listing(runtime.store.engine, include_resolved=True, client=client):
        if alert.resolved_at is not None and alert.resolved_at < start:
            continue
        marks.append(
            AlertMark(
                id=alert.id,
                kind=alert.kind,
                severity=alert.severity.value,
                state=alert.state.value,
                opened_at=alert.opened_at,
                resolved_at=alert.resolved_at,
                explanation=alert.explanation,
                events=[dict(e) for e in events_of(runtime.store.engine, alert.id)],
            )
        )
    return sorted(marks, key=lambda m: m.opened_at, reverse=True)


def client_year(runtime: Runtime, client: Client, as_of: datetime) -> ClientYear:
    """One client's year: weekly health, every message's tone, reply gaps both ways, weekly
    volume, out-of-office periods and alerts; its measures and why each alert fires or not."""
    evaluation = _client_evaluation(runtime, client, as_of)
    history = evaluation.histories[client.name]
    report = evaluation.report(client.name, as_of)
    start = as_of - timedelta(days=365)
    weekly = _trend(history, week_ends(as_of, YEAR_POINTS, every=14))
    return ClientYear(
        slug=client_slug(client.name),
        client=client,
        as_of=as_of,
        start=start,
        # the last 90 days, a point a fortnight
        row=health_row(report, weekly[-7:], history.context.ours.day_seconds()),
        weekly_health=weekly,
        messages=[
            MessagePoint(r.date, r.direction is Direction.INBOUND, r.business_tone, r.subject)
            for r in history.window(start, as_of)
            if r.counts
        ],
        ours=_gaps(report.gaps.ours, start),
        theirs=_gaps(report.gaps.theirs, start),
        weeks=_weeks(history, start, as_of),
        away=_away(history, start, client.owner),
        findings=[finding_dict(f) for f in report.findings],
        alerts=_alert_marks(runtime, client.name, start),
    )
