"""Delivering the outbox: claim each email atomically, send it, record every attempt.

Claiming is a conditional UPDATE that must change exactly one row, so two workers (two daemon
replicas on one PostgreSQL, or the daemon and a `relmon alerts send`) never send the same email.
A claim expires: an email claimed by a worker that died is picked up again later, and since its
Message-ID is derived from the alert and the transition, a receiver that already got it sees the
same message again, not a new one.
"""

from __future__ import annotations

import os
import random
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import structlog

from monitor.alerts.smtp import DeliveryError, Transport
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
                    outbox.c.state == "pending",
                    sa.and_(outbox.c.state == "sending", outbox.c.claimed_until < now),
                ),
            )
            .values(state="sending", claimed_by=worker, claimed_until=now + CLAIM)
        ).rowcount
    return changed == 1


def due(engine: sa.Engine, now: datetime, limit: int) -> list[int]:
    query = (
        sa.select(outbox.c.id)
        .where(
            sa.or_(
                sa.and_(outbox.c.state == "pending", outbox.c.not_before <= now),
                sa.and_(outbox.c.state == "sending", outbox.c.claimed_until < now),
            )
        )
        .order_by(outbox.c.id)
        .limit(limit)
    )
    with engine.connect() as connection:
        return list(connection.execute(query).scalars())


def dispatch(
    engine: sa.Engine,
    transport: Transport,
    *,
    sender: str,
    now: datetime,
    max_attempts: int,
    worker: str | None = None,
    limit: int = 200,
) -> DispatchReport:
    """Send every due email once; failures are recorded and retried later or given up."""
    report = DispatchReport()
    worker = worker or worker_name()
    for row_id in due(engine, now, limit):
        if not claim(engine, row_id, worker, now):
            continue  # another worker has it
        with engine.connect() as connection:
            row = connection.execute(sa.select(outbox).where(outbox.c.id == row_id)).one()
        crash_point("outbox-claimed")
        try:
            transport.send(row.raw, sender, row.recipients)
        except DeliveryError as err:
            attempts = row.attempts + 1
            give_up = err.permanent or attempts >= max_attempts
            with engine.begin() as connection:
                connection.execute(
                    sa.update(outbox)
                    .where(outbox.c.id == row_id, outbox.c.claimed_by == worker)
                    .values(
                        state="failed" if give_up else "pending",
                        attempts=attempts,
                        last_error=str(err)[:2000],
                        last_attempt_at=now,
                        claimed_by=None,
                        claimed_until=None,
                        not_before=now if give_up else now + backoff(attempts),
                    )
                )
            if give_up:
                report.failed += 1
                logger.error(
                    "alert_email_failed",
                    outbox=row_id,
                    message_id=row.message_id,
                    attempts=attempts,
                    error=str(err),
                    permanent=err.permanent,
                )
            else:
                report.retried += 1
                logger.warning(
                    "alert_email_retry", outbox=row_id, attempts=attempts, error=str(err)
                )
            if err.stop:
                report.stopped = str(err)
                break
            continue
        crash_point("outbox-sent")
        with engine.begin() as connection:
            connection.execute(
                sa.update(outbox)
                .where(outbox.c.id == row_id)
                .values(
                    state="sent",
                    sent_at=now,
                    attempts=row.attempts + 1,
                    last_attempt_at=now,
                    claimed_by=None,
                    claimed_until=None,
                    last_error=None,
                )
            )
            if row.kind in ("alert", "operator") and row.alert is not None:
                mark_notified(connection, [row.alert], now, how="immediate")
            elif row.kind == "digest":
                carried = connection.execute(
                    sa.select(alert_events.c.alert).where(alert_events.c.digest == row_id)
                ).scalars()
                mark_notified(connection, sorted(set(carried)), now, how="digest")
        report.sent += 1
        logger.info(
            "alert_email_sent",
            outbox=row_id,
            kind=row.kind,
            message_id=row.message_id,
            recipients=len(row.recipients),
        )
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
            .where(outbox.c.state == "failed")
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
