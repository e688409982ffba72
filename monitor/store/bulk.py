"""Bulk statements the store's writers share: chunks of rows, inserts that ignore rows
already there, rows looked up by key, quarantine rows, fresh planner statistics, the nightly
VACUUM."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa

from monitor.core.model import Quarantined
from monitor.core.sanitise import clean_text
from monitor.sources.sink import Item
from monitor.store.schema import messages, quarantine

T = TypeVar("T")
_CHUNK = 500  # rows per statement: well under SQLite's bound-parameter limit
#: PostgreSQL: a table is analysed once it is at least this large on disk and twice its size at
#: its last ANALYZE (so about log2 times over a first import of any size).
STATISTICS_FROM_BYTES = 4 * 1024 * 1024


def chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    """``items`` in slices small enough for one statement's parameters."""
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def insert_ignoring_conflicts(connection: sa.Connection, table: sa.Table) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` in the connection's dialect (each dialect's module is
    imported here, when its engine has loaded it already: a SQLite store never loads PostgreSQL's)."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table).on_conflict_do_nothing()
    if connection.dialect.name == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table).on_conflict_do_nothing()
    raise NotImplementedError(connection.dialect.name)  # pragma: no cover


def quarantine_items(
    connection: sa.Connection,
    account: str,
    folder: str,
    bad: Sequence[tuple[Item, Quarantined]],
    now: datetime,
) -> None:
    rows = [
        {
            "account": account,
            "folder": folder[:1000],
            "location": item.location[:1000],
            "key": q.key if q.key is None or len(q.key) <= 512 else q.key[:512],
            "reason": q.reason[:64],
            "detail": clean_text(q.detail)[:2000],
            "size": item.size,
            "first_seen": now,
        }
        for item, q in bad
    ]
    for part in chunks(rows):
        connection.execute(insert_ignoring_conflicts(connection, quarantine), part)


def stored_by_key(connection: sa.Connection, keys: list[str]) -> dict[str, sa.Row[Any]]:
    found: dict[str, sa.Row[Any]] = {}
    for chunk in chunks(keys):
        for row in connection.execute(sa.select(messages).where(messages.c.key.in_(chunk))):
            found[row.key] = row
    return found


def ids_by_key(connection: sa.Connection, keys: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in chunks(keys):
        for key, ident in connection.execute(
            sa.select(messages.c.key, messages.c.id).where(messages.c.key.in_(chunk))
        ):
            ids[key] = ident
    return ids


def keep_statistics(connection: sa.Connection, tables: Sequence[sa.Table]) -> list[str]:
    """Analyse those of ``tables`` that doubled on disk since PostgreSQL last analysed them;
    returns their names (SQLite: none, its planner needs no statistics for these lookups).

    PostgreSQL plans a statement by the statistics ANALYZE gathered, and a statement that a
    connection runs again and again (psycopg prepares it after five runs) keeps the plan made
    then until the statistics change. During a first import into an empty store that plan is a
    scan of the whole table, made when it was empty, and each batch's lookup of its keys then
    reads every stored row: a first sync slows down with every message it stores. Autovacuum
    analyses a growing table in its own time where it is on; this does not wait for it."""
    if connection.dialect.name != "postgresql" or not tables:
        return []
    sizes = connection.execute(
        sa.text(
            "SELECT c.relname, pg_relation_size(c.oid) AS now,"
            " c.relpages::bigint * current_setting('block_size')::bigint AS analysed"
            " FROM pg_class c WHERE c.oid = ANY(CAST(:names AS regclass[]))"
        ),
        {"names": [table.name for table in tables]},
    ).all()
    grown = sorted(
        name
        for name, now, analysed in sizes
        if now >= STATISTICS_FROM_BYTES and now >= 2 * analysed
    )
    if grown:
        quote = connection.dialect.identifier_preparer.quote
        connection.execute(sa.text("ANALYZE " + ", ".join(quote(name) for name in grown)))
    return grown


#: The tables PostgreSQL's nightly VACUUM tidies: the mail and what links it.
_TIDIED = ("messages", "sightings", "message_links")


def tidy(engine: sa.Engine) -> list[str]:
    """PostgreSQL: VACUUM (ANALYZE) the mail tables; their names (SQLite: none).

    A query that reads only indexed columns (the number and revisions of a client's records,
    the pass after new mail asks for them) is answered from the index alone only for the table
    pages VACUUM marked all-visible; other pages are read row by row. Autovacuum does it in its
    own time where it is on; the daemon's nightly job does it after the retention purge either
    way. It takes no lock that stops reading or writing."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text(f"VACUUM (ANALYZE) {', '.join(_TIDIED)}"))
    return list(_TIDIED)
