"""IMAP mailboxes, synced incrementally and safely.

One pass over an account (:func:`sync_imap`) logs in once, chooses the folders
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
   (``BODY.PEEK[1.2]<0.N>``: never ``\\Seen``, never an attachment). Each batch is stored in one
   transaction together with the folder state that covers it, so a crash at any point loses
   nothing and repeats nothing.

Failures: a lost connection is re-opened with exponential backoff and jitter and the folder
resumes from its stored state; after a few attempts the account fails with
:class:`TransientError`. A folder the server refuses is reported on that folder and the others
go on. A rejected login is :class:`AuthError`, raised once per pass and never retried here.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import structlog
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

from monitor.app.runtime import Runtime
from monitor.clock import as_utc
from monitor.config import Account, ImapSettings
from monitor.errors import ConfigError, FolderError, SourceError, TransientError
from monitor.sources.imap_analysis import (
    Analysed,
    Analysis,
    Fetched,
    InlineAnalysis,
    discard_shared_pool,
    shared_pool,
)
from monitor.sources.imap_conn import (
    Backoff,
    as_int,
    capabilities,
    connect,
    enable_condstore,
    network_error,
)
from monitor.sources.imap_folders import FolderChoice, choose_folders, listed
from monitor.sources.imap_mime import structure_from_bodystructure
from monitor.sources.report import AccountCheck, AccountSync, FolderSync
from monitor.store.messages import Item, save_items
from monitor.store.sources import (
    FolderState,
    get_folder_state,
    known_locations,
    live_locations,
    mark_expunged,
    put_folder_state,
)

logger = structlog.get_logger()

#: UID SEARCH is asked about at most this many UIDs at once: a huge folder's answer must stay
#: well under imaplib's one-megabyte line limit.
SEARCH_WINDOW = 50_000
#: Below this many new messages in a pass, analysis runs in-process (starting workers costs more).
PARALLEL_FROM = 1_000
#: Connection attempts per account and pass before it is reported as failed.
ATTEMPTS = 4
#: Backoff between those attempts (seconds): base, cap.
RETRY_BASE = 1.0
RETRY_CAP = 30.0


class WorkersFailed(TransientError):
    """An analysis worker process died (killed, out of memory). The pass goes on without them."""


# ---------------------------------------------------------------------- pure decisions


@dataclass(frozen=True)
class Snapshot:
    """What EXAMINE said about a folder."""

    uidvalidity: int
    uidnext: int | None
    exists: int
    highestmodseq: int | None


def resync_reason(state: FolderState | None, snapshot: Snapshot) -> str | None:
    """Why the folder must be read from scratch (a new UIDVALIDITY), or None."""
    if state is None or state.uidvalidity is None:
        return None
    if state.uidvalidity != snapshot.uidvalidity:
        return f"UIDVALIDITY changed from {state.uidvalidity} to {snapshot.uidvalidity}"
    return None


def unchanged(state: FolderState | None, snapshot: Snapshot) -> bool:
    """True when EXAMINE alone proves nothing happened since the stored state."""
    if state is None or state.uidvalidity != snapshot.uidvalidity or snapshot.uidnext is None:
        return False
    if (state.last_uid or 0) < snapshot.uidnext - 1 or state.exists_count != snapshot.exists:
        return False
    return snapshot.highestmodseq is None or state.highestmodseq == snapshot.highestmodseq


def uid_windows(first: int, last: int, width: int = SEARCH_WINDOW) -> Iterator[tuple[int, int]]:
    start = first
    while start <= last:
        end = min(last, start + width - 1)
        yield start, end
        start = end + 1


def text_part_groups(
    batch: Sequence[tuple[int, Sequence[str]]],
) -> dict[tuple[str, ...], list[int]]:
    """UIDs grouped by the set of text parts they need, so each group is one FETCH."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for uid, paths in batch:
        if paths:
            groups.setdefault(tuple(paths), []).append(uid)
    return groups


# ---------------------------------------------------------------------- the server side


def _examine(client: IMAPClient, folder: str) -> Snapshot:
    response = client.select_folder(folder, readonly=True)
    uidvalidity = as_int(response.get(b"UIDVALIDITY"))
    if uidvalidity is None:
        raise FolderError(f"folder {folder!r}: the server sent no UIDVALIDITY")
    return Snapshot(
        uidvalidity=uidvalidity,
        uidnext=as_int(response.get(b"UIDNEXT")),
        exists=as_int(response.get(b"EXISTS")) or 0,
        highestmodseq=as_int(response.get(b"HIGHESTMODSEQ")),
    )


def _search_uids(
    client: IMAPClient, first: int, last: int | None, extra: Sequence[Any] = ()
) -> list[int]:
    """UIDs in ``first..last`` (``last`` None: up to the newest), in windows."""
    if last is None:
        found = client.search(["UID", f"{first}:*", *extra])
        # "n:*" always includes the newest message, even when its UID is below n.
        return sorted(uid for uid in found if uid >= first)
    uids: list[int] = []
    for low, high in uid_windows(first, last):
        uids.extend(client.search(["UID", f"{low}:{high}", *extra]))
    return sorted(set(uids))


def _header_items(gmail: bool) -> list[str]:
    items = ["UID", "RFC822.SIZE", "INTERNALDATE", "BODYSTRUCTURE", "BODY.PEEK[HEADER]"]
    if gmail:
        items.append("X-GM-THRID")
    return items


def _body_key(section: str) -> bytes:
    return f"BODY[{section}]<0>".encode()


def fetch_batch(
    client: IMAPClient, uids: Sequence[int], settings: ImapSettings, *, gmail: bool
) -> list[Fetched]:
    """Headers and structure of ``uids``, then their text parts (size-capped), never attachments."""
    cap = settings.max_text_bytes
    heads = client.fetch(list(uids), _header_items(gmail))
    prepared: list[tuple[int, bytes, Any, int, datetime | None, str | None]] = []
    wants: list[tuple[int, list[str]]] = []
    for uid in uids:
        data = heads.get(uid)
        if data is None:
            continue  # expunged between SEARCH and FETCH: nothing to read
        structure = structure_from_bodystructure(data.get(b"BODYSTRUCTURE"))
        paths = [part.path for part in structure.text_parts()]
        for part in structure.text_parts():
            if part.size > cap:
                structure.notes.append(
                    f"text part {part.path} is {part.size // 1024} KB; read the first {cap // 1024} KB"
                )
        header = data.get(b"BODY[HEADER]") or b""
        internal = data.get(b"INTERNALDATE")
        thread = data.get(b"X-GM-THRID")
        # INTERNALDATE comes with imapclient's own tzinfo (aware: normalise_times is off); UTC
        # from here on, which also travels to analysis workers.
        delivered = (
            as_utc(internal)
            if isinstance(internal, datetime) and internal.tzinfo is not None
            else None
        )
        prepared.append(
            (
                uid,
                header,
                structure,
                int(data.get(b"RFC822.SIZE") or 0),
                delivered,
                str(thread) if thread is not None else None,
            )
        )
        wants.append((uid, paths))
    payloads: dict[int, dict[str, bytes]] = {uid: {} for uid, _ in wants}
    for sections, group in text_part_groups(wants).items():
        answer = client.fetch(group, [f"BODY.PEEK[{path}]<0.{cap}>" for path in sections])
        for uid in group:
            data = answer.get(uid) or {}
            for path in sections:
                value = data.get(_body_key(path))
                if value is None:
                    value = data.get(f"BODY[{path}]".encode())
                if isinstance(value, bytes):
                    payloads[uid][path] = value
    return [
        Fetched(
            uid=uid,
            header=header,
            structure=structure,
            payloads=payloads[uid],
            size=size,
            internaldate=internal,
            gm_thread=thread,
        )
        for uid, header, structure, size, internal, thread in prepared
    ]


# ---------------------------------------------------------------------- one folder


@dataclass
class _Context:
    runtime: Runtime
    account: Account
    now: datetime
    should_stop: Callable[[], bool]
    condstore: bool
    gmail: bool
    workers: int | None


def _location(uidvalidity: int, uid: int) -> str:
    return f"{uidvalidity}:{uid}"


def _uid_of(location: str) -> int | None:
    _, _, uid = location.partition(":")
    return int(uid) if uid.isdigit() else None


def _analysis(ctx: _Context, expected: int) -> Analysis:
    if ctx.workers == 0 or expected < PARALLEL_FROM:
        return InlineAnalysis(ctx.runtime.analyzer)
    return shared_pool(ctx.runtime.config.extra_cues, ctx.workers)


def sync_folder(client: IMAPClient, ctx: _Context, folder: str, report: FolderSync) -> None:
    """Bring one folder up to date; every batch commits with the state that covers it."""
    engine = ctx.runtime.store.engine
    account = ctx.account.name
    snapshot = _examine(client, folder)
    with engine.connect() as connection:
        state = get_folder_state(connection, account, folder)
    if unchanged(state, snapshot):
        with engine.begin() as connection:
            assert state is not None
            put_folder_state(connection, replace(state, synced_at=ctx.now))
        return

    uv = snapshot.uidvalidity
    reason = resync_reason(state, snapshot)
    if reason is not None or state is None or state.uidvalidity is None:
        if reason is not None:
            report.resynced = reason
            logger.warning("imap_folder_resync", folder=folder, reason=reason)
        with engine.begin() as connection:
            stale = [
                loc
                for loc in live_locations(connection, account, folder)
                if not loc.startswith(f"{uv}:")
            ]
            mark_expunged(connection, account, folder, stale, ctx.now)
            state = FolderState(
                account=account,
                folder=folder,
                uidvalidity=uv,
                last_uid=0,
                highestmodseq=None,
                exists_count=0,
                synced_at=None,
            )
            put_folder_state(connection, state)

    last = state.last_uid or 0
    top = snapshot.uidnext - 1 if snapshot.uidnext is not None else None
    new_uids = _search_uids(client, last + 1, top) if top is None or top > last else []
    old_count = snapshot.exists - len(new_uids)
    refetch: list[int] = []
    if last > 0 and old_count != state.exists_count:
        # Messages up to `last` can only have gone; find which (or, if the count grew, which
        # were never recorded, e.g. after an interrupted older version).
        present = _search_uids(client, 1, last)
        with engine.connect() as connection:
            live = live_locations(connection, account, folder, prefix=f"{uv}:")
            known = known_locations(
                connection, account, folder, [_location(uv, uid) for uid in present]
            )
        present_set = set(present)
        gone = sorted(loc for loc in live if (_uid_of(loc) or 0) not in present_set)
        refetch = [uid for uid in present if _location(uv, uid) not in known]
        old_count = len(present)
        with engine.begin() as connection:
            report.expunged += mark_expunged(connection, account, folder, gone, ctx.now)
            state = FolderState(
                account=account,
                folder=folder,
                uidvalidity=uv,
                last_uid=last,
                highestmodseq=state.highestmodseq,
                exists_count=old_count - len(refetch),
                synced_at=state.synced_at,
            )
            put_folder_state(connection, state)
    elif last > 0 and old_count < 0:  # pragma: no cover - a server contradicting itself
        old_count = 0

    if (
        ctx.condstore
        and last > 0
        and state.highestmodseq is not None
        and snapshot.highestmodseq is not None
        and snapshot.highestmodseq > state.highestmodseq
    ):
        changed = _search_uids(client, 1, last, ["MODSEQ", state.highestmodseq + 1])
        report.changed += len(changed)

    to_fetch = refetch + new_uids
    if to_fetch:
        _fetch_and_store(client, ctx, folder, uv, to_fetch, state, report)
    final_last = max([last, *to_fetch, top or 0])
    with engine.begin() as connection:
        current = get_folder_state(connection, account, folder)
        if to_fetch and (current is None or (current.last_uid or 0) < max(to_fetch)):
            return  # stopped early: the stored state says how far this pass got
        put_folder_state(
            connection,
            FolderState(
                account=account,
                folder=folder,
                uidvalidity=uv,
                last_uid=final_last,
                highestmodseq=snapshot.highestmodseq,
                exists_count=old_count + len(new_uids),
                synced_at=ctx.now,
            ),
        )


def _fetch_and_store(
    client: IMAPClient,
    ctx: _Context,
    folder: str,
    uidvalidity: int,
    uids: list[int],
    state: FolderState,
    report: FolderSync,
) -> None:
    assert ctx.account.imap is not None
    settings = ctx.account.imap
    analysis = _analysis(ctx, len(uids))
    in_flight: deque[tuple[list[int], Future[list[Analysed]]]] = deque()
    limit = 1 + (getattr(analysis, "workers", 1) if analysis.parallel else 0)
    progress = {"last_uid": state.last_uid or 0, "count": state.exists_count or 0}

    def store_oldest() -> None:
        batch_uids, future = in_flight.popleft()
        try:
            analysed = future.result()
        except BrokenProcessPool as err:
            discard_shared_pool()
            raise WorkersFailed(
                f"account {ctx.account.name!r}: an analysis worker died; the pass resumes with analysis in-process"
            ) from err
        _store(ctx, folder, uidvalidity, analysed, batch_uids, report, progress)

    try:
        for start in range(0, len(uids), settings.batch_size):
            if ctx.should_stop():
                break
            batch = uids[start : start + settings.batch_size]
            fetched = fetch_batch(client, batch, settings, gmail=ctx.gmail)
            while len(in_flight) >= limit:
                store_oldest()
            in_flight.append((batch, analysis.submit(fetched, ctx.runtime.config.privacy)))
            del fetched
        while in_flight:
            store_oldest()
    finally:
        for _, future in in_flight:
            future.cancel()


def _store(
    ctx: _Context,
    folder: str,
    uidvalidity: int,
    analysed: list[Analysed],
    batch_uids: list[int],
    report: FolderSync,
    progress: dict[str, int],
) -> None:
    items = []
    for entry in analysed:
        if entry.excluded:
            report.excluded += 1
            continue
        items.append(
            Item(location=_location(uidvalidity, entry.uid), result=entry.result, size=entry.size)
        )
    progress["last_uid"] = max(progress["last_uid"], *batch_uids)
    # Messages up to last_uid on the server: what the next pass compares to find expunges.
    progress["count"] += len(batch_uids)
    with ctx.runtime.store.engine.begin() as connection:
        result = save_items(
            connection,
            account=ctx.account.name,
            folder=folder,
            items=items,
            directory=ctx.runtime.directory,
            now=ctx.now,
        )
        current = get_folder_state(connection, ctx.account.name, folder)
        put_folder_state(
            connection,
            FolderState(
                account=ctx.account.name,
                folder=folder,
                uidvalidity=uidvalidity,
                last_uid=progress["last_uid"],
                highestmodseq=current.highestmodseq if current else None,
                exists_count=progress["count"],
                synced_at=current.synced_at if current else None,
            ),
        )
    report.new += result.new
    report.known += result.known
    report.quarantined += result.quarantined


# ---------------------------------------------------------------------- one account


def list_folders(
    client: IMAPClient, account: Account, runtime: Runtime | None = None
) -> tuple[list[FolderChoice], set[str]]:
    caps = capabilities(client)
    privacy = runtime.config.privacy if runtime is not None else None

    def wanted(name: str) -> bool:
        return account.wants_folder(name) and not (
            privacy is not None and privacy.excluded_folder(name)
        )

    folders = listed(client.list_folders())
    return choose_folders(folders, gmail="X-GM-EXT-1" in caps, wanted=wanted), caps


def sync_imap(
    runtime: Runtime,
    account: Account,
    *,
    now: datetime,
    should_stop: Callable[[], bool] = lambda: False,
    workers: int | None = None,
) -> AccountSync:
    """One pass over an IMAP account: every chosen folder brought up to date.

    ``workers``: analysis processes for large passes (None: one per core; 0: analyse in this
    process)."""
    if account.imap is None:  # pragma: no cover - the configuration guarantees it
        raise ConfigError([f"account {account.name!r} has no IMAP settings"])
    result = AccountSync(account=account.name, kind=account.kind)
    backoff = Backoff(base=RETRY_BASE, cap=RETRY_CAP)
    done: set[str] = set()
    reports: dict[str, FolderSync] = {}
    attempt = 0
    while True:
        attempt += 1
        client: IMAPClient | None = None
        try:
            client = connect(account)
            try:
                choices, caps = list_folders(client, account, runtime)
            except (IMAPClientError, OSError) as err:
                raise network_error(account, err, "listing folders") from err
            ctx = _Context(
                runtime=runtime,
                account=account,
                now=now,
                should_stop=should_stop,
                condstore=enable_condstore(client, caps),
                gmail="X-GM-EXT-1" in caps,
                workers=workers,
            )
            for choice in choices:
                if choice.skipped or choice.name in done:
                    continue
                if should_stop():
                    break
                if choice.name not in reports:
                    reports[choice.name] = FolderSync(account=account.name, folder=choice.name)
                    result.folders.append(reports[choice.name])
                report = reports[choice.name]
                started = time.perf_counter()
                try:
                    sync_folder(client, ctx, choice.name, report)
                except (IMAPClientAbortError, OSError, TransientError):
                    raise  # the connection is gone: reconnect and resume this folder
                except IMAPClientError as err:
                    report.error = f"the server refused the folder: {str(err)[:300]}"
                    logger.warning("imap_folder_failed", folder=choice.name, error=report.error)
                except FolderError as err:
                    report.error = str(err)
                    logger.warning("imap_folder_failed", folder=choice.name, error=report.error)
                finally:
                    report.seconds += time.perf_counter() - started
                done.add(choice.name)
                logger.info("imap_folder_synced", **report.as_dict())
            _logout(client)
            return result
        except (IMAPClientAbortError, IMAPClientError, OSError, TransientError) as err:
            failure = (
                err if isinstance(err, SourceError) else network_error(account, err, "syncing")
            )
            if client is not None:
                _drop(client)
            if isinstance(err, WorkersFailed):
                workers = 0  # whatever killed a worker, the rest of this pass analyses here
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
            raise


def _logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - the pass is done; a failed goodbye changes nothing
        _drop(client)


def _drop(client: IMAPClient) -> None:
    with contextlib.suppress(Exception):  # the socket is already unusable
        client.shutdown()


def check_imap(runtime: Runtime, account: Account) -> AccountCheck:
    """``relmon accounts test``: log in, list the folders a sync would read, or say what is wrong."""
    if account.imap is None:  # pragma: no cover - the configuration guarantees it
        return AccountCheck(account.name, account.kind, False, "no IMAP settings")
    settings = account.imap
    try:
        client = connect(account)
    except SourceError as err:
        kind = "authentication" if err.__class__.__name__ == "AuthError" else "connection"
        return AccountCheck(account.name, account.kind, False, f"{kind} failed: {err}")
    except ConfigError as err:
        return AccountCheck(account.name, account.kind, False, str(err))
    try:
        choices, caps = list_folders(client, account, runtime)
    except (IMAPClientError, OSError) as err:
        _drop(client)
        return AccountCheck(
            account.name, account.kind, False, str(network_error(account, err, "listing folders"))
        )
    _logout(client)
    read = [c for c in choices if not c.skipped]
    roles = []
    for choice in read:
        if choice.role in ("inbox", "sent", "all"):
            how = (
                ""
                if choice.found_by in ("inbox", "special-use")
                else " (by its name: the server marks no Sent folder)"
            )
            roles.append(f"{choice.role} = {choice.name!r}{how}")
    missing_sent = not any(c.role in ("sent", "all") for c in choices)
    security = {"tls": "TLS", "starttls": "STARTTLS", "plain": "plaintext (insecure)"}[
        settings.security
    ]
    detail = f"logged in as {settings.username} over {security}; {len(read)} folders to read ({', '.join(roles) or 'no Inbox found'})"
    if missing_sent:
        detail += (
            "; no Sent folder found: our replies will be missing unless another account holds them"
        )
    skipped = [f"{c.name} ({c.skipped})" for c in choices if c.skipped]
    if skipped:
        detail += f"; skipped: {', '.join(skipped)}"
    wanted_caps = ("IDLE", "CONDSTORE", "QRESYNC", "SPECIAL-USE", "X-GM-EXT-1", "UIDPLUS", "ENABLE")
    return AccountCheck(
        account.name,
        account.kind,
        True,
        detail,
        folders=[c.name for c in read],
        capabilities=sorted(c for c in caps if c in wanted_caps),
    )
