"""Friction cues of each message's own text, kept beside its sentiment.

``impoliteness`` (the politeness model), ``tone`` (VADER with work words at no valence),
``curtness`` (orders, bare questions, shouting), ``courtesy`` (greets or thanks) and
``friction_evidence`` (the strongest curt cue's term, or its excerpt when snippets are stored).
NULL means unscored: another language, or a message stored before this revision.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("impoliteness", sa.Float))
        batch.add_column(sa.Column("tone", sa.Float))
        batch.add_column(sa.Column("curtness", sa.Float))
        batch.add_column(sa.Column("courtesy", sa.Boolean))
        batch.add_column(sa.Column("friction_evidence", sa.String(120)))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        for name in ("friction_evidence", "courtesy", "curtness", "tone", "impoliteness"):
            batch.drop_column(name)
