"""Near-real-time new-mail detection for one IMAP account: IDLE where the server has it,
polling where it has not. The watcher only *signals*; the caller runs a sync.

    watcher = ImapWatcher(account, on_change=lambda folder: wake_sync(account.name, folder))
    watcher.start()          # a daemon thread holding one connection
    ...
    watcher.stop()           # from any thread; returns within about a second

What it does, and why:

- One connection, the main folder (Inbox, or All Mail on Gmail) selected read-only and held in
  IDLE. Any ``EXISTS``, ``EXPUNGE`` or ``FETCH`` from the server calls ``on_change(folder)``.
  The other folders the sync reads (Sent, …) are checked with ``STATUS`` every
  ``poll_seconds``; a change there calls ``on_change`` for that folder.
- IDLE is ended and re-issued every ``renew_seconds`` (10 minutes by default; RFC 2177 allows
  29), each time followed by a ``NOOP`` that proves the connection still answers.
- A stalled IDLE is noticed: when the server has sent nothing for ``stall_seconds`` the IDLE is
  ended early and probed the same way; a probe that times out, a connection closed by the server
  (imapclient then returns empty results at once, which would otherwise spin), or any socket
  error leads to a reconnect.
- Reconnects back off exponentially with jitter. After a reconnect ``on_change`` is called for
  every folder, because mail may have arrived while nobody was listening.
- A rejected login is reported once per run of failures through ``on_error`` and logged; the
  watcher then waits long (``auth_retry_seconds``, doubling up to an hour) before trying again.
  Counting and escalating to the operator is the sync's job (``app.sync.sync_account``).
- Without IDLE (or with ``idle = false``) every folder is checked with ``STATUS`` every
  ``poll_seconds``.

Callbacks run on the watcher's thread and should return quickly (set an event, queue a job).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from monitor.config import Account
from monitor.errors import AuthError, ConfigError, SourceError
from monitor.log import get_logger
from monitor.sources.imap_conn import (
    Backoff,
    as_int,
    capabilities,
    connect,
    enable_condstore,
    network_error,
)
from monitor.sources.imap_folders import choose_folders, listed

logger = get_logger()

#: How often a blocked wait looks at the stop flag (seconds).
TICK = 0.5


@dataclass
class WatcherStatus:
    """What the watcher is doing, for health checks and metrics."""

    mode: str = "starting"  # "idle", "poll", "backoff", "stopped"
    connected: bool = False
    folders: tuple[str, ...] = ()
    idle_folder: str | None = None
    connects: int = 0  # successful logins so far
    reconnects: int = 0  # connections lost and re-made
    stalls: int = 0  # IDLEs found stalled (no answer to the probe, or closed by the server)
    signals: int = 0  # on_change calls
    consecutive_failures: int = 0
    last_error: str | None = None
    last_signal_at: float | None = None  # time.monotonic()


class _Stalled(Exception):
    """The IDLE connection stopped answering or was closed by the server."""


@dataclass
class ImapWatcher:
    account: Account
    on_change: Callable[[str], None]
    on_error: Callable[[SourceError | ConfigError], None] | None = None
    folders: Sequence[str] | None = None  # default: the folders a sync reads
    renew_seconds: float = 600.0
    stall_seconds: float = 300.0
    poll_seconds: float | None = None  # default: the account's poll_seconds
    retry_base: float = 1.0
    retry_cap: float = 300.0
    auth_retry_seconds: float = 300.0
    status: WatcherStatus = field(default_factory=WatcherStatus)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _polled: dict[str, tuple[int | None, ...]] = field(default_factory=dict)

    # ------------------------------------------------------------------ control

    def start(self) -> None:
        """Watch on a daemon thread."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self.run, name=f"imap-watch-{self.account.name}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop watching (safe from any thread) and wait for the thread to end."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self) -> None:
        """The watch loop, in the calling thread, until :meth:`stop`."""
        assert self.account.imap is not None
        backoff = Backoff(base=self.retry_base, cap=self.retry_cap)
        auth_backoff = Backoff(
            base=self.auth_retry_seconds, cap=max(3600.0, self.auth_retry_seconds)
        )
        first = True
        while not self._stop.is_set():
            client: IMAPClient | None = None
            try:
                client = connect(self.account)
                self.status.connects += 1
                if not first:
                    self.status.reconnects += 1
                self._watch(client, signal_all=not first)
            except AuthError as err:
                self._failed(err, auth=True)
                self._wait(auth_backoff.next_delay())
                continue
            except ConfigError as err:
                self._failed(err, auth=False)
                self._wait(auth_backoff.next_delay())
                continue
            except (_Stalled, SourceError, IMAPClientError, OSError) as err:
                failure = (
                    err
                    if isinstance(err, SourceError)
                    else network_error(self.account, err, "watching for new mail")
                )
                if not self._stop.is_set():
                    self._failed(failure, auth=False)
                    self._wait(backoff.next_delay())
            finally:
                self.status.connected = False
                if client is not None:
                    _close(client)
            first = False
            if self.status.consecutive_failures == 0:
                backoff.reset()
                auth_backoff.reset()
        self.status.mode = "stopped"

    # ------------------------------------------------------------------ internals

    def _failed(self, err: SourceError | ConfigError, *, auth: bool) -> None:
        self.status.consecutive_failures += 1
        self.status.last_error = str(err)
        self.status.mode = "backoff"
        if self.status.consecutive_failures == 1:
            logger.warning(
                "imap_watch_failed", account=self.account.name, error=str(err), auth=auth
            )
            if self.on_error is not None:
                self.on_error(err)
        else:
            logger.info(
                "imap_watch_still_failing",
                account=self.account.name,
                failures=self.status.consecutive_failures,
                auth=auth,
            )

    def _wait(self, seconds: float) -> None:
        self._stop.wait(seconds)

    def _signal(self, folder: str) -> None:
        self.status.signals += 1
        self.status.last_signal_at = time.monotonic()
        try:
            self.on_change(folder)
        except Exception:  # a failing callback must not kill the watcher
            logger.exception("imap_watch_callback_failed", account=self.account.name, folder=folder)

    def _chosen(self, client: IMAPClient, caps: set[str]) -> list[str]:
        if self.folders is not None:
            return list(self.folders)
        choices = choose_folders(
            listed(client.list_folders()),
            gmail="X-GM-EXT-1" in caps,
            wanted=self.account.wants_folder,
        )
        return [c.name for c in choices if not c.skipped]

    def _watch(self, client: IMAPClient, *, signal_all: bool) -> None:
        assert self.account.imap is not None
        settings = self.account.imap
        caps = capabilities(client)
        condstore = enable_condstore(client, caps)
        folders = self._chosen(client, caps)
        self.status.folders = tuple(folders)
        self.status.connected = True
        self.status.consecutive_failures = 0
        self.status.last_error = None
        if signal_all:
            for folder in folders:
                self._signal(folder)
        poll_every = (
            self.poll_seconds if self.poll_seconds is not None else float(settings.poll_seconds)
        )
        use_idle = settings.idle and "IDLE" in caps and bool(folders)
        others = folders[1:] if use_idle else folders
        for folder in others:
            self._polled[folder] = self._status(client, folder, condstore)
        if not use_idle:
            self.status.mode = "poll"
            self.status.idle_folder = None
            while not self._stop.is_set():
                self._wait(poll_every)
                if self._stop.is_set():
                    return
                self._poll(client, others, condstore)
            return
        main = folders[0]
        self.status.idle_folder = main
        client.select_folder(main, readonly=True)
        next_poll = time.monotonic() + poll_every
        while not self._stop.is_set():
            self.status.mode = "idle"
            changed = self._idle_once(client, until=next_poll if others else float("inf"))
            if changed:
                self._signal(main)
            if time.monotonic() >= next_poll:
                self._poll(client, others, condstore)
                next_poll = time.monotonic() + poll_every
                # News of the selected folder that arrived during STATUS waits in imaplib's
                # unsolicited responses, where IDLE would never report it again.
                pending = getattr(getattr(client, "_imap", None), "untagged_responses", {})
                if any(
                    pending.pop(kind, None) for kind in ("EXISTS", "EXPUNGE", "FETCH", "RECENT")
                ):
                    self._signal(main)

    def _idle_once(self, client: IMAPClient, until: float) -> bool:
        """One IDLE, ended at renewal, at a stall, at ``until`` (time to poll the other
        folders) or at stop; then a NOOP probe. True when the server reported a change in the
        selected folder."""
        client.idle()
        started = last_data = time.monotonic()
        changed = False
        quick_empty = 0
        while not self._stop.is_set():
            now = time.monotonic()
            remaining = min(
                self.renew_seconds - (now - started),
                self.stall_seconds - (now - last_data),
                until - now,
            )
            if remaining <= 0:
                break
            wait = min(TICK, remaining)
            before = time.monotonic()
            responses = client.idle_check(timeout=wait)
            if responses:
                last_data = time.monotonic()
                quick_empty = 0
                if _is_change(responses):
                    changed = True
                    break  # report at once; IDLE is re-issued right after
            elif time.monotonic() - before < wait * 0.5:
                # The socket was readable but held no line: the server closed it. imapclient
                # hides that and would return [] at once, forever.
                quick_empty += 1
                if quick_empty >= 3:
                    self.status.stalls += 1
                    raise _Stalled("the server closed the IDLE connection")
            else:
                quick_empty = 0
        return self._end_idle(client) or changed

    def _end_idle(self, client: IMAPClient) -> bool:
        """DONE, then a NOOP as a liveness probe. True when either brought news of a change
        (mail that arrived while the IDLE was ending)."""
        try:
            _, during = client.idle_done()
            _, after = client.noop()  # a dead or silent connection times out here
        except (IMAPClientError, OSError) as err:
            if self._stop.is_set():
                return False
            self.status.stalls += 1
            raise _Stalled(f"no answer after IDLE: {err}") from err
        return _is_change(during) or _is_change(after)

    def _status(self, client: IMAPClient, folder: str, condstore: bool) -> tuple[int | None, ...]:
        items = ["UIDNEXT", "MESSAGES", "UIDVALIDITY"] + (["HIGHESTMODSEQ"] if condstore else [])
        answer = client.folder_status(folder, items)
        return tuple(as_int(answer.get(item.encode())) for item in items)

    def _poll(self, client: IMAPClient, folders: Sequence[str], condstore: bool) -> None:
        for folder in folders:
            if self._stop.is_set():
                return
            try:
                current = self._status(client, folder, condstore)
            except IMAPClientError as err:
                if isinstance(err, OSError):
                    raise
                logger.info(
                    "imap_watch_status_failed",
                    account=self.account.name,
                    folder=folder,
                    error=str(err)[:200],
                )
                continue
            if self._polled.get(folder) != current:
                self._polled[folder] = current
                self._signal(folder)


def _is_change(responses: Sequence[tuple[object, ...]]) -> bool:
    for response in responses:
        if (
            len(response) >= 2
            and isinstance(response[1], bytes)
            and response[1].upper() in (b"EXISTS", b"EXPUNGE", b"FETCH", b"RECENT", b"VANISHED")
        ):
            return True
    return False


def _close(client: IMAPClient) -> None:
    # Never a LOGOUT here: on a half-open connection it would wait for the read timeout.
    with contextlib.suppress(Exception):
        client.shutdown()
