"""A kept answer records the store's revision counter when its fingerprint was taken, so a
question can tell that no stored message changed since without reading any index: on SQLite
the counter of migration 0015 now also counts deletions, and every change to ``messages``
moves it inside the writing transaction. PostgreSQL draws revisions from a sequence, which
moves before its transaction commits, so there the fingerprint is always read.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_DELETE = """CREATE TRIGGER messages_revision_delete AFTER DELETE ON messages BEGIN
    UPDATE revision_counter SET value = value + 1 WHERE id = 1;
END"""


def upgrade() -> None:
    with op.batch_alter_table("kept_answers") as batch:
        batch.add_column(sa.Column("settings", sa.String(32)))
        batch.add_column(sa.Column("counter", sa.BigInteger))
    if op.get_bind().dialect.name == "sqlite":
        op.execute(_DELETE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER messages_revision_delete")
    with op.batch_alter_table("kept_answers") as batch:
        batch.drop_column("counter")
        batch.drop_column("settings")
