"""What the daemon reports about the store: whether it answers, and the open alerts."""

from __future__ import annotations

import sqlalchemy as sa

from monitor.store.schema import alerts


def ping(engine: sa.Engine) -> None:
    """Raise unless the database answers a trivial query."""
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))


def open_alert_counts(engine: sa.Engine) -> list[tuple[str, str, int]]:
    """(kind, severity, count) of the alerts not resolved."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(alerts.c.kind, alerts.c.severity, sa.func.count())
            .where(alerts.c.state != "resolved")
            .group_by(alerts.c.kind, alerts.c.severity)
        ).all()
    return [(str(kind), str(severity), int(count)) for kind, severity, count in rows]
