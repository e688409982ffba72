"""Alert rows and their events: the SQL under :mod:`monitor.alerts.store`.

The lifecycle itself (what a condition does to an alert) is decided in :mod:`monitor.core.alerts`
and applied in :mod:`monitor.alerts.store`; this module only reads and writes the rows, and hands
them back as SQLAlchemy rows for the caller to turn into its own objects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from monitor.core.alerts import State
from monitor.store.schema import alert_events, alerts

Row = sa.Row[Any]


def of_subject(connection: sa.Connection, *, client: str | None, account: str | None) -> list[Row]:
    """Every alert of a client (or, when ``client`` is None, of an account), oldest first."""
    query = sa.select(alerts).order_by(alerts.c.id)
    query = (
        query.where(alerts.c.client == client)
        if client is not None
        else query.where(alerts.c.account == account)
    )
    return list(connection.execute(query))


def insert(connection: sa.Connection, values: Mapping[str, object]) -> int:
    """A new alert row; its id."""
    result = connection.execute(sa.insert(alerts).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def update(connection: sa.Connection, alert_id: int, values: Mapping[str, object]) -> None:
    connection.execute(sa.update(alerts).where(alerts.c.id == alert_id).values(**values))


def get(connection: sa.Connection, alert_id: int) -> Row | None:
    return connection.execute(sa.select(alerts).where(alerts.c.id == alert_id)).first()


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
