"""An index of the messages not yet threaded: the re-threading after every sync asks for them in
id order. PostgreSQL's planner, with statistics from when half a first import was unthreaded,
read them by walking the primary key and filtering every row: 0.7 s at a million messages, on
each of the two lookups a sync makes, where the partial index holds only the few new ones.
SQLite found them through the thread index already; it gets the same index, as one schema.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

UNTHREADED = "thread_id IS NULL"


def upgrade() -> None:
    op.create_index(
        "ix_messages_unthreaded",
        "messages",
        ["id"],
        sqlite_where=sa.text(UNTHREADED),
        postgresql_where=sa.text(UNTHREADED),
    )


def downgrade() -> None:
    op.drop_index("ix_messages_unthreaded", table_name="messages")
