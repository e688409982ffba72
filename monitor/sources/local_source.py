"""Configured ``maildir`` and ``mbox`` accounts, and ``relmon ingest``: local folders read
message by message into the sink, in batches."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from monitor.config import Account
from monitor.core.model import Message, Quarantined
from monitor.errors import FolderError
from monitor.log import get_logger
from monitor.sources.compressed import COMPRESSED, compressed
from monitor.sources.local import (
    MAX_MESSAGE_BYTES,
    TOO_LARGE,
    Known,
    LocalFolder,
    LocalMessage,
    discover,
    read_folder,
)
from monitor.sources.pipeline import excluded, from_raw
from monitor.sources.report import AccountCheck, AccountSync, FolderSync
from monitor.sources.sink import FolderWrite, Item, MailSink
from monitor.sources.source import OnChange, SourceContext, SourceType, Watcher

logger = get_logger()
#: Messages stored per transaction.
BATCH = 500
#: Seconds between two passes over a local account in the daemon.
POLL_SECONDS = 300.0


@dataclass
class FolderReport:
    account: str
    folder: str
    kind: str
    read: int = 0
    new: int = 0
    known: int = 0
    quarantined: int = 0
    excluded: int = 0
    seconds: float = 0.0
    skipped: str | None = None  # why the whole folder was skipped
    unproven_ours: int = 0  # from us, not counted as ours: not read from a Sent folder

    def as_dict(self) -> dict[str, object]:
        return {
            "account": self.account,
            "folder": self.folder,
            "kind": self.kind,
            "read": self.read,
            "new": self.new,
            "known": self.known,
            "quarantined": self.quarantined,
            "excluded": self.excluded,
            "seconds": round(self.seconds, 3),
            "skipped": self.skipped,
            "unproven_ours": self.unproven_ours,
        }


def _read_one(local: LocalMessage, context: SourceContext, where: str) -> Message | Quarantined:
    if local.raw is None:
        error = local.error or "cannot read the file"
        if error.startswith(TOO_LARGE):
            return Quarantined(TOO_LARGE, error)
        return Quarantined("unreadable_file", error)
    archive = compressed(local.raw[:8], local.location)
    if archive is not None:  # a .gz beside the mail in a folder: the rest of it is read
        return Quarantined(COMPRESSED, archive)
    return from_raw(
        local.raw,
        analyzer=context.analyzer(),
        privacy=context.privacy,
        delivered_at=local.delivered_at,
        where=where,
    )


def _save(sink: MailSink, report: FolderReport, items: list[Item]) -> None:
    saved = sink.write(report.folder, FolderWrite(items=items)).saved
    report.new += saved.new
    report.known += saved.known
    report.quarantined += saved.quarantined
    report.unproven_ours += saved.unproven_ours


def _known_in(sink: MailSink, folder: str, pending: list[Item]) -> Known:
    """Whether a location is stored already, or waiting in the batch being built. A folder
    read for the first time is not asked about each message (a statement a message was a
    seventh of a first ingest); a message another process stores meanwhile is merged."""
    recorded = sink.recorded_any(folder)

    def known(location: str) -> bool:
        if any(item.location == location for item in pending):
            return True
        return recorded and bool(sink.known_locations(folder, [location]))

    return known


def ingest_folder(
    sink: MailSink,
    folder: LocalFolder,
    context: SourceContext,
    *,
    account: str,
    progress: Callable[[int], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    max_bytes: int = MAX_MESSAGE_BYTES,
) -> FolderReport:
    """Read one local folder into the sink; one unreadable message never stops it.

    Mail stored on an earlier pass is recognised by its place before it is parsed, and never
    analysed again. ``progress`` is told the bytes of each message read (or skipped).
    """
    report = FolderReport(account=account, folder=folder.name, kind=folder.kind)
    started = time.perf_counter()
    if context.privacy.excluded_folder(folder.name):
        report.skipped = "excluded by privacy.exclude_folders"
        return report
    batch: list[Item] = []
    known = _known_in(sink, folder.name, batch)
    for local in read_folder(folder, max_bytes=max_bytes, known=known):
        if should_stop():  # shutting down: store what was read, leave the rest for next time
            break
        report.read += 1
        if local.known:
            report.known += 1
        else:
            _analyse_into(
                batch, local, context, report, f"{account}/{folder.name}/{local.location}"
            )
        local.raw = None  # let a large message go before the next one is read
        if len(batch) >= BATCH:
            _save(sink, report, batch)
            batch.clear()
        if progress is not None:
            progress(max(local.size, 1))
    if batch:
        _save(sink, report, batch)
    report.seconds = time.perf_counter() - started
    logger.info("folder_ingested", **report.as_dict())
    return report


def _analyse_into(
    batch: list[Item], local: LocalMessage, context: SourceContext, report: FolderReport, where: str
) -> None:
    """The guard around one message: whatever it does, it ends up stored, quarantined or
    excluded, and the next message is read."""
    try:
        result = _read_one(local, context, where)
    except MemoryError:
        local.raw = None
        logger.warning("message_too_large", where=where, size=local.size)
        result = Quarantined(TOO_LARGE, f"out of memory analysing {local.size} bytes")
    if isinstance(result, Message) and excluded(result, context.privacy):
        report.excluded += 1
        return
    batch.append(Item(location=local.location, result=result, size=local.size))


class LocalSource:
    """A configured maildir or mbox account: an ingest of its path, reported like a sync."""

    settings_type: ClassVar[type[object] | None] = None

    def __init__(self, account: Account, context: SourceContext) -> None:
        self.account = account
        self.context = context

    @property
    def poll_seconds(self) -> float:
        return POLL_SECONDS

    def watch(self, on_change: OnChange) -> Watcher | None:
        return None

    def _folders(self) -> list[LocalFolder]:
        if self.account.path is None:  # pragma: no cover - the configuration requires it
            raise FolderError(f"account {self.account.name!r} has no path")
        return [f for f in discover(self.account.path) if self.account.wants_folder(f.name)]

    def sync(self, sink: MailSink, *, should_stop: Callable[[], bool]) -> AccountSync:
        account = self.account
        result = AccountSync(account=account.name, kind=account.kind)
        for folder in self._folders():
            if should_stop():
                break
            report = ingest_folder(
                sink, folder, self.context, account=account.name, should_stop=should_stop
            )
            result.folders.append(
                FolderSync(
                    account=account.name,
                    folder=folder.name,
                    new=report.new,
                    known=report.known,
                    quarantined=report.quarantined,
                    excluded=report.excluded,
                    seconds=report.seconds,
                )
            )
        return result

    def check(self) -> AccountCheck:
        account = self.account
        if account.path is None or not account.path.exists():
            return AccountCheck(
                account.name, account.kind, False, f"path {account.path} does not exist"
            )
        folders = [f.name for f in self._folders()]
        return AccountCheck(
            account.name,
            account.kind,
            True,
            f"{len(folders)} folders at {account.path}",
            folders=folders,
        )


if TYPE_CHECKING:  # mypy proves the class is a kind of source
    _source_type: SourceType = LocalSource
