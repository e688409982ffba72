"""Opening the database and keeping its schema current."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import structlog

from monitor.errors import StoreError

logger = structlog.get_logger()

MIGRATIONS = Path(__file__).parent / "migrations"
#: The newest migration. A test keeps it equal to the migrations' head; it lets a store that is
#: already current open without loading Alembic at all (a noticeable part of a CLI call).
HEAD = "0007"
# Serialises migrations when several replicas start at once against one PostgreSQL.
_PG_MIGRATION_LOCK = 0x72656C6D  # "relm"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver for them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_setup(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        # Writers take the write lock up front: two deferred transactions that both read and
        # then write would deadlock, and SQLite answers one of them "database is locked" at
        # once instead of waiting. Readers (see `reading`) stay deferred and never block.
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


READ_ONLY = "relmon_read_only"


def reading(engine: sa.Engine) -> sa.Connection:
    """A connection for queries that only read (on SQLite they do not take the write lock)."""
    return engine.connect().execution_options(**{READ_ONLY: True})


def create_engine(url: str) -> sa.Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        engine = sa.create_engine(url, connect_args={"timeout": 30})
        _sqlite_setup(engine)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


class Store:
    """An open database. ``Store.open`` applies pending migrations unless told not to."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        try:
            engine = create_engine(url)
            store = cls(engine)
            if migrate:
                store.upgrade()
        except sa.exc.OperationalError as err:
            raise StoreError(f"cannot open the database at {_safe_url(url)}: {err.orig}") from err
        except sa.exc.ArgumentError as err:
            raise StoreError(f"invalid database URL {_safe_url(url)}: {err}") from err
        return store

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def _alembic(self, connection: sa.Connection) -> Any:
        from alembic.config import Config as AlembicConfig

        config = AlembicConfig()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        return config

    def head_revision(self) -> str | None:
        from alembic.config import Config as AlembicConfig
        from alembic.script import ScriptDirectory

        config = AlembicConfig()
        config.set_main_option("script_location", str(MIGRATIONS))
        head: str | None = ScriptDirectory.from_config(config).get_current_head()
        return head

    def current_revision(self) -> str | None:
        with reading(self.engine) as connection:
            if not sa.inspect(connection).has_table("alembic_version"):
                return None
            value: str | None = connection.execute(
                sa.text("SELECT version_num FROM alembic_version")
            ).scalar()
            return value

    def upgrade(self) -> tuple[str | None, str | None]:
        """Bring the schema to the newest revision; returns (before, after)."""
        before = self.current_revision()
        if before == HEAD:
            return before, before
        from alembic import command

        with self.engine.begin() as connection:
            if self.dialect == "postgresql":
                connection.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                )
            command.upgrade(self._alembic(connection), "head")
        after = self.current_revision()
        if after != before:
            logger.info("store_migrated", before=before, after=after)
        return before, after

    def close(self) -> None:
        self.engine.dispose()


def _safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        return sa.engine.make_url(normalise_url(url)).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unparseable URL>"


def default_sqlite_url(state_dir: str | os.PathLike[str]) -> str:
    return f"sqlite:///{Path(state_dir) / 'relmon.db'}"
