"""Dashboard sign-in: a password hash per team member; and an index on messages.noise.

``web_users`` holds one argon2 hash per member address, set by ``relmon web passwd``; no
password is ever stored in the clear. Members without a row sign in only through a trusted
proxy header, if one is configured.

The index serves the out-of-office lookup every evaluation makes (``noise = 'auto_reply'``
with a return date): without it each client page scanned every stored message.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_users",
        sa.Column("address", sa.String(320), primary_key=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("address", name="pk_web_users"),
    )
    op.create_index("ix_messages_noise", "messages", ["noise"])


def downgrade() -> None:
    op.drop_index("ix_messages_noise", table_name="messages")
    op.drop_table("web_users")
