"""Migration 0007: outbox rows written as emails before channels existed keep being delivered."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command

from monitor.store import Store
from monitor.store.db import create_engine

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
RAW = b"Message-ID: <relmon.alert.1@northwind-advisory.example>\r\nSubject: x\r\n\r\nbody\r\n"


def test_existing_outbox_rows_become_email_rows_with_their_bytes_as_payload(store_url) -> None:
    old = Store(create_engine(store_url))
    with old.engine.begin() as connection:
        command.upgrade(old._alembic(connection), "0006")
        connection.execute(
            sa.text(
                "INSERT INTO outbox (message_id, kind, recipients, subject, raw, created_at,"
                " not_before, state, attempts) VALUES (:id, 'alert', :to, 'x', :raw, :now, :now,"
                " 'pending', 0)"
            ),
            {
                "id": "<relmon.alert.1@northwind-advisory.example>",
                "to": '["a@b.example"]',
                "raw": RAW,
                "now": NOW,
            },
        )
    old.close()

    store = Store.open(store_url)
    with store.engine.connect() as connection:
        (row,) = connection.execute(sa.text("SELECT channel, payload, state FROM outbox")).all()
    current, head = store.current_revision(), store.head_revision()
    store.close()

    assert current == head
    assert (row.channel, bytes(row.payload), row.state) == ("email", RAW, "pending")
