"""The store's own settings (table ``meta``): a name and its value.

Kept apart from the messages' code: opening a runtime reads one of them (whether the messages'
attribution is current) before anything else, and a query must not load the writers for it.
"""

from __future__ import annotations

import zlib

import sqlalchemy as sa

from monitor.store.schema import meta

#: Set in the transaction that adds messages; cleared by :func:`~monitor.store.conversations.rethread`.
THREADS_DIRTY = "threads_dirty"
#: The fingerprint of the configuration the messages' direction and client were worked out with.
ATTRIBUTION = "attribution_fingerprint"
#: What that configuration made of each address and domain it names (JSON): the next change is
#: compared with it, so only the messages naming what changed are attributed again.
ATTRIBUTION_ROLES = "attribution_roles"
#: "1" while messages may hold their text (the store was opened with ``privacy.store_snippets``
#: on since the text was last forgotten; :mod:`monitor.store.forget`).
TEXT_KEPT = "text_kept"


def get_meta(connection: sa.Connection, name: str) -> str | None:
    value: str | None = connection.execute(
        sa.select(meta.c.value).where(meta.c.name == name)
    ).scalar()
    return value


def has_meta(connection: sa.Connection, name: str) -> bool:
    """Whether ``name`` has a value (without reading it)."""
    query = sa.select(sa.literal(1)).where(meta.c.name == name)
    return connection.execute(query).first() is not None


def set_meta(connection: sa.Connection, name: str, value: str) -> None:
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        statement = postgresql.insert(meta).values(name=name, value=value)
        connection.execute(
            statement.on_conflict_do_update(index_elements=["name"], set_={"value": value})
        )
    else:
        from sqlalchemy.dialects import sqlite

        statement_lite = sqlite.insert(meta).values(name=name, value=value)
        connection.execute(
            statement_lite.on_conflict_do_update(index_elements=["name"], set_={"value": value})
        )


__all__ = [
    "ATTRIBUTION",
    "ATTRIBUTION_ROLES",
    "TEXT_KEPT",
    "THREADS_DIRTY",
    "get_meta",
    "has_meta",
    "set_meta",
]


def in_turn(connection: sa.Connection, name: str, *, shared: bool = False) -> None:
    """Wait until no other transaction that may change setting ``name`` is open, then hold that
    turn to the end of this one; read the setting after this, not before. Processes sharing
    PostgreSQL would otherwise each act on the value they read and apply one change twice.
    ``shared``: only read by what this transaction does, alongside others that only read it;
    a change waits for them all. (SQLite's writers take turns already.)"""
    if connection.dialect.name == "postgresql":
        key = zlib.crc32(f"relmon meta {name}".encode())
        lock = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        connection.execute(sa.text(f"SELECT {lock}(:key)"), {"key": key})
