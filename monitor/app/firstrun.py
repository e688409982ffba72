"""First runs and dry runs: how relmon starts without burying anyone in old alerts.

The first evaluation of a client records its alerts like any other, but instead of an email per
alert its owner gets one summary of every client relmon started watching for them in that
evaluation (:mod:`monitor.alerts.summary`); the summary carries the alerts' events, so the
daily digest does not repeat them and sending it marks them notified. A new installation is
the case where every client is new.

A dry run holds every notification in the outbox: owners and operators see with
`relmon alerts send` what would be sent, and nothing is, until `relmon alerts go-live` (or, by
default, the end of the first day after the installation's first evaluation).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa

from monitor.alerts.channel import OutboxKind
from monitor.alerts.email_channel import EmailChannel, outgoing
from monitor.alerts.outbox import waiting
from monitor.alerts.store import StoredAlert, Transition, enqueue
from monitor.alerts.summary import SummaryAlert, SummaryClient, summary_email
from monitor.clock import iso
from monitor.config import Config
from monitor.core import durations
from monitor.store.alerting import delivery_started
from monitor.store.alerts import carry

#: How long the default dry run lasts after the installation's first evaluation.
FIRST_DAY = timedelta(days=1)


def holding(setting: bool | None, started: datetime, live: datetime | None, now: datetime) -> bool:
    """Whether notifications are held at ``now``: ``setting`` is ``[alerts] dry_run`` (None: the
    first day), ``started`` the first evaluation, ``live`` when `go-live` ended the dry run.
    Going live is a switch, not a moment: an evaluation dated before it (a clock behind the
    one that recorded it) does not start holding again."""
    if setting is False or live is not None:
        return False
    return setting is True or now < started + FIRST_DAY


def dry_run(config: Config, engine: sa.Engine, now: datetime) -> datetime | None:
    """Until when notifications are held (``datetime.max`` in UTC: until go-live); None when
    they are sent."""
    started, live = delivery_started(engine, now)
    if not holding(config.alerts.dry_run, started, live, now):
        return None
    if config.alerts.dry_run is True:
        return datetime.max.replace(tzinfo=now.tzinfo)
    return started + FIRST_DAY


def summary_entry(client: str, active: Sequence[StoredAlert]) -> SummaryClient:
    """A new client as its owner's summary lists it: its alerts now open, worst first."""
    ordered = sorted(active, key=lambda a: (-a.severity.rank, a.id))
    return SummaryClient(
        client,
        tuple(SummaryAlert(a.id, a.kind, a.severity.value, a.explanation) for a in ordered),
    )


def enqueue_summary(
    connection: sa.Connection,
    channel: EmailChannel,
    config: Config,
    *,
    owner: str,
    entries: Sequence[tuple[SummaryClient, Sequence[Transition]]],
    now: datetime,
    also: bool = False,
) -> int:
    """One summary email to ``owner`` in the outbox, carrying every event it tells of."""
    cc = [a for a in channel.copy_to if a != owner]
    message = summary_email(
        [entry for entry, _ in entries],
        owner=owner,
        sender=channel.sender,
        sender_name=channel.sender_name,
        cc=cc,
        when=now,
        tz=config.owner_tz(owner),
        digest_hour=config.alerts.digest_hour,
        also=also,
    )
    item = outgoing(message, kind=OutboxKind.SUMMARY, recipients=[owner, *cc], not_before=now)
    row = enqueue(connection, item, now=now)
    events = [t.event_id for _, transitions in entries for t in transitions if t.route]
    if events:
        carry(connection, events, row)
    return row


def held_back(
    config: Config, engine: sa.Engine, now: datetime, until: datetime
) -> tuple[list[dict[str, object]], str]:
    """A dry run's delivery: what would be sent (nothing is), and why it is not."""
    held: list[dict[str, object]] = [
        {
            "subject": item.subject,
            "recipients": list(item.recipients),
            "channel": item.channel,
            "due": iso(max(due_at, now)),
        }
        for item, due_at in waiting(engine)
    ]
    end = "`relmon alerts go-live`"
    if until.year != 9999:
        end = f"{durations.full(until, config.team.tz)} or {end}"
    return held, f"dry run: nothing is sent until {end}"
