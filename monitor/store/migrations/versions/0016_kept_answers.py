"""Answers kept per client: ``relmon health``'s row for a client at an instant, with a
fingerprint of everything it was computed from, so the same question asked again reads it back
instead of reading and analysing the client's year of mail.

The index on (client, date) gains the revision, so a client's number and sum of revisions up
to an instant (its part of the fingerprint) are read from the index alone; the newest mail
stored (whether anything arrived since the last evaluation) from an index on first_seen.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kept_answers",
        sa.Column("view", sa.String(40), nullable=False),
        sa.Column("client", sa.String(300), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fingerprint", sa.String(32), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("view", "client", "at", name="pk_kept_answers"),
    )
    op.drop_index("ix_messages_client_date", table_name="messages")
    op.create_index(
        "ix_messages_client_date_revision", "messages", ["client", "date", "revision"]
    )
    op.create_index("ix_messages_first_seen", "messages", ["first_seen"])


def downgrade() -> None:
    op.drop_index("ix_messages_first_seen", table_name="messages")
    op.drop_index("ix_messages_client_date_revision", table_name="messages")
    op.create_index("ix_messages_client_date", "messages", ["client", "date"])
    op.drop_table("kept_answers")
