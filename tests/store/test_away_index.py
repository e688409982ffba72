"""Our own away periods, and those that came due since the last pass, are read at every
evaluation pass from an index of the replies that state a return date (migration 0022), not by
walking every automatic reply."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from monitor.store.alerting import away_replies
from monitor.store.db import Store
from monitor.store.evaluated import come_due
from monitor.store.records import load_before

AS_OF = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


def _plans(store: Store, marker: str, ask: Callable[[], None]) -> list[list[object]]:
    """SQLite's plan of each statement ``ask`` runs that holds ``marker``."""
    statements: list[tuple[str, object]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if marker in statement:
            statements.append((statement, parameters))

    sa.event.listen(store.engine, "before_cursor_execute", seen)
    ask()
    sa.event.remove(store.engine, "before_cursor_execute", seen)
    with store.engine.connect() as connection:
        return [
            list(connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all())
            for statement, parameters in statements
        ]


def test_the_away_periods_are_found_through_the_index_of_dated_replies(tmp_path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'relmon.db'}")

    def ask() -> None:
        assert away_replies(store.engine, AS_OF) == []
        assert come_due(store.engine, AS_OF - timedelta(hours=4), AS_OF).away == {}

    plans = _plans(store, "away_until", ask)
    store.close()

    assert len(plans) == 2
    for plan in plans:
        assert any("ix_messages_away" in str(step) for step in plan), plan


def test_a_clients_older_away_replies_are_found_through_the_index_of_its_dated_replies(
    tmp_path,
) -> None:
    """An evaluation reads, of the client's mail older than its window, the replies that may
    still pause its clocks: from the client's dated replies (migration 0024), not by walking
    years of the client's messages."""
    store = Store.open(f"sqlite:///{tmp_path / 'relmon.db'}")

    def ask() -> None:
        assert load_before(store.engine, client="Acme Logistics", since=AS_OF).away == ()

    (plan,) = _plans(store, "away_until >=", ask)
    store.close()

    assert any("ix_messages_client_away" in str(step) for step in plan), plan
