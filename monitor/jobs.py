"""Units of work shared by the CLI and the daemon. Dependencies are passed in; ``now`` too."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import structlog

from monitor.config import Config
from monitor.core.addresses import Directory
from monitor.core.model import Message, Quarantined
from monitor.core.text import TextAnalyzer
from monitor.sources.local import LocalFolder, discover, read_folder
from monitor.sources.pipeline import excluded, from_raw
from monitor.store import Store
from monitor.store.messages import Item, SaveResult, reattribute, rethread, save_items

logger = structlog.get_logger()
BATCH = 500


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

    def as_dict(self) -> dict[str, object]:
        return {
            "account": self.account, "folder": self.folder, "kind": self.kind, "read": self.read,
            "new": self.new, "known": self.known, "quarantined": self.quarantined,
            "excluded": self.excluded, "seconds": round(self.seconds, 3), "skipped": self.skipped,
        }


@dataclass
class IngestReport:
    folders: list[FolderReport] = field(default_factory=list)
    seconds: float = 0.0
    rethreaded: int = 0

    def total(self, name: str) -> int:
        return sum(int(getattr(f, name)) for f in self.folders)


@dataclass
class Runtime:
    """What a command or the daemon works with: configuration, store, analyzer, directory."""

    config: Config
    store: Store
    analyzer: TextAnalyzer
    directory: Directory

    @classmethod
    def open(cls, config: Config, *, analyzer: TextAnalyzer | None = None) -> Runtime:
        store = Store.open(config.store.url)
        directory = config.directory()
        reattribute(store.engine, directory, config.attribution_fingerprint())
        return cls(config=config, store=store, analyzer=analyzer or TextAnalyzer.load(), directory=directory)

    def close(self) -> None:
        self.store.close()


def _save(runtime: Runtime, report: FolderReport, items: list[Item], now: datetime) -> None:
    with runtime.store.engine.begin() as connection:
        result: SaveResult = save_items(
            connection, account=report.account, folder=report.folder, items=items, directory=runtime.directory, now=now
        )
    report.new += result.new
    report.known += result.known
    report.quarantined += result.quarantined


def ingest_folder(
    runtime: Runtime,
    folder: LocalFolder,
    *,
    account: str,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> FolderReport:
    report = FolderReport(account=account, folder=folder.name, kind=folder.kind)
    started = time.perf_counter()
    privacy = runtime.config.privacy
    if privacy.excluded_folder(folder.name):
        report.skipped = "excluded by privacy.exclude_folders"
        return report
    batch: list[Item] = []
    for local in read_folder(folder):
        report.read += 1
        where = f"{account}/{folder.name}/{local.location}"
        if local.raw is None:
            result: Message | Quarantined = Quarantined("unreadable_file", local.error or "cannot read the file")
        else:
            result = from_raw(local.raw, analyzer=runtime.analyzer, privacy=privacy, delivered_at=local.delivered_at, where=where)
        size = len(local.raw) if local.raw is not None else 0
        local.raw = None  # let a large message go before the next one is read
        if isinstance(result, Message) and excluded(result, privacy):
            report.excluded += 1
        else:
            batch.append(Item(location=local.location, result=result, size=size))
        if len(batch) >= BATCH:
            _save(runtime, report, batch, now)
            batch = []
        if progress is not None:
            progress(1)
    if batch:
        _save(runtime, report, batch, now)
    report.seconds = time.perf_counter() - started
    logger.info("folder_ingested", **report.as_dict())
    return report


def ingest_paths(
    runtime: Runtime,
    paths: Iterable[Path],
    *,
    account: str,
    now: datetime,
    on_folders: Callable[[list[LocalFolder]], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Ingest maildir trees, mbox files and message files; returns counts per folder."""
    started = time.perf_counter()
    folders: list[LocalFolder] = []
    for path in paths:
        folders.extend(discover(Path(path)))
    if on_folders is not None:
        on_folders(folders)
    report = IngestReport()
    for folder in folders:
        report.folders.append(ingest_folder(runtime, folder, account=account, now=now, progress=progress))
    report.rethreaded = rethread(runtime.store.engine)
    report.seconds = time.perf_counter() - started
    return report
