"""The store as sources see it: each FolderWrite in one transaction, applied in its order."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.config import Privacy
from monitor.core.model import Message
from monitor.sources.pipeline import from_raw
from monitor.sources.sink import FolderState, FolderWrite, Item
from monitor.store.sink import StoreSink
from tests.factories import email, team_config

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def item(location: str, message_id: str, analyzer) -> Item:
    result = from_raw(email(message_id=message_id), analyzer=analyzer, privacy=Privacy())
    assert isinstance(result, Message)
    return Item(location=location, result=result, size=100)


def test_a_batch_is_stored_with_its_cursor_and_a_full_reread_expunges_what_went(
    store, analyzer
) -> None:
    """GIVEN three messages stored in Alice's Inbox
    WHEN a full re-read returns two of them and sets the folder's cursor
    THEN the third is marked expunged, the two stay live, and the cursor is stored."""
    sink = StoreSink(store.engine, team_config().directory(), account="alice", now=NOW)
    first = [item(f"1:{n}", f"m{n}@acme-logistics.example", analyzer) for n in (1, 2, 3)]
    saved = sink.write("INBOX", FolderWrite(items=first)).saved
    cursor = FolderState(account="alice", folder="INBOX", uidvalidity=2, last_uid=2)

    written = sink.write("INBOX", FolderWrite(keep_live={"1:1", "1:2"}.__contains__, cursor=cursor))

    assert (saved.new, saved.known) == (3, 0)
    assert written.expunged == 1
    assert sink.live_locations("INBOX") == {"1:1", "1:2"}
    assert sink.known_locations("INBOX", ["1:1", "1:3", "1:9"]) == {"1:1", "1:3"}
    assert sink.cursor("INBOX") == cursor


def test_a_cursor_update_sees_the_stored_cursor_and_may_leave_it(store) -> None:
    sink = StoreSink(store.engine, team_config().directory(), account="alice", now=NOW)
    stored = FolderState(account="alice", folder="Sent", uidvalidity=7, last_uid=40)
    sink.write("Sent", FolderWrite(cursor=stored))
    seen: list[FolderState | None] = []

    def stopped_early(current: FolderState | None) -> FolderState | None:
        seen.append(current)
        return None

    sink.write("Sent", FolderWrite(update_cursor=stopped_early))

    assert seen == [stored]
    assert sink.cursor("Sent") == stored
    assert sink.cursor("INBOX") is None
