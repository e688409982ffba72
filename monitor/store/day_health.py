"""Each client's health at the end of past days, kept so that trends are computed once.

The rows are a cache: :mod:`monitor.app.trends` decides whether one still holds (its
fingerprint) and computes the day again when not. Saving is best-effort: a store that cannot be
written to (a read-only copy, a lock held too long) costs the next query the same work again,
never an answer.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from monitor.log import get_logger
from monitor.store.db import reading
from monitor.store.schema import day_health

logger = get_logger(__name__)

#: Rows for days further back than this before the oldest day being saved are dropped.
KEEP = timedelta(days=800)


@dataclass(frozen=True, slots=True)
class StoredDay:
    client: str
    day: datetime
    fingerprint: str
    score: int | None
    sentiment_30: float | None


def read(
    engine: sa.Engine, days: Collection[datetime], clients: Collection[str] | None = None
) -> dict[tuple[str, datetime], StoredDay]:
    """The stored rows for ``days`` (of ``clients``, or of every client), by (client, day)."""
    if not days:
        return {}
    query = sa.select(
        day_health.c.client,
        day_health.c.day,
        day_health.c.fingerprint,
        day_health.c.score,
        day_health.c.sentiment_30,
    ).where(day_health.c.day.in_(sorted(days)))
    if clients is not None:
        query = query.where(day_health.c.client.in_(sorted(clients)))
    with reading(engine) as connection:
        rows = connection.execute(query).all()
    return {(row.client, row.day): StoredDay(*row) for row in rows}


def save(engine: sa.Engine, rows: Sequence[StoredDay]) -> bool:
    """Replace the rows for these (client, day) pairs; whether they were saved."""
    if not rows:
        return True
    oldest = min(row.day for row in rows)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.delete(day_health).where(
                    day_health.c.client == sa.bindparam("c"), day_health.c.day == sa.bindparam("d")
                ),
                [{"c": row.client, "d": row.day} for row in rows],
            )
            connection.execute(
                sa.insert(day_health),
                [
                    {
                        "client": row.client,
                        "day": row.day,
                        "fingerprint": row.fingerprint,
                        "score": row.score,
                        "sentiment_30": row.sentiment_30,
                    }
                    for row in rows
                ],
            )
            connection.execute(sa.delete(day_health).where(day_health.c.day < oldest - KEEP))
    except sa.exc.DBAPIError as err:
        # Another process saving the same days at once, or a store opened read-only.
        logger.warning("day_health_not_saved", rows=len(rows), error=type(err.orig).__name__)
        return False
    return True
