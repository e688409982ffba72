"""Read-only summaries the demo shows next to the views: noise counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from monitor.store.db import reading
from monitor.store.schema import messages


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
