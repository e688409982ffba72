"""The nightly retention purge: mail older than ``privacy.retention_days`` deleted, a slice
at a time, so that syncs are held up for seconds, not for the whole purge."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from monitor.store.conversations import one_at_a_time
from monitor.store.meta import THREADS_DIRTY, set_meta
from monitor.store.schema import messages, outbox, quarantine, sightings

#: Messages a purge deletes in one transaction: a nightly purge of a large share of the store
#: (400,000 messages took 21 s) would otherwise hold SQLite's write lock, and every sync, for
#: all of that time.
PURGE_SLICE = 5000


def purge_before(engine: sa.Engine, before: datetime) -> dict[str, int]:
    """Delete what is older than the retention period: messages dated before ``before`` (their
    sightings go with them), oldest first, a slice at a time, each in its own transaction (a
    purge cut short goes on at the next); then quarantine entries first seen before it, and
    sent emails."""
    gone = seen = 0
    while True:
        with engine.begin() as connection:
            ids = list(
                connection.execute(
                    sa.select(messages.c.id)
                    .where(messages.c.date < before)
                    .order_by(messages.c.date, messages.c.id)
                    .limit(PURGE_SLICE)
                ).scalars()
            )
            if not ids:
                break
            # A conversation that loses a message may have been named after it, or held
            # together by it: its other messages are threaded again (incrementally, see
            # rethread), and every other conversation stays as it is. All of them, those due
            # in a later slice too: a purge cut short leaves no message in a stale thread.
            one_at_a_time(connection)
            losing = (
                sa.select(messages.c.thread_id)
                .where(messages.c.id.in_(ids), messages.c.thread_id.is_not(None))
                .scalar_subquery()
            )
            connection.execute(
                sa.update(messages).where(messages.c.thread_id.in_(losing)).values(thread_id=None)
            )
            seen += connection.execute(
                sa.delete(sightings).where(sightings.c.message.in_(ids))
            ).rowcount
            gone += connection.execute(sa.delete(messages).where(messages.c.id.in_(ids))).rowcount
            set_meta(connection, THREADS_DIRTY, "1")
    with engine.begin() as connection:
        broken = connection.execute(
            sa.delete(quarantine).where(quarantine.c.first_seen < before)
        ).rowcount
        mailed = connection.execute(
            sa.delete(outbox).where(outbox.c.state == "sent", outbox.c.sent_at < before)
        ).rowcount
    return {"messages": gone, "sightings": seen, "quarantine": broken, "emails": mailed}


__all__ = ["PURGE_SLICE", "purge_before"]
