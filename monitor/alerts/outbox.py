"""Delivering the outbox: claim each row atomically, hand it to its channel, record every attempt.

Claiming is a conditional UPDATE that must change exactly one row, so two workers (two daemon
replicas on one PostgreSQL, or the daemon and a `relmon alerts send`) never send the same row.
A claim holds for :data:`CLAIM` from the moment that row is claimed, by the database's clock
(not from the start of the delivery loop, and not by the worker's own clock, which may be
wrong): a row is claimed just before it is sent, and no other worker can take it while the
claim holds. It expires only so that a row claimed by a worker that died is sent later.

The guarantee (docs/delivery.md): each notification is sent at most once, except that a crash
between the receiver's acceptance and the commit that records it sends it again when the claim
expires. Its identity (an email's Message-ID, a webhook's idempotency key) is derived from the
alert and the transition, so the receiver sees the same notification again, which mail
programs collapse, not a new one. A crash before sending loses nothing: the row is sent once
when the claim expires. Claims, retries and backoff are the same for every channel.
"""

from __future__ import annotations

import os
import random
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from monitor.alerts.channel import Channel, DeliveryError, OutboxItem, OutboxKind, OutboxState
from monitor.alerts.model import Route
from monitor.alerts.store import mark_notified
from monitor.core.alerts import State
from monitor.faults import crash_point
from monitor.log import get_logger
from monitor.store import alerts as alert_rows
from monitor.store import outbox as rows

logger = get_logger()
# Far longer than one send takes (an SMTP conversation times out after timeout_seconds per
# step), and short enough that a row a dead worker claimed goes out the same hour.
CLAIM = timedelta(minutes=10)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


#: An email the receiver may have taken (the connection was lost after the whole message went
#: out, before the answer) is sent at most this many times. Sending it again is right when the
#: receiver dropped it, but a relay that takes mail and then drops the connection would get a
#: copy at every retry, a dozen of one alert.
UNCONFIRMED_AT_MOST = 3


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes up to an hour, with jitter so retries of many emails spread out."""
    base = min(3600.0, 60.0 * 2 ** max(0, attempts - 1))
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


@dataclass
class DispatchReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    superseded: int = 0  # not sent: the owner handled its alerts first
    stopped: str | None = None  # why delivery stopped early (credentials, server unreachable)


def claim(
    engine: sa.Engine, row_id: int, worker: str, now: datetime, hold: timedelta = CLAIM
) -> bool:
    """Take one row due at ``now`` for ``worker`` for ``hold`` from now, by the database's
    clock."""
    return rows.claim(engine, row_id, worker, hold, now)


def due(
    engine: sa.Engine,
    now: datetime,
    limit: int,
    channels: Sequence[str] | None = None,
    only: Sequence[int] | None = None,
) -> list[tuple[int, str]]:
    """Rows due now (through ``channels``, of ``only`` these rows, when given), oldest first,
    with their channel."""
    return rows.due(engine, now, limit, channels, only)


def _item(row: sa.Row[Any]) -> OutboxItem:
    return OutboxItem(
        id=row.id,
        channel=row.channel,
        identity=row.message_id,
        kind=OutboxKind(row.kind),
        recipients=row.recipients,
        subject=row.subject,
        payload=row.payload,
        attempts=row.attempts,
        alert=row.alert,
        unconfirmed=row.unconfirmed,
    )


def _claimed(engine: sa.Engine, row_id: int) -> OutboxItem:
    return _item(rows.get(engine, row_id))


def queued(engine: sa.Engine, channel: str | None = None) -> list[OutboxItem]:
    """Every row in the outbox (of one channel), oldest first: the demo writes them to files."""
    return [_item(row) for row in rows.rows(engine, channel)]


def _unexpected(item: OutboxItem, err: Exception) -> DeliveryError:
    """A fault of relmon's own in a channel (no delivery error describes it): a failed attempt,
    retried with backoff like a transient one."""
    logger.error("alert_delivery_fault", outbox=item.id, error=type(err).__name__)
    return DeliveryError(f"{type(err).__name__}: {err}", permanent=False)


def _waits(
    engine: sa.Engine, item: OutboxItem, err: DeliveryError, *, worker: str, now: datetime
) -> None:
    """The channel cannot send anything now (rejected credentials, a failed TLS check, an
    unreachable server): the row stays pending, due again at the next run, and the attempt is
    not counted; a row is given up only for what is wrong with it, never because the channel
    was down for longer than its retries last."""
    rows.record_failure(
        engine,
        item.id,
        worker,
        give_up=False,
        attempts=item.attempts,
        unconfirmed=item.unconfirmed,
        error=str(err),
        now=now,
        retry_at=now,
    )


#: How often the log says again that a channel still cannot send (its first word is at once).
WAITS_SAID_EVERY = timedelta(hours=1)
_waits_said: dict[str, tuple[str, datetime]] = {}  # channel → (reason, when) said last


def _say_waits(channel: str, reason: str, now: datetime) -> None:
    """The log says why a channel's emails wait: when it first stops, when the reason changes,
    and hourly while it lasts (after a restart too), not at every run."""
    said = _waits_said.get(channel)
    if said is not None and said[0] == reason and now - said[1] < WAITS_SAID_EVERY:
        return
    _waits_said[channel] = (reason, now)
    logger.warning("alert_delivery_waits", channel=channel, reason=reason)


def _failed(
    engine: sa.Engine,
    item: OutboxItem,
    err: DeliveryError,
    *,
    worker: str,
    now: datetime,
    max_attempts: int,
) -> bool:
    """Record a failed attempt: retried after a backoff, or given up. True when given up."""
    attempts = item.attempts + 1
    unconfirmed = item.unconfirmed + int(err.unconfirmed)
    error = str(err)
    if unconfirmed >= UNCONFIRMED_AT_MOST:
        error += (
            f"; the receiver may have taken it {unconfirmed} times without answering: "
            "not sent again, so its recipients get no more copies"
        )
    give_up = err.permanent or attempts >= max_attempts or unconfirmed >= UNCONFIRMED_AT_MOST
    rows.record_failure(
        engine,
        item.id,
        worker,
        give_up=give_up,
        attempts=attempts,
        error=error,
        now=now,
        retry_at=now if give_up else now + backoff(attempts),
        unconfirmed=unconfirmed,
    )
    if give_up:
        logger.error(
            "alert_email_failed",
            outbox=item.id,
            channel=item.channel,
            message_id=item.identity,
            attempts=attempts,
            error=error,
            permanent=err.permanent,
        )
    else:
        logger.warning(
            "alert_email_retry",
            outbox=item.id,
            channel=item.channel,
            attempts=attempts,
            error=str(err),
        )
    return give_up


#: Alert states in which an owner has handled the alert: an email about it that has not left
#: yet says nothing the owner needs (the lifecycle re-opens an alert that gets worse).
HANDLED = frozenset({State.ACKNOWLEDGED.value, State.SNOOZED.value, State.RESOLVED.value})


def _about(connection: sa.Connection, item: OutboxItem) -> list[int]:
    """The alerts an alert email or a summary tells of."""
    carried = list(alert_rows.carried_by(connection, item.id))
    return carried or ([item.alert] if item.alert is not None else [])


def superseded(engine: sa.Engine, item: OutboxItem) -> bool:
    """Whether every alert this row tells of was acknowledged, snoozed or resolved since it was
    written (an email held by quiet hours, retried, or waiting for a dry run to end), or, for
    an email, was handed over to another owner since (the new owner is told by an email of its
    own; an owner renamed to an alias of the same person is no hand-over). A first-run summary
    is always sent: it also tells the owner what relmon now watches."""
    if item.kind is not OutboxKind.ALERT:
        return False
    with engine.connect() as connection:
        about = _about(connection, item)
        found = alert_rows.states(connection, about)
        moved = alert_rows.handed_over_since(connection, about, item.id)
    if not about:
        return True  # its alerts are gone (resolved long ago, purged): nothing left to say

    def told_elsewhere(alert: int) -> bool:
        state, _ = found.get(alert, (State.RESOLVED.value, ""))
        return state in HANDLED or (item.channel == "email" and alert in moved)

    return all(told_elsewhere(a) for a in about)


def _sent(engine: sa.Engine, item: OutboxItem, now: datetime) -> None:
    """Record the delivery, and that the owners of what it carried have been told."""
    with engine.begin() as connection:
        rows.record_sent(connection, item.id, item.attempts + 1, now)
        if item.kind in (OutboxKind.ALERT, OutboxKind.SUMMARY):
            mark_notified(connection, _about(connection, item), now, how=Route.IMMEDIATE)
        elif item.kind is OutboxKind.OPERATOR and item.alert is not None:
            mark_notified(connection, [item.alert], now, how=Route.IMMEDIATE)
        elif item.kind is OutboxKind.DIGEST:
            carried = alert_rows.carried_by(connection, item.id)
            mark_notified(connection, carried, now, how=Route.DIGEST)
    logger.info(
        "alert_email_sent",  # the name predates channels: kept for dashboards that count it
        outbox=item.id,
        channel=item.channel,
        kind=item.kind.value,
        message_id=item.identity,
        recipients=len(item.recipients),
    )


def dispatch(
    engine: sa.Engine,
    channels: Mapping[str, Channel],
    *,
    now: datetime,
    max_attempts: int,
    worker: str | None = None,
    limit: int = 200,
    hold: timedelta = CLAIM,
    only: Sequence[int] | None = None,
) -> DispatchReport:
    """Send every due row of these channels once; failures are recorded and retried later or
    given up. A channel that says nothing more can be sent (credentials, an unreachable
    server) is left alone for the rest of this run; the others go on. ``now`` is the worker's
    time, for what is due and what is recorded; claims go by the database's clock."""
    report = DispatchReport()
    worker = worker or worker_name()
    stopped: set[str] = set()
    for row_id, channel in due(engine, now, limit, list(channels), only):
        if channel in stopped or not claim(engine, row_id, worker, now, hold):
            continue  # the channel gave up for this run, or another worker has the row
        item = _claimed(engine, row_id)
        crash_point("outbox-claimed")
        if superseded(engine, item):
            rows.record_superseded(engine, item.id, worker, now)
            logger.info("alert_email_superseded", outbox=item.id, channel=item.channel)
            report.superseded += 1
            continue
        try:
            channels[item.channel].send(item, now=now)
        except Exception as raised:  # noqa: BLE001 - any fault is an attempt, never a stuck row
            err = raised if isinstance(raised, DeliveryError) else _unexpected(item, raised)
            if err.stop:  # the channel, not this row: it waits, no attempt counted
                _waits(engine, item, err, worker=worker, now=now)
                _say_waits(item.channel, str(err), now)
                report.stopped = str(err)
                stopped.add(item.channel)
                continue
            gave_up = _failed(engine, item, err, worker=worker, now=now, max_attempts=max_attempts)
            report.failed += int(gave_up)
            report.retried += int(not gave_up)
            continue
        crash_point("outbox-sent")
        _waits_said.pop(item.channel, None)  # it sends again: the next stop is news
        _sent(engine, item, now)
        report.sent += 1
    return report


def waiting(engine: sa.Engine) -> list[tuple[OutboxItem, datetime]]:
    """Rows waiting to be sent, with the time each is due, that still have something to say
    (not superseded): what a dry run holds."""
    pending = [row for row in rows.rows(engine, None) if row.state == OutboxState.PENDING]
    found = [(_item(row), row.not_before) for row in pending]
    return [(item, due_at) for item, due_at in found if not superseded(engine, item)]


def problems(engine: sa.Engine) -> dict[str, object]:
    """Outbox depth and failures, for the CLI and metrics."""
    counts, failed, (retried, waits) = rows.counts(engine)
    return {
        "pending": counts.get(OutboxState.PENDING, 0) + counts.get(OutboxState.SENDING, 0),
        "waiting_retried": retried,
        "waiting_reason": waits,
        "sent": counts.get(OutboxState.SENT, 0),
        "failed": [
            {
                "id": r.id,
                "subject": r.subject,
                "recipients": r.recipients,
                "error": r.last_error,
                "attempts": r.attempts,
            }
            for r in failed
        ],
    }
