"""Time passing for outbox claims, which are timed by the database's clock, not the test's."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from monitor.alerts.outbox import CLAIM
from monitor.store.schema import outbox


def let_claims_expire(engine: sa.Engine) -> int:
    """Move every held claim back past its expiry, as if the claim time had gone by since;
    the number of claims moved."""
    with engine.begin() as connection:
        held = connection.execute(
            sa.select(outbox.c.id, outbox.c.claimed_until).where(outbox.c.state == "sending")
        ).all()
        for row in held:
            connection.execute(
                sa.update(outbox)
                .where(outbox.c.id == row.id)
                .values(claimed_until=row.claimed_until - CLAIM - timedelta(minutes=1))
            )
    return len(held)
