"""The nightly retention purge: mail older than ``privacy.retention_days`` deleted, a slice
at a time, so that syncs are held up for seconds, not for the whole purge; and with it what
relmon wrote about that mail: alerts resolved before then and every alert event from before
then (their explanations and evidence quote subjects and senders), emails done with before
then, the replies that acted on alerts, and the answers kept for the clients whose mail went
(computed from it: they would be computed again anyway)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from monitor.store.conversations import release_threads
from monitor.store.kept_tables import kept_answers
from monitor.store.schema import (
    alert_events,
    alerts,
    messages,
    outbox,
    quarantine,
    reply_actions,
    sightings,
)

#: Messages a purge deletes in one transaction: a nightly purge of a large share of the store
#: (400,000 messages took 21 s) would otherwise hold SQLite's write lock, and every sync, for
#: all of that time.
PURGE_SLICE = 5000


def purge_before(
    engine: sa.Engine, before: datetime, *, cooling_since: datetime | None = None
) -> dict[str, int]:
    """Delete what is older than the retention period: messages dated before ``before`` (their
    sightings go with them), oldest first, a slice at a time, each in its own transaction (a
    purge cut short goes on at the next); then quarantine entries first seen before it, and
    what relmon wrote about mail before it (the module's docstring). ``cooling_since``: an
    alert resolved since then is kept whatever the retention, as its cool-down still holds
    its condition back (gone, the condition would open a new alert and mail its owner)."""
    gone = seen = 0
    losers: set[str] = set()
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
            losers.update(
                connection.execute(
                    sa.select(messages.c.client)
                    .where(messages.c.id.in_(ids), messages.c.client.is_not(None))
                    .distinct()
                ).scalars()
            )
            # Every conversation losing a message is threaded again, those due in a later
            # slice too: a purge cut short leaves no message in a stale thread.
            release_threads(connection, ids)
            seen += connection.execute(
                sa.delete(sightings).where(sightings.c.message.in_(ids))
            ).rowcount
            gone += connection.execute(sa.delete(messages).where(messages.c.id.in_(ids))).rowcount
    with engine.begin() as connection:
        broken = connection.execute(
            sa.delete(quarantine).where(quarantine.c.first_seen < before)
        ).rowcount
        resolved_before = min(before, cooling_since) if cooling_since is not None else before
        written = _what_relmon_wrote(connection, before, sorted(losers), resolved_before)
    return {"messages": gone, "sightings": seen, "quarantine": broken, **written}


#: Outbox rows done with: sent, given up, or not sent as their alerts were handled first.
_DONE = ("sent", "failed", "superseded")


def _not_newest(table: sa.Table) -> sa.ColumnElement[bool]:
    """Not the row with the highest id. SQLite gives a new row the highest id plus one (these
    tables have no AUTOINCREMENT), so deleting the newest would hand its id to the next row:
    an alert's or an event's id is in its emails' Message-IDs and its webhooks' keys, and a
    reused one would thread a new alert under an old email, or be dropped as a duplicate."""
    return table.c.id < sa.select(sa.func.max(table.c.id)).scalar_subquery()


def _what_relmon_wrote(
    connection: sa.Connection, before: datetime, clients: list[str], resolved_before: datetime
) -> dict[str, int]:
    """Alerts, events, emails, replies and kept answers that tell of mail dated before
    ``before``, deleted."""
    done_at = sa.func.coalesce(outbox.c.sent_at, outbox.c.last_attempt_at, outbox.c.created_at)
    mailed = connection.execute(
        sa.delete(outbox).where(outbox.c.state.in_(_DONE), done_at < before, _not_newest(outbox))
    ).rowcount
    waiting = sa.select(outbox.c.alert).where(
        outbox.c.state.in_(("pending", "sending")), outbox.c.alert.is_not(None)
    )
    resolved = connection.execute(
        sa.delete(alerts).where(
            alerts.c.state == "resolved",
            alerts.c.resolved_at < resolved_before,
            alerts.c.id.not_in(waiting),  # an email about it still to go: it says it is handled
            _not_newest(alerts),
        )
    ).rowcount
    # Events of the alerts just deleted go with them (ON DELETE CASCADE, which SQLite applies
    # with foreign keys on, as relmon's connections have them); older events of alerts still
    # open go too: the alert itself says what holds now.
    events = connection.execute(
        sa.delete(alert_events).where(alert_events.c.at < before, _not_newest(alert_events))
    ).rowcount
    replies = connection.execute(
        sa.delete(reply_actions).where(reply_actions.c.at < before)
    ).rowcount
    # Kept answers quote what they were computed from (a client's timeline names subjects);
    # a client that lost mail has new inputs, so its answers would be computed again anyway.
    # Its past days' health (day_health) holds figures only, and stays.
    kept = 0
    if clients:
        kept = connection.execute(
            sa.delete(kept_answers).where(kept_answers.c.client.in_(clients))
        ).rowcount
    return {
        "emails": mailed,
        "alerts": resolved,
        "alert_events": events,
        "replies": replies,
        "kept_answers": kept,
    }


__all__ = ["PURGE_SLICE", "purge_before"]
