"""A client taken out of the configuration: its open alerts clear quietly at night, and what was
kept for it goes; the configured clients' alerts stay as they are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from monitor.alerts.model import RETIRED
from monitor.alerts.store import apply, listing
from monitor.app.removed import retire_removed_clients
from monitor.core.detectors import Severity
from monitor.store.kept_tables import kept_answers
from monitor.store.schema import alert_events, outbox
from tests.scenario import Scenario
from tests.store.test_one_open_alert import waiting

MONDAY = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def test_a_removed_clients_alerts_clear_without_mail_and_its_kept_answers_go(
    tmp_path, analyzer
) -> None:
    world = Scenario(tmp_path, analyzer)
    engine = world.runtime.store.engine
    with engine.begin() as connection:
        for client in ("Beta Freight", "Acme Logistics"):
            apply(
                connection,
                [waiting(Severity.CRITICAL)],
                client=client,
                account=None,
                now=MONDAY,
                cooldown=timedelta(days=7),
            )
            connection.execute(
                sa.insert(kept_answers).values(
                    view="client/40", client=client, at=MONDAY, fingerprint="f", body="{}"
                )
            )

    gone = retire_removed_clients(world.runtime, MONDAY + timedelta(days=1))
    again = retire_removed_clients(world.runtime, MONDAY + timedelta(days=2))
    open_alerts = {a.client: a.state.value for a in listing(engine)}
    beta = next(a for a in listing(engine, include_resolved=True) if a.client == "Beta Freight")
    with engine.connect() as connection:
        kept = set(connection.execute(sa.select(kept_answers.c.client)).scalars())
        mailed = connection.execute(sa.select(sa.func.count()).select_from(outbox)).scalar()
        cleared = connection.execute(
            sa.select(alert_events.c.explanation, alert_events.c.route).where(
                alert_events.c.alert == beta.id, alert_events.c.event == "resolved"
            )
        ).all()
    world.close()

    assert gone == ["Beta Freight"] and again == []
    assert open_alerts == {"Acme Logistics": "open"}
    assert kept == {"Acme Logistics"}
    assert mailed == 0
    assert [tuple(row) for row in cleared] == [(RETIRED, None)]  # recorded, nobody told


def test_a_client_put_back_the_next_morning_has_its_alert_open_again_at_once(
    tmp_path, analyzer
) -> None:
    """GIVEN Beta Freight's critical alert cleared at night because an edit had taken the
    client out of the configuration, WHEN the edit is reverted and Beta is evaluated the next
    morning with its condition unchanged, THEN the alert opens again and its owner is told:
    the week's cool-down holds back a condition that cleared, not one nobody looked at."""
    world = Scenario(tmp_path, analyzer)
    engine = world.runtime.store.engine

    def evaluate(at: datetime) -> list[str]:
        with engine.begin() as connection:
            happened = apply(
                connection,
                [waiting(Severity.CRITICAL)],
                client="Beta Freight",
                account=None,
                now=at,
                cooldown=timedelta(days=7),
            )
        return [t.event.kind.value for t in happened if t.event.notify]

    evaluate(MONDAY)
    retire_removed_clients(world.runtime, MONDAY + timedelta(hours=16))
    with engine.begin() as connection:  # a retention of days purges the events, not the alert
        connection.execute(sa.delete(alert_events))
    morning = evaluate(MONDAY + timedelta(days=1))
    (beta,) = listing(engine)
    world.close()

    assert morning == ["reopened"]
    assert (beta.client, beta.state.value) == ("Beta Freight", "open")
