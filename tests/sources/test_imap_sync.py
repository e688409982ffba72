"""IMAP sync against a real Dovecot: first sync, new mail, flags, expunges, UIDVALIDITY, folders.

Alice Marsh (Northwind Advisory) reads her mailbox over IMAP. Dana Whitfield and Raj Patel
(Acme Logistics, Alice's client) write to her; Alice's replies sit in her Sent folder.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
import sqlalchemy as sa
from structlog.testing import capture_logs

from monitor.app.sync import check_account, sync_account, sync_source
from monitor.sources import imap, imap_analysis, imap_fetch, imap_folder, imap_vanished
from monitor.sources.imap_mime import structure_from_bodystructure
from monitor.sources.mime import find_header_end, parse_headers, structure_of
from monitor.store.conversations import rethread
from monitor.store.schema import folder_state, messages
from monitor.store.sink import StoreSink
from tests.factories import ALICE, email
from tests.servers.dovecot import Dovecot
from tests.sources.imap_helpers import (
    NOW,
    client_mail,
    imap_commands,
    open_runtime,
    our_replies,
    places,
    snapshot,
    stored_messages,
)

pytestmark = pytest.mark.live


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'relmon.db'}"


def test_first_sync_stores_inbox_and_sent_with_direction_and_places(
    dovecot: Dovecot, store_url: str, analyzer
) -> None:
    """GIVEN Dana's five messages in Alice's Inbox and Alice's two replies in Sent, one of
    them also filed in the Inbox (Alice copied herself)
    WHEN relmon syncs the account for the first time
    THEN each message is stored once, with the right direction, and every place it sits."""
    dovecot.append("INBOX", client_mail(5))
    replies = our_replies(2)
    dovecot.append("Sent", replies)
    dovecot.append("INBOX", replies[:1])
    runtime, account = open_runtime(dovecot, store_url, analyzer=analyzer)

    result = sync_account(runtime, account, now=NOW)

    assert result.error is None
    by_folder = {f.folder: f for f in result.folders}
    assert (by_folder["INBOX"].new, by_folder["INBOX"].known) == (6, 0)
    assert (by_folder["Sent"].new, by_folder["Sent"].known) == (1, 1)
    rows = stored_messages(runtime)
    assert len(rows) == 7
    directions = {row.message_id: row.direction for row in rows}
    assert directions["thread-1@acme-logistics.example"] == "inbound"
    assert directions["reply-0@northwind-advisory.example"] == "outbound"
    assert all(row.client == "Acme Logistics" for row in rows)
    assert all(row.sentiment is not None for row in rows if row.direction == "inbound")
    reply_places = [
        (p.folder, p.location.split(":")[1])
        for p in places(runtime)
        if p.message_id == "reply-0@northwind-advisory.example"
    ]
    assert sorted(reply_places) == [("INBOX", "6"), ("Sent", "1")]
    with runtime.store.engine.connect() as connection:
        state = {row.folder: row for row in connection.execute(sa.select(folder_state))}
    assert (state["INBOX"].last_uid, state["INBOX"].exists_count) == (6, 6)
    assert state["INBOX"].highestmodseq is not None  # Dovecot has CONDSTORE


def test_sync_reads_text_parts_only_and_never_marks_mail_read(
    dovecot: Dovecot, sqlite_url: str, analyzer, monkeypatch
) -> None:
    """Attachments are never fetched, every fetch is a PEEK, and the mail stays unread."""
    dovecot.append("INBOX", client_mail(6, attachment_every=2))
    runtime, account = open_runtime(dovecot, sqlite_url, analyzer=analyzer)
    requested: list[tuple[int, str]] = []
    original = imap_fetch.fetch

    def spy(client, messages, data):
        requested.extend((uid, str(item)) for uid in messages for item in data)
        return original(client, messages, data)

    monkeypatch.setattr(imap_fetch, "fetch", spy)

    result = sync_account(runtime, account, now=NOW)

    assert result.error is None and result.total("new") == 6
    client = dovecot.client()
    client.select_folder("INBOX", readonly=True)
    structures = {
        uid: structure_from_bodystructure(data[b"BODYSTRUCTURE"])
        for uid, data in client.fetch(client.search("ALL"), ["BODYSTRUCTURE"]).items()
    }
    sections = [(uid, item) for uid, item in requested if item.startswith(("BODY[", "BODY.PEEK["))]
    assert sections and all(item.startswith("BODY.PEEK[") for _, item in sections)
    read_parts = {(uid, item[len("BODY.PEEK[") :].split("]")[0]) for uid, item in sections} - {
        (uid, "HEADER") for uid in structures
    }
    parts = {
        (uid, part.path): part for uid, structure in structures.items() for part in structure.parts
    }
    assert read_parts and all(
        parts[key].content_type.startswith("text/") and not parts[key].is_attachment
        for key in read_parts
    )
    assert sum(1 for part in parts.values() if part.is_attachment) == 3
    assert client.search(["SEEN"]) == []


def test_unchanged_folder_costs_the_same_few_commands_whatever_its_size(
    dovecot: Dovecot, sqlite_url: str, analyzer
) -> None:
    """A pass over unchanged folders sends one EXAMINE per folder, for 10 or 400 messages."""
    dovecot.append("Archive", client_mail(10, prefix="small"))
    dovecot.append("INBOX", client_mail(400, prefix="large"))
    runtime, account = open_runtime(dovecot, sqlite_url, analyzer=analyzer)
    sync_account(runtime, account, now=NOW)

    with imap_commands() as sent:
        result = sync_account(runtime, account, now=NOW)

    assert result.error is None and result.total("new") == 0
    folders = len(result.folders)
    assert sent["EXAMINE"] == folders
    assert sent["FETCH"] == 0 and sent["SEARCH"] == 0
    # Login, capabilities, ENABLE, LIST and LOGOUT around one EXAMINE per folder.
    assert sum(sent.values()) <= folders + 6


def test_new_mail_is_fetched_on_the_next_pass_and_nothing_else(
    dovecot: Dovecot, sqlite_url: str, analyzer
) -> None:
    dovecot.append("INBOX", client_mail(20))
    runtime, account = open_runtime(dovecot, sqlite_url, analyzer=analyzer)
    sync_account(runtime, account, now=NOW)
    dovecot.append("INBOX", client_mail(2, start=20))

    with imap_commands() as sent:
        result = sync_account(runtime, account, now=NOW)

    inbox = next(f for f in result.folders if f.folder == "INBOX")
    assert (inbox.new, inbox.changed, inbox.expunged) == (2, 0, 0)
    # One SEARCH for new UIDs and one for flag changes (HIGHESTMODSEQ moved); headers and
    # structure of both at once, then text parts once per layout (plain; plain + HTML).
    assert (sent["SEARCH"], sent["FETCH"]) == (2, 3)
    assert len(stored_messages(runtime)) == 22


def test_flag_only_change_is_counted_without_fetching_anything(
    dovecot: Dovecot, sqlite_url: str, analyzer
) -> None:
    uids = dovecot.append("INBOX", client_mail(8))
    runtime, account = open_runtime(dovecot, sqlite_url, analyzer=analyzer)
    sync_account(runtime, account, now=NOW)
    before = snapshot(runtime)
    dovecot.set_flags("INBOX", uids[2:4], (b"\\Seen", b"\\Flagged"))

    with imap_commands() as sent:
        result = sync_account(runtime, account, now=NOW)

    inbox = next(f for f in result.folders if f.folder == "INBOX")
    assert (inbox.new, inbox.changed, inbox.expunged) == (0, 2, 0)
    assert sent["FETCH"] == 0
    after = snapshot(runtime)
    assert after["messages"] == before["messages"] and after["sightings"] == before["sightings"]
    # The next pass knows the change was seen.
    again = sync_account(runtime, account, now=NOW)
    assert next(f for f in again.folders if f.folder == "INBOX").changed == 0


@pytest.mark.parametrize("qresync", [True, False], ids=["qresync", "listing"])
def test_expunged_message_stays_in_history_with_its_place_marked(
    dovecot: Dovecot, store_url: str, analyzer, qresync: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a synced Inbox WHEN two messages are expunged and one arrives THEN the two are
    marked expunged and kept in history, whether the server names them (QRESYNC) or the folder
    is listed (servers without it)."""
    if not qresync:
        monkeypatch.setattr(imap, "enable_qresync", lambda client, caps: False)
    uids = dovecot.append("INBOX", client_mail(6))
    runtime, account = open_runtime(dovecot, store_url, analyzer=analyzer)
    sync_account(runtime, account, now=NOW)
    dovecot.expunge("INBOX", [uids[1], uids[4]])
    dovecot.append("INBOX", client_mail(1, start=6))

    result = sync_account(runtime, account, now=NOW)

    inbox = next(f for f in result.folders if f.folder == "INBOX")
    assert (inbox.new, inbox.expunged) == (1, 2)
    assert len(stored_messages(runtime)) == 7
    gone = {p.message_id for p in places(runtime, "INBOX") if p.expunged_at is not None}
    assert gone == {"thread-1@acme-logistics.example", "thread-4@acme-logistics.example"}
    assert all(p.expunged_at == NOW for p in places(runtime, "INBOX") if p.expunged_at is not None)
    again = sync_account(runtime, account, now=NOW)
    assert next(f for f in again.folders if f.folder == "INBOX").expunged == 0


def _listings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The folders whose expunges were found by listing every UID and every stored place."""
    listed: list[str] = []
    original = imap_folder._expunges

    def listing(client, ctx, folder, state, report):  # type: ignore[no-untyped-def]
        listed.append(folder)
        return original(client, ctx, folder, state, report)

    monkeypatch.setattr(imap_folder, "_expunges", listing)
    return listed


def test_expunges_are_read_from_the_server_without_listing_the_folder(
    dovecot: Dovecot, sqlite_url: str, analyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a synced Inbox of 40 messages on a server with QRESYNC
    WHEN three are deleted and one arrives
    THEN the three are marked expunged from the server's list of what vanished since the last
    pass: neither the folder's UIDs nor its stored places are listed."""
    uids = dovecot.append("INBOX", client_mail(40))
    runtime, account = open_runtime(dovecot, sqlite_url, analyzer=analyzer)
    sync_account(runtime, account, now=NOW)
    dovecot.expunge("INBOX", [uids[3], uids[17], uids[18]])
    dovecot.append("INBOX", client_mail(1, start=40))
    listed = _listings(monkeypatch)

    result = sync_account(runtime, account, now=NOW)

    inbox = next(f for f in result.folders if f.folder == "INBOX")
    assert (inbox.new, inbox.expunged) == (1, 3)
    gone = {p.message_id for p in places(runtime, "INBOX") if p.expunged_at is not None}
    assert gone == {f"thread-{n}@acme-logistics.example" for n in (3, 17, 18)}
    assert listed == []
    assert (
        next(
            f for f in sync_account(runtime, account, now=NOW).folders if f.folder == "INBOX"
        ).expunged
        == 0
    )


def test_a_vanished_list_that_does_not_account_for_every_message_missing_is_checked_by_listing(
    dovecot: Dovecot, sqlite_url: str, analyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a synced Inbox whose stored count is one higher than the messages stored (an
    interrupted pass of an older version)
    WHEN two messages are deleted
    THEN the server's list is not enough to account for the count: the folder is listed, and
    exactly the two are marked expunged."""
    uids = dovecot.append("INBOX", client_mail(12))
    runtime, account = open_runtime(dovecot, sqlite_url, analyzer=analyzer)
    sync_account(runtime, account, now=NOW)
    with runtime.store.engine.begin() as connection:
        connection.execute(
            sa.update(folder_state)
            .where(folder_state.c.folder == "INBOX")
            .values(exists_count=folder_state.c.exists_count + 1)
        )
    dovecot.expunge("INBOX", [uids[0], uids[5]])
    listed = _listings(monkeypatch)

    result = sync_account(runtime, account, now=NOW)

    inbox = next(f for f in result.folders if f.folder == "INBOX")
    gone = {p.message_id for p in places(runtime, "INBOX") if p.expunged_at is not None}
    assert inbox.expunged == 2 and listed == ["INBOX"]
    assert gone == {"thread-0@acme-logistics.example", "thread-5@acme-logistics.example"}


def test_an_answer_about_vanished_messages_that_broke_off_reconnects_and_lists_the_folder(
    dovecot: Dovecot, sqlite_url: str, analyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a synced Inbox, two messages deleted, and an answer about what vanished that the
    connection could not read to its end (its rest would be read as the next answer)
    WHEN the account is synced
    THEN the pass reconnects, lists the folder, and marks exactly the two expunged."""
    uids = dovecot.append("INBOX", client_mail(8))
    runtime, account = open_runtime(dovecot, sqlite_url, analyzer=analyzer)
    sync_account(runtime, account, now=NOW)
    dovecot.expunge("INBOX", [uids[2], uids[6]])
    listed = _listings(monkeypatch)

    def broken_off(*args):  # type: ignore[no-untyped-def]
        raise imap_vanished.VanishedUnread("command: FETCH => got more than 1000000 bytes")

    monkeypatch.setattr(imap_vanished, "_vanished_in", broken_off)
    monkeypatch.setattr(imap, "RETRY_BASE", 0.01)

    result = sync_account(runtime, account, now=NOW)

    inbox = next(f for f in result.folders if f.folder == "INBOX")
    assert result.error is None
    assert (inbox.expunged, listed) == (2, ["INBOX"])


@pytest.mark.parametrize("how", ["new UIDVALIDITY, same UIDs", "indexes rebuilt, UIDs renumbered"])
def test_uidvalidity_change_resyncs_without_duplicates(
    dovecot: Dovecot, store_url: str, analyzer, how: str
) -> None:
    """GIVEN a synced Inbox WHEN the server starts a new UIDVALIDITY THEN the folder is read
    again: every message is recognised (by Message-ID), none stored twice, old places closed."""
    uids = dovecot.append("INBOX", client_mail(12))
    runtime, account = open_runtime(dovecot, store_url, analyzer=analyzer)
    sync_account(runtime, account, now=NOW)
    dovecot.expunge("INBOX", [uids[0]])
    if how.startswith("new"):
        dovecot.set_uidvalidity("INBOX", 4242)
    else:
        dovecot.rebuild_folder("INBOX")

    result = sync_account(runtime, account, now=NOW)

    inbox = next(f for f in result.folders if f.folder == "INBOX")
    assert inbox.resynced is not None and "UIDVALIDITY changed" in inbox.resynced
    assert (inbox.new, inbox.known) == (0, 11)
    assert len(stored_messages(runtime)) == 12
    live = [p for p in places(runtime, "INBOX") if p.expunged_at is None]
    new_validity = str(dovecot.client().select_folder("INBOX", readonly=True)[b"UIDVALIDITY"])
    assert len(live) == 11 and all(p.location.startswith(new_validity + ":") for p in live)
    assert "thread-0@acme-logistics.example" not in {p.message_id for p in live}
    assert sync_account(runtime, account, now=NOW).total("known") == 0


def test_sent_is_found_by_special_use(dovecot: Dovecot, sqlite_url: str, analyzer) -> None:
    dovecot.append("Sent", our_replies(1))
    runtime, account = open_runtime(dovecot, sqlite_url, analyzer=analyzer)

    check = check_account(runtime, account)

    assert check.ok, check.detail
    assert "sent = 'Sent' (the server marks it \\Sent)" in check.detail  # and why
    assert "by its name" not in check.detail
    assert check.folders[:2] == ["INBOX", "Sent"]
    assert {"Trash", "Junk", "Drafts"}.isdisjoint(check.folders)


def test_sent_is_found_by_name_when_the_server_marks_no_special_folders(
    dovecot_factory, sqlite_url: str, analyzer
) -> None:
    """Exchange Online sends no SPECIAL-USE attributes: folders are recognised by name."""
    server = dovecot_factory(special_use=False)
    server.append("Sent", our_replies(2))
    server.append("Trash", client_mail(1, prefix="deleted"))
    server.append("Junk", client_mail(1, prefix="spam"))
    runtime, account = open_runtime(server, sqlite_url, analyzer=analyzer)

    check = check_account(runtime, account)
    result = sync_account(runtime, account, now=NOW)

    assert "sent = 'Sent' (by its name" in check.detail
    assert [f.folder for f in result.folders] == ["INBOX", "Sent", "Archive"]
    assert {row.message_id for row in stored_messages(runtime)} == {
        "reply-0@northwind-advisory.example",
        "reply-1@northwind-advisory.example",
    }


def test_non_ascii_folder_names_are_read_and_stored_as_text(
    dovecot: Dovecot, store_url: str, analyzer
) -> None:
    names = ["Kunden/Müller & Söhne", "Клиенты", "客户/进行中"]
    for number, name in enumerate(names):
        dovecot.append(name, client_mail(1, start=number, prefix="intl"))
    runtime, account = open_runtime(
        dovecot, store_url, analyzer=analyzer, account_extra='exclude = ["Клиенты*"]\n'
    )

    result = sync_account(runtime, account, now=NOW)

    assert result.error is None
    synced = {f.folder: f.new for f in result.folders}
    assert synced["Kunden/Müller & Söhne"] == 1 and synced["客户/进行中"] == 1
    assert "Клиенты" not in synced
    assert {p.folder for p in places(runtime)} == {"Kunden/Müller & Söhne", "客户/进行中"}
    assert all(f.new == 0 for f in sync_account(runtime, account, now=NOW).folders)


def test_include_patterns_limit_the_folders_read(
    dovecot: Dovecot, sqlite_url: str, analyzer
) -> None:
    dovecot.append("Clients/Acme", client_mail(2, prefix="acme"))
    dovecot.append(
        "Personal",
        [
            email(
                frm="Mum <mum@example.org>",
                to=ALICE,
                subject="Sunday",
                message_id="mum-1@example.org",
            )
        ],
    )
    runtime, account = open_runtime(
        dovecot,
        sqlite_url,
        analyzer=analyzer,
        account_extra='include = ["INBOX", "Sent", "Clients/*"]\n',
    )

    result = sync_account(runtime, account, now=NOW)

    assert [f.folder for f in result.folders] == ["INBOX", "Sent", "Clients/Acme"]
    assert "mum-1@example.org" not in {row.message_id for row in stored_messages(runtime)}


def test_privacy_excluded_folders_are_never_read(
    dovecot: Dovecot, sqlite_url: str, analyzer
) -> None:
    dovecot.append("HR/Reviews", client_mail(1, prefix="hr"))
    runtime, account = open_runtime(
        dovecot, sqlite_url, analyzer=analyzer, extra='\n[privacy]\nexclude_folders = ["HR/*"]\n'
    )

    result = sync_account(runtime, account, now=NOW)

    assert "HR/Reviews" not in [f.folder for f in result.folders]


def test_imap_structure_matches_the_structure_read_from_the_raw_message(dovecot: Dovecot) -> None:
    """IMAP and local mail are normalised by the same code only if their MIME trees agree."""
    samples = [
        email(),
        email(html="<p>Hello</p>", message_id="alt@x"),
        email(html="<p>Hello</p>", attachment=b"%PDF" * 100, message_id="mixed@x"),
        email(
            attachment=b"data" * 50, message_id="att@x", charset="iso-8859-1", body="Grüße aus Köln"
        ),
    ]
    uids = dovecot.append("INBOX", samples)
    client = dovecot.client()
    client.select_folder("INBOX", readonly=True)
    fetched = client.fetch(uids, ["BODYSTRUCTURE"])

    for uid, raw in zip(uids, samples, strict=True):
        header_end, body_start = find_header_end(raw)
        local = structure_of(raw, parse_headers(raw[:header_end]), body_start)
        remote = structure_from_bodystructure(fetched[uid][b"BODYSTRUCTURE"])
        assert remote.content_type == local.content_type
        assert [
            (p.path, p.content_type, p.charset, p.encoding, p.disposition, p.filename)
            for p in remote.parts
        ] == [
            (p.path, p.content_type, p.charset, p.encoding, p.disposition, p.filename)
            for p in local.parts
        ]
        assert [p.path for p in remote.text_parts()] == [p.path for p in local.text_parts()]


def test_unreadable_message_is_quarantined_and_the_sync_goes_on(
    dovecot: Dovecot, sqlite_url: str, analyzer
) -> None:
    dovecot.append(
        "INBOX",
        [
            b"Subject: no sender here\r\nDate: Tue, 02 Jun 2026 09:12:00 +0100\r\nMessage-ID: <nosender@x>\r\n\r\nhello\r\n",
            *client_mail(2),
        ],
    )
    runtime, account = open_runtime(dovecot, sqlite_url, analyzer=analyzer)

    result = sync_account(runtime, account, now=NOW)

    inbox = next(f for f in result.folders if f.folder == "INBOX")
    assert (inbox.new, inbox.quarantined) == (2, 1)
    assert snapshot(runtime)["quarantine"] == [
        ("INBOX", f"{dovecot.client().select_folder('INBOX')[b'UIDVALIDITY']}:1", "no_sender")
    ]


def test_large_pass_analysed_in_worker_processes_matches_analysis_in_process(
    dovecot: Dovecot, tmp_path: Path, analyzer, monkeypatch
) -> None:
    """The pipeline that overlaps fetching and analysis stores exactly what a plain pass stores."""
    dovecot.append("INBOX", client_mail(120, attachment_every=7))
    dovecot.append("Sent", our_replies(40))
    monkeypatch.setattr(imap, "PARALLEL_FROM", 10)
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))  # the spool's place
    results = {}
    for workers in (0, 2):
        runtime, account = open_runtime(
            dovecot,
            f"sqlite:///{tmp_path / f'w{workers}.db'}",
            analyzer=analyzer,
            account_extra="batch_size = 25\n",
        )
        outcome = sync_source(runtime, account, now=NOW, workers=workers)
        rethread(runtime.store.engine)  # what the sync does after the pass
        assert outcome.total("new") == 160
        assert outcome.as_dict()["fetched_seconds"] > 0  # when the last batch was read
        with runtime.store.engine.connect() as connection:
            columns = [c for c in messages.c if c.name != "id"]  # threads too (named by content)
            results[workers] = sorted(tuple(row) for row in connection.execute(sa.select(*columns)))
        results[f"snap{workers}"] = snapshot(runtime)

    assert results[0] == results[2]
    assert results["snap0"] == results["snap2"]


def test_wrong_folder_is_reported_on_that_folder_and_the_others_go_on(
    dovecot: Dovecot, sqlite_url: str, analyzer, monkeypatch
) -> None:
    dovecot.append("INBOX", client_mail(2))
    dovecot.append("Sent", our_replies(1))
    runtime, account = open_runtime(dovecot, sqlite_url, analyzer=analyzer)
    original = imap_folder.examine

    def refuse_inbox(client, folder):
        if folder == "INBOX":
            client.select_folder("No Such Folder", readonly=True)
        return original(client, folder)

    monkeypatch.setattr(imap_folder, "examine", refuse_inbox)

    result = sync_account(runtime, account, now=NOW)

    by_folder = {f.folder: f for f in result.folders}
    assert result.error is None
    assert by_folder["INBOX"].error and "refused" in by_folder["INBOX"].error
    assert by_folder["Sent"].new == 1


def test_our_reply_in_sent_joins_the_client_thread_after_sync(
    dovecot: Dovecot, sqlite_url: str, analyzer
) -> None:
    dovecot.append("INBOX", client_mail(1))
    dovecot.append("Sent", our_replies(1))
    runtime, account = open_runtime(dovecot, sqlite_url, analyzer=analyzer)

    sync_account(runtime, account, now=NOW)

    rows = stored_messages(runtime)
    assert len(rows) == 2 and len({row.thread_id for row in rows}) == 1


def test_workers_started_with_other_code_leave_the_pass_to_analysis_in_process(
    dovecot: Dovecot, tmp_path: Path, analyzer, monkeypatch
) -> None:
    """GIVEN a daemon whose package was upgraded on disk while it runs, so that its analysis
    workers start with the travelling classes laid out otherwise than the sync process has them
    WHEN a pass would analyse in those workers
    THEN they refuse to start, the pass analyses in-process and says a restart is needed, the
    store equals that of a sync without workers, and later passes start no workers again."""
    dovecot.append("INBOX", client_mail(60, attachment_every=7))
    dovecot.append("Sent", our_replies(20))
    monkeypatch.setattr(imap, "PARALLEL_FROM", 10)
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))
    imap_analysis.discard_shared_pool()  # workers started by an earlier test have this code
    monkeypatch.setattr(imap_analysis, "_stale_code", False)  # and forget it after this test
    monkeypatch.setattr(imap_analysis, "layout", lambda classes: "laid-out-before")
    runtime, account = open_runtime(
        dovecot,
        f"sqlite:///{tmp_path / 'upgraded.db'}",
        account_extra="batch_size = 20\n",
        analyzer=analyzer,
    )
    try:
        with capture_logs() as logs:
            result = sync_source(runtime, account, now=NOW, workers=2)
    finally:
        imap_analysis.discard_shared_pool()

    reconnects = [e["error"] for e in logs if e["event"] == "imap_reconnecting"]
    assert len(reconnects) == 1 and "refused to start" in reconnects[0]
    assert "restart relmon" in reconnects[0]
    assert result.total("new") == 80 and result.total("known") == 0
    assert imap_analysis.workers_stale()

    # The next pass analyses its mail in-process at once: no pool, no failure again.
    dovecot.append("INBOX", client_mail(30, start=200, attachment_every=7))
    with capture_logs() as later:
        again = sync_source(runtime, account, now=NOW, workers=2)
    assert again.total("new") == 30
    assert imap_analysis._shared is None
    assert not [e for e in later if e["event"] == "imap_reconnecting"]

    clean, account = open_runtime(
        dovecot, f"sqlite:///{tmp_path / 'clean.db'}", account_extra="batch_size = 20\n"
    )
    sync_source(clean, account, now=NOW, workers=0)
    assert snapshot(runtime) == snapshot(clean)


def test_a_worker_killed_mid_pass_loses_and_doubles_nothing(
    dovecot: Dovecot, tmp_path: Path, analyzer, monkeypatch
) -> None:
    """GIVEN a pass analysed in worker processes, with batches waiting behind the fetch, WHEN
    a worker is killed (SIGKILL, as the kernel's out-of-memory killer does) right after the
    first batch is stored THEN the pass drops what the workers held, reads those folders again
    with analysis in-process, and the store equals that of an undisturbed sync."""
    dovecot.append("INBOX", client_mail(150, attachment_every=7))
    dovecot.append("Sent", our_replies(50))
    monkeypatch.setattr(imap, "PARALLEL_FROM", 10)
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))  # the spool's place
    killed: list[int] = []
    real_write = StoreSink.write

    def write_then_kill(self, folder, change):  # type: ignore[no-untyped-def]
        written = real_write(self, folder, change)
        pool = imap_analysis._shared
        if change.items and not killed and pool is not None:
            for process in list(pool._pool._processes.values()):
                os.kill(process.pid, signal.SIGKILL)
                killed.append(process.pid)
        return written

    monkeypatch.setattr(StoreSink, "write", write_then_kill)
    runtime, account = open_runtime(
        dovecot,
        f"sqlite:///{tmp_path / 'killed.db'}",
        account_extra="batch_size = 20\n",
        analyzer=analyzer,
    )
    try:
        result = sync_source(runtime, account, now=NOW, workers=2)
    finally:
        imap_analysis.discard_shared_pool()
    monkeypatch.setattr(StoreSink, "write", real_write)

    assert killed
    assert not imap_analysis.workers_stale()  # a killed worker is no reason to stop using them
    assert result.total("new") == 200 and result.total("known") == 0
    clean, account = open_runtime(
        dovecot, f"sqlite:///{tmp_path / 'clean.db'}", account_extra="batch_size = 20\n"
    )
    sync_source(clean, account, now=NOW, workers=0)
    assert snapshot(runtime) == snapshot(clean)
