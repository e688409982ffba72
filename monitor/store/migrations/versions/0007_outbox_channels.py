"""Outbox rows name their channel and hold a rendered payload, not only an email.

Existing rows were all emails: they become channel "email", and their RFC 5322 bytes are the
payload. ``message_id`` stays the row's identity (an email's Message-ID; for other channels a
key derived the same way), unique across channels.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(
            sa.Column("channel", sa.String(64), nullable=False, server_default="email")
        )
        batch.alter_column(
            "raw",
            new_column_name="payload",
            existing_type=sa.LargeBinary,
            existing_nullable=False,
        )


def downgrade() -> None:
    # Rows of other channels cannot become emails: they are dropped with the column.
    op.execute("DELETE FROM outbox WHERE channel <> 'email'")
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column(
            "payload", new_column_name="raw", existing_type=sa.LargeBinary, existing_nullable=False
        )
        batch.drop_column("channel")
