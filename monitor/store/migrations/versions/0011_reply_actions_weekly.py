"""Acting on alerts by replying to their emails, and the weekly portfolio report.

``messages.reply_command`` holds the command of an owner's reply to an alert email, and
``sightings.sent`` marks the places that are a mailbox's Sent (where only its owner's mail is);
``reply_actions`` records, once per reply, what came of it; ``weekly_reports`` makes each
owner's weekly report once per week, as ``digests`` does for the daily digest.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("reply_command", sa.String(32)))
    # Places stored before this revision were not marked; their folder names still tell.
    with op.batch_alter_table("sightings") as batch:
        batch.add_column(
            sa.Column("sent", sa.Boolean, nullable=False, server_default=sa.false())
        )
    op.create_table(
        "reply_actions",
        sa.Column("key", sa.String(512), nullable=False),
        sa.Column("alert", sa.Integer),
        sa.Column("owner", sa.String(320)),
        sa.Column("command", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("account", sa.String(200)),
        sa.Column("at", TS, nullable=False),
        sa.Column("confirmed_in", sa.Integer),
        sa.PrimaryKeyConstraint("key", name="pk_reply_actions"),
    )
    op.create_index("ix_reply_actions_outcome", "reply_actions", ["outcome"])
    op.create_table(
        "weekly_reports",
        sa.Column("owner", sa.String(320), nullable=False),
        sa.Column("week", sa.Date, nullable=False),
        sa.Column("outbox", sa.Integer),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("owner", "week", name="pk_weekly_reports"),
    )


def downgrade() -> None:
    op.drop_table("weekly_reports")
    op.drop_index("ix_reply_actions_outcome", table_name="reply_actions")
    op.drop_table("reply_actions")
    with op.batch_alter_table("sightings") as batch:
        batch.drop_column("sent")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("reply_command")
