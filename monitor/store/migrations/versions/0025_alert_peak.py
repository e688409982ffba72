"""Each alert keeps the highest severity its owner was told of while it is open, so a condition
flickering critical → warning → critical notifies once, not at every rise.

Alerts open at the upgrade take it from their events: critical if an event that notified
(opened, re-opened, worsened, a snooze ended) was critical. The others keep none: their severity
stands for it.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

_TOLD_CRITICAL = """
UPDATE alerts SET peak = 'critical'
WHERE state <> 'resolved' AND EXISTS (
    SELECT 1 FROM alert_events
    WHERE alert_events.alert = alerts.id AND alert_events.severity = 'critical'
      AND alert_events.event IN ('opened', 'reopened', 'worsened', 'snooze_ended')
)
"""


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("peak", sa.String(16)))
    op.execute(_TOLD_CRITICAL)


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("peak")
