"""A first import into PostgreSQL keeps the planner's statistics current as the tables grow.

PostgreSQL keeps the plan of a statement a connection prepared (psycopg prepares one after five
runs) until the statistics of its tables change. Planned while the store was empty, the lookup
of each batch's keys read every stored row, so a first sync slowed down with every message it
stored; autovacuum, where it is on, analyses in its own time, and this server has it off.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from monitor.config import Privacy
from monitor.core.model import Message
from monitor.sources.pipeline import from_raw
from monitor.store import bulk
from monitor.store.bulk import keep_statistics
from monitor.store.messages import Item, save_items
from monitor.store.schema import messages, sightings
from tests.factories import ALICE, DANA, email, team_config

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
BODY = (
    "Hi Alice,\n\nThe pallet counts for {day} are attached. Could you check the two lines "
    "for the Leeds warehouse before Friday's review?\n\nThanks,\nDana"
)


def _batches(analyzer, count: int, size: int, start: int = 0) -> list[list[Item]]:  # type: ignore[no-untyped-def]
    made = []
    for n in range(start, start + count * size):
        when = NOW - timedelta(days=200, hours=-n)
        raw = email(
            frm=DANA,
            to=ALICE,
            subject=f"Pallet count {n}",
            date=when,
            message_id=f"count-{n}@acme-logistics.example",
            body=BODY.format(day=f"{when:%-d %B}"),
        )
        message = from_raw(raw, analyzer=analyzer, privacy=Privacy())
        assert isinstance(message, Message)
        made.append(Item(f"INBOX:{n}", message))
    return [made[start : start + size] for start in range(0, len(made), size)]


def _save(connection: sa.Connection, batch: list[Item]) -> None:
    """One batch, as a sync of Alice's inbox writes it."""
    directory = team_config().directory()
    save_items(
        connection, account="alice", folder="INBOX", items=batch, directory=directory, now=NOW
    )


def _analysed_pages(connection: sa.Connection, table: str) -> int:
    pages: int = connection.execute(
        sa.text("SELECT relpages FROM pg_class WHERE oid = to_regclass(:name)"), {"name": table}
    ).scalar_one()
    return pages


def _postgresql_only(store) -> None:  # type: ignore[no-untyped-def]
    if store.engine.dialect.name != "postgresql":
        pytest.skip("statistics are PostgreSQL's planner's")


def test_a_first_import_analyses_the_tables_as_they_grow(
    store, analyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN an empty store on PostgreSQL and a threshold of a few pages
    WHEN batch after batch is stored, each in its own transaction as a sync writes them
    THEN messages and sightings have been analysed, recently enough to know most of the rows."""
    _postgresql_only(store)
    monkeypatch.setattr(bulk, "STATISTICS_FROM_BYTES", 16 * 1024)
    for batch in _batches(analyzer, count=8, size=40):
        with store.engine.begin() as connection:
            _save(connection, batch)

    with store.engine.connect() as connection:
        on_disk = connection.execute(
            sa.text("SELECT pg_relation_size(to_regclass('messages')) / 8192")
        ).scalar_one()
        analysed = _analysed_pages(connection, "messages")
        assert _analysed_pages(connection, "sightings") > 0
    # Analysed each time the table doubled: the statistics know at least half of it.
    assert analysed * 2 >= on_disk > 0


def test_a_small_batch_into_an_analysed_table_analyses_nothing(
    store, analyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check is a size lookup: a sync of a few messages into a store analysed at about its
    size does not run ANALYZE again."""
    _postgresql_only(store)
    monkeypatch.setattr(bulk, "STATISTICS_FROM_BYTES", 16 * 1024)
    (first,) = _batches(analyzer, count=1, size=80)
    (second,) = _batches(analyzer, count=1, size=5, start=80)
    with store.engine.begin() as connection:
        _save(connection, first)
        assert keep_statistics(connection, (messages, sightings)) == []  # just analysed
    with store.engine.begin() as connection:
        _save(connection, second)
        assert keep_statistics(connection, (messages, sightings)) == []
        assert _analysed_pages(connection, "messages") > 0


def test_sqlite_needs_no_statistics(store) -> None:
    if store.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with store.engine.begin() as connection:
        assert keep_statistics(connection, (messages, sightings)) == []


def test_the_nightly_tidy_up_lets_postgresql_count_a_clients_records_from_the_index_alone(
    store, analyzer
) -> None:
    """Without VACUUM (autovacuum is off on this server) the table's rows are visited again
    for the number and revisions of a client's records; after it, none is."""
    _postgresql_only(store)
    for batch in _batches(analyzer, count=2, size=50):
        with store.engine.begin() as connection:
            _save(connection, batch)

    tidied = bulk.tidy(store.engine)

    with store.engine.connect() as connection:
        visible, pages = connection.execute(
            sa.text("SELECT relallvisible, relpages FROM pg_class WHERE relname = 'messages'")
        ).one()
        connection.execute(sa.text("SET enable_seqscan = off; SET enable_bitmapscan = off"))
        plan = json.dumps(
            connection.execute(
                sa.text(
                    "EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(*), sum(revision) "
                    "FROM messages WHERE client = 'Acme Logistics' AND date <= now()"
                )
            ).scalar_one()
        )
    assert tidied == ["messages", "sightings", "message_links"]
    assert pages > 0 and visible == pages
    assert '"Index Only Scan"' in plan and '"Heap Fetches": 0' in plan


def test_sqlite_needs_no_tidying(store) -> None:
    if store.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    assert bulk.tidy(store.engine) == []
