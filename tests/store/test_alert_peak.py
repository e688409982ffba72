"""An acknowledged alert that flickers between warning and critical mails its owner once: the
alert keeps the highest severity its owner was told of, and a store from before keeps it too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import command

from monitor.alerts.model import Action
from monitor.alerts.store import act, apply
from monitor.core.detectors import Severity
from monitor.store import Store
from monitor.store.db import create_engine
from monitor.store.schema import alert_events, alerts
from tests.store.test_one_open_alert import waiting

MONDAY = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
OWNER = "alice.marsh@northwind-advisory.example"
COOLDOWN = timedelta(days=7)


def _told(engine: sa.Engine, severity: Severity, day: int) -> list[str]:
    """The events the owner hears of when the condition has ``severity`` on ``day``."""
    with engine.begin() as connection:
        happened = apply(
            connection,
            [waiting(severity)],
            client="Acme Logistics",
            account=None,
            now=MONDAY + timedelta(days=day),
            cooldown=COOLDOWN,
        )
    return [t.event.kind.value for t in happened if t.route is not None]


def test_an_acknowledged_critical_alert_flickering_mails_once(store) -> None:
    """GIVEN a critical alert acknowledged by its owner
    WHEN the client's wait eases below critical and crosses it again, day after day
    THEN no further email is queued, and every move is recorded."""
    assert _told(store.engine, Severity.CRITICAL, 0) == ["opened"]
    with store.engine.connect() as connection:
        alert_id = connection.execute(sa.select(alerts.c.id)).scalar_one()
    act(store.engine, alert_id, Action.ACK, MONDAY + timedelta(hours=2), by=OWNER)

    told = [
        _told(store.engine, Severity.WARNING if day % 2 else Severity.CRITICAL, day)
        for day in range(1, 7)
    ]

    with store.engine.connect() as connection:
        recorded = (
            connection.execute(sa.select(alert_events.c.event).order_by(alert_events.c.id))
            .scalars()
            .all()
        )
        state = connection.execute(sa.select(alerts.c.state)).scalar_one()
    assert told == [[]] * 6
    assert recorded.count("worsened") == 3 and recorded.count("improved") == 3
    assert state == "acknowledged"


def test_an_alert_open_at_the_upgrade_remembers_it_was_critical(store_url) -> None:
    """GIVEN a store from before alerts kept their peak, holding an acknowledged alert that was
    critical when its owner was told and is a warning now
    WHEN the store is upgraded and the alert turns critical again
    THEN its owner is not mailed again; an alert only ever told as a warning still is."""
    old = Store(create_engine(store_url))
    with old.engine.begin() as connection:
        command.upgrade(old._alembic(connection), "0024")
        for number, (client, told) in enumerate(
            (("Acme Logistics", "critical"), ("Lumen", "warning"))
        ):
            values = {
                "client": client,
                "kind": "unanswered",
                "owner": OWNER,
                "state": "acknowledged",
                "severity": "warning",
                "opened_at": MONDAY,
                "changed_at": MONDAY,
                "explanation": "",
                "figures": {},
                "evidence": [],
            }
            connection.execute(sa.insert(_then(connection, alerts)).values(id=number + 1, **values))
            connection.execute(
                sa.insert(alert_events).values(
                    alert=number + 1,
                    at=MONDAY,
                    event="opened",
                    severity=told,
                    state="open",
                    by="relmon",
                )
            )
    old.close()

    store = Store.open(store_url)
    with store.engine.begin() as connection:
        told = {
            client: [
                t.event.kind.value
                for t in apply(
                    connection,
                    [waiting(Severity.CRITICAL)],
                    client=client,
                    account=None,
                    now=MONDAY + timedelta(days=2),
                    cooldown=COOLDOWN,
                )
                if t.route is not None
            ]
            for client in ("Acme Logistics", "Lumen")
        }
    store.close()

    assert told == {"Acme Logistics": [], "Lumen": ["worsened"]}


def _then(connection: sa.Connection, table: sa.Table) -> sa.Table:
    """``table`` as the stored schema has it (without columns later revisions add)."""
    names = {c["name"] for c in sa.inspect(connection).get_columns(table.name)}
    return sa.Table(
        table.name,
        sa.MetaData(),
        *(sa.Column(c.name, c.type, primary_key=c.primary_key) for c in table.c if c.name in names),
    )
