"""PostgreSQL gets the revision counter SQLite has had since migration 0017: every transaction
that inserts, updates or deletes a message moves ``revision_counter`` by one, inside that
transaction, so a question that finds the counter where it stood when an answer was kept knows
that no stored message changed since, without reading any index (at a million messages the
per-client fingerprint costs PostgreSQL about a third of a second on every ``relmon health``).

The counter is moved by a constraint trigger deferred to the commit: a transaction takes the
counter's row lock as the last thing it does, after every other lock it needs, and holds it only
while it commits. Two replicas storing mail at once therefore queue for the counter for the
length of a commit and can never deadlock on it (a trigger run with each statement would take
the lock early and hold it through the rest of the sync transaction). The trigger runs once per
changed row at the commit and moves the counter on the first row only: a flag local to the
transaction remembers that it moved.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_POSTGRESQL = (
    """CREATE FUNCTION message_commit_counter() RETURNS trigger AS $$
BEGIN
    IF current_setting('relmon.messages_counted', true) IS DISTINCT FROM 'yes' THEN
        UPDATE revision_counter SET value = value + 1 WHERE id = 1;
        PERFORM set_config('relmon.messages_counted', 'yes', true);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql""",
    """CREATE CONSTRAINT TRIGGER messages_commit_counter
AFTER INSERT OR UPDATE OR DELETE ON messages
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION message_commit_counter()""",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _POSTGRESQL:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER messages_commit_counter ON messages")
        op.execute("DROP FUNCTION message_commit_counter()")
