"""Where a source writes: the narrow interface the store implements for it.

A source reads mail and decides what changed; it never opens a transaction or names a table.
Everything one step of a sync must keep together (a batch of messages, the sightings that
went, and the folder cursor that covers them) travels in one :class:`FolderWrite`, which the
sink applies atomically: a crash keeps a batch and its cursor, or neither.

The cursor of a folder (:class:`FolderState`) is where its last sync stopped: IMAP keeps
UIDVALIDITY, the last UID, HIGHESTMODSEQ and the message count; Graph keeps its deltaLink.
Each source reads it back through :meth:`MailSink.cursor` and resumes from it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from monitor.core.model import Message, Quarantined


@dataclass(frozen=True, slots=True)
class Item:
    """One message read from one place."""

    location: str  # unique within (account, folder): IMAP "uidvalidity:uid", file name, Graph id
    result: Message | Quarantined
    size: int = 0
    #: The server says this copy is in our sent mail (an IMAP folder marked \Sent, Gmail's
    #: \Sent label), or the store found that our own server authenticated its sender: a sender
    #: of ours is believed. Folders named like Sent count anyway.
    sent: bool = False


@dataclass(slots=True)
class SaveResult:
    new: int = 0  # messages not stored before
    known: int = 0  # already stored (seen elsewhere, or read again)
    quarantined: int = 0
    excluded: int = 0
    #: From our own addresses to a client, read where nothing shows we sent them (not a Sent
    #: folder, not vouched for by our server): stored, not counted as ours.
    unproven_ours: int = 0

    def __iadd__(self, other: SaveResult) -> SaveResult:
        self.new += other.new
        self.known += other.known
        self.quarantined += other.quarantined
        self.excluded += other.excluded
        self.unproven_ours += other.unproven_ours
        return self


@dataclass(frozen=True)
class FolderState:
    """A folder's cursor: where its last sync stopped."""

    account: str
    folder: str
    uidvalidity: int | None = None
    last_uid: int | None = None
    highestmodseq: int | None = None
    delta_link: str | None = None
    exists_count: int | None = None
    synced_at: datetime | None = None


#: Given the cursor stored now (read inside the write's transaction), the cursor to store with
#: the write, or None to leave it as it is.
CursorUpdate = Callable[[FolderState | None], FolderState | None]


@dataclass(frozen=True)
class FolderWrite:
    """What one atomic step of a sync writes to one folder, applied in this order."""

    items: Sequence[Item] = ()  # messages read: stored once each, with a sighting here
    revive: bool = False  # the items' sightings lose an expunged mark (a message came back)
    expunged: Sequence[str] = ()  # locations deleted on the server: marked, kept in history
    #: Every live location for which this says False is marked expunged too (after a full
    #: re-read: whatever the server no longer has).
    keep_live: Callable[[str], bool] | None = None
    cursor: FolderState | None = None  # the folder's cursor after this step
    update_cursor: CursorUpdate | None = None  # or a cursor computed from the stored one


@dataclass(frozen=True)
class Written:
    saved: SaveResult = field(default_factory=SaveResult)
    expunged: int = 0  # sightings newly marked expunged


class MailSink(Protocol):
    """The store as one account's sources see it. Implementations are safe to call from the
    threads of one pass (a Graph pass reads folders concurrently)."""

    def cursor(self, folder: str) -> FolderState | None:
        """The folder's stored cursor, None before its first sync."""
        ...

    def live_locations(self, folder: str, prefix: str = "") -> set[str]:
        """Locations in the folder not marked expunged (optionally those starting with ``prefix``)."""
        ...

    def known_locations(self, folder: str, locations: Sequence[str]) -> set[str]:
        """Which of ``locations`` the folder has recorded before: stored or quarantined."""
        ...

    def recorded_any(self, folder: str) -> bool:
        """Whether the folder has recorded any location: False the first time it is read."""
        ...

    def write(self, folder: str, change: FolderWrite) -> Written:
        """Apply ``change`` in one transaction."""
        ...
