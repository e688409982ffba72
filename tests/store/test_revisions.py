"""Every stored message carries a revision the database changes whenever the row does, so kept
results (trend days) can tell they are stale without reading every record again."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from monitor.app.runtime import Runtime
from monitor.app.sync import ingest_paths
from monitor.app.trends import record_digest
from monitor.store.queries import load_records
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
