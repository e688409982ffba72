"""The weekly portfolio report: each owner's clients worst first, what changed this week.

Each owner gets one email a week, at ``[reports] weekly`` (e.g. "monday 08:00") in their own
time zone, through the outbox like every other notification: the week's record, the outbox row
and the confirmation of the owner's replies are written in one transaction, so a restart or a
second process never makes a second report for the same week. ``relmon report --html`` writes
the same report as a standalone page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta, tzinfo

from monitor.alerts.channel import OutboxKind
from monitor.alerts.email_channel import email_channel, outgoing
from monitor.alerts.model import StoredAlert
from monitor.alerts.store import enqueue, listing
from monitor.alerts.weekly import WeeklyClient, WeeklyReport, weekly_email
from monitor.app.evaluation import Evaluation, prepare
from monitor.app.owners import addresses, clients_of, people
from monitor.app.runtime import Runtime
from monitor.app.views import health_row
from monitor.config import Config
from monitor.config.web import client_slug
from monitor.core.analysis import ClientHistory, analyse
from monitor.log import get_logger
from monitor.store.leases import Lease, hold
from monitor.store.replies import confirm, unconfirmed
from monitor.store.weekly import (
    claim_weekly,
    record_weekly,
    reported_before,
    week_events,
    weekly_done,
)

logger = get_logger()

#: Weeks shown in the report's charts, the current one last.
WEEKS = 8


def _base_url(config: Config) -> str | None:
    """The dashboard's address, for links, when ``[web] base_url`` is set."""
    return config.web.base_url


def client_link(config: Config, name: str) -> str | None:
    """A client's page in the dashboard (its stable slug), or None without ``[web] base_url``."""
    base = _base_url(config)
    return f"{base}/clients/{client_slug(name)}" if base else None


def _per_week(dates: list[datetime], ends: list[datetime]) -> tuple[int, ...]:
    counts = []
    for end in ends:
        start = end - timedelta(days=7)
        counts.append(sum(1 for d in dates if start < d <= end))
    return tuple(counts)


def _client(
    history: ClientHistory,
    owner: str,
    now: datetime,
    link: str | None,
    alerts: Sequence[StoredAlert],
) -> WeeklyClient:
    """``alerts``: the client's stored alerts not resolved (what the owner can still act on)."""
    ends = [now - timedelta(days=7 * n) for n in range(WEEKS - 1, -1, -1)]
    report = analyse(history, now)
    row = health_row(report, [], history.context.ours.day_seconds())
    weekly = (*(analyse(history, end).health.score for end in ends[:-1]), report.health.score)
    return WeeklyClient(
        name=report.client,
        owner=owner,
        health=report.health.score,
        health_week_ago=weekly[-2] if len(weekly) > 1 else None,
        weekly_health=weekly,
        inbound=_per_week([r.date for r in history.inbound], ends),
        outbound=_per_week([r.date for r in history.outbound], ends),
        pattern=report.pattern.pattern.value,
        alerts=tuple((a.kind, a.severity.value) for a in alerts),
        awaiting=row["awaiting"]["count"],
        oldest_waiting=row["awaiting"]["oldest_text"],
        last_inbound=report.last_inbound.date if report.last_inbound else None,
        last_outbound=report.last_outbound.date if report.last_outbound else None,
        link=link,
    )


_RANK = {"critical": 0, "warning": 1}


def _worst_first(client: WeeklyClient) -> tuple[int, int, int, str]:
    rank = min((_RANK.get(severity, 2) for _, severity in client.alerts), default=2)
    score = client.health
    return (rank, 1 if score is None else 0, score if score is not None else 101, client.name)


def week_start(now: datetime, tz: tzinfo) -> date:
    local = now.astimezone(tz).date()
    return local - timedelta(days=local.weekday())


def build_report(
    runtime: Runtime, *, owner: str | None, now: datetime, evaluation: Evaluation | None = None
) -> WeeklyReport:
    """The report as it stands at ``now``: the owner's clients (every client when None).
    ``evaluation``: the histories loaded at ``now`` already (one load serves every owner)."""
    config = runtime.config
    tz = config.owner_tz(owner) if owner is not None else config.team.tz
    evaluation = evaluation or prepare(runtime, now)
    stored = listing(runtime.store.engine)
    clients = [
        _client(
            evaluation.histories[c.name],
            c.owner,
            now,
            client_link(config, c.name),
            [a for a in stored if a.client == c.name],
        )
        for c in (config.clients if owner is None else clients_of(config, owner))
    ]
    mine = addresses(config, owner) if owner is not None else None
    start = now - timedelta(days=7)
    return WeeklyReport(
        owner=owner,
        week=week_start(now, tz),
        now=now,
        tz=tz,
        clients=tuple(sorted(clients, key=_worst_first)),
        events=tuple(week_events(runtime.store.engine, mine, start, now)),
        team=config.team.name,
        owner_name=member.name if owner is not None and (member := config.member(owner)) else None,
        weekdays=tuple(
            (now - timedelta(days=7 * n)).astimezone(tz).date() - timedelta(days=6)
            for n in range(WEEKS - 1, -1, -1)
        ),
    )


#: How late a report whose slot was missed (relmon stopped) is still sent: under a week, so that
#: it never arrives within a day of the next one.
LATE_AT_MOST = timedelta(days=6)


def _due(config: Config, owner: str, now: datetime) -> date | None:
    """The week whose report is due for ``owner`` at ``now``: this week's from its slot on;
    before it, last week's while its slot is under :data:`LATE_AT_MOST` ago (a slot missed
    while relmon was stopped, if it reported to the owner before); else None."""
    weekday, minute = config.reports.weekly_day, config.reports.weekly_minute
    if weekday is None:
        return None
    tz = config.owner_tz(owner)
    monday = week_start(now, tz)

    def slot(week: date) -> datetime:
        day = week + timedelta(days=weekday)
        return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)

    if slot(monday) <= now:
        return monday
    last = monday - timedelta(days=7)
    return last if now - slot(last) < LATE_AT_MOST else None


def send_weekly_reports(runtime: Runtime, *, now: datetime, lease: Lease | None = None) -> int:
    """Queue each owner's weekly report when it is due and not made yet; returns how many.
    ``lease``: the evaluation's (several replicas), checked before each report commits."""
    config = runtime.config
    channel = email_channel(config, delivering=False)
    if channel is None or not config.reports.weekly:
        return 0
    queued = 0
    for owner in people(config):  # one report a person, whichever address owns their clients
        week = _due(config, owner, now)
        if week is None or weekly_done(runtime.store.engine, owner, week):
            continue
        late = week < week_start(now, config.owner_tz(owner))
        if late and not reported_before(runtime.store.engine, owner, week):
            continue  # relmon did not report to this owner before: nothing was missed
        owned = clients_of(config, owner)
        evaluation = prepare(runtime, now, clients=owned)  # the owner's clients only
        report = build_report(runtime, owner=owner, now=now, evaluation=evaluation)
        with runtime.store.engine.begin() as connection:
            if not claim_weekly(connection, owner, week, now):
                continue
            replies = unconfirmed(connection, addresses(config, owner))
            report = replace(report, week=week, replies=tuple(replies))
            message = weekly_email(
                report, sender=channel.sender, sender_name=channel.sender_name, recipient=owner
            )
            item = outgoing(message, kind=OutboxKind.WEEKLY, recipients=[owner], not_before=now)
            outbox_id = enqueue(connection, item, now=now)
            record_weekly(connection, owner, week, outbox_id)
            confirm(connection, [r.key for r in report.replies], outbox_id)
            if lease is not None:
                hold(connection, lease)  # LeaseLost: this owner's report rolls back
        queued += 1
        logger.info("weekly_report_queued", owner=owner, week=week.isoformat())
    return queued
