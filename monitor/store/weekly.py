"""The weekly portfolio report: once per owner and week, and the week's alert events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from monitor.store.alerting import owner_list
from monitor.store.bulk import insert_ignoring_conflicts
from monitor.store.db import reading
from monitor.store.schema import alert_events, alerts, weekly_reports


def claim_weekly(connection: sa.Connection, owner: str, week: date, now: datetime) -> bool:
    """Take the owner's report for the week starting ``week``, once: False when it was made
    already or another process is making it (it waits here for that one to commit)."""
    insert = insert_ignoring_conflicts(connection, weekly_reports).values(
        owner=owner, week=week, outbox=None, created_at=now
    )
    return connection.execute(insert.returning(weekly_reports.c.owner)).first() is not None


def record_weekly(connection: sa.Connection, owner: str, week: date, outbox_id: int) -> None:
    connection.execute(
        sa.update(weekly_reports)
        .where(weekly_reports.c.owner == owner, weekly_reports.c.week == week)
        .values(outbox=outbox_id)
    )


@dataclass(frozen=True)
class WeekEvent:
    """Something that happened to one of an owner's client alerts during the week."""

    alert_id: int
    client: str
    kind: str
    event: str  # opened, reopened, worsened, handed_over, resolved, acknowledged, snoozed, …
    severity: str | None
    at: datetime
    by: str | None


_SHOWN = ("opened", "reopened", "worsened", "handed_over", "resolved", "acknowledged", "snoozed")
_SHOWN_BY_HAND = "resolved_by_hand"


def week_events(
    engine: sa.Engine, owners: Sequence[str] | None, since: datetime, until: datetime
) -> list[WeekEvent]:
    """The week's alert events of the owner's clients (every owner's when None), oldest first."""
    query = (
        sa.select(
            alerts.c.id,
            alerts.c.client,
            alerts.c.kind,
            alert_events.c.event,
            alert_events.c.severity,
            alert_events.c.at,
            alert_events.c.by,
        )
        .join(alerts, alerts.c.id == alert_events.c.alert)
        .where(
            alerts.c.client.is_not(None),
            alert_events.c.event.in_([*_SHOWN, _SHOWN_BY_HAND]),
            alert_events.c.at > since,
            alert_events.c.at <= until,
        )
        .order_by(alert_events.c.at, alert_events.c.id)
    )
    if owners is not None:
        query = query.where(alerts.c.owner.in_(owner_list(owners)))
    with reading(engine) as connection:
        return [WeekEvent(*row) for row in connection.execute(query)]


def weekly_done(engine: sa.Engine, owner: str, week: date) -> bool:
    """Whether the owner's report for ``week`` was made already (a cheap check before the
    report is built; :func:`claim_weekly` is what decides)."""
    query = sa.select(weekly_reports.c.owner).where(
        weekly_reports.c.owner == owner, weekly_reports.c.week == week
    )
    with reading(engine) as connection:
        return connection.execute(query).first() is not None


def reported_before(engine: sa.Engine, owner: str, week: date) -> bool:
    """Whether the owner had a report for a week before ``week``: relmon was running for them
    then, so a report due since and not made was missed (a new install or a new owner missed
    none)."""
    query = sa.select(weekly_reports.c.owner).where(
        weekly_reports.c.owner == owner, weekly_reports.c.week < week
    )
    with reading(engine) as connection:
        return connection.execute(query.limit(1)).first() is not None
