"""Reading mailboxes into the store: local ingest, account sync and account checks.

Each account's source comes from :mod:`monitor.sources.registry` by its kind and writes through
a :class:`~monitor.store.sink.StoreSink`; this module wires the two together, records each
attempt and sorts failures by what to do about them.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import structlog
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from monitor.app.heap import collecting_only_new_objects
from monitor.app.runtime import Runtime
from monitor.clock import utcnow
from monitor.config import Account
from monitor.errors import IngestError, LeaseLost
from monitor.log import get_logger
from monitor.sources.compressed import compressed_file
from monitor.sources.local import LocalFolder, discover
from monitor.sources.local_source import FolderReport, ingest_folder
from monitor.sources.registry import open_source
from monitor.sources.report import AccountCheck, AccountSync, ErrorKind
from monitor.sources.source import MailSource, SourceContext
from monitor.store import leases
from monitor.store.conversations import rethread
from monitor.store.guard import describe_error, is_store_error
from monitor.store.leases import Lease
from monitor.store.sessions import configure_sessions
from monitor.store.sink import StoreSink
from monitor.store.sources import record_attempt

logger = get_logger()
__all__ = [
    "FolderReport",
    "IngestReport",
    "check_account",
    "ingest_paths",
    "source_of",
    "sync_account",
    "sync_all",
    "sync_source",
]


@dataclass
class IngestReport:
    folders: list[FolderReport] = field(default_factory=list)
    seconds: float = 0.0
    rethreaded: int = 0

    def total(self, name: str) -> int:
        return sum(int(getattr(f, name)) for f in self.folders)


def context_of(runtime: Runtime, *, now: datetime, workers: int | None = None) -> SourceContext:
    """What a source is given: the pass's time, privacy settings and the (lazy) analyzer."""
    return SourceContext(
        now=now,
        privacy=runtime.config.privacy,
        analyzer=lambda: runtime.analyzer,
        extra_cues=runtime.config.extra_cues,
        workers=workers,
    )


def sink_of(
    runtime: Runtime, account: str, *, now: datetime, lease: Lease | None = None
) -> StoreSink:
    return StoreSink(runtime.store.engine, runtime.directory, account=account, now=now, lease=lease)


def source_of(runtime: Runtime, account: Account, *, now: datetime) -> MailSource:
    """The source of a configured account (importing its protocol library on first use)."""
    return open_source(account, context_of(runtime, now=now))


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
        archive = compressed_file(Path(path)) if Path(path).is_file() else None
        if archive is not None:
            raise IngestError(archive)
        folders.extend(discover(Path(path)))
    if on_folders is not None:
        on_folders(folders)
    report = IngestReport()
    sink = sink_of(runtime, account, now=now)
    context = context_of(runtime, now=now)
    for folder in folders:
        report.folders.append(
            ingest_folder(sink, folder, context, account=account, progress=progress)
        )
    report.rethreaded = rethread(runtime.store.engine)
    report.seconds = time.perf_counter() - started
    return report


def sync_source(
    runtime: Runtime,
    account: Account,
    *,
    now: datetime,
    should_stop: Callable[[], bool] = lambda: False,
    workers: int | None = None,
    lease: Lease | None = None,
) -> AccountSync:
    """One pass of the account's source into the store; raises what the source raises.

    ``workers``: analysis processes for large passes (None: one per core; 0: in this process).
    ``lease``: the account's lease (several replicas), checked by every commit.
    """
    source = open_source(account, context_of(runtime, now=now, workers=workers))
    sink = sink_of(runtime, account.name, now=now, lease=lease)
    return source.sync(sink, should_stop=should_stop)


@collecting_only_new_objects()
def sync_account(
    runtime: Runtime,
    account: Account,
    *,
    now: datetime,
    should_stop: Callable[[], bool] = lambda: False,
    lease: Lease | None = None,
) -> AccountSync:
    """One sync pass over one account. Never raises for a source failure: the failure is
    recorded (and escalated to the operator after repeated authentication failures) and
    reported, so one account failing never stops the others.

    With a ``lease`` (several replicas), raises :class:`~monitor.errors.LeaseLost` when a commit
    found the lease gone: that commit was rolled back, and nothing more is written or recorded
    for the account by this replica."""
    started = time.perf_counter()
    structlog.contextvars.bind_contextvars(account=account.name)
    try:
        result = sync_source(runtime, account, now=now, should_stop=should_stop, lease=lease)
    except LeaseLost:
        raise  # another replica has the account now; its record is the one that counts
    except Exception as err:
        # A database error's text holds the statement and its values (subjects, addresses):
        # what is recorded, logged and mailed to the operator is its content-free description.
        kind = ErrorKind.STORE if is_store_error(err) else ErrorKind.of(err)
        result = AccountSync(
            account=account.name,
            kind=account.kind,
            error=describe_error(err),
            error_kind=kind,
        )
        if kind is ErrorKind.INTERNAL:
            logger.exception("account_sync_crashed", kind=account.kind)
        else:
            logger.warning("account_sync_failed", error_kind=kind.value, error=result.error)
    finally:
        structlog.contextvars.unbind_contextvars("account")
    if result.error_kind is None:
        rethread(runtime.store.engine)
        _act_on_replies(runtime, now=now)
    _record(runtime, account, result, now=now, lease=lease)  # fenced too: raises LeaseLost
    result.seconds = time.perf_counter() - started
    logger.info(
        "account_synced",
        account=account.name,
        kind=account.kind,
        seconds=round(result.seconds, 3),
        **{n: result.total(n) for n in ("new", "known", "changed", "expunged", "quarantined")},
        error_kind=result.error_kind.value if result.error_kind else None,
    )
    return result


def _act_on_replies(runtime: Runtime, *, now: datetime) -> None:
    """Owners' replies to alert emails that this sync brought in ("ack", "snooze 3d"); a
    failure here is logged and never fails the sync (the replies wait for the next one)."""
    from monitor.app.replies import apply_replies

    try:
        apply_replies(runtime, now=now)
    except Exception:  # the mail is stored; acting on replies is retried next sync
        logger.exception("alert_replies_failed")


def _record(
    runtime: Runtime, account: Account, result: AccountSync, *, now: datetime, lease: Lease | None
) -> None:
    """Count the attempt; say so once when the failures call for the operator."""
    error_kind = result.error_kind.value if result.error_kind else None
    health, escalated = record_attempt(
        runtime.store.engine,
        account.name,
        now=now,
        error_kind=error_kind,
        error=result.error,
        escalate_after=account.failures_before_alert
        if result.error_kind is ErrorKind.AUTH
        else account.failures_before_alert * 4,
        lease=lease,
    )
    result.escalated = escalated
    if escalated:
        logger.error(
            "account_needs_attention",
            account=account.name,
            failures=health.consecutive_failures,
            error_kind=error_kind,
            error=result.error,
        )


def sync_all(
    runtime: Runtime,
    *,
    now: datetime,
    only: str | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> list[AccountSync]:
    """One pass over every configured account (or the one named)."""
    if runtime.store.dialect == "postgresql":
        _name_sessions(runtime)
    results = []
    for account in runtime.config.accounts:
        if only is not None and account.name != only:
            continue
        if should_stop():
            break
        if runtime.store.dialect == "postgresql":
            results.append(_sync_leased(runtime, account, now=now, should_stop=should_stop))
        else:
            results.append(sync_account(runtime, account, now=now, should_stop=should_stop))
    return results


class _Renewal:
    """Renews a lease every third of its length on a thread while a pass runs under it."""

    def __init__(self, engine: Engine, lease: Lease) -> None:
        self.engine, self.lease, self.lost = engine, lease, False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lease-renewal", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.lease.seconds / 3):
            try:
                renewed = leases.renew(self.engine, self.lease)
            except DBAPIError as err:  # a dropped connection, a server restarting: try again
                logger.warning(
                    "lease_not_renewed", lease=self.lease.name, error=describe_error(err)
                )
                continue
            if renewed is None:
                self.lost = True
                return
            self.lease = renewed

    def __enter__(self) -> _Renewal:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        if not self.lost:
            leases.release(self.engine, self.lease)


#: Engines whose sessions already carry this process's lease holder name.
_NAMED: weakref.WeakSet[Engine] = weakref.WeakSet()


def _holder() -> str:
    """Who holds the leases this process takes: `relmon sync` on this host, this process."""
    return f"sync:{socket.gethostname()}:{os.getpid()}"


def _name_sessions(runtime: Runtime) -> None:
    """Name this process's database sessions after its lease holder, as a replica's are named
    after the replica: should this process freeze inside a write, a replica ends its
    transaction once the lease lapses (:func:`monitor.store.sessions.end_lapsed_sessions`)
    instead of waiting on its locks until it resumes."""
    engine = runtime.store.engine
    if engine not in _NAMED:
        lease_seconds = runtime.config.replicas.lease_seconds
        configure_sessions(engine, replica=_holder(), idle_seconds=max(2 * lease_seconds, 60.0))
        _NAMED.add(engine)


def _sync_leased(
    runtime: Runtime, account: Account, *, now: datetime, should_stop: Callable[[], bool]
) -> AccountSync:
    """On PostgreSQL, where `relmon run` replicas may be syncing too: one pass under the
    account's lease, as a replica does (every commit fenced), or none while a replica holds it."""
    engine = runtime.store.engine
    holder = _holder()
    name = leases.account_lease(account.name)
    lease = leases.take(engine, name, holder, runtime.config.replicas.lease_seconds)
    if lease is None:
        busy = "a running relmon replica is syncing this account now; this pass leaves it to it"
        return AccountSync(account.name, account.kind, error=busy, error_kind=ErrorKind.TRANSIENT)
    with _Renewal(engine, lease) as renewal:
        try:
            return sync_account(
                runtime,
                account,
                now=now,
                should_stop=lambda: should_stop() or renewal.lost,
                lease=lease,
            )
        except LeaseLost:
            renewal.lost = True
            lost = "a relmon replica took this account over during the pass; what was committed before stays"
            return AccountSync(
                account.name, account.kind, error=lost, error_kind=ErrorKind.TRANSIENT
            )


def check_account(runtime: Runtime, account: Account) -> AccountCheck:
    """``relmon accounts test``: log in, list the folders a sync would read, say what is wrong."""
    try:
        return source_of(runtime, account, now=utcnow()).check()
    except Exception as err:  # noqa: BLE001 - the check reports, it does not crash
        kind = ErrorKind.STORE if is_store_error(err) else ErrorKind.of(err)
        return AccountCheck(
            account.name, account.kind, False, f"{kind.value} error: {describe_error(err)}"
        )
