"""Each owner's daily digest of warnings, at their local digest hour.

Once per owner and local day (a restart never makes a second one, nor does a second process
running at the same moment), and skipped when there is nothing to say. The day's record, the
digest row and the link from each carried event to it are written in one transaction; the
warnings come from the alerts themselves, one entry per alert; the owner's replies that acted
on alerts since the last email are confirmed in it (and make a digest worth sending).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, tzinfo

import sqlalchemy as sa

from monitor.alerts.channel import Channel, DigestNote
from monitor.alerts.render import DigestEntry
from monitor.alerts.weekly import reply_sentence
from monitor.app.channels import channels_for, enqueue_all
from monitor.app.owners import addresses, people
from monitor.app.runtime import Runtime
from monitor.store.alerting import claim_digest, link_digest, pending_warnings, record_digest
from monitor.store.leases import Lease, hold
from monitor.store.replies import confirm, unconfirmed


def _digest(
    connection: sa.Connection,
    channels: Sequence[Channel],
    owner: str,
    day: date,
    tz: tzinfo,
    now: datetime,
    addresses: Sequence[str],
) -> int:
    """Queue one owner's digest for ``day`` if it is due and has something to say; 1 if so.
    ``addresses``: every address of the owner's person, which their alerts may be under."""
    if not claim_digest(connection, owner, day, now):
        return 0
    pending = pending_warnings(connection, addresses)
    replies = unconfirmed(connection, addresses)
    outbox_id = None
    queued = 0
    if (pending or replies) and channels:
        entries = tuple(
            DigestEntry(w.alert_id, w.client, w.kind, w.severity, w.explanation, w.opened_at)
            for w in pending
        )
        done = tuple(reply_sentence(r, tz) for r in replies)
        note = DigestNote(
            entries=entries, owner=owner, day=day.isoformat(), when=now, tz=tz, done=done
        )
        rows = enqueue_all(connection, (c.digest(note) for c in channels), now=now)
        # The first channel's row (email, when configured) carries the events: its delivery
        # marks the alerts notified.
        outbox_id = rows[0] if rows else None
        if outbox_id is not None:
            link_digest(connection, [w.alert_id for w in pending], outbox_id)
            record_digest(connection, owner, day, outbox_id)
            confirm(connection, [r.key for r in replies], outbox_id)
        queued = 1
    return queued


def send_digests(runtime: Runtime, *, now: datetime, lease: Lease | None = None) -> int:
    """Each owner's daily digest of warnings, at their local digest hour; once a day, skipped
    when there is nothing to say. Returns how many digests were queued. ``lease``: the
    evaluation's (several replicas), checked before each owner's digest commits."""
    config = runtime.config
    channels = channels_for(config, delivering=False)
    queued = 0
    for owner in people(config):  # one digest a person, whichever address owns their clients
        tz = config.owner_tz(owner)
        local = now.astimezone(tz)
        if local.hour < config.alerts.digest_hour:
            continue
        mine = addresses(config, owner)
        with runtime.store.engine.begin() as connection:
            queued += _digest(connection, channels, owner, local.date(), tz, now, mine)
            if lease is not None:
                hold(connection, lease)  # LeaseLost: this owner's digest rolls back
    return queued
