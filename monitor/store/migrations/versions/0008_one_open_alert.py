"""One open alert per (client, kind) and per (account, kind), enforced by the database.

Two processes evaluating at once (the daemon and `relmon alerts send`, or two daemons on one
PostgreSQL) could each open the same alert, and each then mailed it. A partial unique index on
the alerts not resolved makes the second insert conflict; the lifecycle waits for the first and
continues from the alert it opened (see ``monitor/alerts/store.py``).

Databases written before this revision may hold such duplicates. Of each group of open alerts
for one (client, kind) or (account, kind), the newest is the one relmon has been updating; the
older ones are resolved, each with an event saying why, so the index can be built and nothing
is deleted.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OPEN = "state <> 'resolved'"
NOTE = "closed by migration 0008: a newer open alert of the same kind replaces it"


def _older_duplicate(subject: str) -> str:
    """SQL condition: an open alert of ``subject`` with a newer open alert of the same kind."""
    return (
        f"alerts.{subject} IS NOT NULL AND alerts.{OPEN} AND EXISTS ("
        f"SELECT 1 FROM alerts AS newer WHERE newer.{subject} = alerts.{subject}"
        f" AND newer.kind = alerts.kind AND newer.{OPEN} AND newer.id > alerts.id)"
    )


def upgrade() -> None:
    for subject in ("client", "account"):
        duplicate = _older_duplicate(subject)
        op.execute(
            "INSERT INTO alert_events (alert, at, event, severity, state, explanation, by)"
            f" SELECT id, changed_at, 'resolved', NULL, 'resolved', '{NOTE}', 'relmon'"
            f" FROM alerts WHERE {duplicate}"
        )
        op.execute(
            "UPDATE alerts SET state = 'resolved', resolved_at = changed_at, snoozed_until = NULL"
            f" WHERE {duplicate}"
        )
        op.create_index(
            f"uq_alerts_open_{subject}",
            "alerts",
            [subject, "kind"],
            unique=True,
            sqlite_where=sa.text(OPEN),
            postgresql_where=sa.text(OPEN),
        )


def downgrade() -> None:
    for subject in ("client", "account"):
        op.drop_index(f"uq_alerts_open_{subject}", table_name="alerts")
