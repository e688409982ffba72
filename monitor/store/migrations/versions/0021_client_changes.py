"""Per client, the revision counter as the last change to its messages left it, written by the
triggers that move the counter: an evaluation pass finds the clients whose mail changed since
their last evaluation by reading one short table, instead of the number and revisions of every
client's records from the messages' index (a third of a second at a million messages on
PostgreSQL, a sixth on SQLite, at every pass after new mail). An insert marks the message's
client, a deletion the client it had, an update both the client it had and the one it has now
(mail attributed to another client changes both). Each evaluation keeps the number and
revisions of its client's records (``evaluated_clients.revisions``), which stand for as long
as the client has no later change.

On SQLite the mark is written in the trigger that moves the counter, right after it moves; on
PostgreSQL in the function the deferred counter trigger runs for each changed row at commit,
after the transaction's one move of the counter. The clients with mail are marked with the
counter as it stands when this migration runs.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def _sqlite_mark(record: str) -> str:
    return f"""INSERT INTO client_changes (client, counter)
    SELECT {record}.client, value FROM revision_counter WHERE id = 1 AND {record}.client IS NOT NULL
    ON CONFLICT (client) DO UPDATE SET counter = excluded.counter;"""


_MOVE = "UPDATE revision_counter SET value = value + 1 WHERE id = 1;"
_NUMBER = """UPDATE messages SET revision = (SELECT value FROM revision_counter WHERE id = 1)
    WHERE id = NEW.id;"""
_SQLITE_TRIGGERS = {
    "messages_revision_insert": "AFTER INSERT ON messages",
    "messages_revision_update": "AFTER UPDATE ON messages WHEN NEW.revision IS OLD.revision",
    "messages_revision_delete": "AFTER DELETE ON messages",
}
_SQLITE_BEFORE = {
    "messages_revision_insert": (_MOVE, _NUMBER),
    "messages_revision_update": (_MOVE, _NUMBER),
    "messages_revision_delete": (_MOVE,),
}
_SQLITE_AFTER = {
    "messages_revision_insert": (_MOVE, _NUMBER, _sqlite_mark("NEW")),
    "messages_revision_update": (_MOVE, _NUMBER, _sqlite_mark("OLD"), _sqlite_mark("NEW")),
    "messages_revision_delete": (_MOVE, _sqlite_mark("OLD")),
}


def _sqlite_triggers(bodies: dict[str, tuple[str, ...]]) -> None:
    for name, when in _SQLITE_TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        body = "\n    ".join(bodies[name])
        op.execute(f"CREATE TRIGGER {name} {when} BEGIN\n    {body}\nEND")


_PG_MOVE = """    IF current_setting('relmon.messages_counted', true) IS DISTINCT FROM 'yes' THEN
        UPDATE revision_counter SET value = value + 1 WHERE id = 1;
        PERFORM set_config('relmon.messages_counted', 'yes', true);
    END IF;"""
def _pg_mark(record: str, unless: str) -> str:
    return f"""
    IF TG_OP <> '{unless}' THEN
        IF {record}.client IS NOT NULL THEN
            INSERT INTO client_changes (client, counter) VALUES ({record}.client, moved)
            ON CONFLICT (client) DO UPDATE SET counter = EXCLUDED.counter
            WHERE client_changes.counter <> EXCLUDED.counter;
        END IF;
    END IF;"""


_PG_MARK = (
    "\n    SELECT value INTO moved FROM revision_counter WHERE id = 1;"
    + _pg_mark("OLD", unless="INSERT")
    + _pg_mark("NEW", unless="DELETE")
)


def _pg_function(mark: bool) -> str:
    declare = "DECLARE\n    moved BIGINT;\n" if mark else ""
    return (
        "CREATE OR REPLACE FUNCTION message_commit_counter() RETURNS trigger AS $$\n"
        f"{declare}BEGIN\n{_PG_MOVE}{_PG_MARK if mark else ''}\n    RETURN NULL;\nEND\n"
        "$$ LANGUAGE plpgsql"
    )


def upgrade() -> None:
    op.create_table(
        "client_changes",
        sa.Column("client", sa.String(300), nullable=False),
        sa.Column("counter", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("client", name="pk_client_changes"),
    )
    with op.batch_alter_table("evaluated_clients") as batch:
        batch.add_column(sa.Column("revisions", sa.String(80)))
    op.execute(
        "INSERT INTO client_changes (client, counter) "
        "SELECT DISTINCT client, (SELECT value FROM revision_counter WHERE id = 1) "
        "FROM messages WHERE client IS NOT NULL"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_pg_function(mark=True))
    else:
        _sqlite_triggers(_SQLITE_AFTER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_pg_function(mark=False))
    else:
        _sqlite_triggers(_SQLITE_BEFORE)
    with op.batch_alter_table("evaluated_clients") as batch:
        batch.drop_column("revisions")
    op.drop_table("client_changes")
