"""One Graph folder's delta round (see :mod:`monitor.sources.graph`): pages followed up to a
deltaLink, each page written in one step, the deltaLink with the round's last page."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from monitor.config import Account, GraphSettings
from monitor.core.model import Message, Quarantined
from monitor.errors import AuthError, FolderError, SourceError
from monitor.log import get_logger
from monitor.sources import graph_http
from monitor.sources.graph_folders import folder_label, initial_delta_url, resolve_folder
from monitor.sources.graph_http import (
    TEXT_BODIES,
    DeltaReset,
    GraphClient,
    GraphError,
    GraphForbidden,
    GraphNotFound,
    Stopped,
)
from monitor.sources.graph_map import (
    SELECT,
    envelope_from_graph,
    expand_clause,
    is_complete,
    is_removed,
    needs_body,
)
from monitor.sources.pipeline import excluded, from_envelope
from monitor.sources.report import FolderSync
from monitor.sources.sink import FolderState, FolderWrite, Item, MailSink
from monitor.sources.source import SourceContext

logger = get_logger()

#: A Graph message or delta item as the service sent it (JSON).
GraphItem = Mapping[str, Any]


@dataclass
class GraphPass:
    """What the folders of one account share during one pass."""

    sink: MailSink
    account: Account
    settings: GraphSettings
    client: GraphClient
    source: SourceContext
    abort: threading.Event = field(default_factory=threading.Event)
    failures: dict[str, Exception] = field(default_factory=dict)  # folder label -> why it failed

    @property
    def prefer(self) -> list[str]:
        return [f"odata.maxpagesize={self.settings.page_size}", TEXT_BODIES]


def _fetch(ctx: GraphPass, mailbox: str, message_id: str, *, select: str) -> dict[str, Any] | None:
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
    ctx: GraphPass, message: GraphItem, *, mailbox: str, folder: str
) -> Message | Quarantined:
    try:
        envelope = envelope_from_graph(message, mailbox=mailbox, folder=folder)
        return from_envelope(envelope, ctx.source.analyzer(), ctx.source.privacy)
    except Exception as err:  # noqa: BLE001 - one odd message must never stop the folder
        logger.warning("message_unreadable", folder=folder, error=type(err).__name__)
        return Quarantined("graph_unreadable", f"{type(err).__name__}: {str(err)[:300]}")


def sync_folder(ctx: GraphPass, mailbox: str, folder: str) -> FolderSync:
    """One folder's round; a failure of this folder alone is reported on it."""
    label = folder_label(mailbox, folder)
    report = FolderSync(account=ctx.account.name, folder=label)
    started = time.perf_counter()
    try:
        _Round(ctx, mailbox, folder, label, report).run()
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


@dataclass
class _Round:
    """The pages of one folder up to a deltaLink."""

    ctx: GraphPass
    mailbox: str
    folder: str
    label: str
    report: FolderSync
    folder_id: str | None = None
    expand: bool = True  # ask for the extended properties (until a tenant refuses them)
    full: bool = False  # a first round, or one after a reset: everything is returned
    seen: set[str] = field(default_factory=set)  # ids returned by a full round so far
    reset_done: bool = False
    first: bool = True  # no page read yet

    def initial(self) -> str:
        if self.folder_id is None:
            self.folder_id = resolve_folder(self.ctx.client, self.mailbox, self.folder)
        return initial_delta_url(self.ctx.client, self.mailbox, self.folder_id, expand=self.expand)

    def run(self) -> None:
        state = self.ctx.sink.cursor(self.label)
        link = state.delta_link if state is not None else None
        if link and graph_http.origin(link) != graph_http.origin(self.ctx.settings.graph_url):
            link = None  # graph_url changed (another cloud, another service): start over
        self.full = link is None
        url = link or self.initial()
        while True:
            if self.ctx.abort.is_set():
                raise Stopped
            page = self._page(url)
            if page is None:
                url = self.initial()
                continue
            self.first = False
            items = [v for v in page.get("value") or [] if isinstance(v, Mapping) and v.get("id")]
            delta_link = page.get("@odata.deltaLink")
            next_link = page.get("@odata.nextLink")
            done = delta_link if isinstance(delta_link, str) else None
            _store_page(self, items, delta_link=done)
            if done is not None:
                return
            if not isinstance(next_link, str):
                raise SourceError(
                    f"mailbox {self.mailbox}: a delta page had neither @odata.nextLink nor @odata.deltaLink"
                )
            url = next_link

    def _page(self, url: str) -> dict[str, Any] | None:
        """The page at ``url``, or None when the round must start again from the beginning."""
        ctx, label = self.ctx, self.label
        try:
            return ctx.client.get(url, mailbox=self.mailbox, prefer=ctx.prefer)
        except DeltaReset as err:
            if self.reset_done:
                raise
            self.reset_done = True
            self.report.resynced = f"delta token no longer valid ({err.status} {err.code or 'Gone'}); folder read again"
            logger.info("graph_delta_reset", folder=label, status=err.status, code=err.code)
            voided = FolderState(
                account=ctx.account.name, folder=label, delta_link=None, synced_at=ctx.source.now
            )
            ctx.sink.write(label, FolderWrite(cursor=voided))
            self.full, self.seen, self.first = True, set(), True
            return None
        except GraphError as err:
            if self.first and self.full and self.expand and err.status == 400:
                # The extended properties are what a tenant could refuse in a delta query;
                # read without them (threading then relies on headers and conversationId).
                logger.warning("graph_extended_properties_refused", folder=label, code=err.code)
                self.expand = False
                return None
            raise


def _complete(
    round_: _Round, message_id: str, item: GraphItem, known: set[str]
) -> GraphItem | None:
    """The whole message behind a delta item, or None when there is nothing to store."""
    ctx, report = round_.ctx, round_.report
    message = item
    if not is_complete(item):
        if message_id in known:
            report.changed += 1
            return None
        fetched = _fetch(ctx, round_.mailbox, message_id, select=",".join(SELECT))
        if fetched is None:
            return None
        message = fetched
    if message.get("isDraft"):
        report.excluded += 1
        return None
    if needs_body(message):
        body = _fetch(ctx, round_.mailbox, message_id, select="body")
        if body is not None and body.get("body") is not None:
            message = {**message, "body": body["body"]}
    return message


def _store_page(round_: _Round, items: list[GraphItem], *, delta_link: str | None) -> None:
    ctx, report, label = round_.ctx, round_.report, round_.label
    # One id may appear several times in a response (replays); the last word wins.
    latest: dict[str, GraphItem] = {}
    for item in items:
        latest.pop(str(item["id"]), None)
        latest[str(item["id"])] = item
    removed = [i for i, item in latest.items() if is_removed(item)]
    present = {i: item for i, item in latest.items() if not is_removed(item)}
    known = ctx.sink.known_locations(label, list(present)) if present else set()

    to_save: list[Item] = []
    saved_known_here = 0
    for message_id, item in present.items():
        if ctx.abort.is_set():
            raise Stopped
        round_.seen.add(message_id)
        message = _complete(round_, message_id, item, known)
        if message is None:
            continue
        normalised = _normalise(ctx, message, mailbox=round_.mailbox, folder=round_.folder)
        if isinstance(normalised, Message) and excluded(normalised, ctx.source.privacy):
            report.excluded += 1
            continue
        if message_id in known:
            # A complete copy of a message relmon has in this folder: re-reading it after a
            # reset, or an update (flags, categories) that Graph sent whole. Stored again
            # harmlessly; a field the first copy lacked may be filled.
            saved_known_here += 1
        size = normalised.size if isinstance(normalised, Message) else 0
        to_save.append(Item(location=message_id, result=normalised, size=size))

    written = ctx.sink.write(label, _page_write(round_, to_save, removed, delta_link))
    report.expunged += written.expunged
    saved = written.saved
    report.new += saved.new
    report.quarantined += saved.quarantined
    if round_.full:
        report.known += saved.known
    else:
        report.changed += saved_known_here
        report.known += max(0, saved.known - saved_known_here)


def _page_write(
    round_: _Round, to_save: list[Item], removed: list[str], delta_link: str | None
) -> FolderWrite:
    """A page's messages (a message back in the folder is live again) and removals; with the
    round's last page, its deltaLink and, after a full round, the expunge of whatever relmon
    had here but Graph no longer returned (deleted while relmon could not see it)."""
    if delta_link is None:
        return FolderWrite(items=to_save, revive=True, expunged=removed)
    ctx = round_.ctx
    return FolderWrite(
        items=to_save,
        revive=True,
        expunged=removed,
        keep_live=round_.seen.__contains__ if round_.full else None,
        cursor=FolderState(
            account=ctx.account.name,
            folder=round_.label,
            delta_link=delta_link,
            synced_at=ctx.source.now,
        ),
    )
