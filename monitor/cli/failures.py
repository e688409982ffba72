"""The one line a command prints when the database or the disk fails under it.

A command that meets a locked or broken database, a full disk or an unreachable server says
so in one line naming the problem and the store, and exits with status 1: no traceback, and
never the SQL or its parameters (which can carry subjects and addresses).
"""

from __future__ import annotations

import errno

import sqlalchemy as sa

from monitor.store.db import safe_url

#: (what the driver says, lower case) -> what the operator reads.
_KNOWN = (
    ("database is locked", "the database is locked by another relmon process; try again shortly"),
    (
        "database table is locked",
        "the database is locked by another relmon process; try again shortly",
    ),
    ("database or disk is full", "the disk holding the database is full; free space and retry"),
    ("file is not a database", "the store file is not a database (damaged, or not relmon's)"),
    ("database disk image is malformed", "the database file is damaged; restore it from a backup"),
    (
        "unable to open database file",
        "cannot open the database file (missing directory or permission)",
    ),
    ("readonly database", "the database file is read-only for this user"),
    ("no such table", "the database has no relmon schema; run relmon db upgrade"),
    ("connection refused", "the database server refused the connection"),
    ("could not translate host name", "the database host name does not resolve"),
    ("timeout expired", "the database server did not answer in time"),
    ("password authentication failed", "the database refused the credentials"),
    ("does not exist", "the database or its schema does not exist"),
)


def _driver_text(err: sa.exc.DBAPIError) -> str:
    """What the driver said, without the statement or its parameters."""
    orig = err.orig
    diag = getattr(orig, "diag", None)
    primary = getattr(diag, "message_primary", None)
    text = primary or (str(orig).splitlines()[0] if str(orig) else type(orig).__name__)
    return text[:200]


def database_failure(err: sa.exc.DBAPIError, url: str | None) -> str:
    said = _driver_text(err)
    where = f" ({safe_url(url)})" if url else ""
    for needle, meaning in _KNOWN:
        if needle in said.lower():
            return f"{meaning}{where}"
    return f"database error{where}: {said}"


def disk_failure(err: OSError) -> str:
    place = f": {err.filename}" if err.filename else ""
    if err.errno == errno.ENOSPC:
        return f"no space left on the disk{place}; free space and retry"
    if err.errno == errno.EDQUOT:
        return f"disk quota exceeded{place}"
    return f"{err.strerror or type(err).__name__}{place}"


def describe(err: BaseException, url: str | None = None) -> str | None:
    """The one-line explanation of a failure a command cannot recover from, or None for a
    failure that is a bug (and keeps its traceback)."""
    if isinstance(err, sa.exc.DBAPIError):
        return database_failure(err, url)
    if isinstance(err, MemoryError):
        return "out of memory"
    if isinstance(err, OSError):
        return disk_failure(err)
    return None
