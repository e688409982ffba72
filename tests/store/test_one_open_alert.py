"""One open alert per (client, kind), held by the database itself, on SQLite and PostgreSQL.

Acme Logistics has one question waiting. Two processes evaluate Acme at the same moment (the
daemon on its timer, Alice running `relmon alerts send`): the second waits for the first and
then finds the transition made, so the alert opens (or worsens) once, with one event.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command

from monitor.alerts.store import Condition, apply, listing
from monitor.core.alerts import EventKind, State
from monitor.core.detectors import Severity
from monitor.store import Store
from monitor.store.db import create_engine
from monitor.store.schema import alert_events, alerts

NOW = datetime(2026, 6, 4, 9, 30, tzinfo=UTC)
WEEK = timedelta(days=7)
ACME = "Acme Logistics"
ALICE = "alice.marsh@northwind-advisory.example"


def waiting(severity: Severity) -> Condition:
    return Condition(
        kind="unanswered",
        owner=ALICE,
        severity=severity,
        explanation="'Revised rollout dates' from dana.whitfield@acme-logistics.example has waited",
        figures={"oldest_business_hours": 26.0},
        evidence=[],
    )


def evaluate(connection: sa.Connection, severity: Severity, now: datetime) -> list[EventKind]:
    happened = apply(
        connection, [waiting(severity)], client=ACME, account=None, now=now, cooldown=WEEK
    )
    return [t.event.kind for t in happened]


def events(store: Store) -> list[str]:
    with store.engine.connect() as connection:
        return list(connection.execute(sa.select(alert_events.c.event)).scalars())


@pytest.mark.parametrize(
    "before, severity, transition",
    [
        (None, Severity.WARNING, EventKind.OPENED),
        (Severity.WARNING, Severity.CRITICAL, EventKind.WORSENED),
    ],
    ids=["opening", "worsening"],
)
def test_a_second_process_evaluating_the_same_client_waits_and_repeats_nothing(
    store, before, severity, transition
) -> None:
    if before is not None:
        with store.engine.begin() as connection:
            evaluate(connection, before, NOW - timedelta(days=1))
    first = store.engine.connect()
    first_transaction = first.begin()
    made = evaluate(first, severity, NOW)
    second: dict[str, list[EventKind]] = {}

    def second_process() -> None:
        with store.engine.begin() as connection:
            second["made"] = evaluate(connection, severity, NOW + timedelta(minutes=1))

    thread = threading.Thread(target=second_process)
    thread.start()
    thread.join(timeout=1.5)
    waited = thread.is_alive()
    first_transaction.commit()
    first.close()
    thread.join(timeout=30)

    assert made == [transition]
    assert waited  # for the first to commit: it holds the alert (or the slot of a new one)
    assert second["made"] == []
    (alert,) = listing(store.engine)
    assert alert.severity is severity
    assert events(store).count(transition.value) == 1


def test_the_database_refuses_a_second_open_alert_for_one_client_and_kind(store) -> None:
    with store.engine.begin() as connection:
        evaluate(connection, Severity.WARNING, NOW)
    (alert,) = listing(store.engine)
    row = {
        "client": ACME,
        "kind": "unanswered",
        "owner": ALICE,
        "state": "open",
        "severity": "critical",
        "opened_at": NOW,
        "changed_at": NOW,
        "explanation": "a duplicate",
        "figures": {},
        "evidence": [],
    }

    with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as connection:
        connection.execute(sa.insert(alerts).values(**row))
    with store.engine.begin() as connection:  # a resolved one beside it is history: allowed
        connection.execute(sa.insert(alerts).values(**{**row, "state": "resolved"}))
        connection.execute(sa.insert(alerts).values(**{**row, "client": "Harbour Board"}))
    assert [a.id for a in listing(store.engine) if a.client == ACME] == [alert.id]


def test_the_declared_schema_keeps_the_one_open_alert_rule_in_the_stores_dialect(store) -> None:
    # The tables as the code declares them say what migration 0008 built: each index is partial,
    # on PostgreSQL as on SQLite, once a store of that kind is open.
    open_alert_indexes = [i for i in alerts.indexes if (i.name or "").startswith("uq_alerts_open_")]

    created = [
        str(sa.schema.CreateIndex(index).compile(dialect=store.engine.dialect))
        for index in open_alert_indexes
    ]

    assert len(created) == 2
    assert all(ddl.endswith("WHERE state <> 'resolved'") for ddl in created), created


def test_duplicates_left_by_earlier_versions_are_resolved_keeping_the_newest(store_url) -> None:
    """GIVEN a database at revision 0007 where two processes each opened Acme's alert, and
    each opened the account alert of ben-imap
    WHEN relmon upgrades it
    THEN the newest of each stays open, the older one is resolved with an event saying why,
    and the database refuses new duplicates from then on."""
    old = Store(create_engine(store_url))
    with old.engine.begin() as connection:
        command.upgrade(old._alembic(connection), "0007")
        for n, (client, account, kind, state) in enumerate(
            [
                (ACME, None, "unanswered", "notified"),
                (ACME, None, "unanswered", "open"),
                (ACME, None, "friction", "open"),
                (None, "ben-imap", "account", "open"),
                (None, "ben-imap", "account", "open"),
            ]
        ):
            connection.execute(
                sa.insert(alerts).values(
                    client=client,
                    account=account,
                    kind=kind,
                    owner=ALICE,
                    state=state,
                    severity="critical",
                    opened_at=NOW + timedelta(minutes=n),
                    changed_at=NOW + timedelta(minutes=n),
                    explanation="waiting",
                    figures={},
                    evidence=[],
                )
            )
    old.close()

    store = Store.open(store_url)
    states = {a.id: a.state for a in listing(store.engine, include_resolved=True)}
    with store.engine.connect() as connection:
        closed = connection.execute(
            sa.select(alert_events.c.alert, alert_events.c.event, alert_events.c.explanation)
        ).all()
    current, head = store.current_revision(), store.head_revision()
    with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as connection:
        duplicate = sa.insert(alerts).values(
            client=None,
            account="ben-imap",
            kind="account",
            owner=ALICE,
            state="open",
            severity="critical",
            opened_at=NOW,
            changed_at=NOW,
            explanation="again",
            figures={},
            evidence=[],
        )
        connection.execute(duplicate)
    store.close()

    assert current == head
    assert states == {
        1: State.RESOLVED,
        2: State.OPEN,
        3: State.OPEN,
        4: State.RESOLVED,
        5: State.OPEN,
    }
    assert sorted((c.alert, c.event) for c in closed) == [(1, "resolved"), (4, "resolved")]
    assert all("migration 0008" in c.explanation for c in closed)
