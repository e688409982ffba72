"""The store side of :class:`monitor.sources.sink.MailSink`: one account's writes, each step of
a sync in one transaction.

With several replicas on PostgreSQL the sink carries the account's lease, and every write (a
batch, its sightings and its cursor) checks inside its own transaction, just before the commit,
that the lease is still this replica's at the same generation (:func:`monitor.store.leases.hold`).
A replica that stalled past its lease (a long pause, a frozen process) therefore commits
nothing once another has taken the account over: the write raises
:class:`~monitor.errors.LeaseLost` and its transaction rolls back."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from monitor.core.addresses import Directory
from monitor.sources.sink import FolderState, FolderWrite, SaveResult, Written
from monitor.store.leases import Lease, bound_transaction, hold
from monitor.store.messages import save_items
from monitor.store.sources import (
    get_folder_state,
    known_locations,
    live_locations,
    mark_expunged,
    put_folder_state,
    recorded_any,
    revive_sightings,
)


class StoreSink:
    """Writes of one account's sync pass, stamped with the pass's time."""

    def __init__(
        self,
        engine: sa.Engine,
        directory: Directory,
        *,
        account: str,
        now: datetime,
        lease: Lease | None = None,
    ) -> None:
        self.engine = engine
        self.lease = lease  # the account's lease, checked at every commit (None: no replicas)
        self.directory = directory
        self.account = account
        self.now = now
        # Folders of one pass may be read on several threads; their writes take turns (SQLite
        # has one writer at a time anyway, and a turn keeps a batch's statements together).
        self._write_lock = threading.Lock()

    def cursor(self, folder: str) -> FolderState | None:
        with self.engine.connect() as connection:
            return get_folder_state(connection, self.account, folder)

    def live_locations(self, folder: str, prefix: str = "") -> set[str]:
        with self.engine.connect() as connection:
            return live_locations(connection, self.account, folder, prefix=prefix)

    def known_locations(self, folder: str, locations: Sequence[str]) -> set[str]:
        with self.engine.connect() as connection:
            return known_locations(connection, self.account, folder, list(locations))

    def recorded_any(self, folder: str) -> bool:
        with self.engine.connect() as connection:
            return recorded_any(connection, self.account, folder)

    def write(self, folder: str, change: FolderWrite) -> Written:
        with self._write_lock, self.engine.begin() as connection:
            if self.lease is not None:
                bound_transaction(connection, self.lease)
            written = self._apply(connection, folder, change)
            if self.lease is not None:
                hold(connection, self.lease)  # raises LeaseLost: the whole batch rolls back
            return written

    def _apply(self, connection: sa.Connection, folder: str, change: FolderWrite) -> Written:
        account, now = self.account, self.now
        saved = SaveResult()
        if change.items:
            saved = save_items(
                connection,
                account=account,
                folder=folder,
                items=change.items,
                directory=self.directory,
                now=now,
            )
        if change.revive:
            revive_sightings(connection, account, folder, [i.location for i in change.items])
        expunged = 0
        if change.expunged:
            expunged += mark_expunged(connection, account, folder, list(change.expunged), now)
        if change.keep_live is not None:
            keep = change.keep_live
            stale = sorted(
                loc for loc in live_locations(connection, account, folder) if not keep(loc)
            )
            expunged += mark_expunged(connection, account, folder, stale, now)
        cursor = change.cursor
        if change.update_cursor is not None:
            cursor = change.update_cursor(get_folder_state(connection, account, folder))
        if cursor is not None:
            put_folder_state(connection, cursor)
        return Written(saved=saved, expunged=expunged)
