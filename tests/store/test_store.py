"""The store, on SQLite and on PostgreSQL: one row per message, every place it was seen."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from monitor.app.runtime import Runtime
from monitor.app.sync import ingest_paths
from monitor.config import Privacy
from monitor.core.model import Direction, Message, Quarantined
from monitor.sources.pipeline import from_raw
from monitor.store.messages import Item, save_items
from monitor.store.queries import export_messages
from monitor.store.schema import messages, metadata, quarantine, sightings
from tests.factories import ALICE, BEN, DANA, SAM, email, team_config

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def write_maildir(root: Path, files: dict[str, bytes]) -> Path:
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for name, raw in files.items():
        (root / "cur" / name).write_bytes(raw)
    return root


def conversation() -> dict[str, bytes]:
    return {
        "1780390320.M1P1.mx:2,S": email(message_id="plan-1@acme-logistics.example"),
        "1780400000.M2P1.mx:2,RS": email(
            frm=ALICE,
            to=DANA,
            subject="Re: Q3 roadmap review",
            message_id="plan-2@northwind-advisory.example",
            in_reply_to="plan-1@acme-logistics.example",
            date=datetime(2026, 6, 2, 14, 30, tzinfo=UTC),
            body="Hi Dana,\n\nAttached is the revised plan; the warehouse pilot moves to week 34.\n\nBest,\nAlice",
        ),
        "1780410000.M3P1.mx:2,": email(
            frm=SAM,
            to=ALICE,
            subject="Intro call",
            message_id="intro@lumen-analytics.example",
            body="Hi Alice,\n\nWould you have 30 minutes next week to talk about our data platform project?\n\nSam",
        ),
    }


def count(store, table: sa.Table) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def runtime_for(store_url: str, analyzer, extra: str = "") -> Runtime:
    return Runtime.open(team_config(store_url, extra), analyzer=analyzer)


def test_migrations_build_exactly_the_schema_the_code_queries(store) -> None:
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)

    assert differences == []
    assert store.current_revision() == store.head_revision()


def test_datetimes_come_back_aware_and_in_utc(store_url, analyzer, tmp_path) -> None:
    runtime = runtime_for(store_url, analyzer)
    ingest_paths(
        runtime, [write_maildir(tmp_path / "Maildir", conversation())], account="alice", now=NOW
    )

    with runtime.store.engine.connect() as connection:
        dates = connection.execute(sa.select(messages.c.date, messages.c.first_seen)).all()

    assert dates
    for date, first_seen in dates:
        assert date.tzinfo is not None and date.utcoffset() == timedelta(0)
        assert first_seen == NOW
    runtime.close()


def test_ingesting_the_same_maildir_twice_leaves_the_message_count_unchanged(
    store_url, analyzer, tmp_path
) -> None:
    runtime = runtime_for(store_url, analyzer)
    maildir = write_maildir(tmp_path / "Maildir", conversation())

    first = ingest_paths(runtime, [maildir], account="alice", now=NOW)
    # Reading the mail marks it seen: the flags part of the file names changes.
    for path in (maildir / "cur").iterdir():
        path.rename(path.with_name(path.name.split(":2,")[0] + ":2,S"))
    second = ingest_paths(runtime, [maildir], account="alice", now=NOW)

    assert (first.total("new"), first.total("known")) == (3, 0)
    assert (second.total("new"), second.total("known")) == (0, 3)
    assert count(runtime.store, messages) == 3
    assert count(runtime.store, sightings) == 3
    runtime.close()


def test_one_message_in_two_mailboxes_is_stored_once_and_seen_in_both(
    store_url, analyzer, tmp_path
) -> None:
    runtime = runtime_for(store_url, analyzer)
    # Dana writes to Alice and Ben; both mailboxes hold the message, Alice's also her reply.
    shared = email(
        to=[ALICE, BEN], message_id="kickoff@acme-logistics.example", subject="Kick-off agenda"
    )
    alice = write_maildir(
        tmp_path / "alice",
        {"1.M1:2,S": shared, "2.M2:2,S": conversation()["1780400000.M2P1.mx:2,RS"]},
    )
    ben = write_maildir(tmp_path / "ben", {"9.M9:2,S": shared})

    ingest_paths(runtime, [alice], account="alice", now=NOW)
    report = ingest_paths(runtime, [ben], account="ben", now=NOW)

    assert report.total("known") == 1
    assert count(runtime.store, messages) == 2
    with runtime.store.engine.connect() as connection:
        seen = (
            connection.execute(
                sa.select(sightings.c.account)
                .join(messages, messages.c.id == sightings.c.message)
                .where(messages.c.key == "kickoff@acme-logistics.example")
                .order_by(sightings.c.account)
            )
            .scalars()
            .all()
        )
    assert seen == ["alice", "ben"]
    # The export lists every place once, in the order first seen, streamed with the message.
    exported = {
        row["key"]: [place.partition(":")[0] for place in row["seen_in"]]
        for row in export_messages(runtime.store.engine, as_of=NOW + timedelta(days=400))
    }
    assert exported["kickoff@acme-logistics.example"] == ["alice", "ben"]
    assert sorted(exported.values()) == [["alice"], ["alice", "ben"]]
    runtime.close()


def test_an_unreadable_message_is_quarantined_once_and_the_rest_is_stored(
    store_url, analyzer, tmp_path
) -> None:
    runtime = runtime_for(store_url, analyzer)
    files = conversation() | {"1780420000.M4P1.mx:2,S": b"this file is not an email\n"}
    maildir = write_maildir(tmp_path / "Maildir", files)

    report = ingest_paths(runtime, [maildir], account="alice", now=NOW)
    ingest_paths(runtime, [maildir], account="alice", now=NOW)

    assert (report.total("new"), report.total("quarantined")) == (3, 1)
    assert count(runtime.store, quarantine) == 1
    with runtime.store.engine.connect() as connection:
        row = connection.execute(sa.select(quarantine)).one()
    assert (row.account, row.folder, row.location, row.reason) == (
        "alice",
        "INBOX",
        "1780420000.M4P1.mx",
        "no_header_section",
    )
    runtime.close()


def test_adding_a_client_reattributes_messages_already_stored(
    store_url, analyzer, tmp_path
) -> None:
    runtime = runtime_for(store_url, analyzer)
    ingest_paths(
        runtime, [write_maildir(tmp_path / "Maildir", conversation())], account="alice", now=NOW
    )
    runtime.close()

    extra = '\n[[clients]]\nname = "Lumen Analytics"\ndomains = ["lumen-analytics.example"]\nowner = "alice.marsh@northwind-advisory.example"\n'
    runtime = runtime_for(store_url, analyzer, extra)
    with runtime.store.engine.connect() as connection:
        row = connection.execute(
            sa.select(messages.c.direction, messages.c.client).where(
                messages.c.key == "intro@lumen-analytics.example"
            )
        ).one()

    assert (Direction(row.direction), row.client) == (Direction.INBOUND, "Lumen Analytics")
    runtime.close()


def test_threads_are_assigned_across_mailboxes_after_ingest(store_url, analyzer, tmp_path) -> None:
    runtime = runtime_for(store_url, analyzer)
    ingest_paths(
        runtime, [write_maildir(tmp_path / "Maildir", conversation())], account="alice", now=NOW
    )

    with runtime.store.engine.connect() as connection:
        threads = dict(connection.execute(sa.select(messages.c.key, messages.c.thread_id)).all())

    assert threads["plan-1@acme-logistics.example"] == threads["plan-2@northwind-advisory.example"]
    assert threads["intro@lumen-analytics.example"] != threads["plan-1@acme-logistics.example"]
    runtime.close()


def test_a_later_copy_fills_in_what_the_first_copy_lacked(store, analyzer) -> None:
    directory = team_config().directory()
    plain = from_raw(email(), analyzer=analyzer, privacy=Privacy())
    assert isinstance(plain, Message)
    from dataclasses import replace

    with_conversation = replace(plain, conversation_id="AAQkADAwATM0MDAAMS1")
    with store.engine.begin() as connection:
        save_items(
            connection,
            account="graph",
            folder="Inbox",
            items=[Item("AAMk1", plain)],
            directory=directory,
            now=NOW,
        )
    with store.engine.begin() as connection:
        result = save_items(
            connection,
            account="imap",
            folder="INBOX",
            items=[Item("7:1", with_conversation)],
            directory=directory,
            now=NOW,
        )

    assert (result.new, result.known) == (0, 1)
    with store.engine.connect() as connection:
        assert (
            connection.execute(sa.select(messages.c.conversation_id)).scalar_one()
            == "AAQkADAwATM0MDAAMS1"
        )


def test_two_writers_saving_the_same_message_at_once_store_one_row(store, analyzer) -> None:
    directory = team_config().directory()
    parsed = from_raw(email(), analyzer=analyzer, privacy=Privacy())
    assert isinstance(parsed, Message)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def writer(account: str) -> None:
        try:
            barrier.wait()
            with store.engine.begin() as connection:
                save_items(
                    connection,
                    account=account,
                    folder="INBOX",
                    items=[Item("1:1", parsed)],
                    directory=directory,
                    now=NOW,
                )
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("alice", "ben")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert count(store, messages) == 1
    assert count(store, sightings) == 2


def test_quarantine_rows_keep_the_place_and_the_reason(store) -> None:
    directory = team_config().directory()
    with store.engine.begin() as connection:
        save_items(
            connection,
            account="alice",
            folder="INBOX",
            items=[Item("17:4", Quarantined("no_sender", "no From header"), size=311)],
            directory=directory,
            now=NOW,
        )

    with store.engine.connect() as connection:
        row = connection.execute(sa.select(quarantine)).one()
    assert (row.location, row.reason, row.detail, row.size) == (
        "17:4",
        "no_sender",
        "no From header",
        311,
    )


def test_the_store_knows_its_newest_migration(store) -> None:
    from monitor.store.db import newest_revision

    assert newest_revision() == store.head_revision()


def test_a_current_store_opens_without_loading_alembic(tmp_path: Path) -> None:
    """GIVEN a store already at the newest migration, WHEN a new process opens it, THEN
    Alembic is not imported (it costs a noticeable part of a CLI call)."""
    from monitor.store import Store

    store_url = f"sqlite:///{tmp_path / 'relmon.db'}"
    Store.open(store_url).close()
    code = (
        "import sys; from monitor.store import Store; "
        f"Store.open({store_url!r}).close(); "
        "print(any(m == 'alembic' or m.startswith('alembic.') for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "False"


def test_a_reply_of_ours_quarantined_for_taking_a_client_messages_id_is_not_counted_twice(
    tmp_path, analyzer
) -> None:
    """A message from Alice reusing the Message-ID of Dana's stored question is quarantined: it
    is not also named as a reply of ours not counted (the stored row is Dana's)."""
    runtime = runtime_for(f"sqlite:///{tmp_path / 'relmon.db'}", analyzer)
    question = from_raw(
        email(message_id="same@acme-logistics.example"), analyzer=analyzer, privacy=Privacy()
    )
    reusing = email(
        frm=ALICE,
        to=DANA,
        subject="Re: Q3 roadmap review",
        message_id="same@acme-logistics.example",
        date=datetime(2026, 9, 1, 10, 0, tzinfo=UTC),
    )
    ours = from_raw(reusing, analyzer=analyzer, privacy=Privacy())
    with runtime.store.engine.begin() as connection:
        for location, message in (("1", question), ("2", ours)):
            result = save_items(
                connection,
                account="alice",
                folder="INBOX",
                items=[Item(location, message)],
                directory=runtime.directory,
                now=NOW,
            )
    runtime.close()

    assert (result.quarantined, result.unproven_ours) == (1, 0)
