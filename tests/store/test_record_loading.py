"""Records read for analysis keep each repeated text once: a year of mail holds a client's name,
its people's addresses and its threads thousands of times over."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.app.sync import ingest_paths
from monitor.core.model import Direction
from monitor.store.records import load_records
from tests.factories import ALICE, DANA, email
from tests.store.test_store import NOW, conversation, runtime_for, write_maildir


def _thread() -> dict[str, bytes]:
    """Dana's plan, Alice's reply and Dana's answer to it, in one conversation."""
    mail = conversation()
    mail["1780420000.M4P1.mx:2,S"] = email(
        frm=DANA,
        to=ALICE,
        subject="Re: Q3 roadmap review",
        message_id="plan-3@acme-logistics.example",
        in_reply_to="plan-2@northwind-advisory.example",
        date=datetime(2026, 6, 3, 9, 15, tzinfo=UTC),
        body="Hi Alice,\n\nWeek 34 works for the warehouse team. We will brief the drivers.\n\nDana",
    )
    return mail


def test_records_of_one_sender_share_its_address_client_and_thread(
    store_url, analyzer, tmp_path
) -> None:
    runtime = runtime_for(store_url, analyzer)
    ingest_paths(
        runtime, [write_maildir(tmp_path / "Maildir", _thread())], account="alice", now=NOW
    )

    records = load_records(runtime.store.engine, as_of=NOW)
    runtime.close()

    first, last = [r for r in records if r.direction is Direction.INBOUND]
    assert first.sender == last.sender and first.sender is last.sender
    assert first.client is last.client
    assert first.thread is last.thread
