"""Alert rows and their events: the SQL under :mod:`monitor.alerts.store`.

The lifecycle itself (what a condition does to an alert) is decided in :mod:`monitor.core.alerts`
and applied in :mod:`monitor.alerts.store`; this module only reads and writes the rows, and hands
them back as SQLAlchemy rows for the caller to turn into its own objects.

Several processes may evaluate the same client at once. Reads made to change an alert take
its row lock (``FOR UPDATE`` on PostgreSQL; SQLite writers hold the database lock from the
start of their transaction), and a new alert is inserted only if no other alert of its
(client, kind) is open: the partial unique index of migration 0008 decides, and
:func:`open_alert` reports a conflict instead of failing the transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from monitor.core.alerts import State
from monitor.store.bulk import insert_ignoring_conflicts
from monitor.store.schema import alert_events, alerts, outbox

Row = sa.Row[Any]


def _of(query: sa.Select[Any], client: str | None, account: str | None) -> sa.Select[Any]:
    if client is not None:
        return query.where(alerts.c.client == client)
    return query.where(alerts.c.client.is_(None), alerts.c.account == account)


def of_subject(
    connection: sa.Connection, *, client: str | None, account: str | None, lock: bool = False
) -> list[Row]:
    """Every alert of a client (or, when ``client`` is None, of an account), oldest first;
    locked until the transaction ends when ``lock``, in id order, so that two processes
    locking the same client's alerts cannot deadlock."""
    query = _of(sa.select(alerts).order_by(alerts.c.id), client, account)
    return list(connection.execute(query.with_for_update() if lock else query))


def unresolved(connection: sa.Connection) -> list[Row]:
    """Alerts not yet resolved (id, client, kind, state), newest first: what a person acting
    on an alert picks from (shell completion of alert ids)."""
    query = (
        sa.select(alerts.c.id, alerts.c.client, alerts.c.kind, alerts.c.state)
        .where(alerts.c.state != State.RESOLVED.value)
        .order_by(alerts.c.id.desc())
    )
    return list(connection.execute(query))


def current(
    connection: sa.Connection, *, client: str | None, account: str | None, kind: str
) -> Row | None:
    """The alert of one (client or account, kind) to apply the lifecycle to, locked: the open
    one if there is one, else the newest."""
    query = _of(sa.select(alerts), client, account).where(alerts.c.kind == kind)
    order = (sa.case((alerts.c.state == State.RESOLVED.value, 1), else_=0), alerts.c.id.desc())
    return connection.execute(query.order_by(*order).limit(1).with_for_update()).first()


def open_alert(connection: sa.Connection, values: Mapping[str, object]) -> int | None:
    """Insert a new open alert; its id, or None when another alert of its (client or account,
    kind) is open already. On PostgreSQL an insert racing with another transaction's waits
    for that one to end, so None means the other alert is committed and can be read."""
    insert = insert_ignoring_conflicts(connection, alerts).values(**values)
    found = connection.execute(insert.returning(alerts.c.id)).scalar()
    return int(found) if found is not None else None


def update(connection: sa.Connection, alert_id: int, values: Mapping[str, object]) -> None:
    connection.execute(sa.update(alerts).where(alerts.c.id == alert_id).values(**values))


def get(connection: sa.Connection, alert_id: int, *, lock: bool = False) -> Row | None:
    query = sa.select(alerts).where(alerts.c.id == alert_id)
    return connection.execute(query.with_for_update() if lock else query).first()


def add_event(connection: sa.Connection, values: Mapping[str, object]) -> int:
    """A new event row of an alert; its id."""
    result = connection.execute(sa.insert(alert_events).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def listing(engine: sa.Engine, *, include_resolved: bool, client: str | None) -> list[Row]:
    query = sa.select(alerts).order_by(alerts.c.id)
    if not include_resolved:
        query = query.where(alerts.c.state != State.RESOLVED.value)
    if client is not None:
        query = query.where(alerts.c.client == client)
    with engine.connect() as connection:
        return list(connection.execute(query))


def events(engine: sa.Engine, alert_id: int) -> list[Row]:
    """An alert's events, oldest first."""
    with engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(alert_events)
                .where(alert_events.c.alert == alert_id)
                .order_by(alert_events.c.id)
            )
        )


def carried_by(connection: sa.Connection, digest: int) -> Sequence[int]:
    """The alerts whose events the digest in outbox row ``digest`` carries, by id, once each."""
    query = sa.select(alert_events.c.alert).where(alert_events.c.digest == digest)
    return sorted(set(connection.execute(query).scalars()))


def carry(connection: sa.Connection, event_ids: Sequence[int], outbox_id: int) -> None:
    """The email in outbox row ``outbox_id`` carries these events (several alerts of a client
    in one email, or a first-run summary)."""
    connection.execute(
        sa.update(alert_events)
        .where(alert_events.c.id.in_(list(event_ids)))
        .values(digest=outbox_id)
    )


def states(connection: sa.Connection, alert_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """The current state and owner of each of these alerts, by id."""
    query = sa.select(alerts.c.id, alerts.c.state, alerts.c.owner).where(
        alerts.c.id.in_(list(alert_ids))
    )
    return {int(row.id): (str(row.state), str(row.owner)) for row in connection.execute(query)}


def handed_over_since(
    connection: sa.Connection, alert_ids: Sequence[int], outbox_id: int
) -> set[int]:
    """Those of these alerts handed over to another owner after outbox row ``outbox_id`` was
    written: the email in it went to an owner who no longer has them."""
    written = sa.select(outbox.c.created_at).where(outbox.c.id == outbox_id).scalar_subquery()
    query = sa.select(alert_events.c.alert).where(
        alert_events.c.alert.in_(list(alert_ids)),
        alert_events.c.event == "handed_over",
        alert_events.c.at > written,
    )
    return set(connection.execute(query).scalars())
