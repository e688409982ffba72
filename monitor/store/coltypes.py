"""Column types the schema shares: instants kept as aware UTC on every backend."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in, aware UTC out, on every backend (SQLite stores no zone at all)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(
                f"naive datetime {value!r} refused by the store; make it aware UTC first"
            )
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else stored_instant(value)


#: The length of an instant as SQLAlchemy writes it to SQLite: "2026-03-02 09:15:30.250000".
_SQLALCHEMY_TEXT = 26


def stored_instant(value: datetime | str) -> datetime:
    """A stored instant as aware UTC: SQLite gives its text (naive UTC), PostgreSQL an aware
    datetime."""
    if isinstance(value, str):
        if len(value) == _SQLALCHEMY_TEXT:
            # Naive UTC text read as UTC in one parse: a tenth of the cost of parsing it and
            # then replacing its zone, on every record read.
            try:
                instant = datetime.fromisoformat(value + "+00:00")
            except ValueError:  # text of that length in another form: read as it says
                pass
            else:
                if instant.tzinfo is not None:
                    return instant
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
