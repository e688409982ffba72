"""IMAP mailboxes, synced incrementally and safely.

One pass over an account (:meth:`ImapSource.sync`) logs in once, chooses the folders
(:mod:`monitor.sources.imap_folders`) and brings each up to date:

1. ``EXAMINE`` (read-only: nothing relmon does can change the mailbox) gives UIDVALIDITY,
   UIDNEXT, the message count and, with CONDSTORE, HIGHESTMODSEQ. When they match the stored
   folder state the folder is unchanged and the pass over it is this one command, whatever the
   folder's size.
2. A new UIDVALIDITY voids every stored UID: the folder is read again from scratch. Messages are
   identified by Message-ID, so nothing is stored twice; the old sightings are marked expunged
   and the messages get sightings under their new UIDs.
3. Expunges: the messages up to the last UID seen can only become fewer. When their count
   differs from the stored one, a ``UID SEARCH`` of that range finds which went; their
   sightings are marked expunged and the messages stay in history.
4. Flag changes (CONDSTORE only): ``UID SEARCH … MODSEQ`` counts the messages changed since the
   stored HIGHESTMODSEQ. relmon stores no flags; the count is reported.
5. New messages, in UID order and in batches: headers, BODYSTRUCTURE, size and INTERNALDATE
   first, then only the text parts the structure names, each capped at ``max_text_bytes``
   (``BODY.PEEK[1.2]<0.N>``: never ``\\Seen``, never an attachment). Each batch is written in one
   step together with the folder cursor that covers it, so a crash at any point loses nothing
   and repeats nothing. Large passes analyse behind the fetch, which never waits for them
   (:mod:`monitor.sources.imap_behind`); the pass ends when the last batch is stored.

The reading is :mod:`monitor.sources.imap_fetch`, one folder :mod:`monitor.sources.imap_folder`.

Failures: a lost connection is re-opened with exponential backoff and jitter and the folder
resumes from its stored state; after a few attempts the account fails with
:class:`TransientError`. A folder the server refuses is reported on that folder and the others
go on. A rejected login is :class:`AuthError`, raised once per pass and never retried here.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

from monitor.config import Account, ImapSettings, Privacy
from monitor.config.imap import SECURITY_NAMES
from monitor.errors import AuthError, ConfigError, FolderError, SourceError, TransientError
from monitor.log import get_logger
from monitor.sources.imap_behind import Behind, WorkersFailed, limit_of
from monitor.sources.imap_conn import (
    Backoff,
    capabilities,
    connect,
    enable_condstore,
    enable_qresync,
    network_error,
)
from monitor.sources.imap_fetch import (
    Snapshot,
    fetch_batch,
    resync_reason,
    text_part_groups,
    uid_windows,
    unchanged,
)
from monitor.sources.imap_folder import FolderContext, sync_folder
from monitor.sources.imap_folders import SENT, FolderChoice, choose_folders, listed
from monitor.sources.report import AccountCheck, AccountSync, FolderSync
from monitor.sources.sink import MailSink
from monitor.sources.source import OnChange, SourceContext, SourceType, Watcher

logger = get_logger()
__all__ = [
    "ImapSource",
    "Snapshot",
    "WorkersFailed",
    "fetch_batch",
    "list_folders",
    "resync_reason",
    "text_part_groups",
    "uid_windows",
    "unchanged",
]

#: Below this many new messages in a pass, analysis runs in-process (starting workers costs more).
PARALLEL_FROM = 1_000
#: Connection attempts per account and pass before it is reported as failed.
ATTEMPTS = 4
#: Backoff between those attempts (seconds): base, cap.
RETRY_BASE = 1.0
RETRY_CAP = 30.0
#: Capabilities ``relmon accounts test`` reports.
REPORTED_CAPABILITIES = (
    "IDLE",
    "CONDSTORE",
    "QRESYNC",
    "SPECIAL-USE",
    "X-GM-EXT-1",
    "UIDPLUS",
    "ENABLE",
)


def list_folders(
    client: IMAPClient, account: Account, privacy: Privacy | None = None
) -> tuple[list[FolderChoice], set[str]]:
    caps = capabilities(client)

    def wanted(name: str) -> bool:
        return account.wants_folder(name) and not (
            privacy is not None and privacy.excluded_folder(name)
        )

    folders = listed(client.list_folders())
    return choose_folders(folders, gmail="X-GM-EXT-1" in caps, wanted=wanted), caps


@dataclass
class _Pass:
    """What survives a reconnect within one pass: the folders done and their reports, and the
    writes waiting behind the fetch."""

    result: AccountSync
    workers: int | None
    behind: Behind
    done: set[str] = field(default_factory=set)
    reports: dict[str, FolderSync] = field(default_factory=dict)
    unreadable: set[str] = field(default_factory=set)  # see FolderContext.unreadable

    def report(self, folder: str) -> FolderSync:
        if folder not in self.reports:
            self.reports[folder] = FolderSync(account=self.result.account, folder=folder)
            self.result.folders.append(self.reports[folder])
        return self.reports[folder]


class ImapSource:
    """An IMAP account (see the module documentation)."""

    settings_type: ClassVar[type[object] | None] = ImapSettings

    def __init__(self, account: Account, context: SourceContext) -> None:
        self.account = account
        self.context = context

    @property
    def poll_seconds(self) -> float:
        assert self.account.imap is not None
        return float(self.account.imap.poll_seconds)

    def watch(self, on_change: OnChange) -> Watcher | None:
        """IMAP IDLE where the account allows it."""
        if self.account.imap is None or not self.account.imap.idle:
            return None
        from monitor.sources.imap_watch import ImapWatcher

        return ImapWatcher(self.account, on_change=on_change)

    def sync(self, sink: MailSink, *, should_stop: Callable[[], bool]) -> AccountSync:
        """One pass: every chosen folder brought up to date. A lost connection is re-opened
        with backoff and the pass resumes with the folder it was in."""
        account = self.account
        if account.imap is None:  # pragma: no cover - the configuration guarantees it
            raise ConfigError([f"account {account.name!r} has no IMAP settings"])
        started = time.perf_counter()
        behind = Behind(self.context.privacy, limit_of, account.name)
        state = _Pass(
            AccountSync(account=account.name, kind=account.kind), self.context.workers, behind
        )
        backoff = Backoff(base=RETRY_BASE, cap=RETRY_CAP)
        attempt = 0
        while True:
            attempt += 1
            client: IMAPClient | None = None
            try:
                client = connect(account)
                self._pass(client, sink, account.imap, state, should_stop)
                _logout(client)
                state.result.fetched_seconds = time.perf_counter() - started
                behind.pump(wait=True, should_stop=should_stop)
                return state.result
            except (IMAPClientAbortError, IMAPClientError, OSError, TransientError) as err:
                failure = (
                    err if isinstance(err, SourceError) else network_error(account, err, "syncing")
                )
                if client is not None:
                    _drop(client)
                if isinstance(err, WorkersFailed) or not _settle(state, should_stop):
                    state.workers = (
                        0  # whatever killed a worker, the rest of this pass analyses here
                    )
                state.done -= behind.take_dropped()  # read again: nothing of them was stored
                if attempt >= ATTEMPTS or should_stop():
                    raise failure from err
                delay = backoff.next_delay()
                logger.warning(
                    "imap_reconnecting", attempt=attempt, delay=round(delay, 2), error=str(failure)
                )
                time.sleep(delay)
            except BaseException:
                if client is not None:
                    _drop(client)
                behind.discard()
                raise

    def _pass(
        self,
        client: IMAPClient,
        sink: MailSink,
        settings: ImapSettings,
        state: _Pass,
        should_stop: Callable[[], bool],
    ) -> None:
        try:
            choices, caps = list_folders(client, self.account, self.context.privacy)
        except (IMAPClientError, OSError) as err:
            raise network_error(self.account, err, "listing folders") from err
        ctx = FolderContext(
            sink=sink,
            account=self.account,
            settings=settings,
            source=self.context,
            should_stop=should_stop,
            condstore=enable_condstore(client, caps),
            qresync=enable_qresync(client, caps),
            unreadable=state.unreadable,
            gmail="X-GM-EXT-1" in caps,
            workers=state.workers,
            parallel_from=PARALLEL_FROM,
            behind=state.behind,
            sent_folders=frozenset(c.name for c in choices if c.role == SENT),
        )
        for choice in choices:
            if choice.skipped or choice.name in state.done:
                continue
            if should_stop():
                break
            report = state.report(choice.name)
            _sync_reporting(client, ctx, choice.name, report)
            state.done.add(choice.name)
            logger.info("imap_folder_synced", **report.as_dict())

    def check(self) -> AccountCheck:
        """Log in, list the folders a sync would read, or say what is wrong."""
        account = self.account
        if account.imap is None:  # pragma: no cover - the configuration guarantees it
            return AccountCheck(account.name, account.kind, False, "no IMAP settings")
        try:
            client = connect(account)
        except SourceError as err:
            kind = "authentication" if isinstance(err, AuthError) else "connection"
            return AccountCheck(account.name, account.kind, False, f"{kind} failed: {err}")
        except ConfigError as err:
            return AccountCheck(account.name, account.kind, False, str(err))
        try:
            choices, caps = list_folders(client, account, self.context.privacy)
        except (IMAPClientError, OSError) as err:
            _drop(client)
            problem = network_error(account, err, "listing folders")
            return AccountCheck(account.name, account.kind, False, str(problem))
        _logout(client)
        return AccountCheck(
            account.name,
            account.kind,
            True,
            _check_detail(account.imap, choices),
            folders=[c.name for c in choices if not c.skipped],
            capabilities=sorted(c for c in caps if c in REPORTED_CAPABILITIES),
        )


def _settle(state: _Pass, should_stop: Callable[[], bool]) -> bool:
    """After a lost connection, store what was fetched whole before it. False when an analysis
    worker died meanwhile (what it held is dropped, to be read again)."""
    try:
        state.behind.pump(wait=True, should_stop=should_stop)
    except WorkersFailed:
        return False
    return True


def _sync_reporting(
    client: IMAPClient, ctx: FolderContext, folder: str, report: FolderSync
) -> None:
    """One folder; a folder the server refuses is reported on it and the pass goes on."""
    started = time.perf_counter()
    try:
        sync_folder(client, ctx, folder, report)
    except (IMAPClientAbortError, OSError, TransientError):
        raise  # the connection is gone: reconnect and resume this folder
    except IMAPClientError as err:
        report.error = f"the server refused the folder: {str(err)[:300]}"
        logger.warning("imap_folder_failed", folder=folder, error=report.error)
    except FolderError as err:
        report.error = str(err)
        logger.warning("imap_folder_failed", folder=folder, error=report.error)
    finally:
        report.seconds += time.perf_counter() - started


def _check_detail(settings: ImapSettings, choices: list[FolderChoice]) -> str:
    read = [c for c in choices if not c.skipped]
    roles = []
    for choice in read:
        if choice.role in ("inbox", "sent", "all"):
            how = ""
            if choice.found_by == "special-use":
                marked = "\\Sent" if choice.role == "sent" else "\\All"
                how = f" (the server marks it {marked})"
            elif choice.found_by != "inbox":
                how = " (by its name: the server marks no Sent folder)"
            roles.append(f"{choice.role} = {choice.name!r}{how}")
    missing_sent = not any(c.role in ("sent", "all") for c in choices)
    security = SECURITY_NAMES[settings.security]
    detail = f"logged in as {settings.username} over {security}; {len(read)} folders to read ({', '.join(roles) or 'no Inbox found'})"
    if missing_sent:
        detail += (
            "; no Sent folder found: our replies will be missing unless another account holds them"
        )
    skipped = [f"{c.name} ({c.skipped})" for c in choices if c.skipped]
    if skipped:
        detail += f"; skipped: {', '.join(skipped)}"
    return detail


def _logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - the pass is done; a failed goodbye changes nothing
        _drop(client)


def _drop(client: IMAPClient) -> None:
    with contextlib.suppress(Exception):  # the socket is already unusable
        client.shutdown()


if TYPE_CHECKING:  # mypy proves the class is a kind of source
    _source_type: SourceType = ImapSource
