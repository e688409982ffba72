"""Microsoft 365 mailboxes through Microsoft Graph: ``messages/delta`` per mailbox and folder.

One pass over an account reads every configured folder of every mailbox (app-only: the listed
mailboxes; delegated: the signed-in user's own) concurrently, at most ``max_concurrency`` (≤ 4)
requests per mailbox at a time. Each folder is a delta round: the pages of ``@odata.nextLink``
up to an ``@odata.deltaLink``, which is stored for the next pass.

Crash safety: every page is stored in one transaction; the deltaLink is stored in the same
transaction as the round's last page. A pass that stops halfway (shutdown, crash, a failure)
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
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

import structlog

from monitor.app.runtime import Runtime
from monitor.config import Account, GraphSettings
from monitor.core.model import Message, Quarantined
from monitor.errors import AuthError, FolderError, SourceError, TransientError
from monitor.sources import graph_http
from monitor.sources.graph_http import (
    TEXT_BODIES,
    DeltaReset,
    GraphClient,
    GraphError,
    GraphForbidden,
    GraphNotFound,
    Stopped,
    TokenSource,
)
from monitor.sources.graph_map import (
    SELECT,
    WELL_KNOWN_FOLDERS,
    envelope_from_graph,
    expand_clause,
    is_complete,
    is_removed,
    needs_body,
)
from monitor.sources.pipeline import excluded, from_envelope
from monitor.sources.report import AccountCheck, AccountSync, FolderSync
from monitor.store.messages import Item, save_items
from monitor.store.sources import (
    FolderState,
    get_folder_state,
    known_locations,
    live_locations,
    mark_expunged,
    put_folder_state,
    revive_sightings,
)

logger = structlog.get_logger()

#: Retry policy of every pass (tests shorten it).
RETRY = graph_http.DEFAULT_RETRY
_MAX_WORKERS = 16


# --------------------------------------------------------------------------- folders


def folder_label(mailbox: str, folder: str) -> str:
    """How relmon names a Graph folder in its store and reports: ``mailbox/folder``."""
    return f"{mailbox}/{folder}"


def mailboxes_of(account: Account, settings: GraphSettings) -> list[str]:
    if settings.auth == "delegated":
        return [account.address or "me"]
    return list(settings.mailboxes)


def resolve_folder(client: GraphClient, mailbox: str, folder: str) -> str:
    """The id to use in URLs: a well-known name as it is, a path ("Clients/Acme") looked up
    one level at a time by display name (case-insensitive)."""
    if folder.casefold() in WELL_KNOWN_FOLDERS:
        return folder.casefold()
    base = client.mailbox_path(mailbox)
    parent_url = f"{base}/mailFolders?$select=id,displayName&$top=100"
    folder_id = ""
    walked: list[str] = []
    for part in [p for p in folder.split("/") if p]:
        match = None
        for entry in client.pages(parent_url, mailbox=mailbox):
            if str(entry.get("displayName") or "").casefold() == part.casefold():
                match = str(entry.get("id"))
                break
        if match is None:
            where = "/".join(walked) or "the top level"
            raise FolderError(
                f"mailbox {mailbox}: no folder {folder!r} (no {part!r} under {where})"
            )
        walked.append(part)
        folder_id = match
        parent_url = f"{base}/mailFolders/{quote(folder_id, safe='')}/childFolders?$select=id,displayName&$top=100"
    if not folder_id:
        raise FolderError(f"mailbox {mailbox}: empty folder name {folder!r}")
    return folder_id


def initial_delta_url(
    client: GraphClient, mailbox: str, folder_id: str, *, expand: bool = True
) -> str:
    url = (
        f"{client.mailbox_path(mailbox)}/mailFolders/{quote(folder_id, safe='')}/messages/delta"
        f"?$select={','.join(SELECT)}"
    )
    if expand:
        url += "&$expand=" + quote(expand_clause(), safe="(),'=$")
    return url


# --------------------------------------------------------------------------- one pass


@dataclass
class _Pass:
    """What the folders of one account share during one pass."""

    runtime: Runtime
    account: Account
    settings: GraphSettings
    client: GraphClient
    now: datetime
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    abort: threading.Event = field(default_factory=threading.Event)
    failures: dict[str, Exception] = field(default_factory=dict)  # folder label -> why it failed

    @property
    def prefer(self) -> list[str]:
        return [f"odata.maxpagesize={self.settings.page_size}", TEXT_BODIES]


def _fetch(ctx: _Pass, mailbox: str, message_id: str, *, select: str) -> dict[str, Any] | None:
    url = (
        f"{ctx.client.mailbox_path(mailbox)}/messages/{quote(message_id, safe='')}?$select={select}"
    )
    if select != "body":
        url += "&$expand=" + quote(expand_clause(), safe="(),'=$")
    try:
        return ctx.client.get(url, mailbox=mailbox, prefer=[TEXT_BODIES])
    except GraphNotFound:
        return None  # deleted since the delta page was written


def _normalise(
    ctx: _Pass, message: Mapping[str, Any], *, mailbox: str, folder: str
) -> Message | Quarantined:
    try:
        envelope = envelope_from_graph(message, mailbox=mailbox, folder=folder)
        return from_envelope(envelope, ctx.runtime.analyzer, ctx.runtime.config.privacy)
    except Exception as err:  # noqa: BLE001 - one odd message must never stop the folder
        logger.warning("message_unreadable", folder=folder, error=type(err).__name__)
        return Quarantined("graph_unreadable", f"{type(err).__name__}: {str(err)[:300]}")


def _sync_folder(ctx: _Pass, mailbox: str, folder: str) -> FolderSync:
    label = folder_label(mailbox, folder)
    report = FolderSync(account=ctx.account.name, folder=label)
    started = time.perf_counter()
    try:
        _delta_rounds(ctx, mailbox, folder, label, report)
    except Stopped:
        # Shutdown, or another folder failed for the whole account: what was stored stays,
        # the deltaLink was not advanced, the next pass goes on from the last complete round.
        report.seconds = time.perf_counter() - started
        logger.info("graph_folder_stopped", folder=label, new=report.new)
        return report
    except AuthError:
        raise
    except GraphForbidden as err:
        ctx.failures[label] = err
        report.error = (
            f"forbidden: {err} (is this mailbox in the app's access policy or RBAC scope?)"
        )
    except (FolderError, GraphNotFound) as err:
        ctx.failures[label] = err
        report.error = f"not found: {err}"
    except (SourceError, OSError) as err:
        ctx.failures[label] = err
        report.error = str(err) if isinstance(err, SourceError) else f"{type(err).__name__}: {err}"
    finally:
        report.seconds = time.perf_counter() - started
    if report.error:
        logger.warning("graph_folder_failed", folder=label, error=report.error)
    else:
        logger.info("graph_folder_synced", **report.as_dict())
    return report


def _delta_rounds(ctx: _Pass, mailbox: str, folder: str, label: str, report: FolderSync) -> None:
    account = ctx.account.name
    engine = ctx.runtime.store.engine
    with engine.connect() as connection:
        state = get_folder_state(connection, account, label)
    link = state.delta_link if state is not None else None
    if link and graph_http.origin(link) != graph_http.origin(ctx.settings.graph_url):
        link = None  # graph_url changed (another cloud, another service): start over
    folder_id: str | None = None
    expand = True

    def initial() -> str:
        nonlocal folder_id
        if folder_id is None:
            folder_id = resolve_folder(ctx.client, mailbox, folder)
        return initial_delta_url(ctx.client, mailbox, folder_id, expand=expand)

    full = link is None
    url = link or initial()
    seen: set[str] = set()
    reset_done = False
    first = True
    while True:
        if ctx.abort.is_set():
            raise Stopped
        try:
            page = ctx.client.get(url, mailbox=mailbox, prefer=ctx.prefer)
        except DeltaReset as err:
            if reset_done:
                raise
            reset_done = True
            report.resynced = f"delta token no longer valid ({err.status} {err.code or 'Gone'}); folder read again"
            logger.info("graph_delta_reset", folder=label, status=err.status, code=err.code)
            with ctx.write_lock, engine.begin() as connection:
                put_folder_state(
                    connection,
                    FolderState(account=account, folder=label, delta_link=None, synced_at=ctx.now),
                )
            full, seen, first = True, set(), True
            url = initial()
            continue
        except GraphError as err:
            if first and full and expand and err.status == 400:
                # The extended properties are what a tenant could refuse in a delta query;
                # read without them (threading then relies on headers and conversationId).
                logger.warning("graph_extended_properties_refused", folder=label, code=err.code)
                expand = False
                url = initial()
                continue
            raise
        first = False
        items = [v for v in page.get("value") or [] if isinstance(v, Mapping) and v.get("id")]
        delta_link = page.get("@odata.deltaLink")
        next_link = page.get("@odata.nextLink")
        _store_page(
            ctx,
            mailbox,
            folder,
            label,
            items,
            report,
            full=full,
            seen=seen,
            delta_link=delta_link if isinstance(delta_link, str) else None,
        )
        if isinstance(delta_link, str):
            return
        if not isinstance(next_link, str):
            raise SourceError(
                f"mailbox {mailbox}: a delta page had neither @odata.nextLink nor @odata.deltaLink"
            )
        url = next_link


def _store_page(
    ctx: _Pass,
    mailbox: str,
    folder: str,
    label: str,
    items: list[Mapping[str, Any]],
    report: FolderSync,
    *,
    full: bool,
    seen: set[str],
    delta_link: str | None,
) -> None:
    account = ctx.account.name
    engine = ctx.runtime.store.engine
    # One id may appear several times in a response (replays); the last word wins.
    latest: dict[str, Mapping[str, Any]] = {}
    for item in items:
        latest.pop(str(item["id"]), None)
        latest[str(item["id"])] = item
    removed = [i for i, item in latest.items() if is_removed(item)]
    present = {i: item for i, item in latest.items() if not is_removed(item)}
    with engine.connect() as connection:
        known = known_locations(connection, account, label, list(present)) if present else set()

    to_save: list[Item] = []
    saved_known_here = 0
    for message_id, item in present.items():
        if ctx.abort.is_set():
            raise Stopped
        seen.add(message_id)
        message: Mapping[str, Any] = item
        if not is_complete(item):
            if message_id in known:
                report.changed += 1
                continue
            fetched = _fetch(ctx, mailbox, message_id, select=",".join(SELECT))
            if fetched is None:
                continue
            message = fetched
        if message.get("isDraft"):
            report.excluded += 1
            continue
        if needs_body(message):
            body = _fetch(ctx, mailbox, message_id, select="body")
            if body is not None and body.get("body") is not None:
                message = {**message, "body": body["body"]}
        normalised = _normalise(ctx, message, mailbox=mailbox, folder=folder)
        if isinstance(normalised, Message) and excluded(normalised, ctx.runtime.config.privacy):
            report.excluded += 1
            continue
        if message_id in known:
            # A complete copy of a message relmon has in this folder: re-reading it after a
            # reset, or an update (flags, categories) that Graph sent whole. Stored again
            # harmlessly; a field the first copy lacked may be filled.
            saved_known_here += 1
        size = normalised.size if isinstance(normalised, Message) else 0
        to_save.append(Item(location=message_id, result=normalised, size=size))

    with ctx.write_lock, engine.begin() as connection:
        saved = save_items(
            connection,
            account=account,
            folder=label,
            items=to_save,
            directory=ctx.runtime.directory,
            now=ctx.now,
        )
        revive_sightings(connection, account, label, [i.location for i in to_save])
        if removed:
            report.expunged += mark_expunged(connection, account, label, removed, ctx.now)
        if delta_link is not None:
            if full:
                # After a first or reset round, what relmon had here but Graph no longer
                # returned was deleted while relmon could not see it.
                stale = sorted(live_locations(connection, account, label) - seen)
                report.expunged += mark_expunged(connection, account, label, stale, ctx.now)
            put_folder_state(
                connection,
                FolderState(
                    account=account, folder=label, delta_link=delta_link, synced_at=ctx.now
                ),
            )
    report.new += saved.new
    report.quarantined += saved.quarantined
    if full:
        report.known += saved.known
    else:
        report.changed += saved_known_here
        report.known += max(0, saved.known - saved_known_here)


def sync_graph(
    runtime: Runtime,
    account: Account,
    *,
    now: datetime,
    should_stop: Callable[[], bool] = lambda: False,
) -> AccountSync:
    """One pass over a Graph account: every configured folder of every mailbox."""
    settings = account.graph
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
    ctx = _Pass(
        runtime=runtime, account=account, settings=settings, client=client, now=now, abort=abort
    )
    try:
        client.current_token()  # credentials first: an account-wide failure, before any folder
        privacy = runtime.config.privacy
        tasks = [
            (mailbox, folder)
            for mailbox in mailboxes_of(account, settings)
            for folder in settings.folders
            if account.wants_folder(folder)
            and not privacy.excluded_folder(folder)
            and not privacy.excluded_folder(folder_label(mailbox, folder))
        ]
        failures: list[BaseException] = []

        def run(mailbox: str, folder: str) -> FolderSync | None:
            try:
                return _sync_folder(ctx, mailbox, folder)
            except Stopped:
                return None
            except Exception as err:  # noqa: BLE001 - re-raised below, after the other folders stopped
                failures.append(err)
                abort.set()  # an account-wide failure: the other folders stop too
                return None

        workers = max(1, min(len(tasks), _MAX_WORKERS))
        with ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix=f"graph-{account.name}"
        ) as pool:
            futures = [
                pool.submit(contextvars.copy_context().run, run, mailbox, folder)
                for mailbox, folder in tasks
            ]
            reports = [future.result() for future in futures]
        result.folders = [r for r in reports if r is not None]
        if failures:
            raise failures[0]
        if result.folders and all(f.error for f in result.folders):
            raise _all_failed(account, ctx, result.folders)
    finally:
        client.close()
    return result


def _all_failed(account: Account, ctx: _Pass, folders: list[FolderSync]) -> SourceError:
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


# --------------------------------------------------------------------------- check


def check_graph(runtime: Runtime, account: Account) -> AccountCheck:
    """``relmon accounts test``: a token, then each mailbox's folders as a sync would read them."""
    settings = account.graph
    if settings is None:  # pragma: no cover
        return AccountCheck(account.name, account.kind, False, "no Graph settings")
    client = GraphClient(
        account=account, settings=settings, tokens=TokenSource(account, settings), policy=RETRY
    )
    mode = "delegated" if settings.auth == "delegated" else "app-only"
    capabilities = ["graph", mode, "delta", "immutable-ids", "unique-body"]
    try:
        try:
            client.current_token()
        except AuthError as err:
            return AccountCheck(
                account.name,
                account.kind,
                False,
                f"sign-in failed: {err}",
                capabilities=capabilities,
            )
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
                except AuthError as err:
                    return AccountCheck(
                        account.name, account.kind, False, str(err), capabilities=capabilities
                    )
                except SourceError as err:
                    problems.append(f"{label}: {err}")
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
    finally:
        client.close()
