"""Alerts in the store: the lifecycle of :mod:`monitor.core.alerts` applied and recorded.

Each evaluation of a client runs in one transaction: the alert rows, an event row for every
transition (with its time and the evidence at that moment), and the outbox rows of the emails
those transitions cause are committed together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa

from monitor.core import alerts as lifecycle
from monitor.core.alerts import AlertView, Event, State
from monitor.core.detectors import Severity
from monitor.store.schema import alert_events, alerts, outbox

#: Which route a notification takes: critical now, warnings in the owner's daily digest.
IMMEDIATE = "immediate"
DIGEST = "digest"


@dataclass(frozen=True)
class StoredAlert:
    id: int
    client: str | None
    account: str | None
    kind: str
    owner: str
    state: State
    severity: Severity
    opened_at: datetime
    changed_at: datetime
    resolved_at: datetime | None
    snoozed_until: datetime | None
    explanation: str
    figures: dict[str, Any]
    evidence: list[dict[str, Any]]
    pattern: str | None
    advice: str | None

    @property
    def view(self) -> AlertView:
        return AlertView(
            state=self.state,
            severity=self.severity,
            opened_at=self.opened_at,
            changed_at=self.changed_at,
            resolved_at=self.resolved_at,
            snoozed_until=self.snoozed_until,
        )

    @classmethod
    def from_row(cls, row: Any) -> StoredAlert:
        return cls(
            id=row.id,
            client=row.client,
            account=row.account,
            kind=row.kind,
            owner=row.owner,
            state=State(row.state),
            severity=Severity(row.severity),
            opened_at=row.opened_at,
            changed_at=row.changed_at,
            resolved_at=row.resolved_at,
            snoozed_until=row.snoozed_until,
            explanation=row.explanation,
            figures=row.figures or {},
            evidence=row.evidence or [],
            pattern=row.pattern,
            advice=row.advice,
        )


@dataclass(frozen=True)
class Condition:
    """What a detector says about one (client or account, kind) right now."""

    kind: str
    owner: str
    severity: Severity | None
    explanation: str
    figures: dict[str, Any]
    evidence: list[dict[str, Any]]
    pattern: str | None = None
    advice: str | None = None


@dataclass(frozen=True)
class Notification:
    """A transition that should reach a person, handed to the renderer."""

    alert: StoredAlert
    event_id: int
    event: Event
    first: bool  # the alert's first email (its Message-ID is the thread root)


Renderer = Callable[[Notification], tuple[EmailMessage, list[str], datetime] | None]


def latest(
    connection: sa.Connection, *, client: str | None = None, account: str | None = None
) -> dict[str, StoredAlert]:
    """Per kind, the newest alert of a client (or account): active, or the last resolved one."""
    query = sa.select(alerts).order_by(alerts.c.id)
    query = (
        query.where(alerts.c.client == client)
        if client is not None
        else query.where(alerts.c.account == account)
    )
    found: dict[str, StoredAlert] = {}
    for row in connection.execute(query):
        found[row.kind] = StoredAlert.from_row(row)
    return found


def _record_event(
    connection: sa.Connection,
    alert_id: int,
    at: datetime,
    event: str,
    severity: Severity | None,
    state: State,
    *,
    explanation: str | None = None,
    figures: dict[str, Any] | None = None,
    evidence: list[dict[str, Any]] | None = None,
    by: str = "relmon",
    route: str | None = None,
) -> int:
    result = connection.execute(
        sa.insert(alert_events).values(
            alert=alert_id,
            at=at,
            event=event,
            severity=severity.value if severity else None,
            state=state.value,
            explanation=explanation,
            figures=figures,
            evidence=evidence,
            by=by,
            route=route,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def enqueue(
    connection: sa.Connection,
    message: EmailMessage,
    *,
    kind: str,
    recipients: Sequence[str],
    now: datetime,
    not_before: datetime,
    alert: int | None = None,
) -> int | None:
    """Add an email to the outbox (inside the caller's transaction); once per Message-ID."""
    message_id = str(message["Message-ID"])
    exists = connection.execute(
        sa.select(outbox.c.id).where(outbox.c.message_id == message_id)
    ).scalar()
    if exists is not None:
        return int(exists)
    result = connection.execute(
        sa.insert(outbox).values(
            message_id=message_id,
            kind=kind,
            alert=alert,
            recipients=list(recipients),
            subject=str(message["Subject"]),
            raw=message.as_bytes(),
            created_at=now,
            not_before=not_before,
            state="pending",
            attempts=0,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def apply(
    connection: sa.Connection,
    conditions: Sequence[Condition],
    *,
    client: str | None,
    account: str | None,
    now: datetime,
    cooldown: timedelta,
    render: Renderer | None,
) -> list[tuple[StoredAlert, Event]]:
    """Run the lifecycle for every condition of one client (or account); record and enqueue."""
    current = latest(connection, client=client, account=account)
    happened: list[tuple[StoredAlert, Event]] = []
    for condition in conditions:
        previous = current.get(condition.kind)
        view, events = lifecycle.step(
            previous.view if previous else None, condition.severity, now, cooldown=cooldown
        )
        if view is None:
            continue
        values = {
            "state": view.state.value,
            "severity": view.severity.value,
            "opened_at": view.opened_at,
            "changed_at": view.changed_at,
            "resolved_at": view.resolved_at,
            "snoozed_until": view.snoozed_until,
        }
        descriptive = {
            "explanation": condition.explanation,
            "figures": condition.figures,
            "evidence": condition.evidence,
            "pattern": condition.pattern,
            "advice": condition.advice,
            "owner": condition.owner,
        }
        new_alert = previous is None or (
            previous.state is State.RESOLVED and view.state is not State.RESOLVED
        )
        if new_alert:
            alert_id = int(
                connection.execute(
                    sa.insert(alerts).values(
                        client=client, account=account, kind=condition.kind, **values, **descriptive
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
            )
        else:
            assert previous is not None
            alert_id = previous.id
            if condition.severity is None:
                connection.execute(
                    sa.update(alerts).where(alerts.c.id == alert_id).values(**values)
                )
            else:
                connection.execute(
                    sa.update(alerts).where(alerts.c.id == alert_id).values(**values, **descriptive)
                )
        stored = StoredAlert.from_row(
            connection.execute(sa.select(alerts).where(alerts.c.id == alert_id)).one()
        )
        for event in events:
            route = (
                (IMMEDIATE if event.severity is Severity.CRITICAL else DIGEST)
                if event.notify
                else None
            )
            event_id = _record_event(
                connection,
                alert_id,
                now,
                event.kind.value,
                event.severity,
                stored.state,
                explanation=condition.explanation,
                figures=condition.figures,
                evidence=condition.evidence,
                route=route,
            )
            happened.append((stored, event))
            if route == IMMEDIATE and render is not None:
                first = event.kind in (lifecycle.EventKind.OPENED, lifecycle.EventKind.REOPENED)
                rendered = render(Notification(stored, event_id, event, first))
                if rendered is not None:
                    message, recipients, not_before = rendered
                    enqueue(
                        connection,
                        message,
                        kind="operator" if account else "alert",
                        recipients=recipients,
                        now=now,
                        not_before=not_before,
                        alert=alert_id,
                    )
    return happened


def get(connection: sa.Connection, alert_id: int) -> StoredAlert | None:
    row = connection.execute(sa.select(alerts).where(alerts.c.id == alert_id)).first()
    return StoredAlert.from_row(row) if row is not None else None


def act(
    engine: sa.Engine,
    alert_id: int,
    action: str,
    now: datetime,
    *,
    by: str,
    until: datetime | None = None,
) -> StoredAlert:
    """An owner's acknowledgement, snooze or resolution; raises ``KeyError``/``ValueError``."""
    with engine.begin() as connection:
        found = get(connection, alert_id)
        if found is None:
            raise KeyError(alert_id)
        if action == "ack":
            view = lifecycle.acknowledge(found.view, now)
            event = "acknowledged"
        elif action == "snooze":
            assert until is not None
            view = lifecycle.snooze(found.view, until, now)
            event = "snoozed"
        elif action == "resolve":
            if found.state is State.RESOLVED:
                raise ValueError(f"alert {alert_id} is already resolved")
            view = lifecycle.resolve(found.view, now)
            event = "resolved_by_hand"
        else:  # pragma: no cover - the CLI offers only these
            raise ValueError(action)
        connection.execute(
            sa.update(alerts)
            .where(alerts.c.id == alert_id)
            .values(
                state=view.state.value,
                changed_at=now,
                resolved_at=view.resolved_at,
                snoozed_until=view.snoozed_until,
            )
        )
        _record_event(
            connection,
            alert_id,
            now,
            event,
            found.severity,
            view.state,
            by=by,
            figures={"until": until.isoformat()} if until else None,
        )
        updated = get(connection, alert_id)
        assert updated is not None
        return updated


def mark_notified(
    connection: sa.Connection, alert_ids: Sequence[int], now: datetime, *, how: str
) -> None:
    """The owner has been told: open alerts become notified (an acknowledgement is kept)."""
    for alert_id in alert_ids:
        found = get(connection, alert_id)
        if found is None:
            continue
        view = lifecycle.notified(found.view, now)
        if view.state is not found.state:
            connection.execute(
                sa.update(alerts)
                .where(alerts.c.id == alert_id)
                .values(state=view.state.value, changed_at=now)
            )
        _record_event(connection, alert_id, now, "notified", found.severity, view.state, route=how)


def listing(
    engine: sa.Engine, *, include_resolved: bool = False, client: str | None = None
) -> list[StoredAlert]:
    query = sa.select(alerts).order_by(alerts.c.id)
    if not include_resolved:
        query = query.where(alerts.c.state != State.RESOLVED.value)
    if client is not None:
        query = query.where(alerts.c.client == client)
    with engine.connect() as connection:
        return [StoredAlert.from_row(row) for row in connection.execute(query)]


def events_of(engine: sa.Engine, alert_id: int) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(alert_events)
            .where(alert_events.c.alert == alert_id)
            .order_by(alert_events.c.id)
        )
        return [
            {
                "at": row.at,
                "event": row.event,
                "severity": row.severity,
                "state": row.state,
                "by": row.by,
                "route": row.route,
            }
            for row in rows
        ]
