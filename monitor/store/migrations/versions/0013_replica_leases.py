"""Leases for several replicas on one PostgreSQL: which replica syncs which account, and which
one evaluates; and the replicas alive, by heartbeat.

``leases`` holds one row per piece of work (``account:NAME``, ``evaluation``): its holder, a
generation that grows whenever it changes hands, and its expiry by the database's clock.
``replicas`` holds one row per running ``relmon run`` with the expiry of its heartbeat. Both
are created on SQLite too, where they stay empty: one process needs no leases.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(300), primary_key=True),
        sa.Column("holder", sa.String(200)),
        sa.Column("generation", sa.BigInteger, nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_leases"),
    )
    op.create_table(
        "replicas",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_replicas"),
    )


def downgrade() -> None:
    op.drop_table("replicas")
    op.drop_table("leases")
