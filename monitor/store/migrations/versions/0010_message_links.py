"""Message links: what each message can be threaded by, indexed.

Re-threading after a sync used to read every stored message to find those a new one links to.
The new table holds each message's links as digests; re-threading keeps it. Existing stores
are asked for one full re-threading (which fills the table) by marking their threads dirty:
the threads it gives are the ones they have.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_links",
        sa.Column(
            "message",
            sa.Integer,
            sa.ForeignKey(
                "messages.id", ondelete="CASCADE", name="fk_message_links_message"
            ),
            nullable=False,
        ),
        sa.Column("link", sa.String(32), nullable=False),
    )
    op.create_index("ix_message_links_message", "message_links", ["message"])
    op.create_index("ix_message_links_link", "message_links", ["link"])
    op.execute("DELETE FROM meta WHERE name = 'threads_dirty'")
    op.execute("INSERT INTO meta (name, value) VALUES ('threads_dirty', 'full')")


def downgrade() -> None:
    op.drop_index("ix_message_links_link", table_name="message_links")
    op.drop_index("ix_message_links_message", table_name="message_links")
    op.drop_table("message_links")
