"""An index of the out-of-office replies that state a return date, by date: every evaluation
pass reads our own away periods from them. Without it both databases walked every automatic
reply and read each row to find the few with a date (80 ms on PostgreSQL at a million
messages, 27,000 automatic replies and none with a date; 40 ms on SQLite).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

DATED = "away_until IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "ix_messages_away",
        "messages",
        ["date"],
        sqlite_where=sa.text(DATED),
        postgresql_where=sa.text(DATED),
    )


def downgrade() -> None:
    op.drop_index("ix_messages_away", table_name="messages")
