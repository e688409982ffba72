"""One IMAP folder brought up to date from its cursor (see :mod:`monitor.sources.imap`).

Every step that changes what is stored (a resync, the expunges found, each batch of new
messages) is one :class:`~monitor.sources.sink.FolderWrite` together with the cursor that
covers it, so a pass that stops anywhere resumes from there and repeats nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from imapclient import IMAPClient

from monitor.config import Account, ImapSettings
from monitor.log import get_logger
from monitor.sources.imap_analysis import (
    Analysed,
    Analysis,
    InlineAnalysis,
    shared_pool,
    workers_stale,
)
from monitor.sources.imap_behind import Behind
from monitor.sources.imap_fetch import (
    Snapshot,
    examine,
    fetch_batch,
    resync_reason,
    search_uids,
    unchanged,
)
from monitor.sources.imap_vanished import VanishedUnread, vanished_since
from monitor.sources.report import FolderSync
from monitor.sources.sink import FolderState, FolderWrite, Item, MailSink
from monitor.sources.source import SourceContext

logger = get_logger()


@dataclass
class FolderContext:
    """What the folders of one connection share."""

    sink: MailSink
    account: Account
    settings: ImapSettings
    source: SourceContext
    should_stop: Callable[[], bool]
    condstore: bool
    gmail: bool
    workers: int | None
    parallel_from: int  # fewer new messages than this are analysed in-process
    behind: Behind  # where fetched batches wait for their analysis and their writes
    sent_folders: frozenset[str] = frozenset()  # the folders the server marks \Sent
    qresync: bool = False  # the server says which messages vanished since a mod-sequence
    #: Folders whose answer about vanished messages broke off: listed for the rest of the pass.
    unreadable: set[str] = field(default_factory=set)

    def analysis(self, expected: int) -> Analysis:
        if self.workers == 0 or expected < self.parallel_from or workers_stale():
            return InlineAnalysis(self.source.analyzer())
        return shared_pool(self.source.extra_cues, self.workers)

    def state(
        self,
        folder: str,
        uidvalidity: int,
        *,
        last_uid: int,
        exists_count: int,
        highestmodseq: int | None = None,
    ) -> FolderState:
        return FolderState(
            account=self.account.name,
            folder=folder,
            uidvalidity=uidvalidity,
            last_uid=last_uid,
            highestmodseq=highestmodseq,
            exists_count=exists_count,
        )


def location(uidvalidity: int, uid: int) -> str:
    return f"{uidvalidity}:{uid}"


def uid_of(location: str) -> int | None:
    _, _, uid = location.partition(":")
    return int(uid) if uid.isdigit() else None


def sync_folder(client: IMAPClient, ctx: FolderContext, folder: str, report: FolderSync) -> None:
    """Bring one folder up to date; every batch is written with the cursor that covers it."""
    sink = ctx.sink
    snapshot = examine(client, folder)
    state = sink.cursor(folder)
    if unchanged(state, snapshot):
        assert state is not None
        sink.write(folder, FolderWrite(cursor=replace(state, synced_at=ctx.source.now)))
        return
    state = _start(ctx, folder, state, snapshot, report)
    last = state.last_uid or 0
    top = snapshot.uidnext - 1 if snapshot.uidnext is not None else None
    new_uids = search_uids(client, last + 1, top) if top is None or top > last else []
    old_count = snapshot.exists - len(new_uids)
    refetch: list[int] = []
    if last > 0 and old_count != state.exists_count:
        state, old_count, refetch = _vanished(
            client, ctx, folder, state, old_count, report
        ) or _expunges(client, ctx, folder, state, report)
    elif last > 0 and old_count < 0:  # pragma: no cover - a server contradicting itself
        old_count = 0
    if (
        ctx.condstore
        and last > 0
        and state.highestmodseq is not None
        and snapshot.highestmodseq is not None
        and snapshot.highestmodseq > state.highestmodseq
    ):
        changed = search_uids(client, 1, last, ["MODSEQ", state.highestmodseq + 1])
        report.changed += len(changed)
    to_fetch = refetch + new_uids
    if to_fetch:
        _fetch_and_store(client, ctx, folder, snapshot.uidvalidity, to_fetch, state, report)
    final = ctx.state(
        folder,
        snapshot.uidvalidity,
        last_uid=max([last, *to_fetch, top or 0]),
        highestmodseq=snapshot.highestmodseq,
        exists_count=old_count + len(new_uids),
    )
    final = replace(final, synced_at=ctx.source.now)

    def finished(current: FolderState | None) -> FolderState | None:
        if to_fetch and (current is None or (current.last_uid or 0) < max(to_fetch)):
            return None  # stopped early: the stored cursor says how far this pass got
        return final

    # Behind the folder's batches: applied once every one of them is stored.
    ctx.behind.add_write(folder, lambda _: sink.write(folder, FolderWrite(update_cursor=finished)))


def _start(
    ctx: FolderContext,
    folder: str,
    state: FolderState | None,
    snapshot: Snapshot,
    report: FolderSync,
) -> FolderState:
    """The cursor to go on from: the stored one, or a fresh one for a first sync or after a
    new UIDVALIDITY (which voids every stored UID of the folder)."""
    reason = resync_reason(state, snapshot)
    if reason is None and state is not None and state.uidvalidity is not None:
        return state
    if reason is not None:
        report.resynced = reason
        logger.warning("imap_folder_resync", folder=folder, reason=reason)
    uv = snapshot.uidvalidity
    fresh = ctx.state(folder, uv, last_uid=0, highestmodseq=None, exists_count=0)
    prefix = f"{uv}:"
    ctx.sink.write(folder, FolderWrite(keep_live=lambda loc: loc.startswith(prefix), cursor=fresh))
    return fresh


def _expunges(
    client: IMAPClient,
    ctx: FolderContext,
    folder: str,
    state: FolderState,
    report: FolderSync,
) -> tuple[FolderState, int, list[int]]:
    """Messages up to the last UID seen can only have gone; find which (or, if the count grew,
    which were never recorded, e.g. after an interrupted older version). Returns the new
    cursor, how many messages up to that UID the server holds, and the UIDs to read again."""
    assert state.uidvalidity is not None
    uv, last = state.uidvalidity, state.last_uid or 0
    present = search_uids(client, 1, last)
    live = ctx.sink.live_locations(folder, prefix=f"{uv}:")
    known = ctx.sink.known_locations(folder, [location(uv, uid) for uid in present])
    present_set = set(present)
    gone = sorted(loc for loc in live if (uid_of(loc) or 0) not in present_set)
    refetch = [uid for uid in present if location(uv, uid) not in known]
    state = replace(state, exists_count=len(present) - len(refetch))
    report.expunged += ctx.sink.write(folder, FolderWrite(expunged=gone, cursor=state)).expunged
    return state, len(present), refetch


def _vanished(
    client: IMAPClient,
    ctx: FolderContext,
    folder: str,
    state: FolderState,
    count: int,
    report: FolderSync,
) -> tuple[FolderState, int, list[int]] | None:
    """The expunges since the last pass as the server lists them (QRESYNC), when they account
    for every message missing: the folder holds ``count`` messages up to the last UID seen.
    None: the folder must be listed (:func:`_expunges`); what was marked gone stays so."""
    if (
        not ctx.qresync
        or folder in ctx.unreadable
        or state.highestmodseq is None
        or state.uidvalidity is None
        or state.exists_count is None
    ):
        return None
    uv, last = state.uidvalidity, state.last_uid or 0
    try:
        uids = vanished_since(client, last, state.highestmodseq)
    except VanishedUnread:
        ctx.unreadable.add(folder)  # the pass reconnects, and lists this folder
        raise
    if uids is None:
        return None
    gone = [location(uv, uid) for uid in uids]
    marked = ctx.sink.write(folder, FolderWrite(expunged=gone)).expunged if gone else 0
    report.expunged += marked
    if state.exists_count - marked != count:
        logger.info("imap_vanished_incomplete", folder=folder, vanished=len(uids), marked=marked)
        return None
    state = replace(state, exists_count=count)
    ctx.sink.write(folder, FolderWrite(cursor=state))
    return state, count, []


@dataclass
class _Progress:
    last_uid: int  # the highest UID stored so far
    count: int  # messages up to last_uid on the server: what the next pass compares


def _fetch_and_store(
    client: IMAPClient,
    ctx: FolderContext,
    folder: str,
    uidvalidity: int,
    uids: list[int],
    state: FolderState,
    report: FolderSync,
) -> None:
    """Fetch in batches and hand each to the pass's analysis behind the fetch, which stores
    them in UID order as their analysis is done."""
    settings = ctx.settings
    analysis = ctx.analysis(len(uids))
    progress = _Progress(last_uid=state.last_uid or 0, count=state.exists_count or 0)
    sent = folder in ctx.sent_folders
    for start in range(0, len(uids), settings.batch_size):
        if ctx.should_stop():
            break
        batch = uids[start : start + settings.batch_size]
        fetched = fetch_batch(client, batch, settings, gmail=ctx.gmail)
        labelled = {f.uid for f in fetched if f.sent}

        def store(
            analysed: list[Analysed] | None, batch: list[int] = batch, labelled: set[int] = labelled
        ) -> None:
            assert analysed is not None
            _store(ctx, folder, uidvalidity, analysed, batch, report, progress, labelled, sent)

        ctx.behind.add_batch(folder, fetched, analysis, store)
        del fetched


def _store(
    ctx: FolderContext,
    folder: str,
    uidvalidity: int,
    analysed: list[Analysed],
    batch_uids: list[int],
    report: FolderSync,
    progress: _Progress,
    sent_uids: set[int],
    sent_folder: bool,
) -> None:
    items = []
    for entry in analysed:
        if entry.excluded:
            report.excluded += 1
            continue
        items.append(
            Item(
                location=location(uidvalidity, entry.uid),
                result=entry.result,
                size=entry.size,
                sent=sent_folder or entry.uid in sent_uids,
            )
        )
    progress.last_uid = max(progress.last_uid, *batch_uids)
    progress.count += len(batch_uids)
    covered = ctx.state(
        folder, uidvalidity, last_uid=progress.last_uid, exists_count=progress.count
    )

    def cursor(current: FolderState | None) -> FolderState:
        return replace(
            covered,
            highestmodseq=current.highestmodseq if current else None,
            synced_at=current.synced_at if current else None,
        )

    saved = ctx.sink.write(folder, FolderWrite(items=items, update_cursor=cursor)).saved
    report.new += saved.new
    report.known += saved.known
    report.quarantined += saved.quarantined
