"""Source state per folder (IMAP UIDs, Graph delta links) and connection health per account.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "folder_state",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("folder", sa.String(1000), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger),
        sa.Column("last_uid", sa.BigInteger),
        sa.Column("highestmodseq", sa.BigInteger),
        sa.Column("delta_link", sa.Text),
        sa.Column("exists_count", sa.Integer),
        sa.Column("synced_at", TS),
        sa.PrimaryKeyConstraint("id", name="pk_folder_state"),
        sa.UniqueConstraint("account", "folder", name="uq_folder_state_place"),
    )
    op.create_table(
        "account_state",
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("last_error_kind", sa.String(32)),
        sa.Column("last_error", sa.Text),
        sa.Column("last_attempt", TS),
        sa.Column("last_success", TS),
        sa.Column("escalated_at", TS),
        sa.PrimaryKeyConstraint("account", name="pk_account_state"),
    )


def downgrade() -> None:
    op.drop_table("account_state")
    op.drop_table("folder_state")
