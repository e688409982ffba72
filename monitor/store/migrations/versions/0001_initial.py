"""Messages, where each was seen, quarantined input and store metadata.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


# One migration is one reviewable step: its tables read best whole, in the order they are made.
def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(512), nullable=False),
        sa.Column("message_id", sa.String(998)),
        sa.Column("date", TS, nullable=False),
        sa.Column("date_problem", sa.String(16)),
        sa.Column("from_addr", sa.String(320), nullable=False),
        sa.Column("from_name", sa.String(320), nullable=False),
        sa.Column("to_addrs", sa.JSON, nullable=False),
        sa.Column("cc_addrs", sa.JSON, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("in_reply_to", sa.JSON, nullable=False),
        sa.Column("refs", sa.JSON, nullable=False),
        sa.Column("gm_thread", sa.String(32)),
        sa.Column("conversation_id", sa.String(512)),
        sa.Column("thread_id", sa.String(32)),
        sa.Column("noise", sa.String(32)),
        sa.Column("noise_reason", sa.String(400)),
        sa.Column("needs_reply", sa.Boolean, nullable=False),
        sa.Column("has_attachments", sa.Boolean, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("language", sa.String(8)),
        sa.Column("own_chars", sa.Integer, nullable=False),
        sa.Column("questions", sa.Integer, nullable=False),
        sa.Column("closing_only", sa.Boolean, nullable=False),
        sa.Column("sentiment", sa.Float),
        sa.Column("sentences", sa.Integer, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("friction", sa.JSON, nullable=False),
        sa.Column("pressure", sa.JSON, nullable=False),
        sa.Column("away_until", sa.Date),
        sa.Column("notes", sa.JSON, nullable=False),
        sa.Column("snippet", sa.Text),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("client", sa.String(200)),
        sa.Column("counterpart", sa.String(320)),
        sa.Column("first_seen", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        sa.UniqueConstraint("key", name="uq_messages_key"),
    )
    op.create_index("ix_messages_date", "messages", ["date"])
    op.create_index("ix_messages_from_addr", "messages", ["from_addr"])
    op.create_index("ix_messages_thread_id", "messages", ["thread_id"])
    op.create_index("ix_messages_direction", "messages", ["direction"])
    op.create_index("ix_messages_client", "messages", ["client"])
    op.create_index("ix_messages_client_date", "messages", ["client", "date"])

    op.create_table(
        "sightings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("message", sa.Integer, nullable=False),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("folder", sa.String(1000), nullable=False),
        sa.Column("location", sa.String(1000), nullable=False),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("expunged_at", TS),
        sa.PrimaryKeyConstraint("id", name="pk_sightings"),
        sa.ForeignKeyConstraint(["message"], ["messages.id"], name="fk_sightings_message", ondelete="CASCADE"),
        sa.UniqueConstraint("account", "folder", "location", name="uq_sightings_place"),
    )
    op.create_index("ix_sightings_message", "sightings", ["message"])

    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("folder", sa.String(1000), nullable=False),
        sa.Column("location", sa.String(1000), nullable=False),
        sa.Column("key", sa.String(512)),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("first_seen", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_quarantine"),
        sa.UniqueConstraint("account", "folder", "location", name="uq_quarantine_place"),
    )
    op.create_index("ix_quarantine_reason", "quarantine", ["reason"])

    op.create_table(
        "meta",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_meta"),
    )


def downgrade() -> None:
    op.drop_table("meta")
    op.drop_table("quarantine")
    op.drop_table("sightings")
    op.drop_table("messages")
