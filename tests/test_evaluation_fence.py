"""Several replicas: the evaluation's commits are fenced by its lease, so a replica that
stalled past its lease and resumes writes no alert and queues no email."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from monitor.app.alerting import evaluate_alerts
from monitor.app.runtime import Runtime
from monitor.daemon.clock import Clock
from monitor.daemon.replicas import Replicas
from monitor.daemon.reports import send_reports
from monitor.daemon.service import Service
from monitor.store import leases
from monitor.store.schema import alerts, digests, outbox
from monitor.store.sources import record_attempt
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


def _waiting_since_monday(store_url: str, analyzer) -> tuple[_Shared, datetime]:
    """Acme's question of a week ago, unanswered: an alert to write at the instant returned."""
    s = _Shared(store_url, analyzer)
    s.client_writes(
        "2026-06-01 09:10",
        "Leeds rollout: dock schedule",
        "Hi Alice,\n\nCould you confirm the dock schedule for the Leeds pilot by Wednesday?\n\n"
        "Thanks,\nDana",
    )
    return s, at("2026-06-08 10:00")


def test_an_evaluation_whose_lease_was_taken_over_writes_nothing(store_url, analyzer) -> None:
    s, now = _waiting_since_monday(store_url, analyzer)
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


def _north_evaluating(engine: sa.Engine, accounts: list[str], seconds: float = 30) -> Replicas:
    north = Replicas(engine, replica_id="north", lease_seconds=seconds, accounts=accounts)
    north._took(leases.take(engine, leases.EVALUATION, "north", seconds))
    assert north.evaluates
    return north


def _taken_over_by_south(engine: sa.Engine) -> None:
    """North stalled past its lease; South took the evaluation over."""
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE leases SET expires_at = clock_timestamp() WHERE name = :n"),
            {"n": leases.EVALUATION},
        )
    assert leases.take(engine, leases.EVALUATION, "south", 30) is not None


class _Jobs:
    lock = threading.Lock()

    def any_running(self, _prefix: str) -> bool:
        return False

    def run_soon(self, *_args: object, **_kwargs: object) -> None:
        pass


def test_a_lease_lost_while_the_daemon_decides_to_evaluate_still_fences_the_pass(
    store_url, analyzer
) -> None:
    s, now = _waiting_since_monday(store_url, analyzer)
    s.evaluation(now)
    engine = s.runtime.store.engine
    names = [a.name for a in s.runtime.config.accounts]
    for name in names:
        record_attempt(engine, name, now=now)
    north = _north_evaluating(engine, names)
    decided = north.may_evaluate

    def decided_then_stalled() -> bool:
        allowed = decided()  # North may evaluate; then it stalls past its lease ...
        _taken_over_by_south(engine)
        north._renew_all()  # ... and its late heartbeat finds the lease gone and drops it
        return allowed

    north.may_evaluate = decided_then_stalled  # type: ignore[method-assign]
    service = Service(config_path=None, clock=Clock(now=lambda: now))
    service.runtime, service.jobs, service.replicas = s.runtime, _Jobs(), north  # type: ignore[assignment]

    service._evaluate()
    written = (_count(s.runtime, alerts), _count(s.runtime, outbox))
    s.close()

    assert not north.evaluates
    assert written == (0, 0)


def test_a_replica_that_lost_the_evaluation_queues_no_digest(store_url) -> None:
    runtime = Runtime.open(team_config(store_url))
    engine = runtime.store.engine
    north = _north_evaluating(engine, [a.name for a in runtime.config.accounts])
    _taken_over_by_south(engine)
    after_digest_hour = datetime(2026, 6, 8, 18, 0, tzinfo=UTC)

    queued = send_reports(runtime, after_digest_hour, north)  # North resumes before its beat
    claimed = _count(runtime, digests)
    runtime.close()

    assert north.evaluates  # it has not noticed yet
    assert (queued, claimed) == (0, 0)
