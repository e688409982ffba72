"""Each client's last evaluation: when it ran, what it was computed from, when it is next due.

:mod:`monitor.app.due` decides from these rows which clients an evaluation pass reads and
analyses again. Like the kept answers, they are a cache of work: a row lost or never written
costs the next pass that client's evaluation, never a wrong answer.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from monitor.store.db import reading
from monitor.store.schema import alerts, evaluated_clients, messages, stored_instant


@dataclass(frozen=True, slots=True)
class Evaluated:
    client: str
    evaluated_at: datetime
    due_at: datetime  # findings can change without new mail from this instant on
    fingerprint: str  # the client's inputs at evaluated_at (monitor.app.kept.Inputs)
    settings: str  # their configuration and code part
    counter: int | None  # the store's revision counter when the fingerprint was taken
    revisions: str | None = None  # its records' Revisions then, as Inputs.revisions gives them


def read(engine: sa.Engine, clients: Collection[str] | None = None) -> dict[str, Evaluated]:
    query = sa.select(
        evaluated_clients.c.client,
        evaluated_clients.c.evaluated_at,
        evaluated_clients.c.due_at,
        evaluated_clients.c.fingerprint,
        evaluated_clients.c.settings,
        evaluated_clients.c.counter,
        evaluated_clients.c.revisions,
    )
    if clients is not None:
        query = query.where(evaluated_clients.c.client.in_(sorted(clients)))
    with reading(engine) as connection:
        return {row.client: Evaluated(*row) for row in connection.execute(query)}


def record(connection: sa.Connection, rows: Sequence[Evaluated]) -> None:
    """Write these clients' rows in place of their earlier ones, inside the caller's
    transaction; of two processes evaluating a client at once, the one committing last stays."""
    if not rows:
        return
    statement = _upsert(connection)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["client"],
            set_={name: statement.excluded[name] for name in _UPDATED},
        ),
        [
            {
                "client": r.client,
                "evaluated_at": r.evaluated_at,
                "due_at": r.due_at,
                "fingerprint": r.fingerprint,
                "settings": r.settings,
                "counter": r.counter,
                "revisions": r.revisions,
            }
            for r in rows
        ],
    )


_UPDATED = ("evaluated_at", "due_at", "fingerprint", "settings", "counter", "revisions")


def _upsert(connection: sa.Connection) -> Any:
    """``INSERT`` in the connection's dialect, which can say what to do on a conflict (its
    module is imported here: a SQLite store never loads PostgreSQL's)."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(evaluated_clients)
    if connection.dialect.name == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(evaluated_clients)
    raise NotImplementedError(connection.dialect.name)  # pragma: no cover


def forget(connection: sa.Connection, clients: Collection[str]) -> None:
    """These clients are evaluated by the next pass whatever changed (an owner acted on one of
    their alerts, say)."""
    connection.execute(
        sa.delete(evaluated_clients).where(evaluated_clients.c.client.in_(sorted(clients)))
    )


@dataclass(frozen=True, slots=True)
class Sleeper:
    """An alert the lifecycle moves on its own: a snooze that ends, a cool-down that passes."""

    client: str
    snoozed_until: datetime | None
    resolved_at: datetime | None


def sleepers(engine: sa.Engine, resolved_since: datetime) -> list[Sleeper]:
    """Client alerts snoozed, and those resolved since ``resolved_since`` (older cool-downs
    have passed for every pass that could still care)."""
    query = sa.select(alerts.c.client, alerts.c.snoozed_until, alerts.c.resolved_at).where(
        alerts.c.client.is_not(None),
        sa.or_(
            alerts.c.snoozed_until.is_not(None),
            sa.and_(alerts.c.state == "resolved", alerts.c.resolved_at >= resolved_since),
        ),
    )
    with reading(engine) as connection:
        return [Sleeper(*row) for row in connection.execute(query)]


@dataclass(frozen=True, slots=True)
class ComeDue:
    """The latest date of the mail dated in a span: per client, and per sender of an
    out-of-office reply that states a return date."""

    clients: dict[str, datetime]
    away: dict[str, datetime]


def come_due(engine: sa.Engine, since: datetime, until: datetime) -> ComeDue:
    """The mail dated after ``since`` and up to ``until``. Mail stored ahead of its date (a
    sender's clock running fast) counts from that date on, which no revision counter sees: it
    moved when the mail was stored. Read from the index of dates, so a pass reads only the mail
    of the last few hours."""
    dated = (messages.c.date > since, messages.c.date <= until)
    per_client = (
        sa.select(messages.c.client, sa.func.max(messages.c.date))
        .where(*dated, messages.c.client.is_not(None))
        .group_by(messages.c.client)
    )
    # From the index of dated replies (migration 0022); the automatic ones picked here, since on
    # the condition on ``noise`` too SQLite would walk every automatic reply instead.
    away = sa.select(messages.c.from_addr, messages.c.date, messages.c.noise).where(
        *dated, messages.c.away_until.is_not(None)
    )
    senders: dict[str, datetime] = {}
    with reading(engine) as connection:
        clients = {row[0]: stored_instant(row[1]) for row in connection.execute(per_client)}
        for sender, when, noise in connection.execute(away):
            at = stored_instant(when)
            if noise == "auto_reply" and (sender not in senders or at > senders[sender]):
                senders[sender] = at
    return ComeDue(clients, senders)


__all__ = ["ComeDue", "Evaluated", "Sleeper", "come_due", "forget", "read", "record", "sleepers"]
