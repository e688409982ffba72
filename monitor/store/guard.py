"""What the store refuses, said without the refused values.

Normalisation already makes every value fit (:mod:`monitor.core.sanitise`); this is the guard
behind it: a row that would still not fit its columns is quarantined by name of the column, and
a database error is described by its type and a message with no value in it, never by
``str(err)``, which carries the SQL statement and its parameters (subjects, addresses).
"""

from __future__ import annotations

import functools
import re
from typing import Any

import sqlalchemy as sa

_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'|\([^()]*=[^()]*\)")


def row_problem(table: sa.Table, row: dict[str, Any]) -> str | None:
    """Why ``row`` cannot be written to ``table`` on some backend (a text too long for its
    column, a NUL), naming the column only; ``None`` when it fits."""
    for name, length in _lengths(table):
        value = row.get(name)
        if not isinstance(value, str):
            continue
        if "\x00" in value:
            return f"{name} contains a NUL character"
        if length is not None and len(value) > length:
            return f"{name} is longer than its {length} characters"
    return None


@functools.cache
def _lengths(table: sa.Table) -> tuple[tuple[str, int | None], ...]:
    """Each column's name and greatest length, in the table's order (read once per table: every
    stored message is checked)."""
    return tuple((column.name, getattr(column.type, "length", None)) for column in table.columns)


def is_store_error(err: BaseException) -> bool:
    """An error raised by the database or its driver."""
    return isinstance(err, sa.exc.SQLAlchemyError)


def describe_error(err: BaseException) -> str:
    """A one-line description of ``err`` fit for logs, ``account_state`` and the operator's
    email: for a database error its type, SQLSTATE and primary message with quoted values
    removed; never the statement or its parameters."""
    if not isinstance(err, sa.exc.SQLAlchemyError):
        return str(err) or type(err).__name__
    original = getattr(err, "orig", None)
    if original is None:
        return f"database error: {type(err).__name__}"
    name = type(original).__name__
    diag = getattr(original, "diag", None)
    state = getattr(original, "sqlstate", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    if primary is None:
        # psycopg's own refusals (a NUL in a text value) and sqlite3's messages have no
        # diagnostics; their text names no value, but only the first line is kept anyway.
        primary = str(original).splitlines()[0] if str(original) else None
    text = f"database error: {name}"
    if state:
        text += f" (SQLSTATE {state})"
    if primary:
        text += ": " + _QUOTED.sub("…", primary)[:300]
    return text
