"""Read-only summaries the demo shows next to the views: noise counts and the queued emails."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from monitor.store.db import reading
from monitor.store.schema import messages, outbox


@dataclass(frozen=True)
class QueuedEmail:
    """One outbox row as composed: what it is, to whom, and its raw bytes."""

    id: int
    kind: str
    subject: str
    recipients: list[str]
    raw: bytes


def noise_summary(engine: sa.Engine, until: datetime) -> list[dict[str, Any]]:
    """How many noise messages of each kind each client had up to ``until``."""
    query = (
        sa.select(messages.c.noise, messages.c.client, sa.func.count())
        .where(messages.c.noise.is_not(None), messages.c.date <= until)
        .group_by(messages.c.noise, messages.c.client)
        .order_by(messages.c.noise, messages.c.client)
    )
    with reading(engine) as connection:
        return [
            {"kind": kind, "client": client, "count": count}
            for kind, client, count in connection.execute(query)
        ]


def queued_emails(engine: sa.Engine) -> list[QueuedEmail]:
    """Every email in the outbox, oldest first, whatever its delivery state."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                outbox.c.id, outbox.c.kind, outbox.c.subject, outbox.c.recipients, outbox.c.raw
            ).order_by(outbox.c.id)
        ).all()
    return [
        QueuedEmail(
            id=row.id, kind=row.kind, subject=row.subject, recipients=row.recipients, raw=row.raw
        )
        for row in rows
    ]
