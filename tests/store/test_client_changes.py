"""Each change to a client's messages leaves the revision counter's value beside the client
(table client_changes), written by the database in the transaction that makes it: a pass finds
the clients whose mail changed since their last evaluation without reading the messages."""

from __future__ import annotations

import sqlalchemy as sa

from monitor.store.kept import changes, counter
from monitor.store.schema import messages
from tests.store.test_revisions import INTRO, PLAN, _retone, _stored

ACME = "Acme Logistics"
FALKENBERG = "Falkenberg Maschinenbau"


def test_stored_mail_marks_its_client_and_mail_of_no_client_marks_nobody(
    store_url, analyzer, tmp_path
) -> None:
    runtime = _stored(store_url, analyzer, tmp_path)  # Dana's plan, a reply, Sam's intro

    marked, now = changes(runtime.store.engine), counter(runtime.store.engine)
    runtime.close()

    assert set(marked) == {ACME}  # Sam is a prospect, not a client
    assert now is not None and 0 < marked[ACME] <= now


def test_a_rescored_message_marks_its_client_with_the_counter_its_change_left(
    store_url, analyzer, tmp_path
) -> None:
    runtime = _stored(store_url, analyzer, tmp_path)
    engine = runtime.store.engine
    before = changes(engine)
    with engine.begin() as connection:
        _retone(connection, PLAN, -0.6)
    marked, now = changes(engine), counter(engine)
    runtime.close()

    assert marked[ACME] == now
    assert now is not None and now > before[ACME]


def test_mail_given_to_another_client_marks_the_client_it_left_and_the_one_it_joined(
    store_url, analyzer, tmp_path
) -> None:
    runtime = _stored(store_url, analyzer, tmp_path)
    engine = runtime.store.engine
    with engine.begin() as connection:
        connection.execute(
            sa.update(messages).where(messages.c.key == PLAN).values(client=FALKENBERG)
        )
    marked, now = changes(engine), counter(engine)
    runtime.close()

    assert marked == {ACME: now, FALKENBERG: now}


def test_an_expunged_message_marks_the_client_it_had(store_url, analyzer, tmp_path) -> None:
    runtime = _stored(store_url, analyzer, tmp_path)
    engine = runtime.store.engine
    with engine.begin() as connection:
        connection.execute(sa.delete(messages).where(messages.c.key == PLAN))
    marked, now = changes(engine), counter(engine)
    runtime.close()

    assert marked == {ACME: now}


def test_a_change_rolled_back_or_to_mail_of_no_client_marks_nobody(
    store_url, analyzer, tmp_path
) -> None:
    runtime = _stored(store_url, analyzer, tmp_path)
    engine = runtime.store.engine
    before = changes(engine)
    with engine.connect() as connection, connection.begin() as transaction:
        _retone(connection, PLAN, -0.8)
        transaction.rollback()
    with engine.begin() as connection:
        _retone(connection, INTRO, -0.4)  # Sam's intro: no client's mail
    after = changes(engine)
    runtime.close()

    assert after == before


def test_the_marks_come_and_go_with_their_migration_and_the_counter_keeps_moving(
    store_url, analyzer, tmp_path
) -> None:
    from alembic import command

    runtime = _stored(store_url, analyzer, tmp_path)
    store = runtime.store
    with store.engine.begin() as connection:
        command.downgrade(store._alembic(connection), "0020")
    with store.engine.begin() as connection:
        _retone(connection, PLAN, -0.3)  # the counter as migration 0019 or 0017 left it
    moved = counter(store.engine)
    tables = sa.inspect(store.engine).get_table_names()
    with store.engine.begin() as connection:
        command.upgrade(store._alembic(connection), "head")
    marked = changes(store.engine)
    with store.engine.begin() as connection:
        _retone(connection, PLAN, -0.2)
    remarked, now = changes(store.engine), counter(store.engine)
    runtime.close()

    assert "client_changes" not in tables and moved is not None
    assert marked == {ACME: moved}  # the clients with mail, at the counter then
    assert remarked == {ACME: now}
