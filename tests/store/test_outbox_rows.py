"""Outbox rows as the delivery loop and the reply reader find them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.alerts.outbox import claim
from monitor.store import Store
from monitor.store import outbox as rows

QUEUED = datetime(2026, 6, 4, 9, 30, tzinfo=UTC)
ALERT_ID = "<relmon.alert.7.opened.20260604T0930@Northwind-Advisory.example>"
PAYLOAD = (
    b"Message-ID: " + ALERT_ID.encode() + b"\r\nX-Relmon-Alert: 7,9; kind=unanswered,friction\r\n"
    b"Subject: relmon: Acme Logistics is waiting for our reply\r\n\r\nCRITICAL\r\n"
)


def queue(store: Store, *, kind: str = "alert", message_id: str = ALERT_ID) -> int:
    with store.engine.begin() as connection:
        return rows.add(
            connection,
            {
                "message_id": message_id,
                "channel": "email",
                "kind": kind,
                "recipients": ["alice.marsh@northwind-advisory.example"],
                "subject": "relmon: Acme Logistics is waiting for our reply",
                "payload": PAYLOAD,
                "created_at": QUEUED,
                "not_before": QUEUED,
                "state": rows.PENDING,
                "attempts": 0,
            },
        )


def test_a_reply_finds_its_alert_email_whatever_case_its_mail_program_gave_the_id(
    store: Store,
) -> None:
    queue(store)

    with store.engine.connect() as connection:
        as_written = rows.alert_email(connection, [ALERT_ID])
        lowered = rows.alert_email(connection, [ALERT_ID.lower()])
        bare_upper = rows.alert_email(connection, [ALERT_ID.strip("<>").upper()])
        other = rows.alert_email(connection, ["<relmon.alert.8.opened@northwind-advisory.example>"])

    assert as_written == lowered == bare_upper == PAYLOAD
    assert other is None


def test_a_row_another_worker_failed_since_it_was_listed_waits_out_its_backoff(
    store: Store,
) -> None:
    """Worker B listed the row as due; worker A sent it first, failed, and set it to retry in
    an hour. B's claim, a moment later, must not send it again inside that hour."""
    row = queue(store, kind="test", message_id="<relmon.test.1@northwind-advisory.example>")
    now = datetime.now(UTC)
    listed_by_b = [ident for ident, _ in rows.due(store.engine, now, 10, ["email"])]

    assert claim(store.engine, row, "worker-a", now)
    rows.record_failure(
        store.engine,
        row,
        "worker-a",
        give_up=False,
        attempts=1,
        error="connection to relay.example lost: timed out",
        now=now,
        retry_at=now + timedelta(hours=1),
    )
    taken_by_b = claim(store.engine, row, "worker-b", now + timedelta(seconds=1))
    taken_after_backoff = claim(store.engine, row, "worker-b", now + timedelta(hours=1))

    assert listed_by_b == [row]
    assert not taken_by_b
    assert taken_after_backoff


def test_an_alert_email_whose_alerts_are_gone_is_superseded(store: Store) -> None:
    """Its alerts were purged (resolved long before the retention cut): nothing it says is
    still for its owner to hear."""
    from monitor.alerts.outbox import _item as item_of
    from monitor.alerts.outbox import superseded

    row_id = queue(store)
    row = rows.get(store.engine, row_id)

    assert row.alert is None
    assert superseded(store.engine, item_of(row))
