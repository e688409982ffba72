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
from monitor.alerts.handover import SameOwner, handed_over, same_address
from monitor.alerts.model import (
    RETIRED,
    Action,
    AlreadyAcknowledged,
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
    "act_on",
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
    connection: sa.Connection,
    *,
    client: str | None = None,
    account: str | None = None,
    lock: bool = False,
) -> dict[str, StoredAlert]:
    """Per kind, the alert of a client (or account) the lifecycle continues from: the active
    one, else the last resolved one. ``lock`` holds their rows until the transaction ends."""
    found: dict[str, StoredAlert] = {}
    for row in rows.of_subject(connection, client=client, account=account, lock=lock):
        alert = StoredAlert.from_row(row)
        kept = found.get(alert.kind)
        if kept is None or not kept.state.active or alert.state.active:
            found[alert.kind] = alert
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


# How often a new alert may lose the race to another process before evaluation gives up. Each
# loss means another process committed an alert of this (client, kind) just now, and the next
# try continues from it, so a second loss needs a third process to resolve it in between.
_RACES = 3


def _values(view: AlertView) -> dict[str, object]:
    return {
        "state": view.state.value,
        "severity": view.severity.value,
        "opened_at": view.opened_at,
        "changed_at": view.changed_at,
        "resolved_at": view.resolved_at,
        "snoozed_until": view.snoozed_until,
        "peak": view.peak.value if view.peak else None,
    }


def _reads_as(alert: StoredAlert, values: dict[str, object]) -> bool:
    """Whether the stored ``alert`` already says what ``values`` describe it with."""
    return all(getattr(alert, name) == values[name] for name in _DESCRIPTIVE if name in values)


#: What describes an alert beside its lifecycle state: a condition's words, kept while it fires.
_DESCRIPTIVE = ("explanation", "figures", "evidence", "pattern", "advice", "owner")


def _descriptive(condition: Condition) -> dict[str, object]:
    return {name: getattr(condition, name) for name in _DESCRIPTIVE}


def _opens(previous: StoredAlert | None, view: AlertView) -> bool:
    """Whether the lifecycle's new state is a new alert (a first one, or one re-opening)."""
    return previous is None or (
        previous.state is State.RESOLVED and view.state is not State.RESOLVED
    )


def _transition(
    connection: sa.Connection,
    previous: StoredAlert | None,
    condition: Condition,
    *,
    client: str | None,
    account: str | None,
    now: datetime,
    cooldown: timedelta,
    same_owner: SameOwner = same_address,
) -> tuple[StoredAlert | None, tuple[Event, ...]]:
    """Step one (client or account, kind) and write its new state: an update of the locked
    alert (descriptions only while firing), or a new alert. A new alert can lose a race with
    another process opening the same one; the lifecycle then continues from the winner's alert,
    which this transaction reads once that one has committed, so the transition happens once."""
    for _ in range(_RACES):
        cooling = _cooldown(previous, now, cooldown)
        view, events = lifecycle.step(
            previous.view if previous else None, condition.severity, now, cooldown=cooling
        )
        if view is None:
            return None, ()
        if handed_over(previous, view, condition, same_owner):
            view, events = lifecycle.hand_over(view, now)
        values = _values(view)
        if not _opens(previous, view):
            assert previous is not None
            if condition.severity is not None:
                values.update(_descriptive(condition))
            if view == previous.view and _reads_as(previous, values):
                return previous, events  # unchanged, as most alerts are at most evaluations
            rows.update(connection, previous.id, values)
            return get(connection, previous.id), events
        subject = {"client": client, "account": account, "kind": condition.kind}
        opened = rows.open_alert(connection, {**subject, **values, **_descriptive(condition)})
        if opened is not None:
            return get(connection, opened), events
        row = rows.current(connection, client=client, account=account, kind=condition.kind)
        previous = StoredAlert.from_row(row) if row is not None else None
    raise RuntimeError(
        f"alert {condition.kind} of {client or account}: opened and resolved by other processes"
        f" {_RACES} times during one evaluation"
    )


def _cooldown(previous: StoredAlert | None, now: datetime, cooldown: timedelta) -> timedelta:
    """How long ``previous``, resolved, holds its condition back: none when it was resolved
    because its client had left the configuration (it is back)."""
    if previous is None or not previous.resolved_at or now - previous.resolved_at >= cooldown:
        return cooldown
    return timedelta(0) if previous.explanation == RETIRED else cooldown


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
    same_owner: SameOwner = same_address,
) -> list[Transition]:
    """Run the lifecycle for every condition of one client (or account) and record it; the
    transitions come back so the caller can notify, still inside this transaction.
    ``same_owner``: whether two owners are one person (a member's address and an alias)."""
    # Every alert of this client stays locked until the transaction ends: a second process
    # evaluating the same client waits here, then sees what this one wrote.
    current = latest(connection, client=client, account=account, lock=True)
    happened: list[Transition] = []
    for condition in conditions:
        stored, events = _transition(
            connection,
            current.get(condition.kind),
            condition,
            client=client,
            account=account,
            now=now,
            cooldown=cooldown,
            same_owner=same_owner,
        )
        if stored is None:
            continue
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


def get(connection: sa.Connection, alert_id: int, *, lock: bool = False) -> StoredAlert | None:
    row = rows.get(connection, alert_id, lock=lock)
    return StoredAlert.from_row(row) if row is not None else None


def _acted(found: StoredAlert, action: Action, now: datetime, until: datetime | None) -> AlertView:
    if action is Action.ACK:
        if lifecycle.acknowledged_already(found.view):
            raise AlreadyAcknowledged(f"alert {found.id} is already acknowledged")
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
    with engine.begin() as connection:
        return act_on(connection, alert_id, action, now, by=by, until=until)


def act_on(
    connection: sa.Connection,
    alert_id: int,
    action: Action,
    now: datetime,
    *,
    by: str,
    until: datetime | None = None,
) -> StoredAlert:
    """:func:`act` inside the caller's transaction (a reply's record and its effect commit
    together)."""
    action = Action(action)  # a plain "ack" from a script is welcome too
    found = get(connection, alert_id, lock=True)
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
            "peak": view.peak.value if view.peak else None,  # what the owner has now seen
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
        found = get(connection, alert_id, lock=True)
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
