"""Microsoft 365 mailboxes through Microsoft Graph: ``messages/delta`` per mailbox and folder.

One pass over an account reads every configured folder of every mailbox (app-only: the listed
mailboxes; delegated: the signed-in user's own) concurrently, at most ``max_concurrency`` (≤ 4)
requests per mailbox at a time. Each folder is a delta round: the pages of ``@odata.nextLink``
up to an ``@odata.deltaLink``, which is stored for the next pass.

Crash safety: every page is written in one step; the deltaLink is written in the same step as
the round's last page. A pass that stops halfway (shutdown, crash, a failure)
leaves the previous deltaLink in place, so the next pass reads the round again; writes are
idempotent (one row per Message-ID, one sighting per folder and Graph id), so nothing is
counted twice.

Per item of a round:
- ``@removed`` (deleted, or moved out of the folder): the sighting is marked expunged; the
  message stays in history.
- A complete message: normalised and stored. Its location is its immutable Graph id.
- Only changed properties (an update such as "read"): counted as changed if relmon has the
  message; fetched whole if it does not.

A ``410 Gone`` or ``syncStateNotFound`` voids the deltaLink: the folder is read again from
scratch (Message-ID identity keeps that free of duplicates) and whatever relmon had in the
folder but the new round did not return is marked expunged.

Failures: credentials (no token, a second 401) fail the whole account with :class:`AuthError`,
which the sync job counts and escalates. Anything else (a mailbox the app may not read, a
folder that does not exist, throttling beyond patience, network trouble) fails only its folder;
the other folders and mailboxes go on.

Folders and their names are :mod:`monitor.sources.graph_folders`, one folder's round
:mod:`monitor.sources.graph_delta`.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import quote

from monitor.config import Account, GraphSettings
from monitor.errors import AuthError, FolderError, SourceError, TransientError
from monitor.log import get_logger
from monitor.sources import graph_http
from monitor.sources.graph_delta import GraphPass, sync_folder
from monitor.sources.graph_folders import folder_label, mailboxes_of, resolve_folder
from monitor.sources.graph_http import (
    GraphClient,
    GraphForbidden,
    GraphNotFound,
    Stopped,
    TokenSource,
)
from monitor.sources.report import AccountCheck, AccountSync, FolderSync
from monitor.sources.sink import MailSink
from monitor.sources.source import OnChange, SourceContext, SourceType, Watcher

logger = get_logger()
__all__ = ["GraphSource", "folder_label", "mailboxes_of", "resolve_folder"]

#: Retry policy of every pass (tests shorten it).
RETRY = graph_http.DEFAULT_RETRY
_MAX_WORKERS = 16
#: What ``relmon accounts test`` reports a Graph account can do, after its mode.
_CAPABILITIES = ["delta", "immutable-ids", "unique-body"]


class GraphSource:
    """A Microsoft 365 account read through Graph (see the module documentation)."""

    settings_type: ClassVar[type[object] | None] = GraphSettings

    def __init__(self, account: Account, context: SourceContext) -> None:
        self.account = account
        self.context = context

    @property
    def poll_seconds(self) -> float:
        assert self.account.graph is not None
        return float(self.account.graph.poll_seconds)

    def watch(self, on_change: OnChange) -> Watcher | None:
        return None

    def _tasks(self, settings: GraphSettings) -> list[tuple[str, str]]:
        account, privacy = self.account, self.context.privacy
        return [
            (mailbox, folder)
            for mailbox in mailboxes_of(account, settings)
            for folder in settings.folders
            if account.wants_folder(folder)
            and not privacy.excluded_folder(folder)
            and not privacy.excluded_folder(folder_label(mailbox, folder))
        ]

    def sync(self, sink: MailSink, *, should_stop: Callable[[], bool]) -> AccountSync:
        """One pass: every configured folder of every mailbox, concurrently."""
        account, settings = self.account, self.account.graph
        if settings is None:  # pragma: no cover - the configuration guarantees it
            raise SourceError(f"account {account.name!r} has no Graph settings")
        result = AccountSync(account=account.name, kind=account.kind)
        abort = threading.Event()
        client = GraphClient(
            account=account,
            settings=settings,
            tokens=TokenSource(account, settings),
            should_stop=lambda: should_stop() or abort.is_set(),
            policy=RETRY,
        )
        ctx = GraphPass(
            sink=sink,
            account=account,
            settings=settings,
            client=client,
            source=self.context,
            abort=abort,
        )
        try:
            client.current_token()  # credentials first: an account-wide failure, before any folder
            result.folders = _run_folders(ctx, self._tasks(settings))
            if result.folders and all(f.error for f in result.folders):
                raise _all_failed(account, ctx, result.folders)
        finally:
            client.close()
        return result

    def check(self) -> AccountCheck:
        """A token, then each mailbox's folders as a sync would read them."""
        account, settings = self.account, self.account.graph
        if settings is None:  # pragma: no cover
            return AccountCheck(account.name, account.kind, False, "no Graph settings")
        client = GraphClient(
            account=account, settings=settings, tokens=TokenSource(account, settings), policy=RETRY
        )
        mode = "delegated" if settings.auth == "delegated" else "app-only"
        capabilities = ["graph", mode, *_CAPABILITIES]
        try:
            try:
                client.current_token()
            except AuthError as err:
                detail = f"sign-in failed: {err}"
                return AccountCheck(
                    account.name, account.kind, False, detail, capabilities=capabilities
                )
            try:
                readable, problems = _readable_folders(client, account, settings)
            except AuthError as err:
                return AccountCheck(
                    account.name, account.kind, False, str(err), capabilities=capabilities
                )
        finally:
            client.close()
        mailboxes = len(mailboxes_of(account, settings))
        detail = f"{mode} token for tenant {settings.microsoft.tenant_id}; {mailboxes} mailbox{'es' if mailboxes != 1 else ''}, {len(readable)} folders readable"
        if problems:
            detail += f", {len(problems)} not: " + "; ".join(problems)
        return AccountCheck(
            account.name,
            account.kind,
            not problems,
            detail,
            folders=readable,
            capabilities=capabilities,
        )


def _run_folders(ctx: GraphPass, tasks: list[tuple[str, str]]) -> list[FolderSync]:
    """Every folder on its own thread; an account-wide failure in one stops the others and is
    raised once they have stopped."""
    failures: list[BaseException] = []

    def run(mailbox: str, folder: str) -> FolderSync | None:
        try:
            return sync_folder(ctx, mailbox, folder)
        except Stopped:
            return None
        except Exception as err:  # noqa: BLE001 - re-raised below, after the other folders stopped
            failures.append(err)
            ctx.abort.set()  # an account-wide failure: the other folders stop too
            return None

    workers = max(1, min(len(tasks), _MAX_WORKERS))
    with ThreadPoolExecutor(
        max_workers=workers, thread_name_prefix=f"graph-{ctx.account.name}"
    ) as pool:
        futures = [
            pool.submit(contextvars.copy_context().run, run, mailbox, folder)
            for mailbox, folder in tasks
        ]
        reports = [future.result() for future in futures]
    if failures:
        raise failures[0]
    return [r for r in reports if r is not None]


def _all_failed(account: Account, ctx: GraphPass, folders: list[FolderSync]) -> SourceError:
    """Every folder failed: the account failed, classified by why. Refusals everywhere mean a
    permission problem a person must fix (missing consent, no mailbox in scope) and are
    escalated like a login failure; missing folders are configuration; the rest is transient."""
    first = folders[0].error or ""
    causes = list(ctx.failures.values())
    if causes and all(isinstance(c, GraphForbidden) for c in causes):
        return AuthError(
            f"account {account.name!r}: Graph refused every mailbox ({first}); check the Mail.Read "
            "permission, admin consent and the app's mailbox scope"
        )
    if causes and all(isinstance(c, FolderError | GraphNotFound) for c in causes):
        return FolderError(
            f"account {account.name!r}: no configured folder was found; first: {first}"
        )
    return TransientError(f"account {account.name!r}: every folder failed; first: {first}")


def _readable_folders(
    client: GraphClient, account: Account, settings: GraphSettings
) -> tuple[list[str], list[str]]:
    """Each configured folder with its message count, and the problems of those that are not
    readable. An AuthError ends the check."""
    readable: list[str] = []
    problems: list[str] = []
    for mailbox in mailboxes_of(account, settings):
        for folder in settings.folders:
            if not account.wants_folder(folder):
                continue
            label = folder_label(mailbox, folder)
            try:
                folder_id = resolve_folder(client, mailbox, folder)
                info = client.get(
                    f"{client.mailbox_path(mailbox)}/mailFolders/{quote(folder_id, safe='')}?$select=displayName,totalItemCount",
                    mailbox=mailbox,
                )
                readable.append(f"{label} ({info.get('totalItemCount', '?')} messages)")
            except AuthError:
                raise
            except SourceError as err:
                problems.append(f"{label}: {err}")
    return readable, problems


if TYPE_CHECKING:  # mypy proves the class is a kind of source
    _source_type: SourceType = GraphSource
