"""A frozen replica's database sessions: the rows its open transaction locked are free to the
other replicas once its heartbeat has lapsed, whatever state the freeze left the session in.

North and South are two replicas of the same installation."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from monitor.store.leases import account_lease, heartbeat, take
from monitor.store.schema import meta
from monitor.store.sessions import configure_sessions, end_lapsed_sessions, session_name

POSTGRESQL = pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)

NORTH, SOUTH = "north:101", "south:202"
ALICE = account_lease("alice")
DIRTY = [{"name": "threads_dirty", "value": "1"}, {"name": "trend_mark", "value": "7"}]


@pytest.fixture
def north(store, store_url: str) -> Iterator[sa.Engine]:
    """North's own engine (its own process in real life), its sessions named and bounded."""
    engine = sa.create_engine(store_url)
    configure_sessions(engine, replica=NORTH, idle_seconds=0.3)
    yield engine
    engine.dispose()
    with store.engine.connect() as connection:  # a session left frozen would hold the schema
        connection.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = :name"
            ),
            {"name": session_name(NORTH)},
        )


def upsert(connection: sa.Connection) -> None:
    """What two replicas' passes both write: the same meta rows (one multi-row statement)."""
    statement = sa.dialects.postgresql.insert(meta)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[meta.c.name], set_={"value": statement.excluded.value}
        ),
        DIRTY,
    )


def south_writes(store) -> None:
    """South writes the same rows, waiting at most two seconds for a lock."""
    with store.engine.begin() as connection:
        connection.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
        upsert(connection)


def freeze_reading(connection: sa.Connection) -> None:
    """The replica asks for a result larger than the sockets' buffers and stops reading (it is
    frozen): the server waits to send the rest, its session "active", which no idle bound
    covers."""
    pgconn = connection.connection.dbapi_connection.pgconn  # type: ignore[union-attr]
    pgconn.send_query(b"SELECT repeat('x', 10000) FROM generate_series(1, 20000)")
    pgconn.flush()


def frozen_in_write(engine: sa.Engine) -> sa.Connection:
    """A transaction that wrote the meta rows, its replica frozen while reading a result."""
    connection = engine.connect()
    connection.begin()
    upsert(connection)
    freeze_reading(connection)
    return connection


def sessions_of(store, replica: str) -> int:
    with store.engine.connect() as connection:
        return int(
            connection.execute(
                sa.text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                {"name": session_name(replica)},
            ).scalar_one()
        )


def heartbeat_lapses(north: sa.Engine) -> None:
    heartbeat(north, NORTH, 0.5)


def lease_lapses_first(north: sa.Engine) -> None:
    """Stopped after its heartbeat and before renewing Alice's lease: the lease runs out first,
    and South takes Alice over then."""
    heartbeat(north, NORTH, 30)
    assert take(north, ALICE, NORTH, 0.5) is not None


@POSTGRESQL
@pytest.mark.parametrize("lapse", [heartbeat_lapses, lease_lapses_first])
def test_the_rows_a_frozen_replica_locked_are_free_once_it_lapses(store, north, lapse) -> None:
    """North froze in the middle of a transaction that wrote rows South writes too, in a state
    the server's idle bound does not cover. Once North's heartbeat, or one of its leases, has
    lapsed South ends that transaction, and writes the rows North held."""
    lapse(north)
    frozen = frozen_in_write(north)
    time.sleep(0.8)  # past North's lapse and twice its idle bound

    ended = end_lapsed_sessions(store.engine, SOUTH)
    south_writes(store)

    assert ended == 1
    assert sessions_of(store, NORTH) == 0
    frozen.invalidate()
    frozen.close()


def ended_while_writing(store, north: sa.Engine) -> int:
    """How many sessions South ends while North is in the middle of a write; North's commit
    then goes through (it would fail had its session been ended)."""
    with north.connect() as working:
        working.begin()
        upsert(working)
        ended = end_lapsed_sessions(store.engine, SOUTH)
        working.commit()
    return ended


@POSTGRESQL
def test_a_live_replicas_open_transaction_is_left_alone(store, north) -> None:
    heartbeat(north, NORTH, 30)

    assert ended_while_writing(store, north) == 0


@POSTGRESQL
def test_a_replica_restarted_under_its_lapsed_id_keeps_its_new_sessions(store, north) -> None:
    """The sessions a replica opens after its heartbeat lapsed are a new run's (a restart
    under the same configured id), not the frozen run's."""
    heartbeat(north, NORTH, 0.2)
    time.sleep(0.3)
    north.dispose()  # the new run connects afresh

    assert ended_while_writing(store, north) == 0


def test_every_replica_has_its_own_session_name_however_long_its_id() -> None:
    host = "relmon-worker." + "eu-west-1.compute.internal." * 3
    first, second = session_name(f"{host}:4101"), session_name(f"{host}:4102")

    assert session_name(NORTH) == "relmon north:101"
    assert first != second
    assert max(len(first.encode()), len(second.encode())) <= 63
