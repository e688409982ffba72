"""What the first run and the dry run keep in the store's `meta` table, on SQLite and
PostgreSQL: each client's first evaluation claimed once, the installation's start, go-live."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.store.alerting import (
    adopt_earlier_evaluations,
    delivery_started,
    first_evaluation,
    go_live,
    mark_evaluated,
    never_evaluated,
)

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
CLIENTS = ["Acme Logistics", "Harbour Board"]


def test_a_clients_first_evaluation_is_claimed_exactly_once(store) -> None:
    engine = store.engine
    with engine.begin() as connection:
        first = first_evaluation(connection, "Acme Logistics", NOW)
        again = first_evaluation(connection, "Acme Logistics", NOW + timedelta(hours=1))

    assert first and not again
    assert never_evaluated(engine, CLIENTS) == {"Harbour Board"}


def test_an_upgraded_store_adopts_its_clients_as_evaluated(store) -> None:
    engine = store.engine
    with engine.begin() as connection:
        adopt_earlier_evaluations(connection, CLIENTS, NOW)  # a fresh store: nothing to adopt
    fresh = never_evaluated(engine, CLIENTS)
    with engine.begin() as connection:
        mark_evaluated(connection, NOW)  # alerts were evaluated by an earlier version

    with engine.begin() as connection:
        adopt_earlier_evaluations(connection, CLIENTS, NOW + timedelta(days=1))

    assert fresh == set(CLIENTS)
    assert never_evaluated(engine, [*CLIENTS, "Lumen Analytics"]) == {"Lumen Analytics"}


def test_the_start_is_recorded_once_and_go_live_holds_its_first_time(store) -> None:
    engine = store.engine

    started, live = delivery_started(engine, NOW)
    later, still = delivery_started(engine, NOW + timedelta(hours=5))
    went = go_live(engine, NOW + timedelta(hours=6))
    twice = go_live(engine, NOW + timedelta(hours=7))
    _, now_live = delivery_started(engine, NOW + timedelta(hours=8))

    assert started == later == NOW and live is None and still is None
    assert went == twice == now_live == NOW + timedelta(hours=6)
