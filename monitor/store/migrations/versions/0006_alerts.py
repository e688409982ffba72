"""Alerts, their events, the outbox of emails, and daily digests.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


# One migration is one reviewable step: its tables read best whole, in the order they are made.
def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("client", sa.String(200)),
        sa.Column("account", sa.String(200)),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("owner", sa.String(320), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("changed_at", TS, nullable=False),
        sa.Column("resolved_at", TS),
        sa.Column("snoozed_until", TS),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("figures", sa.JSON, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("pattern", sa.String(32)),
        sa.Column("advice", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
    )
    op.create_index("ix_alerts_client", "alerts", ["client"])
    op.create_index("ix_alerts_state", "alerts", ["state"])
    op.create_table(
        "alert_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("alert", sa.Integer, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16)),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("explanation", sa.Text),
        sa.Column("figures", sa.JSON),
        sa.Column("evidence", sa.JSON),
        sa.Column("by", sa.String(200)),
        sa.Column("route", sa.String(16)),
        sa.Column("digest", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_alert_events"),
        sa.ForeignKeyConstraint(["alert"], ["alerts.id"], name="fk_alert_events_alert", ondelete="CASCADE"),
    )
    op.create_index("ix_alert_events_alert", "alert_events", ["alert"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("alert", sa.Integer),
        sa.Column("recipients", sa.JSON, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("raw", sa.LargeBinary, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("not_before", TS, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("last_attempt_at", TS),
        sa.Column("claimed_by", sa.String(100)),
        sa.Column("claimed_until", TS),
        sa.Column("sent_at", TS),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("message_id", name="uq_outbox_message_id"),
        sa.ForeignKeyConstraint(["alert"], ["alerts.id"], name="fk_outbox_alert", ondelete="SET NULL"),
    )
    op.create_index("ix_outbox_state", "outbox", ["state"])
    op.create_table(
        "digests",
        sa.Column("owner", sa.String(320), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("outbox", sa.Integer),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("owner", "day", name="pk_digests"),
    )


def downgrade() -> None:
    op.drop_table("digests")
    op.drop_table("outbox")
    op.drop_table("alert_events")
    op.drop_table("alerts")
