"""Hostile mail against the store, on SQLite and on PostgreSQL: every message is stored or
quarantined on its own, its neighbours are stored, errors carry no mail content, and a stranger
cannot take over a stored message's identity or speak as us."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
import structlog

from monitor.app.alerting import evaluate_alerts
from monitor.app.runtime import Runtime
from monitor.app.sync import ingest_paths, sync_account
from monitor.config import Privacy
from monitor.core.model import Mailbox, Message
from monitor.sources.pipeline import from_raw
from monitor.store.messages import Item, save_items
from monitor.store.schema import account_state, messages, quarantine, sightings
from tests import hostile
from tests.factories import email, team_config
from tests.scenario import Scenario, at

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
SNIPPETS = Privacy(store_snippets=True)
POISON = (
    "nul-in-subject",
    "nul-in-from-name",
    "nul-in-message-id",
    "nul-in-body",
    "control-chars-in-subject",
    "message-id-600",
    "message-id-1200",
    "from-address-330",
    "to-address-340",
    "subject-4m",
)
BY_NAME = {h.name: h for h in hostile.CORPUS}


def neighbour(n: int) -> bytes:
    return email(
        message_id=f"neighbour-{n}@acme-logistics.example",
        subject=f"Pallet counts, store {n}",
        body=f"Hi Alice,\n\nStore {n} counted 412 pallets; can you check the system figure?\n\nDana",
    )


def parsed(raw: bytes, analyzer) -> Message:
    message = from_raw(raw, analyzer=analyzer, privacy=SNIPPETS)
    assert isinstance(message, Message), message
    return message


def rows(store, table: sa.Table) -> list:
    with store.engine.connect() as connection:
        return connection.execute(sa.select(table)).all()


def save(store, items, *, folder="INBOX", account="alice", directory=None):
    with store.engine.begin() as connection:
        return save_items(
            connection,
            account=account,
            folder=folder,
            items=items,
            directory=directory or team_config().directory(),
            now=NOW,
        )


def test_every_poison_message_is_stored_with_its_neighbours(store, analyzer) -> None:
    """GIVEN NUL bytes, control characters, 600/1200-character Message-IDs, 330/340-character
    addresses and a 4 MB subject, each between two ordinary messages in one batch, WHEN the
    batch is saved, THEN every message is stored on either backend, with values both hold."""
    items = []
    for n, name in enumerate(POISON):
        items.append(Item(f"{n}:before", parsed(neighbour(2 * n), analyzer)))
        items.append(Item(f"{n}:poison", parsed(BY_NAME[name].build(), analyzer)))
    items.append(Item("last", parsed(neighbour(99), analyzer)))

    result = save(store, items)

    assert (result.new, result.quarantined) == (len(items), 0)
    stored = rows(store, messages)
    assert len(stored) == len(items)
    for row in stored:
        for name in ("key", "message_id", "subject", "from_name", "from_addr", "snippet"):
            value = getattr(row, name)
            assert value is None or ("\x00" not in value and "\x1b" not in value), name
        assert len(row.key) <= 512 and len(row.from_addr) <= 320
        assert len(row.subject) <= 998
        assert row.counterpart is None or len(row.counterpart) <= 320
    by_subject = {row.subject: row for row in stored}
    assert "Revised invoice for March" in by_subject  # the NUL removed, nothing else
    assert "Revised  invoice  for [2J March " in by_subject  # controls made spaces
    long_sender = next(r for r in stored if r.from_addr.startswith("h-"))
    assert long_sender.from_addr.endswith("@acme-logistics.example")
    assert long_sender.client == "Acme Logistics"  # still attributed by its domain


def test_a_reply_to_a_hashed_message_id_threads_to_it(store, analyzer) -> None:
    long_id = hostile.long_message_id("thread-root", 600)
    question = parsed(email(message_id=long_id.strip("<>"), subject="Pallets"), analyzer)
    answer = parsed(
        email(
            frm="Alice Marsh <alice.marsh@northwind-advisory.example>",
            to="Dana Whitfield <dana.whitfield@acme-logistics.example>",
            subject="Re: Pallets",
            message_id="re-pallets@northwind-advisory.example",
            in_reply_to=long_id.strip("<>"),
        ),
        analyzer,
    )

    assert question.message_id is not None and question.message_id.endswith("@hashed.invalid")
    assert answer.in_reply_to == (question.message_id,)


def test_a_row_the_database_still_refuses_is_quarantined_alone(store, analyzer) -> None:
    """GIVEN messages that did not go through normalisation (a NUL subject, a 600-character
    key), WHEN saved among good ones, THEN only they are quarantined, naming the column and no
    value, and the good ones are stored."""
    good = parsed(neighbour(1), analyzer)
    nul = Message(
        key="nul@acme-logistics.example",
        message_id="nul@acme-logistics.example",
        date=NOW,
        sender=Mailbox("dana.whitfield@acme-logistics.example", "Dana"),
        subject="Merger with Halden\x00 Marine",
    )
    long_key = Message(
        key="x" * 600, message_id=None, date=NOW, sender=Mailbox("dana@acme-logistics.example")
    )

    result = save(
        store,
        [
            Item("1", good),
            Item("2", nul),
            Item("3", long_key),
            Item("4", parsed(neighbour(2), analyzer)),
        ],
    )

    assert (result.new, result.quarantined) == (2, 2)
    refused = {row.location: row for row in rows(store, quarantine)}
    assert refused["2"].reason == refused["3"].reason == "store_refused"
    assert refused["2"].detail == "subject contains a NUL character"
    assert refused["3"].detail == "key is longer than its 512 characters"
    assert refused["3"].key is None


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_on_postgresql_a_refused_batch_is_retried_row_by_row(store, analyzer, monkeypatch) -> None:
    """GIVEN the guard bypassed, so PostgreSQL itself refuses one row (an address of 330
    characters), WHEN the batch is saved, THEN the database error quarantines that row alone,
    described without its values, and the other rows of the batch are stored."""
    monkeypatch.setattr("monitor.store.messages.row_problem", lambda table, row: None)
    secret = "a" * 300 + "@acme-logistics.example"
    bad = Message(
        key="bad@acme-logistics.example",
        message_id="bad@acme-logistics.example",
        date=NOW,
        sender=Mailbox(secret, "Dana"),
        subject="Board pack: confidential figures",
    )
    items = [Item(str(n), parsed(neighbour(n), analyzer)) for n in range(3)]
    items.insert(1, Item("bad", bad))

    result = save(store, items)

    assert (result.new, result.quarantined) == (3, 1)
    (row,) = rows(store, quarantine)
    assert row.location == "bad" and row.reason == "store_refused"
    assert row.detail.startswith("database error: StringDataRightTruncation (SQLSTATE 22001)")
    assert "confidential" not in row.detail and secret not in row.detail
    assert len(rows(store, sightings)) == 3


def test_a_failed_sync_records_and_logs_no_mail_content(
    store_url, analyzer, tmp_path, monkeypatch
) -> None:
    """GIVEN the store failing with a database error whose text holds a subject and an
    address, WHEN an account syncs, THEN account_state, the log and the operator's view carry
    the error's type and a content-free description only."""
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "cur" / "1.M1:2,S").write_bytes(neighbour(1))
    extra = f'\n[[accounts]]\nname = "alice"\nkind = "maildir"\npath = "{maildir}"\n'
    runtime = Runtime.open(team_config(store_url, extra), analyzer=analyzer)

    class Diag:
        message_primary = "value too long for type character varying(320)"

    class Truncated(Exception):
        sqlstate = "22001"
        diag = Diag()

    def refuse(*args, **kwargs):
        raise sa.exc.DataError(
            "INSERT INTO messages (subject, from_addr) VALUES (%(subject)s, %(from_addr)s)",
            {"subject": "Merger with Halden Marine", "from_addr": "dana.whitfield@acme.example"},
            Truncated("value too long for type character varying(320)"),
        )

    monkeypatch.setattr("monitor.store.sink.save_items", refuse)
    with structlog.testing.capture_logs() as logs:
        result = sync_account(runtime, runtime.config.accounts[0], now=NOW)

    expected = (
        "database error: Truncated (SQLSTATE 22001): value too long for type character varying(320)"
    )
    assert result.error == expected and result.error_kind.value == "store"
    with runtime.store.engine.connect() as connection:
        state = connection.execute(sa.select(account_state)).one()
    assert state.last_error == expected
    logged = repr(logs)
    assert "Halden" not in logged and "dana.whitfield" not in logged
    assert not any(entry.get("log_level") == "error" and "exc_info" in entry for entry in logs)
    runtime.close()


# --------------------------------------------------------------------------- identity


def test_a_forged_duplicate_message_id_changes_nothing(store, analyzer) -> None:
    """GIVEN the client's genuine question stored, WHEN a stranger's auto-reply and an angry
    look-alike reuse its Message-ID, THEN the question still needs a reply, is not noise and
    has no friction; each forgery is recorded as a conflict where it was seen."""
    genuine = parsed(BY_NAME["identity-genuine-question"].build(), analyzer)
    save(store, [Item("1", genuine)])
    before = rows(store, messages)

    result = save(
        store,
        [
            Item("2", parsed(BY_NAME["identity-forged-duplicate-id-noise"].build(), analyzer)),
            Item("3", parsed(BY_NAME["identity-forged-duplicate-id-friction"].build(), analyzer)),
        ],
        folder="Archive",
    )

    assert (result.new, result.known, result.quarantined) == (0, 0, 2)
    assert rows(store, messages) == before
    (row,) = before
    assert (row.needs_reply, row.noise) == (True, None)
    assert not [cue for cue in row.friction if cue.startswith("escalation:")]
    conflicts = sorted(rows(store, quarantine), key=lambda r: r.location)
    assert [(c.folder, c.location, c.reason) for c in conflicts] == [
        ("Archive", "2", "message_id_conflict"),
        ("Archive", "3", "message_id_conflict"),
    ]
    assert all("another sender" in c.detail and "@" not in c.detail for c in conflicts)
    assert len(rows(store, sightings)) == 1


def test_a_forgery_in_the_same_batch_as_the_genuine_message_is_refused_too(store, analyzer) -> None:
    genuine = parsed(BY_NAME["identity-genuine-question"].build(), analyzer)
    forged = parsed(BY_NAME["identity-forged-duplicate-id-noise"].build(), analyzer)

    result = save(store, [Item("1", genuine), Item("2", forged)])

    assert (result.new, result.quarantined) == (1, 1)
    (row,) = rows(store, messages)
    assert (row.noise, row.needs_reply) == (None, True)


def test_the_same_message_seen_in_sent_and_in_a_colleagues_inbox_is_still_one(
    store, analyzer
) -> None:
    raw = email(
        frm="Alice Marsh <alice.marsh@northwind-advisory.example>",
        to="Dana Whitfield <dana.whitfield@acme-logistics.example>",
        cc=["Ben Okafor <ben.okafor@northwind-advisory.example>"],
        subject="Re: Q3 roadmap review",
        message_id="reply-1@northwind-advisory.example",
    )
    save(store, [Item("b1", parsed(raw, analyzer))], account="ben", folder="INBOX")
    assert rows(store, messages)[0].direction == "other"  # not yet known to be ours

    result = save(store, [Item("a1", parsed(raw, analyzer))], account="alice", folder="Sent")

    assert (result.known, result.quarantined) == (1, 0)
    (row,) = rows(store, messages)
    assert (row.direction, row.client) == ("outbound", "Acme Logistics")


# --------------------------------------------------------------------------- forged replies


QUESTION = (
    "Hi Alice,\n\nCan we still make the 6 July go-live for the northern stores?\n\nThanks,\nDana"
)


def forged_reply(question: Message) -> bytes:
    """From: Alice, delivered from outside into her Inbox, replying to the client's question."""
    return (
        b"Received: from bulk-relay.example (unknown [203.0.113.77])\r\n"
        b"\tby mx1.northwind-advisory.example (Postfix) with ESMTP id 4QFORGED01\r\n"
        b"\tfor <alice.marsh@northwind-advisory.example>; Thu, 04 Jun 2026 10:00:00 +0000\r\n"
        b"Authentication-Results: mx1.northwind-advisory.example; spf=fail; dmarc=fail\r\n"
        + email(
            frm="Alice Marsh <alice.marsh@northwind-advisory.example>",
            to="Dana Whitfield <dana.whitfield@acme-logistics.example>",
            subject=f"Re: {question.subject}",
            message_id="forged-reply@bulk-relay.example",
            in_reply_to=(question.message_id or "").strip("<>"),
            date=at("Thu 2026-06-04 10:59"),
            body="Hi Dana,\n\nYes, 6 July holds. Details follow.\n\nAlice",
        )
    )


def scenario_on(store_url: str, analyzer) -> Scenario:
    scenario = Scenario.__new__(Scenario)
    scenario.runtime = Runtime.open(team_config(store_url), analyzer=analyzer)
    scenario.analyzer = analyzer
    return scenario


def test_a_reply_forged_from_the_consultant_resolves_nothing(
    store_url, tmp_path: Path, analyzer
) -> None:
    """GIVEN a client question unanswered long enough for a critical alert, WHEN a message
    forged as From: the consultant arrives from outside in her Inbox and is ingested, THEN the
    question still waits, the alert stays open, and a real reply from Sent resolves it."""
    scenario = scenario_on(store_url, analyzer)
    question = scenario.client_writes("Mon 2026-06-01 10:00", "6 July go-live", QUESTION)
    opened = evaluate_alerts(scenario.runtime, now=at("Thu 2026-06-04 10:30").astimezone(UTC))
    assert ("unanswered", "critical") in {(e["kind"], e["severity"]) for e in opened.events}

    inbox = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (inbox / sub).mkdir(parents=True)
    (inbox / "cur" / "1780567140.M1P1.mx:2,S").write_bytes(forged_reply(question))
    report = ingest_paths(
        scenario.runtime, [inbox], account="alice", now=at("Thu 2026-06-04 11:00")
    )
    after = evaluate_alerts(scenario.runtime, now=at("Thu 2026-06-04 11:30").astimezone(UTC))

    assert report.total("new") == 1
    with scenario.runtime.store.engine.connect() as connection:
        forged = connection.execute(
            sa.select(messages.c.direction, messages.c.client).where(
                messages.c.subject == "Re: 6 July go-live"
            )
        ).one()
    assert (forged.direction, forged.client) == ("other", None)
    assert "resolved" not in [e["event"] for e in after.events]
    assert scenario.report("Acme Logistics", "Thu 2026-06-04 11:30").gaps.awaiting

    scenario.we_reply(question, "Thu 2026-06-04 12:00", "Hi Dana,\n\nYes, 6 July holds.\n\nAlice")
    resolved = evaluate_alerts(scenario.runtime, now=at("Thu 2026-06-04 12:30").astimezone(UTC))
    assert "resolved" in [e["event"] for e in resolved.events]
    scenario.close()


def test_a_message_the_server_marks_sent_is_ours_and_stays_ours(store_url, analyzer) -> None:
    """GIVEN Gmail's All Mail, where only the \\Sent label tells our mail from a forgery, WHEN
    our labelled reply and an unlabelled "From: Alice" are stored and the configuration later
    changes, THEN only the labelled one is ours, before and after re-attribution."""
    runtime = Runtime.open(team_config(store_url), analyzer=analyzer)
    ours = email(
        frm="Alice Marsh <alice.marsh@northwind-advisory.example>",
        to="Dana Whitfield <dana.whitfield@acme-logistics.example>",
        subject="Re: Q3 roadmap review",
        message_id="ours@northwind-advisory.example",
    )
    forged = email(
        frm="Alice Marsh <alice.marsh@northwind-advisory.example>",
        to="Dana Whitfield <dana.whitfield@acme-logistics.example>",
        subject="Re: Q3 roadmap review",
        message_id="forged@bulk-relay.example",
    )
    save(
        runtime.store,
        [
            Item("1:1", parsed(ours, analyzer), sent=True),
            Item("1:2", parsed(forged, analyzer)),
        ],
        folder="[Gmail]/All Mail",
        directory=runtime.directory,
    )
    runtime.close()

    extra = '\n[[clients]]\nname = "Lumen Analytics"\ndomains = ["lumen-analytics.example"]\nowner = "alice.marsh@northwind-advisory.example"\n'
    runtime = Runtime.open(team_config(store_url, extra), analyzer=analyzer)  # re-attributes
    directions = {row.key: row.direction for row in rows(runtime.store, messages)}

    assert directions == {
        "ours@northwind-advisory.example": "outbound",
        "forged@bulk-relay.example": "other",
    }
    runtime.close()
