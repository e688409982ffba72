"""IMAP reading, one folder at a time: what EXAMINE says, which UIDs a range holds, and the
headers, structure and size-capped text parts of a batch of messages (never ``\\Seen``, never an
attachment). The rules that decide from those answers are pure and tested on their own."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from imapclient import IMAPClient

from monitor.clock import as_utc
from monitor.config import ImapSettings
from monitor.errors import FolderError
from monitor.sources.imap_analysis import Fetched
from monitor.sources.imap_conn import as_int
from monitor.sources.imap_mime import structure_from_bodystructure
from monitor.sources.imap_response import fetch
from monitor.sources.sink import FolderState

#: UID SEARCH is asked about at most this many UIDs at once: a huge folder's answer must stay
#: well under imaplib's one-megabyte line limit.
SEARCH_WINDOW = 50_000


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


def examine(client: IMAPClient, folder: str) -> Snapshot:
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


def search_uids(
    client: IMAPClient, first: int, last: int | None, extra: Sequence[str | int] = ()
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
        items += ["X-GM-THRID", "X-GM-LABELS"]
    return items


def _labelled_sent(labels: Any) -> bool:
    """Whether Gmail's labels of a message include ``\\Sent`` (All Mail holds sent mail too)."""
    if not isinstance(labels, tuple | list):
        return False
    names = (v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in labels)
    return any(name.casefold() == "\\sent" for name in names)


def _body_key(section: str) -> bytes:
    return f"BODY[{section}]<0>".encode()


def _headed(uid: int, data: Mapping[bytes, Any], cap: int, payloads: dict[str, bytes]) -> Fetched:
    """A message from its FETCH of headers and structure; its text parts go into ``payloads``."""
    structure = structure_from_bodystructure(data.get(b"BODYSTRUCTURE"))
    for part in structure.text_parts():
        if part.size > cap:
            structure.notes.append(
                f"text part {part.path} is {part.size // 1024} KB; read the first {cap // 1024} KB"
            )
    internal = data.get(b"INTERNALDATE")
    thread = data.get(b"X-GM-THRID")
    return Fetched(
        uid=uid,
        header=data.get(b"BODY[HEADER]") or b"",
        structure=structure,
        payloads=payloads,
        size=int(data.get(b"RFC822.SIZE") or 0),
        # INTERNALDATE comes with imapclient's own tzinfo (aware: normalise_times is off); UTC
        # from here on, which also travels to analysis workers.
        internaldate=as_utc(internal)
        if isinstance(internal, datetime) and internal.tzinfo is not None
        else None,
        gm_thread=str(thread) if thread is not None else None,
        sent=_labelled_sent(data.get(b"X-GM-LABELS")),
    )


def fetch_batch(
    client: IMAPClient, uids: Sequence[int], settings: ImapSettings, *, gmail: bool
) -> list[Fetched]:
    """Headers and structure of ``uids``, then their text parts (size-capped), never attachments."""
    cap = settings.max_text_bytes
    heads = fetch(client, uids, _header_items(gmail))
    payloads: dict[int, dict[str, bytes]] = {}
    # A UID missing from the answer was expunged between SEARCH and FETCH: nothing to read.
    fetched = [
        _headed(uid, heads[uid], cap, payloads.setdefault(uid, {}))
        for uid in uids
        if heads.get(uid) is not None
    ]
    wants = [(f.uid, [part.path for part in f.structure.text_parts()]) for f in fetched]
    for sections, group in text_part_groups(wants).items():
        answer = fetch(client, group, [f"BODY.PEEK[{path}]<0.{cap}>" for path in sections])
        for uid in group:
            data = answer.get(uid) or {}
            for path in sections:
                value = data.get(_body_key(path))
                if value is None:
                    value = data.get(f"BODY[{path}]".encode())
                if isinstance(value, bytes):
                    payloads[uid][path] = value
    return fetched
