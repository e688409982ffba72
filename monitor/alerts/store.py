"""Alerts in the store: the lifecycle of :mod:`monitor.core.alerts` applied and recorded.

Each evaluation of a client runs in one transaction: the alert rows, an event row for every
transition (with its time and the evidence at that moment), and the outbox rows of the
notifications those transitions cause are committed together or not at all. :func:`apply`
records the transitions and returns them; the application renders the ones that notify and
:func:`enqueue` writes them, inside the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TypedDict

import sqlalchemy as sa

from monitor.alerts.channel import OutboxState, Outgoing
from monitor.alerts.model import (
    Action,
    Condition,
    Recorded,
    Route,
    StoredAlert,
    Transition,
)
from monitor.alerts.render import JSONObject
from monitor.core import alerts as lifecycle
from monitor.core.alerts import AlertView, Event, EventKind, State
from monitor.core.detectors import Severity
from monitor.store import alerts as rows
from monitor.store import outbox as outbox_rows

__all__ = [
    "Action",
    "Condition",
    "EventRow",
    "Recorded",
    "Route",
    "StoredAlert",
    "Transition",
    "act",
    "apply",
    "enqueue",
    "events_of",
    "get",
    "latest",
    "listing",
    "mark_notified",
]


_ACTED = {
    Action.ACK: Recorded.ACKNOWLEDGED,
    Action.SNOOZE: Recorded.SNOOZED,
    Action.RESOLVE: Recorded.RESOLVED_BY_HAND,
}


def latest(
    connection: sa.Connection, *, client: str | None = None, account: str | None = None
) -> dict[str, StoredAlert]:
    """Per kind, the newest alert of a client (or account): active, or the last resolved one."""
    found: dict[str, StoredAlert] = {}
    for row in rows.of_subject(connection, client=client, account=account):
        found[row.kind] = StoredAlert.from_row(row)
    return found


def _record_event(
    connection: sa.Connection,
    alert_id: int,
    at: datetime,
    event: EventKind | Recorded,
    severity: Severity | None,
    state: State,
    *,
    explanation: str | None = None,
    figures: JSONObject | None = None,
    evidence: list[JSONObject] | None = None,
    by: str = "relmon",
    route: Route | None = None,
) -> int:
    return rows.add_event(
        connection,
        {
            "alert": alert_id,
            "at": at,
            "event": event.value,
            "severity": severity.value if severity else None,
            "state": state.value,
            "explanation": explanation,
            "figures": figures,
            "evidence": evidence,
            "by": by,
            "route": route.value if route else None,
        },
    )


def enqueue(
    connection: sa.Connection, item: Outgoing, *, now: datetime, alert: int | None = None
) -> int:
    """Add a rendered notification to the outbox (inside the caller's transaction); once per
    identity, so evaluating the same transition twice never queues it twice."""
    return outbox_rows.add(
        connection,
        {
            "message_id": item.identity,
            "channel": item.channel,
            "kind": item.kind.value,
            "alert": alert,
            "recipients": list(item.recipients),
            "subject": item.subject,
            "payload": item.payload,
            "created_at": now,
            "not_before": item.not_before,
            "state": OutboxState.PENDING.value,
            "attempts": 0,
        },
    )


def _store_view(
    connection: sa.Connection,
    previous: StoredAlert | None,
    view: AlertView,
    condition: Condition,
    *,
    client: str | None,
    account: str | None,
) -> StoredAlert:
    """Write an alert's new state: a new row, or an update (descriptions only while firing)."""
    values: dict[str, object] = {
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
        alert_id = rows.insert(
            connection,
            {"client": client, "account": account, "kind": condition.kind, **values, **descriptive},
        )
    else:
        assert previous is not None
        alert_id = previous.id
        if condition.severity is not None:
            values.update(descriptive)
        rows.update(connection, alert_id, values)
    stored = get(connection, alert_id)
    assert stored is not None
    return stored


def _route(event: Event) -> Route | None:
    if not event.notify:
        return None
    return Route.IMMEDIATE if event.severity is Severity.CRITICAL else Route.DIGEST


def apply(
    connection: sa.Connection,
    conditions: Sequence[Condition],
    *,
    client: str | None,
    account: str | None,
    now: datetime,
    cooldown: timedelta,
) -> list[Transition]:
    """Run the lifecycle for every condition of one client (or account) and record it; the
    transitions come back so the caller can notify, still inside this transaction."""
    current = latest(connection, client=client, account=account)
    happened: list[Transition] = []
    for condition in conditions:
        previous = current.get(condition.kind)
        view, events = lifecycle.step(
            previous.view if previous else None, condition.severity, now, cooldown=cooldown
        )
        if view is None:
            continue
        stored = _store_view(connection, previous, view, condition, client=client, account=account)
        for event in events:
            route = _route(event)
            event_id = _record_event(
                connection,
                stored.id,
                now,
                event.kind,
                event.severity,
                stored.state,
                explanation=condition.explanation,
                figures=condition.figures,
                evidence=condition.evidence,
                route=route,
            )
            happened.append(Transition(stored, event, event_id, route))
    return happened


def get(connection: sa.Connection, alert_id: int) -> StoredAlert | None:
    row = rows.get(connection, alert_id)
    return StoredAlert.from_row(row) if row is not None else None


def _acted(found: StoredAlert, action: Action, now: datetime, until: datetime | None) -> AlertView:
    if action is Action.ACK:
        return lifecycle.acknowledge(found.view, now)
    if action is Action.SNOOZE:
        assert until is not None
        return lifecycle.snooze(found.view, until, now)
    if found.state is State.RESOLVED:
        raise ValueError(f"alert {found.id} is already resolved")
    return lifecycle.resolve(found.view, now)


def act(
    engine: sa.Engine,
    alert_id: int,
    action: Action,
    now: datetime,
    *,
    by: str,
    until: datetime | None = None,
) -> StoredAlert:
    """An owner's acknowledgement, snooze or resolution; raises ``KeyError``/``ValueError``."""
    action = Action(action)  # a plain "ack" from a script is welcome too
    with engine.begin() as connection:
        found = get(connection, alert_id)
        if found is None:
            raise KeyError(alert_id)
        view = _acted(found, action, now, until)
        rows.update(
            connection,
            alert_id,
            {
                "state": view.state.value,
                "changed_at": now,
                "resolved_at": view.resolved_at,
                "snoozed_until": view.snoozed_until,
            },
        )
        _record_event(
            connection,
            alert_id,
            now,
            _ACTED[action],
            found.severity,
            view.state,
            by=by,
            figures={"until": until.isoformat()} if until else None,
        )
        updated = get(connection, alert_id)
        assert updated is not None
        return updated


def mark_notified(
    connection: sa.Connection, alert_ids: Sequence[int], now: datetime, *, how: Route
) -> None:
    """The owner has been told: open alerts become notified (an acknowledgement is kept)."""
    for alert_id in alert_ids:
        found = get(connection, alert_id)
        if found is None:
            continue
        view = lifecycle.notified(found.view, now)
        if view.state is not found.state:
            rows.update(connection, alert_id, {"state": view.state.value, "changed_at": now})
        _record_event(
            connection, alert_id, now, Recorded.NOTIFIED, found.severity, view.state, route=how
        )


def listing(
    engine: sa.Engine, *, include_resolved: bool = False, client: str | None = None
) -> list[StoredAlert]:
    found = rows.listing(engine, include_resolved=include_resolved, client=client)
    return [StoredAlert.from_row(row) for row in found]


class EventRow(TypedDict):
    """One recorded event of an alert, as ``relmon alerts --json`` shows it."""

    at: datetime
    event: str
    severity: str | None
    state: str
    by: str | None
    route: str | None


def events_of(engine: sa.Engine, alert_id: int) -> list[EventRow]:
    return [
        EventRow(
            at=row.at,
            event=row.event,
            severity=row.severity,
            state=row.state,
            by=row.by,
            route=row.route,
        )
        for row in rows.events(engine, alert_id)
    ]
