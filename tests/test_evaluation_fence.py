"""Several replicas: the evaluation's commits are fenced by its lease, so a replica that
stalled past its lease and resumes writes no alert and queues no email."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from monitor.app.alerting import evaluate_alerts
from monitor.app.runtime import Runtime
from monitor.store import leases
from monitor.store.schema import alerts, outbox
from tests.factories import team_config
from tests.scenario import Scenario, at

pytestmark = pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)


class _Shared(Scenario):
    """Acme's mail in a PostgreSQL store that several replicas share."""

    def __init__(self, store_url: str, analyzer) -> None:
        self.runtime = Runtime.open(team_config(store_url), analyzer=analyzer)
        self.analyzer = analyzer


def _count(runtime: Runtime, table: sa.Table) -> int:
    with runtime.store.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar())


def test_an_evaluation_whose_lease_was_taken_over_writes_nothing(store_url, analyzer) -> None:
    s = _Shared(store_url, analyzer)
    s.client_writes(
        "2026-06-01 09:10",
        "Leeds rollout: dock schedule",
        "Hi Alice,\n\nCould you confirm the dock schedule for the Leeds pilot by Wednesday?\n\n"
        "Thanks,\nDana",
    )
    now = at("2026-06-08 10:00")
    s.evaluation(now)  # threads the stored mail
    engine = s.runtime.store.engine
    north = leases.take(engine, leases.EVALUATION, "north:1", 30)
    assert north is not None
    # North stalls; its lease lapses and South takes the evaluation over.
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE leases SET holder = 'south:2', generation = generation + 1 WHERE name = :n"
            ),
            {"n": leases.EVALUATION},
        )

    stale = evaluate_alerts(s.runtime, now=now, lease=north)
    after_stale = (_count(s.runtime, alerts), _count(s.runtime, outbox))
    south = leases.take(engine, leases.EVALUATION, "south:2", 30)
    fresh = evaluate_alerts(s.runtime, now=now, lease=south)
    after_fresh = _count(s.runtime, alerts)
    s.close()

    assert stale.events == [] and after_stale == (0, 0)
    assert fresh.events and after_fresh > 0
