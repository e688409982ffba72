"""Reading mailboxes into the store: local ingest, account sync and account checks."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import structlog

from monitor.app.runtime import Runtime
from monitor.config import Account
from monitor.core.model import Message, Quarantined
from monitor.errors import AuthError, ConfigError, FolderError, IngestError, TransientError
from monitor.sources.local import LocalFolder, discover, read_folder
from monitor.sources.pipeline import excluded, from_raw
from monitor.sources.report import AccountCheck, AccountSync, FolderSync
from monitor.store.messages import Item, SaveResult, rethread, save_items
from monitor.store.sources import record_attempt

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
        }


@dataclass
class IngestReport:
    folders: list[FolderReport] = field(default_factory=list)
    seconds: float = 0.0
    rethreaded: int = 0

    def total(self, name: str) -> int:
        return sum(int(getattr(f, name)) for f in self.folders)


def _save(runtime: Runtime, report: FolderReport, items: list[Item], now: datetime) -> None:
    with runtime.store.engine.begin() as connection:
        result: SaveResult = save_items(
            connection,
            account=report.account,
            folder=report.folder,
            items=items,
            directory=runtime.directory,
            now=now,
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
            result: Message | Quarantined = Quarantined(
                "unreadable_file", local.error or "cannot read the file"
            )
        else:
            result = from_raw(
                local.raw,
                analyzer=runtime.analyzer,
                privacy=privacy,
                delivered_at=local.delivered_at,
                where=where,
            )
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
        report.folders.append(
            ingest_folder(runtime, folder, account=account, now=now, progress=progress)
        )
    report.rethreaded = rethread(runtime.store.engine)
    report.seconds = time.perf_counter() - started
    return report


# --------------------------------------------------------------------------- sync


def _sync_local(
    runtime: Runtime,
    account: Account,
    *,
    now: datetime,
    should_stop: Callable[[], bool] = lambda: False,
) -> AccountSync:
    """A configured maildir or mbox account: an ingest of its path, reported like a sync."""
    result = AccountSync(account=account.name, kind=account.kind)
    if account.path is None:  # pragma: no cover - the configuration requires it
        raise FolderError(f"account {account.name!r} has no path")
    folders = [f for f in discover(account.path) if account.wants_folder(f.name)]
    for folder in folders:
        if should_stop():
            break
        report = ingest_folder(runtime, folder, account=account.name, now=now)
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


SourceSync = Callable[..., AccountSync]


def source_for(kind: str) -> SourceSync:
    """The sync function of an account kind (imported late: each pulls in its protocol library)."""
    if kind == "imap":
        from monitor.sources.imap import sync_imap

        return sync_imap
    if kind == "graph":
        from monitor.sources.graph import sync_graph

        return sync_graph
    return _sync_local


def _classify(err: BaseException) -> str:
    if isinstance(err, AuthError):
        return "auth"
    if isinstance(err, FolderError | IngestError):
        return "folder"
    if isinstance(err, ConfigError):
        return "config"
    if isinstance(err, TransientError | OSError | TimeoutError):
        return "transient"
    return "internal"


def sync_account(
    runtime: Runtime,
    account: Account,
    *,
    now: datetime,
    should_stop: Callable[[], bool] = lambda: False,
) -> AccountSync:
    """One sync pass over one account. Never raises for a source failure: the failure is
    recorded (and escalated to the operator after repeated authentication failures) and
    reported, so one account failing never stops the others."""
    started = time.perf_counter()
    structlog.contextvars.bind_contextvars(account=account.name)
    try:
        result = source_for(account.kind)(runtime, account, now=now, should_stop=should_stop)
    except Exception as err:
        kind = _classify(err)
        result = AccountSync(
            account=account.name,
            kind=account.kind,
            error=str(err) or type(err).__name__,
            error_kind=kind,
        )
        if kind == "internal":
            logger.exception("account_sync_crashed", kind=account.kind)
        else:
            logger.warning("account_sync_failed", error_kind=kind, error=result.error)
    finally:
        structlog.contextvars.unbind_contextvars("account")
    if result.error_kind is None:
        rethread(runtime.store.engine)
    health, escalated = record_attempt(
        runtime.store.engine,
        account.name,
        now=now,
        error_kind=result.error_kind,
        error=result.error,
        escalate_after=account.failures_before_alert
        if result.error_kind == "auth"
        else account.failures_before_alert * 4,
    )
    result.escalated = escalated
    if escalated:
        logger.error(
            "account_needs_attention",
            account=account.name,
            failures=health.consecutive_failures,
            error_kind=result.error_kind,
            error=result.error,
        )
    result.seconds = time.perf_counter() - started
    logger.info(
        "account_synced",
        account=account.name,
        kind=account.kind,
        seconds=round(result.seconds, 3),
        **{n: result.total(n) for n in ("new", "known", "changed", "expunged", "quarantined")},
        error_kind=result.error_kind,
    )
    return result


def sync_all(
    runtime: Runtime,
    *,
    now: datetime,
    only: str | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> list[AccountSync]:
    """One pass over every configured account (or the one named)."""
    results = []
    for account in runtime.config.accounts:
        if only is not None and account.name != only:
            continue
        if should_stop():
            break
        results.append(sync_account(runtime, account, now=now, should_stop=should_stop))
    return results


def check_account(runtime: Runtime, account: Account) -> AccountCheck:
    """``relmon accounts test``: log in, list the folders a sync would read, say what is wrong."""
    try:
        if account.kind == "imap":
            from monitor.sources.imap import check_imap

            return check_imap(runtime, account)
        if account.kind == "graph":
            from monitor.sources.graph import check_graph

            return check_graph(runtime, account)
        if account.path is None or not account.path.exists():
            return AccountCheck(
                account.name, account.kind, False, f"path {account.path} does not exist"
            )
        folders = [f.name for f in discover(account.path) if account.wants_folder(f.name)]
        return AccountCheck(
            account.name,
            account.kind,
            True,
            f"{len(folders)} folders at {account.path}",
            folders=folders,
        )
    except Exception as err:  # noqa: BLE001 - the check reports, it does not crash
        return AccountCheck(account.name, account.kind, False, f"{_classify(err)} error: {err}")
