"""Delivering the outbox: claim each row atomically, hand it to its channel, record every attempt.

Claiming is a conditional UPDATE that must change exactly one row, so two workers (two daemon
replicas on one PostgreSQL, or the daemon and a `relmon alerts send`) never send the same row.
A claim expires: a row claimed by a worker that died is picked up again later, and since its
identity (an email's Message-ID, a webhook's idempotency key) is derived from the alert and the
transition, a receiver that already got it sees the same notification again, not a new one.
Claims, retries and backoff are the same for every channel.
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
import structlog

from monitor.alerts.channel import Channel, DeliveryError, OutboxItem, OutboxKind, OutboxState
from monitor.alerts.model import Route
from monitor.alerts.store import mark_notified
from monitor.faults import crash_point
from monitor.store.schema import alert_events, outbox

logger = structlog.get_logger()
CLAIM = timedelta(minutes=10)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes up to an hour, with jitter so retries of many emails spread out."""
    base = min(3600.0, 60.0 * 2 ** max(0, attempts - 1))
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


@dataclass
class DispatchReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    stopped: str | None = None  # why delivery stopped early (credentials, server unreachable)


def claim(engine: sa.Engine, row_id: int, worker: str, now: datetime) -> bool:
    with engine.begin() as connection:
        changed = connection.execute(
            sa.update(outbox)
            .where(
                outbox.c.id == row_id,
                sa.or_(
                    outbox.c.state == OutboxState.PENDING.value,
                    sa.and_(
                        outbox.c.state == OutboxState.SENDING.value, outbox.c.claimed_until < now
                    ),
                ),
            )
            .values(state=OutboxState.SENDING.value, claimed_by=worker, claimed_until=now + CLAIM)
        ).rowcount
    return changed == 1


def due(
    engine: sa.Engine, now: datetime, limit: int, channels: Sequence[str] | None = None
) -> list[tuple[int, str]]:
    """Rows due now (through ``channels``, when given), oldest first, with their channel."""
    query = (
        sa.select(outbox.c.id, outbox.c.channel)
        .where(
            sa.or_(
                sa.and_(outbox.c.state == OutboxState.PENDING.value, outbox.c.not_before <= now),
                sa.and_(outbox.c.state == OutboxState.SENDING.value, outbox.c.claimed_until < now),
            )
        )
        .order_by(outbox.c.id)
        .limit(limit)
    )
    if channels is not None:
        query = query.where(outbox.c.channel.in_(list(channels)))
    with engine.connect() as connection:
        return [(row.id, row.channel) for row in connection.execute(query)]


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
    )


def _claimed(engine: sa.Engine, row_id: int) -> OutboxItem:
    with engine.connect() as connection:
        return _item(connection.execute(sa.select(outbox).where(outbox.c.id == row_id)).one())


def queued(engine: sa.Engine, channel: str | None = None) -> list[OutboxItem]:
    """Every row in the outbox (of one channel), oldest first: the demo writes them to files."""
    query = sa.select(outbox).order_by(outbox.c.id)
    if channel is not None:
        query = query.where(outbox.c.channel == channel)
    with engine.connect() as connection:
        return [_item(row) for row in connection.execute(query)]


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
    give_up = err.permanent or attempts >= max_attempts
    with engine.begin() as connection:
        connection.execute(
            sa.update(outbox)
            .where(outbox.c.id == item.id, outbox.c.claimed_by == worker)
            .values(
                state=(OutboxState.FAILED if give_up else OutboxState.PENDING).value,
                attempts=attempts,
                last_error=str(err)[:2000],
                last_attempt_at=now,
                claimed_by=None,
                claimed_until=None,
                not_before=now if give_up else now + backoff(attempts),
            )
        )
    if give_up:
        logger.error(
            "alert_email_failed",
            outbox=item.id,
            channel=item.channel,
            message_id=item.identity,
            attempts=attempts,
            error=str(err),
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


def _sent(engine: sa.Engine, item: OutboxItem, now: datetime) -> None:
    """Record the delivery, and that the owners of what it carried have been told."""
    with engine.begin() as connection:
        connection.execute(
            sa.update(outbox)
            .where(outbox.c.id == item.id)
            .values(
                state=OutboxState.SENT.value,
                sent_at=now,
                attempts=item.attempts + 1,
                last_attempt_at=now,
                claimed_by=None,
                claimed_until=None,
                last_error=None,
            )
        )
        if item.kind in (OutboxKind.ALERT, OutboxKind.OPERATOR) and item.alert is not None:
            mark_notified(connection, [item.alert], now, how=Route.IMMEDIATE)
        elif item.kind is OutboxKind.DIGEST:
            carried = connection.execute(
                sa.select(alert_events.c.alert).where(alert_events.c.digest == item.id)
            ).scalars()
            mark_notified(connection, sorted(set(carried)), now, how=Route.DIGEST)
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
) -> DispatchReport:
    """Send every due row of these channels once; failures are recorded and retried later or
    given up. A channel that says nothing more can be sent (credentials, an unreachable
    server) is left alone for the rest of this run; the others go on."""
    report = DispatchReport()
    worker = worker or worker_name()
    stopped: set[str] = set()
    for row_id, channel in due(engine, now, limit, list(channels)):
        if channel in stopped or not claim(engine, row_id, worker, now):
            continue  # the channel gave up for this run, or another worker has the row
        item = _claimed(engine, row_id)
        crash_point("outbox-claimed")
        try:
            channels[item.channel].send(item, now=now)
        except DeliveryError as err:
            gave_up = _failed(engine, item, err, worker=worker, now=now, max_attempts=max_attempts)
            report.failed += int(gave_up)
            report.retried += int(not gave_up)
            if err.stop:
                report.stopped = str(err)
                stopped.add(item.channel)
            continue
        crash_point("outbox-sent")
        _sent(engine, item, now)
        report.sent += 1
    return report


def problems(engine: sa.Engine) -> dict[str, object]:
    """Outbox depth and failures, for the CLI and metrics."""
    with engine.connect() as connection:
        counts: dict[str, int] = dict(
            connection.execute(
                sa.select(outbox.c.state, sa.func.count()).group_by(outbox.c.state)
            ).all()
        )
        failed = connection.execute(
            sa.select(
                outbox.c.id,
                outbox.c.subject,
                outbox.c.recipients,
                outbox.c.last_error,
                outbox.c.attempts,
            )
            .where(outbox.c.state == OutboxState.FAILED.value)
            .order_by(outbox.c.id.desc())
            .limit(20)
        ).all()
    return {
        "pending": int(counts.get("pending", 0)) + int(counts.get("sending", 0)),
        "sent": int(counts.get("sent", 0)),
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
