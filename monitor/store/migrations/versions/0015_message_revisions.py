"""Every stored message carries a revision that changes whenever its row does: a new
number on each insert and update, given by the database itself (a trigger), so no write path
can forget it. A client's records are unchanged while their number and the sum of their
revisions are: that is how a kept trend day is known to be still right, without reading and
hashing every record.

On PostgreSQL the numbers come from a sequence; on SQLite from a one-row counter
(``revision_counter``, created on both so that both have one schema; PostgreSQL leaves it
unused).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_SQLITE = (
    """CREATE TRIGGER messages_revision_insert AFTER INSERT ON messages BEGIN
    UPDATE revision_counter SET value = value + 1 WHERE id = 1;
    UPDATE messages SET revision = (SELECT value FROM revision_counter WHERE id = 1)
    WHERE id = NEW.id;
END""",
    """CREATE TRIGGER messages_revision_update AFTER UPDATE ON messages
WHEN NEW.revision IS OLD.revision BEGIN
    UPDATE revision_counter SET value = value + 1 WHERE id = 1;
    UPDATE messages SET revision = (SELECT value FROM revision_counter WHERE id = 1)
    WHERE id = NEW.id;
END""",
)
_POSTGRESQL = (
    "CREATE SEQUENCE message_revision",
    """CREATE FUNCTION message_revision() RETURNS trigger AS $$
BEGIN
    NEW.revision := nextval('message_revision');
    RETURN NEW;
END
$$ LANGUAGE plpgsql""",
    """CREATE TRIGGER messages_revision BEFORE INSERT OR UPDATE ON messages
FOR EACH ROW EXECUTE FUNCTION message_revision()""",
)


def upgrade() -> None:
    op.add_column(
        "messages", sa.Column("revision", sa.BigInteger, nullable=False, server_default="0")
    )
    op.create_table(
        "revision_counter",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    # The messages stored so far are numbered by their id; new numbers continue above it.
    op.execute("UPDATE messages SET revision = id")
    op.execute(
        "INSERT INTO revision_counter (id, value) SELECT 1, COALESCE(MAX(id), 0) FROM messages"
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in _POSTGRESQL if postgresql else _SQLITE:
        op.execute(statement)
    if postgresql:
        op.execute(
            "SELECT setval('message_revision', (SELECT COALESCE(MAX(id), 0) + 1 FROM messages), "
            "false)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER messages_revision ON messages")
        op.execute("DROP FUNCTION message_revision()")
        op.execute("DROP SEQUENCE message_revision")
    else:
        op.execute("DROP TRIGGER messages_revision_insert")
        op.execute("DROP TRIGGER messages_revision_update")
    op.drop_table("revision_counter")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("revision")
