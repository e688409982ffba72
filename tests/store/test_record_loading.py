"""Records read for analysis keep each repeated text once: a year of mail holds a client's name,
its people's addresses and its threads thousands of times over."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import event

from monitor.app.sync import ingest_paths
from monitor.core.model import Direction
from monitor.core.records import Record
from monitor.store.db import reading
from monitor.store.records import load_before, load_records
from monitor.store.schema import messages
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


def _tuples(value: object) -> object:
    """A JSON column's lists as the tuples a record holds."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def test_a_loaded_record_holds_each_stored_column_in_its_own_field(
    store_url, analyzer, tmp_path
) -> None:
    mail = _thread()
    mail["1780430000.M5P1.mx:2,S"] = email(
        frm=DANA,
        to=ALICE,
        subject="Re: Q3 roadmap review",
        message_id="plan-4@acme-logistics.example",
        in_reply_to="plan-3@acme-logistics.example",
        date=datetime(2026, 6, 4, 8, 40, tzinfo=UTC),
        body="Alice,\n\nYou need to explain why the export still fails with the same error. What for?? "
        "This is not acceptable and frankly we are fed up.\n\nDana",
    )
    runtime = runtime_for(store_url, analyzer)
    ingest_paths(runtime, [write_maildir(tmp_path / "Maildir", mail)], account="alice", now=NOW)
    records = {r.key: r for r in load_records(runtime.store.engine, as_of=NOW)}
    with runtime.store.engine.connect() as connection:
        rows = list(connection.execute(sa.select(messages)).mappings())
    runtime.close()

    loaded = [row for row in rows if row["key"] in records]  # client mail dated by then
    assert len(loaded) == len(records) >= 3
    named_alike = [f.name for f in fields(Record) if f.name in loaded[0] and f.name != "revision"]
    for row in loaded:
        record = records[row["key"]]
        assert record.date == row["date"] and record.sender == row["from_addr"]
        assert record.thread == row["thread_id"]
        assert {name: getattr(record, name) for name in named_alike} == {
            name: _tuples(row[name]) for name in named_alike
        }
    curt = records["plan-4@acme-logistics.example"]
    measured = (curt.sentiment, curt.impoliteness, curt.tone, curt.curtness)
    assert None not in measured and len(set(measured)) == len(measured)  # tells a swap apart


def test_what_an_evaluation_reads_of_older_mail_comes_in_four_queries(
    store_url, analyzer, tmp_path
) -> None:
    """Acme's plan (2 June) and Acme's answer to our reply (3 June), read by an evaluation
    whose window starts on 10 June: the first and last message each way, the newest records,
    the counts, Acme's away notices and its addresses, on the caller's connection. Our reply,
    found in the inbox and not sent by our server, is no client mail."""
    runtime = runtime_for(store_url, analyzer)
    ingest_paths(
        runtime, [write_maildir(tmp_path / "Maildir", _thread())], account="alice", now=NOW
    )
    statements: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    with reading(runtime.store.engine) as connection:
        event.listen(connection, "before_cursor_execute", seen)
        before = load_before(
            connection,
            client="Acme Logistics",
            since=datetime(2026, 6, 10, tzinfo=UTC),
            latest=5,
            directory=runtime.directory,
        )
    runtime.close()

    assert len(statements) == 4
    assert before.first_inbound is not None and before.last_inbound is not None
    assert before.first_inbound.date == datetime(2026, 6, 2, 8, 12, tzinfo=UTC)
    assert before.last_inbound.date == datetime(2026, 6, 3, 9, 15, tzinfo=UTC)
    assert before.first_outbound is None and before.last_outbound is None
    assert before.latest == (before.first_inbound, before.last_inbound)
    assert (before.counted, before.count, before.latest_kept) == (2, 2, 5)
