"""Leases in PostgreSQL: who syncs which account when several replicas share one database, and
the fence that keeps a replica that stalled past its lease from committing anything.

North and South are two replicas of the same installation."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from monitor.config import Privacy
from monitor.core.model import Message
from monitor.errors import LeaseLost
from monitor.sources.pipeline import from_raw
from monitor.sources.sink import FolderState, FolderWrite, Item
from monitor.store.leases import (
    account_lease,
    bound_transaction,
    heartbeat,
    hold,
    leave,
    live_replicas,
    release,
    renew,
    take,
)
from monitor.store.schema import folder_state, messages, sightings
from monitor.store.sessions import configure_sessions
from monitor.store.sink import StoreSink
from tests.factories import email, team_config

pytestmark = pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
NORTH, SOUTH = "north:101", "south:202"
ALICE = account_lease("alice")


def item(location: str, message_id: str, analyzer) -> Item:
    result = from_raw(email(message_id=message_id), analyzer=analyzer, privacy=Privacy())
    assert isinstance(result, Message)
    return Item(location=location, result=result, size=100)


def counts(store) -> tuple[int, int, int]:
    with store.engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in (messages, sightings, folder_state)
        )


def test_a_free_lease_is_taken_and_refused_to_another_replica_while_it_lasts(store) -> None:
    north = take(store.engine, ALICE, NORTH, 30)

    south = take(store.engine, ALICE, SOUTH, 30)

    assert north is not None and north.generation == 1 and north.holder == NORTH
    assert south is None


def test_a_renewal_keeps_the_generation_and_pushes_the_expiry_on(store) -> None:
    north = take(store.engine, ALICE, NORTH, 30)
    assert north is not None
    time.sleep(0.05)

    renewed = renew(store.engine, north)

    assert renewed is not None
    assert renewed.generation == north.generation
    assert renewed.expires_at > north.expires_at


def test_an_expired_lease_passes_to_another_replica_with_a_new_generation(store) -> None:
    north = take(store.engine, ALICE, NORTH, 0.3)
    assert north is not None
    time.sleep(0.4)

    south = take(store.engine, ALICE, SOUTH, 30)

    assert south is not None and south.generation == north.generation + 1
    assert renew(store.engine, north) is None
    assert take(store.engine, ALICE, NORTH, 30) is None


def test_a_lapsed_lease_is_never_quietly_renewed_even_when_nobody_took_it(store) -> None:
    """A replica that was paused past its lease must take it again, with a new generation, so
    whatever it was doing under the old one is fenced off."""
    north = take(store.engine, ALICE, NORTH, 0.3)
    assert north is not None
    time.sleep(0.4)

    renewed = renew(store.engine, north)
    again = take(store.engine, ALICE, NORTH, 30)

    assert renewed is None
    assert again is not None and again.generation == north.generation + 1


def test_a_released_lease_is_free_for_another_replica_at_once(store) -> None:
    north = take(store.engine, ALICE, NORTH, 30)
    assert north is not None

    released = release(store.engine, north)
    south = take(store.engine, ALICE, SOUTH, 30)

    assert released
    assert south is not None and south.generation == 2


def test_a_batch_written_under_the_lease_is_committed_with_its_cursor(store, analyzer) -> None:
    north = take(store.engine, ALICE, NORTH, 30)
    sink = StoreSink(store.engine, team_config().directory(), account="alice", now=NOW, lease=north)
    cursor = FolderState(account="alice", folder="INBOX", uidvalidity=1, last_uid=2)

    sink.write(
        "INBOX",
        FolderWrite(items=[item("1:1", "m1@acme-logistics.example", analyzer)], cursor=cursor),
    )

    assert counts(store) == (1, 1, 1)


def test_a_replica_that_lost_its_lease_commits_neither_the_batch_nor_the_cursor(
    store, analyzer
) -> None:
    """GIVEN North held Alice's account and stalled past its lease
    WHEN South took the account over and North, resuming, writes the batch it had fetched
    THEN North's write is refused and rolled back whole: no message, sighting or cursor."""
    north = take(store.engine, ALICE, NORTH, 0.3)
    sink = StoreSink(store.engine, team_config().directory(), account="alice", now=NOW, lease=north)
    time.sleep(0.4)
    assert take(store.engine, ALICE, SOUTH, 30) is not None
    batch = [item(f"1:{n}", f"m{n}@acme-logistics.example", analyzer) for n in (1, 2)]
    cursor = FolderState(account="alice", folder="INBOX", uidvalidity=1, last_uid=2)

    with pytest.raises(LeaseLost):
        sink.write("INBOX", FolderWrite(items=batch, cursor=cursor))

    assert counts(store) == (0, 0, 0)


def test_a_lapsed_lease_nobody_took_is_refused_at_commit_too(store, analyzer) -> None:
    north = take(store.engine, ALICE, NORTH, 0.3)
    sink = StoreSink(store.engine, team_config().directory(), account="alice", now=NOW, lease=north)
    time.sleep(0.4)

    with pytest.raises(LeaseLost):
        sink.write("INBOX", FolderWrite(items=[item("1:1", "m1@acme-logistics.example", analyzer)]))

    assert counts(store) == (0, 0, 0)


def test_a_take_over_waits_for_a_commit_already_past_the_fence(store) -> None:
    """GIVEN North passed the fence of a commit just before its lease expired
    WHEN South tries to take the lease over before North's commit ends
    THEN South is refused until North has committed: the two never overlap."""
    north = take(store.engine, ALICE, NORTH, 0.5)
    assert north is not None
    connection = store.engine.connect()
    transaction = connection.begin()
    hold(connection, north)
    time.sleep(0.6)

    while_committing = take(store.engine, ALICE, SOUTH, 30)
    transaction.commit()
    connection.close()
    afterwards = take(store.engine, ALICE, SOUTH, 30)

    assert while_committing is None
    assert afterwards is not None and afterwards.generation == north.generation + 1


def test_the_server_ends_a_write_whose_replica_froze_for_a_lease_length(store) -> None:
    """A replica stopped mid-batch keeps no locks for longer than its lease: the server ends
    its transaction, and the write it resumes with fails instead of committing."""
    north = take(store.engine, ALICE, NORTH, 0.5)
    assert north is not None
    connection = store.engine.connect()
    connection.begin()
    bound_transaction(connection, north)
    connection.execute(sa.text("SELECT 1"))
    time.sleep(1.0)

    with pytest.raises(sa.exc.DBAPIError):
        connection.execute(sa.text("SELECT 1"))
        connection.commit()
    connection.invalidate()
    connection.close()


def test_live_replicas_are_those_whose_heartbeat_has_not_expired(store) -> None:
    heartbeat(store.engine, NORTH, 0.3)
    heartbeat(store.engine, SOUTH, 30)
    both = live_replicas(store.engine)
    time.sleep(0.4)

    after_north_stalled = live_replicas(store.engine)
    leave(store.engine, SOUTH)

    assert both == [NORTH, SOUTH]
    assert after_north_stalled == [SOUTH]
    assert live_replicas(store.engine) == []


def test_two_replicas_asking_at_once_never_both_get_the_lease(store) -> None:
    got: list[object] = []
    start = threading.Barrier(2)

    def ask(holder: str) -> None:
        start.wait()
        got.append(take(store.engine, ALICE, holder, 30))

    threads = [threading.Thread(target=ask, args=(h,)) for h in (NORTH, SOUTH)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(lease is not None for lease in got) == [False, True]


def test_a_replica_frozen_inside_any_transaction_loses_it_after_the_bound(store_url) -> None:
    """Not only sync batches: a replica stopped in any transaction (a thread rebuild) has it
    ended by the server, and the rows it locked are free for the others again."""
    engine = sa.create_engine(store_url)
    configure_sessions(engine, replica=NORTH, idle_seconds=0.5)
    connection = engine.connect()
    connection.begin()
    connection.execute(sa.text("SELECT 1"))
    time.sleep(1.0)

    with pytest.raises(sa.exc.DBAPIError):
        connection.execute(sa.text("SELECT 1"))
    connection.invalidate()
    connection.close()
    engine.dispose()
