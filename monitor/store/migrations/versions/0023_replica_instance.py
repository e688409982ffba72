"""Each replica's row names the process that beats under it (``replicas.instance``, a random
token per process). Two ``relmon run`` given the same ``[replicas] id`` (one configuration
file mounted into every container) each counted one live replica, took every account and took
it back from the other at every heartbeat; now the second is refused while the first is alive,
takes no work and says why. Rows from before have no token and are taken over by the first
process that beats under their id.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("replicas") as batch:
        batch.add_column(sa.Column("instance", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("replicas") as batch:
        batch.drop_column("instance")
