"""Which messages left a folder since the last pass, from the server's own record (QRESYNC).

When a folder holds fewer of the messages relmon has seen than at the last pass, some were
expunged. Without help from the server, finding which means listing every UID the folder
holds and every place relmon stored for it: at 600,000 messages, seconds and some 200 MB for
each pass after a message was deleted or moved away. A server with QRESYNC (RFC 7162) answers
``UID FETCH 1:last (UID) (CHANGEDSINCE modseq VANISHED)`` with the UIDs expunged since that
mod-sequence, ``* VANISHED (EARLIER) 41,97:99``, and a FETCH of the messages whose flags
changed. Those UIDs that the folder still holds (a server may name more than were expunged;
one ``UID SEARCH`` of them says) are the ones gone.

The answer is taken only when it accounts for every message missing: the folder's count up to
the last UID must equal the count at the last pass less those gone. Otherwise (a server that
forgot old mod-sequences, messages an interrupted pass never recorded) the caller lists the
folder as before. An answer this reader cannot read is treated the same way.

Enabled on the connection that syncs (:func:`monitor.sources.imap_conn.enable_qresync`); with
it on, the server reports expunges as VANISHED, not EXPUNGE, which the folder watcher reads too
(:mod:`monitor.sources.imap_watch`).
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import threading
from collections.abc import Iterator

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

from monitor.log import get_logger

logger = get_logger()

_RANGE = re.compile(rb"(\d+)(?::(\d+))?")
#: More UIDs than this named gone at once, and the folder is listed instead.
MOST_VANISHED = 200_000
#: The longest UID set asked about in one command (servers limit a command's line: Dovecot's
#: default is 64 KB); a longer one, and the folder is listed instead.
LONGEST_SET = 16_000


def uid_set(text: bytes) -> list[int] | None:
    """``41,97:99`` -> [41, 97, 98, 99]; None when it is not a set of UIDs or names too many."""
    found: list[int] = []
    for part in text.strip().split(b","):
        match = _RANGE.fullmatch(part.strip())
        if match is None:
            return None
        low = int(match.group(1))
        high = int(match.group(2) or low)
        low, high = min(low, high), max(low, high)
        if low < 1 or len(found) + high - low + 1 > MOST_VANISHED:
            return None
        found.extend(range(low, high + 1))
    return found


class VanishedUnread(IMAPClientAbortError):  # type: ignore[misc]
    """The answer about vanished messages broke off the connection's exchange (a line past
    imaplib's limit): the pass reconnects and lists the folder instead."""


def vanished_since(client: IMAPClient, last_uid: int, modseq: int) -> list[int] | None:
    """The UIDs up to ``last_uid`` expunged since ``modseq`` that the selected folder no longer
    holds, in order; None when the server refused the question or its answer cannot be used.
    Raises :class:`VanishedUnread` when an answer could not be read to its end: what is left
    of it would be read as the next answer."""
    with _long_lines():
        named = _vanished_in(client, last_uid, modseq)
    if not named:
        return None if named is None else []
    asked = as_set(sorted(named))
    if len(asked) > LONGEST_SET:
        return None
    try:
        still = set(client.search(["UID", asked]))
    except IMAPClientError as err:
        _refused(err)
        return None
    return sorted(named - still)


#: The longest line read of an answer about vanished messages. Scattered deletions in a large
#: folder, or a server answering an old mod-sequence with every gap below the last UID, make
#: one line of many ranges; imaplib reads lines of up to 1 MB, and a longer one breaks off the
#: connection's exchange.
LONGEST_LINE = 32 * 2**20
_lines_lock = threading.Lock()
_lines_held = 0
_LIMIT = "_MAXLINE"  # imaplib's limit on a line (not in its typed interface)
_lines_before: int = getattr(imaplib, _LIMIT)


@contextlib.contextmanager
def _long_lines() -> Iterator[None]:
    """imaplib reads lines of up to LONGEST_LINE while the block runs (its limit is one for
    every connection of the process: the last block to end puts it back)."""
    global _lines_held, _lines_before
    with _lines_lock:
        if _lines_held == 0:
            _lines_before = getattr(imaplib, _LIMIT)
            setattr(imaplib, _LIMIT, max(_lines_before, LONGEST_LINE))
        _lines_held += 1
    try:
        yield
    finally:
        with _lines_lock:
            _lines_held -= 1
            if _lines_held == 0:
                setattr(imaplib, _LIMIT, _lines_before)


def _vanished_in(client: IMAPClient, last_uid: int, modseq: int) -> set[int] | None:
    """The UIDs up to ``last_uid`` the server names expunged since ``modseq``; None when it
    refused the question or its answer cannot be read as UIDs."""
    untagged = client._imap.untagged_responses
    untagged.pop("VANISHED", None)  # left from before: not about this question
    try:
        answers = client._raw_command_untagged(
            b"FETCH",
            [f"1:{last_uid}".encode(), b"(UID)", f"(CHANGEDSINCE {modseq} VANISHED)".encode()],
            response_name="VANISHED",
        )
    except IMAPClientError as err:
        _refused(err)
        return None
    finally:
        untagged.pop("FETCH", None)  # the messages whose flags changed: not needed here
    named: set[int] = set()
    for answer in answers:
        if answer is None:
            continue
        if not isinstance(answer, bytes):
            return None
        # "(EARLIER) 41,97:99"; without EARLIER, messages expunged while the question ran.
        text = answer[len(b"(EARLIER)") :] if answer.upper().startswith(b"(EARLIER)") else answer
        uids = uid_set(text)
        if uids is None or len(named) + len(uids) > MOST_VANISHED:
            return None
        named.update(uid for uid in uids if uid <= last_uid)
    return named


def _refused(err: IMAPClientError) -> None:
    """A server's NO or BAD is logged (the folder is listed instead); an answer that broke off
    raises :class:`VanishedUnread` (imaplib says "command: NAME => ..." of an answer it could
    not read to its end)."""
    if str(err).startswith("command: "):
        raise VanishedUnread(f"an answer about vanished messages could not be read: {err}") from err
    logger.info("imap_vanished_refused", error=str(err)[:200])


def as_set(uids: list[int]) -> str:
    """[5, 6, 7, 9] -> ``5:7,9``: the UIDs, in order, as an IMAP set."""
    parts: list[str] = []
    start = previous = uids[0]
    for uid in [*uids[1:], None]:
        if uid is not None and uid == previous + 1:
            previous = uid
            continue
        parts.append(str(start) if start == previous else f"{start}:{previous}")
        if uid is not None:
            start = previous = uid
    return ",".join(parts)
