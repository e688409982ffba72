"""Outbox rows: the SQL under :mod:`monitor.alerts.outbox` (claims, attempts, deliveries)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from monitor.clock import as_utc
from monitor.store.bulk import insert_ignoring_conflicts
from monitor.store.schema import outbox

Row = sa.Row[Any]

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
SUPERSEDED = "superseded"


def add(connection: sa.Connection, values: Mapping[str, object]) -> int:
    """A row, once per identity (``message_id``): the id of the row that holds it. Two
    processes adding the same identity at once get the one row."""
    insert = insert_ignoring_conflicts(connection, outbox).values(**values)
    found = connection.execute(insert.returning(outbox.c.id)).scalar()
    if found is None:
        query = sa.select(outbox.c.id).where(outbox.c.message_id == values["message_id"])
        found = connection.execute(query).scalar_one()
    return int(found)


def alert_email(connection: sa.Connection, message_ids: Sequence[str]) -> bytes | None:
    """The alert email with one of ``message_ids`` (with or without angle brackets), as queued;
    None when it is not (or no longer) in the outbox."""
    bare = {value.strip().strip("<>").lower() for value in message_ids}
    wanted = sorted(bare | {f"<{value}>" for value in bare})
    # Case aside, as the reply's headers are read: a mail program may change it.
    query = sa.select(outbox.c.payload).where(
        sa.func.lower(outbox.c.message_id).in_(wanted), outbox.c.kind == "alert"
    )
    found = connection.execute(query.limit(1)).scalar()
    return bytes(found) if found is not None else None


def database_now(connection: sa.Connection) -> datetime:
    """The database's clock: on PostgreSQL the server's, on SQLite the clock of the machine that
    holds the file. Every worker sharing the database shares this one clock, whatever its own
    says, so claims are timed by it."""
    if connection.dialect.name == "postgresql":
        value = connection.execute(sa.select(sa.func.clock_timestamp())).scalar_one()
    else:
        text = connection.execute(
            sa.select(sa.func.strftime("%Y-%m-%d %H:%M:%f", "now"))
        ).scalar_one()
        value = datetime.fromisoformat(str(text))
    return as_utc(value)


def claim(engine: sa.Engine, row_id: int, worker: str, hold: timedelta, due_at: datetime) -> bool:
    """Take a row due at ``due_at`` (pending and its time come), or one whose claim has expired,
    for ``worker`` and ``hold`` from now, by the database's clock; True if taken. Each row's
    claim runs from its own claiming, so neither a long delivery loop nor a worker whose clock
    is wrong can let a second worker take a row while it is being sent; and a row another
    worker failed to send since this one listed it waits out its backoff."""
    with engine.begin() as connection:
        now = database_now(connection)
        changed = connection.execute(
            sa.update(outbox)
            .where(
                outbox.c.id == row_id,
                sa.or_(
                    sa.and_(outbox.c.state == PENDING, outbox.c.not_before <= due_at),
                    sa.and_(outbox.c.state == SENDING, outbox.c.claimed_until < now),
                ),
            )
            .values(state=SENDING, claimed_by=worker, claimed_until=now + hold)
        ).rowcount
    return changed == 1


def due(
    engine: sa.Engine,
    now: datetime,
    limit: int,
    channels: Sequence[str] | None,
    only: Sequence[int] | None = None,
) -> list[tuple[int, str]]:
    """Rows due at ``now`` (through ``channels``, when given), oldest first, with their channel:
    pending ones whose time has come by ``now``, and those whose claim has expired by the
    database's clock."""
    with engine.connect() as connection:
        expired = database_now(connection)
        query = (
            sa.select(outbox.c.id, outbox.c.channel)
            .where(
                sa.or_(
                    sa.and_(outbox.c.state == PENDING, outbox.c.not_before <= now),
                    sa.and_(outbox.c.state == SENDING, outbox.c.claimed_until < expired),
                )
            )
            .order_by(outbox.c.id)
            .limit(limit)
        )
        if channels is not None:
            query = query.where(outbox.c.channel.in_(list(channels)))
        if only is not None:
            query = query.where(outbox.c.id.in_(list(only)))
        return [(row.id, row.channel) for row in connection.execute(query)]


def get(engine: sa.Engine, row_id: int) -> Row:
    with engine.connect() as connection:
        return connection.execute(sa.select(outbox).where(outbox.c.id == row_id)).one()


def rows(engine: sa.Engine, channel: str | None) -> list[Row]:
    """Every row (of one channel), oldest first."""
    query = sa.select(outbox).order_by(outbox.c.id)
    if channel is not None:
        query = query.where(outbox.c.channel == channel)
    with engine.connect() as connection:
        return list(connection.execute(query))


def record_failure(
    engine: sa.Engine,
    row_id: int,
    worker: str,
    *,
    give_up: bool,
    attempts: int,
    error: str,
    now: datetime,
    retry_at: datetime,
    unconfirmed: int = 0,
) -> None:
    """A failed attempt by the worker holding the claim: pending again from ``retry_at``, or
    failed for good."""
    with engine.begin() as connection:
        connection.execute(
            sa.update(outbox)
            .where(outbox.c.id == row_id, outbox.c.claimed_by == worker)
            .values(
                state=FAILED if give_up else PENDING,
                attempts=attempts,
                unconfirmed=unconfirmed,
                last_error=error[:2000],
                last_attempt_at=now,
                claimed_by=None,
                claimed_until=None,
                not_before=retry_at,
            )
        )


def record_sent(connection: sa.Connection, row_id: int, attempts: int, now: datetime) -> None:
    connection.execute(
        sa.update(outbox)
        .where(outbox.c.id == row_id)
        .values(
            state=SENT,
            sent_at=now,
            attempts=attempts,
            last_attempt_at=now,
            claimed_by=None,
            claimed_until=None,
            last_error=None,
        )
    )


def record_superseded(engine: sa.Engine, row_id: int, worker: str, now: datetime) -> None:
    """Not sent: every alert it was about was acknowledged, snoozed or resolved meanwhile."""
    with engine.begin() as connection:
        connection.execute(
            sa.update(outbox)
            .where(outbox.c.id == row_id, outbox.c.claimed_by == worker)
            .values(
                state=SUPERSEDED,
                last_attempt_at=now,
                claimed_by=None,
                claimed_until=None,
                last_error="superseded: its alerts were handled, or handed over to another "
                "owner, before it was sent",
            )
        )


def counts(engine: sa.Engine) -> tuple[dict[str, int], list[Any], tuple[int, str | None]]:
    """Rows per state, the newest twenty given up, and how many rows still waiting were tried
    and failed, with why the newest such try failed (None: none)."""
    with engine.connect() as connection:
        by_state: dict[str, int] = {
            str(state): int(count)
            for state, count in connection.execute(
                sa.select(outbox.c.state, sa.func.count()).group_by(outbox.c.state)
            ).all()
        }
        failed = connection.execute(
            sa.select(
                outbox.c.id,
                outbox.c.subject,
                outbox.c.recipients,
                outbox.c.last_error,
                outbox.c.attempts,
            )
            .where(outbox.c.state == FAILED)
            .order_by(outbox.c.id.desc())
            .limit(20)
        ).all()
        tried = (outbox.c.state == PENDING, outbox.c.last_error.is_not(None))
        waits = connection.execute(
            sa.select(outbox.c.last_error)
            .where(*tried)
            .order_by(outbox.c.last_attempt_at.desc(), outbox.c.id.desc())
            .limit(1)
        ).scalar()
        retried = connection.execute(sa.select(sa.func.count()).where(*tried)).scalar()
    return by_state, list(failed), (int(retried or 0), waits)


def given_up(engine: sa.Engine, ids: Sequence[int] | None) -> list[Row]:
    """The emails given up: those of ``ids`` (an id not given up is left out), or every one
    (None); oldest first."""
    query = sa.select(
        outbox.c.id,
        outbox.c.subject,
        outbox.c.recipients,
        outbox.c.unconfirmed,
        outbox.c.created_at,
        outbox.c.last_attempt_at,
    ).where(outbox.c.state == FAILED)
    if ids is not None:
        query = query.where(outbox.c.id.in_(list(ids)))
    with engine.connect() as connection:
        return list(connection.execute(query.order_by(outbox.c.id)))


def requeue(engine: sa.Engine, due: Mapping[int, datetime]) -> list[int]:
    """Emails given up waiting to be sent again, each from its time in ``due``, with their
    attempts counted afresh (someone fixed what failed them; how often the receiver may have
    taken one without answering still counts). Returns the ids requeued: a row another
    process requeued first is left to it."""
    done = []
    with engine.begin() as connection:
        for row_id, not_before in sorted(due.items()):
            changed = connection.execute(
                sa.update(outbox)
                .where(outbox.c.id == row_id, outbox.c.state == FAILED)
                .values(
                    state=PENDING,
                    attempts=0,
                    not_before=not_before,
                    claimed_by=None,
                    claimed_until=None,
                )
            ).rowcount
            if changed:
                done.append(row_id)
    return done
