"""Each client's last evaluation and when it is next due: an evaluation pass reads and analyses
only the clients whose mail, configuration or away periods changed since their last
evaluation, whose findings can change with the time alone by now (a reply gap or a silence
crossing a threshold, a message leaving a window), whose alert woke (a snooze ended, a
cool-down passed), or whose kept answers have grown older than the refresh interval.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluated_clients",
        sa.Column("client", sa.String(300), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fingerprint", sa.String(32), nullable=False),
        sa.Column("settings", sa.String(32), nullable=False),
        sa.Column("counter", sa.BigInteger),
        sa.PrimaryKeyConstraint("client", name="pk_evaluated_clients"),
    )


def downgrade() -> None:
    op.drop_table("evaluated_clients")
