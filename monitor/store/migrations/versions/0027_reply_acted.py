"""A reply's outcome lists every alert it acted on: a reply to an email about several alerts of
one client acts on all of them, and the email that confirms it names them all.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reply_actions") as batch:
        batch.add_column(sa.Column("acted", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("reply_actions") as batch:
        batch.drop_column("acted")
