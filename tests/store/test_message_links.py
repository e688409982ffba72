"""Migration 0010 and the link index: re-threading finds a new message's conversation by its
links, and a store written before the index fills it once, keeping its threads."""

from __future__ import annotations

import random

import sqlalchemy as sa
from alembic import command

from monitor.sources.sink import Item
from monitor.store import Store
from monitor.store.conversations import rethread
from monitor.store.db import create_engine
from monitor.store.meta import THREADS_DIRTY, get_meta, set_meta
from monitor.store.rows import message_row
from monitor.store.schema import message_links, messages, sightings
from tests.factories import team_config
from tests.store.test_rethread import NOW, mail, store_in_batches, threads_of


def _unlinked(engine: sa.Engine) -> int:
    """Threaded messages with no link in the index."""
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count())
                .select_from(messages)
                .where(
                    messages.c.thread_id.is_not(None),
                    ~sa.exists().where(message_links.c.message == messages.c.id),
                )
            ).scalar_one()
        )


#: The revision just before the link index.
_BEFORE_LINKS = "0009"


def _save_as_then(connection: sa.Connection, items: list[Item]) -> None:
    """Store messages as a version at ``_BEFORE_LINKS`` did: today's rows, without the columns
    later revisions added (today's code writes those)."""
    written: dict[str, set[str]] = {}

    def then(table: sa.Table) -> sa.Table:
        names = {c["name"] for c in sa.inspect(connection).get_columns(table.name)}
        written[table.name] = names
        return sa.Table(
            table.name,
            sa.MetaData(),
            *(
                sa.Column(c.name, c.type, primary_key=c.primary_key)
                for c in table.c
                if c.name in names
            ),
        )

    old_messages, old_sightings = then(messages), then(sightings)
    directory = team_config().directory()
    ids: dict[str, int] = {}
    for item in items:
        row = message_row(item.result, directory, NOW, sent=False)
        if row["key"] not in ids:  # a later copy of a stored message adds only its place
            kept = {k: v for k, v in row.items() if k in written["messages"]}
            inserted = connection.execute(sa.insert(old_messages).values(kept))
            ids[row["key"]] = inserted.inserted_primary_key[0]
        place = {
            "message": ids[row["key"]],
            "account": "alice",
            "folder": "INBOX",
            "location": item.location,
            "first_seen": NOW,
        }
        connection.execute(sa.insert(old_sightings).values(place))
    set_meta(connection, THREADS_DIRTY, "1")


def test_a_store_from_before_the_index_fills_it_once_and_keeps_its_threads(
    store_url, analyzer
) -> None:
    """GIVEN mail stored by a version without the link index
    WHEN the store is opened (migrated) and re-threaded, then one more reply arrives
    THEN every message is in the index, the threads are a full rebuild's, and the reply joins
    its conversation."""
    items = list(mail(analyzer))
    old = Store(create_engine(store_url))
    with old.engine.begin() as connection:
        command.upgrade(old._alembic(connection), _BEFORE_LINKS)
        _save_as_then(connection, [Item(location, message) for location, message in items[:-1]])
    old.close()

    store = Store.open(store_url)
    with store.engine.connect() as connection:
        dirty = get_meta(connection, THREADS_DIRTY)
    rethread(store.engine)
    upgraded = threads_of(store.engine)
    store_in_batches(store.engine, items[-1:], random.Random(1))
    incremental = threads_of(store.engine)
    unlinked = _unlinked(store.engine)
    rethread(store.engine, force=True)
    full = threads_of(store.engine)
    store.close()

    assert dirty == "full"
    assert None not in upgraded.values()
    assert unlinked == 0
    assert incremental == full
    assert {k: v for k, v in full.items() if k in upgraded} == upgraded


def test_a_message_stored_again_with_more_references_is_linked_by_them(store, analyzer) -> None:
    """GIVEN a reply that lost its headers, stored and threaded
    WHEN its copy from Sent, with the references, is merged in
    THEN the index holds the new links and re-threading gives what a full rebuild gives."""
    items = list(mail(analyzer))
    store_in_batches(store.engine, items, random.Random(5))
    with store.engine.connect() as connection:
        links = connection.execute(sa.select(sa.func.count()).select_from(message_links))
        stored = int(links.scalar_one())
    incremental = threads_of(store.engine)
    rethread(store.engine, force=True)
    with store.engine.connect() as connection:
        rebuilt = int(
            connection.execute(sa.select(sa.func.count()).select_from(message_links)).scalar_one()
        )

    assert any(location.startswith("sent:") for location, _ in items)
    assert _unlinked(store.engine) == 0
    assert stored == rebuilt
    assert incremental == threads_of(store.engine)
