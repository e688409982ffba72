"""Opening the database and keeping its schema current."""

from __future__ import annotations

import ast
import functools
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from monitor.errors import StoreError
from monitor.log import get_logger

logger = get_logger()

MIGRATIONS = Path(__file__).parent / "migrations"
# Serialises migrations when several replicas start at once against one PostgreSQL.
_PG_MIGRATION_LOCK = 0x72656C6D  # "relm"


@functools.cache
def newest_revision() -> str | None:
    """The migrations' head, read from the ``revision`` and ``down_revision`` of each file in
    ``migrations/versions``: the one revision no other revises (``None`` unless exactly one).

    It lets a store that is already current open without loading Alembic at all (about a tenth
    of a second, a noticeable part of a CLI call). Alembic stays the authority: a test keeps
    this equal to :meth:`Store.head_revision`, which asks Alembic's ``ScriptDirectory``.
    """
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        names = _module_constants(path, ("revision", "down_revision"))
        revision, down = names.get("revision"), names.get("down_revision")
        if isinstance(revision, str):
            revisions.add(revision)
        if isinstance(down, str):
            revised.add(down)
        elif isinstance(down, tuple | list):  # a merge revises several
            revised.update(str(d) for d in down)
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 else None


def _module_constants(path: Path, names: tuple[str, ...]) -> dict[str, Any]:
    """Literal module-level assignments of ``names`` in a Python file, without importing it."""
    found: dict[str, Any] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name) and target.id in names:
                try:
                    found[target.id] = ast.literal_eval(value)
                except ValueError:
                    continue
    return found


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
        # Deleted rows and text removed by the privacy settings are overwritten, not left in
        # free pages for anyone who reads the file (some SQLite builds do this by default).
        cursor.execute("PRAGMA secure_delete=ON")
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
            try:
                _private_sqlite_files(Path(path))
            except OSError as err:
                raise StoreError(
                    f"store.url: cannot create or open the database {path!r}: {err.strerror or err}"
                ) from err
        engine = sa.create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        _sqlite_setup(engine)
        return engine
    from monitor.store.schema import give_postgresql_options

    give_postgresql_options()
    # hide_parameters: an error's text (logs, tracebacks) never carries subjects or addresses.
    return sa.create_engine(
        url, pool_pre_ping=True, pool_size=5, max_overflow=5, hide_parameters=True
    )


def _owner_only(path: Path, mode: int) -> None:
    """Take group and other permissions off ``path``, saying so when it had any."""
    current = path.stat().st_mode & 0o777
    if current & 0o077:
        path.chmod(mode)
        logger.warning("permissions_tightened", path=str(path), was=oct(current), now=oct(mode))


def _private_sqlite_files(path: Path) -> None:
    """The database, its WAL and shared-memory files 0600; relmon's state directory 0700.

    Mail metadata is sensitive, and outside systemd (which sets ``UMask=0077``) a default umask
    would leave the files readable by every local user. SQLite creates ``-wal`` and ``-shm`` with
    the permissions of the database file, so creating that one 0600 covers the others; files and
    a state directory left open by an earlier version are tightened, with a log line. A folder
    the user chose for the database is theirs: it is created 0700 but never changed.
    """
    from monitor.config.paths import state_directory

    if path.exists() and not path.is_file():
        # Never change the permissions of what the path names: a directory given by mistake
        # (a home or a shared folder) would be locked to everyone.
        kind = "a directory" if path.is_dir() else "not a regular file"
        raise StoreError(f"store.url: {str(path)!r} is {kind}, not a database file")
    folder = path.parent
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)
    elif folder.resolve() == state_directory().resolve():
        _owner_only(folder, 0o700)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists():
            _owner_only(file, 0o600)


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
            raise StoreError(f"cannot open the database at {safe_url(url)}: {err.orig}") from err
        except sa.exc.ArgumentError as err:
            raise StoreError(f"invalid database URL {safe_url(url)}: {err}") from err
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
        if before is not None and before == newest_revision():
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


def safe_url(url: str) -> str:
    """The URL without its password, in the authority or the query, for messages and logs."""
    try:
        parsed = sa.engine.make_url(normalise_url(url))
    except sa.exc.ArgumentError:
        return "<unparseable URL>"
    from monitor.config.store import SECRET_PARAMETERS

    hidden = {key: "***" for key in parsed.query if key.casefold() in SECRET_PARAMETERS}
    rendered = parsed.update_query_dict(hidden).render_as_string(hide_password=True)
    return rendered.replace("%2A%2A%2A", "***")


def default_sqlite_url(state_dir: str | os.PathLike[str]) -> str:
    return f"sqlite:///{Path(state_dir) / 'relmon.db'}"
