"""Each client's health at the end of past days, kept for trends (a cache keyed by a
fingerprint of its inputs).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "day_health",
        sa.Column("client", sa.String(300), nullable=False),
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fingerprint", sa.String(32), nullable=False),
        sa.Column("score", sa.Integer),
        sa.Column("sentiment_30", sa.Float),
        sa.PrimaryKeyConstraint("client", "day", name="pk_day_health"),
    )
    op.create_index("ix_day_health_day", "day_health", ["day"])


def downgrade() -> None:
    op.drop_index("ix_day_health_day", table_name="day_health")
    op.drop_table("day_health")
