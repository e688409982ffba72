"""Every stored message carries a revision the database changes whenever the row does, so kept
results (trend days) can tell they are stale without reading every record again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from monitor.app.runtime import Runtime
from monitor.app.sync import ingest_paths
from monitor.app.trends import record_digest
from monitor.store.kept import counter
from monitor.store.records import load_records
from monitor.store.schema import messages
from tests.store.test_store import NOW, conversation, runtime_for, write_maildir

PLAN = "plan-1@acme-logistics.example"


def _revisions(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(sa.select(messages.c.key, messages.c.revision)).all()
    return {str(key): int(revision) for key, revision in rows}


def _stored(store_url: str, analyzer, tmp_path) -> Runtime:  # type: ignore[no-untyped-def]
    """Dana's plan, Alice's reply and Dana's thanks, stored as a sync stores them."""
    runtime = runtime_for(store_url, analyzer)
    maildir = write_maildir(tmp_path / "Maildir", conversation())
    ingest_paths(runtime, [maildir], account="alice", now=NOW)
    return runtime


def test_each_stored_message_gets_its_own_revision(store_url, analyzer, tmp_path) -> None:
    runtime = _stored(store_url, analyzer, tmp_path)

    revisions = _revisions(runtime.store.engine)
    runtime.close()

    assert len(revisions) == 3
    assert len(set(revisions.values())) == 3
    assert all(revision > 0 for revision in revisions.values())


def test_rescoring_a_stored_message_gives_it_a_new_revision_and_only_it(
    store_url, analyzer, tmp_path
) -> None:
    runtime = _stored(store_url, analyzer, tmp_path)
    before = _revisions(runtime.store.engine)

    # What a re-analysis does: the stored tone of Dana's first message changes.
    with runtime.store.engine.begin() as connection:
        connection.execute(
            sa.update(messages).where(messages.c.key == PLAN).values(sentiment=-0.8, tone=-0.8)
        )
    after = _revisions(runtime.store.engine)
    runtime.close()

    assert after[PLAN] > max(before.values())
    assert {k: v for k, v in after.items() if k != PLAN} == {
        k: v for k, v in before.items() if k != PLAN
    }


def test_a_rescored_message_changes_the_trend_fingerprint_of_the_days_after_it(
    store_url, analyzer, tmp_path
) -> None:
    runtime = _stored(store_url, analyzer, tmp_path)
    as_of = datetime(2026, 6, 30, 18, 0, tzinfo=UTC)
    engine = runtime.store.engine
    before = {r.key: record_digest(r) for r in load_records(engine, as_of=as_of)}
    with engine.begin() as connection:
        connection.execute(sa.update(messages).where(messages.c.key == PLAN).values(tone=-0.8))
    after = {r.key: record_digest(r) for r in load_records(engine, as_of=as_of)}
    runtime.close()

    assert after[PLAN] != before[PLAN]
    assert {k for k in after if after[k] != before[k]} == {PLAN}


REPLY = "plan-2@northwind-advisory.example"
INTRO = "intro@lumen-analytics.example"


def _retone(connection: sa.Connection, key: str, tone: float) -> None:
    connection.execute(sa.update(messages).where(messages.c.key == key).values(tone=tone))


def test_the_counter_moves_with_every_transaction_that_changes_a_message_and_no_other(
    store_url, analyzer, tmp_path
) -> None:
    runtime = _stored(store_url, analyzer, tmp_path)
    engine = runtime.store.engine
    stored = counter(engine)
    with engine.begin() as connection:  # reads only
        connection.execute(sa.select(sa.func.count()).select_from(messages)).scalar()
    unchanged_by_reading = counter(engine)
    with engine.connect() as connection, connection.begin() as transaction:  # rolled back
        _retone(connection, PLAN, -0.8)
        transaction.rollback()
    unchanged_by_rollback = counter(engine)
    with engine.begin() as connection:
        _retone(connection, PLAN, -0.8)
    after_rescoring = counter(engine)
    with engine.begin() as connection:  # an expunge
        connection.execute(sa.delete(messages).where(messages.c.key == PLAN))
    after_expunge = counter(engine)
    runtime.close()

    assert stored is not None and after_rescoring is not None and after_expunge is not None
    assert unchanged_by_reading == stored
    assert unchanged_by_rollback == stored
    assert after_rescoring > stored
    assert after_expunge > after_rescoring


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_two_writers_at_once_never_wait_for_each_other_on_the_counter(
    store_url, analyzer, tmp_path
) -> None:
    """Two replicas storing mail at once: each takes the counter only as it commits, so one
    commits while the other is still writing (a counter moved with each statement would hold
    the second writer's commit until the first ended: a deadlock when it waits for the other)."""
    runtime = _stored(store_url, analyzer, tmp_path)
    engine = runtime.store.engine
    before = counter(engine)
    with engine.connect() as first, engine.connect() as second:
        for connection in (first, second):
            connection.execute(sa.text("SET lock_timeout = '3s'"))
            connection.commit()
        first.begin()
        second.begin()
        _retone(first, PLAN, -0.5)
        _retone(second, REPLY, 0.6)
        first.commit()  # the second writer is still open: its changes hold no counter lock
        between = counter(engine)
        _retone(second, INTRO, 0.2)
        second.commit()
    after = counter(engine)
    runtime.close()

    assert before is not None
    assert between == before + 1
    assert after == before + 2
