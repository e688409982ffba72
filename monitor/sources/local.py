"""Local mail: maildir trees, mbox files, and folders of single-message files (``.eml``).

Reading is lazy (one message in memory at a time) and never fails as a whole because of one
message: unreadable files come back as items carrying the error, to be quarantined.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from monitor.errors import IngestError
from monitor.sources.parse import maildir_delivery_time

#: Files in plain folders that are clearly not mail (corpus metadata, licences, annotations).
DEFAULT_SKIP = (
    "README*",
    "LICENSE*",
    "LICENCE*",
    "COPYING*",
    "*.md",
    "*.ann",
    "*.json",
    "*.csv",
    "*.py",
    "*.toml",
    "*.yaml",
    "*.yml",
    ".*",
)
#: What mail programs and servers keep beside a maildir's cur/ and new/: marks, indexes, UID
#: lists, quotas and subscriptions (Python's mailbox module, Dovecot, Courier), never mail.
MAILDIR_HOUSEKEEPING = (
    "maildirfolder",
    "maildirsize",
    "dovecot-uidlist",
    "dovecot-uidvalidity*",
    "dovecot-keywords",
    "dovecot.index*",
    "dovecot.list.index*",
    "dovecot.mailbox.log*",
    "dovecot-acl*",
    "subscriptions",
    "courierimap*",
)
_FROM_LINE_DATE = re.compile(rb"^From \S+\s+(.+?)\s*$")
#: The largest message read into memory. A bigger one is quarantined with its size and place,
#: never read: mail servers refuse far smaller messages, and parsing one takes a few times its
#: size. Under the daemon's 512 MB memory limit this keeps every message affordable.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
#: Why such a message is quarantined (the reason stored with it).
TOO_LARGE = "too_large"
#: Bytes read at once while looking for message boundaries: a line without an end costs no more.
_SCAN_BYTES = 64 * 1024
#: Given a location, whether it is stored already.
Known = Callable[[str], bool]


@dataclass(frozen=True, slots=True)
class LocalFolder:
    name: str  # label stored with each sighting: relative maildir folder, or the mbox file name
    kind: str  # "maildir", "mbox" or "files"
    path: Path  # the maildir folder, the mbox file, or the directory holding the files
    files: tuple[Path, ...] = ()  # for kind "files": the message files


@dataclass(slots=True)
class LocalMessage:
    location: str
    raw: bytes | None
    delivered_at: datetime | None
    error: str | None = None  # why the message could not be read
    size: int = 0  # bytes, also when they were not read
    known: bool = False  # stored before: neither kept nor analysed again


def _is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() or (path / "new").is_dir()


def _skipped(name: str, skip: tuple[str, ...]) -> bool:
    return any(
        fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(name.lower(), pattern.lower())
        for pattern in skip
    )


def _looks_like_mbox(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            head = handle.read(1024)
    except OSError:
        return False
    if not head.startswith(b"From "):
        return False
    # "From " followed by a header line: an mbox, not a message with a bad first line.
    second = head.split(b"\n", 2)[1:2]
    return bool(second) and bool(re.match(rb"^[\x21-\x39\x3b-\x7e]+[ \t]*:", second[0]))


def discover(path: Path, *, skip: tuple[str, ...] = DEFAULT_SKIP) -> list[LocalFolder]:
    """The folders under ``path``: maildirs, mbox files, and directories of message files."""
    if not path.exists():
        raise IngestError(f"{path}: no such file or directory")
    if path.is_file():
        if _looks_like_mbox(path):
            return [LocalFolder(name=path.name, kind="mbox", path=path)]
        return [
            LocalFolder(name=path.parent.name or ".", kind="files", path=path.parent, files=(path,))
        ]
    if not path.is_dir():
        raise IngestError(f"{path}: neither a file nor a directory")

    folders: list[LocalFolder] = []
    root = path
    for directory, subdirs, files in os.walk(root, onerror=None):
        current = Path(directory)
        subdirs.sort()
        if current.name in ("cur", "new", "tmp") and _is_maildir(current.parent):
            subdirs[:] = []
            continue
        relative = current.relative_to(root).as_posix()
        label = root.name if relative == "." else relative
        if _is_maildir(current):
            name = "INBOX" if relative == "." else relative
            folders.append(LocalFolder(name=name, kind="maildir", path=current))
        # Subdirectories starting with "." are Maildir++ folders; keep them, skip other hidden ones.
        subdirs[:] = [
            d
            for d in subdirs
            if d not in ("cur", "new", "tmp")
            and (not d.startswith(".") or _is_maildir(current / d))
        ]
        loose: list[Path] = []
        housekeeping = MAILDIR_HOUSEKEEPING if _is_maildir(current) else ()
        for name in sorted(files):
            if _skipped(name, skip) or _skipped(name, housekeeping):
                continue
            file_path = current / name
            if file_path.suffix.lower() in (".mbox", ".mbx") and _looks_like_mbox(file_path):
                folders.append(
                    LocalFolder(
                        name=f"{label}/{name}" if relative != "." else name,
                        kind="mbox",
                        path=file_path,
                    )
                )
            else:
                loose.append(file_path)
        if loose:
            # Loose files beside cur/ and new/ are not proper maildir content, but they are mail.
            folders.append(LocalFolder(name=label, kind="files", path=current, files=tuple(loose)))
    return folders


def folder_bytes(folder: LocalFolder) -> int:
    """The bytes a folder's messages take on disk (what a progress bar counts): a stat per
    file, nothing read."""
    if folder.kind == "mbox":
        paths: Iterable[Path] = (folder.path,)
    elif folder.kind == "maildir":
        paths = (
            Path(entry.path)
            for sub in ("new", "cur")
            if (folder.path / sub).is_dir()
            for entry in os.scandir(folder.path / sub)
        )
    else:
        paths = folder.files
    total = 0
    for path in paths:
        try:
            total += path.stat().st_size
        except OSError:
            continue
    return total


def _read(path: Path, max_bytes: int) -> tuple[bytes | None, int, str | None]:
    """The file's bytes, its size, and why it was not read (unreadable, or over the cap)."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return None, size, _too_large(size, max_bytes)
        with open(path, "rb") as handle:
            # One more byte than stat said, to notice growth; read() allocates what it is asked.
            raw = handle.read(size + 1)
    except OSError as err:
        return None, 0, f"cannot read {path.name}: {err.strerror or err}"
    except MemoryError:
        return None, size, f"out of memory reading {size} bytes"
    if len(raw) > max_bytes:  # grew since stat
        return None, len(raw), _too_large(len(raw), max_bytes)
    return raw, len(raw), None


def _too_large(size: int, max_bytes: int, where: str = "") -> str:
    return f"{TOO_LARGE}: {size} bytes{where}, over the limit of {max_bytes} bytes"


def _file_time(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError:
        return None


def read_folder(
    folder: LocalFolder, *, max_bytes: int = MAX_MESSAGE_BYTES, known: Known | None = None
) -> Iterator[LocalMessage]:
    """Messages of a folder, one in memory at a time; a message over ``max_bytes`` comes back
    with its size and an error instead of its bytes. ``known`` says which locations are stored
    already: those come back with ``known`` set and are not read at all (maildir, files) or
    not kept (mbox, whose location is a digest of the content)."""
    if folder.kind == "mbox":
        yield from read_mbox(folder.path, max_bytes=max_bytes, known=known)
        return
    if folder.kind == "maildir":
        yield from _read_maildir(folder.path, max_bytes, known)
        return
    for path in folder.files:
        if path.suffix.lower() != ".eml" and _looks_like_mbox(path):
            # A file in mbox format may hold one message (a "From " line first) or several;
            # an .eml file is one message whatever it contains.
            prefix = f"{path.name}#"

            def inner(location: str, prefix: str = prefix) -> bool:
                return known is not None and known(prefix + location)

            for message in read_mbox(path, max_bytes=max_bytes, known=inner):
                message.location = prefix + message.location
                yield message
            continue
        # A loose file's modification time is the best delivery time there is; it is used only
        # when the message has neither a usable Date nor a Received header.
        yield _read_file(path, path.name, _file_time(path), max_bytes, known)


def _read_file(
    path: Path, location: str, delivered: datetime | None, max_bytes: int, known: Known | None
) -> LocalMessage:
    if known is not None and known(location):
        try:
            size = path.stat().st_size
        except OSError:
            size = 0
        return LocalMessage(location, None, delivered, size=size, known=True)
    raw, size, error = _read(path, max_bytes)
    return LocalMessage(location=location, raw=raw, delivered_at=delivered, error=error, size=size)


def _read_maildir(directory: Path, max_bytes: int, known: Known | None) -> Iterator[LocalMessage]:
    for sub in ("new", "cur"):
        if not (directory / sub).is_dir():
            continue
        for entry in sorted(os.scandir(directory / sub), key=lambda e: e.name):
            if not entry.is_file() or entry.name.startswith("."):
                continue
            path = Path(entry.path)
            # The info part after ":2," holds flags that change when mail is read.
            unique = entry.name.split(":2,")[0].split("!2,")[0]
            delivered = maildir_delivery_time(entry.name) or _file_time(path)
            yield _read_file(path, unique, delivered, max_bytes, known)


def _from_line_date(line: bytes) -> datetime | None:
    match = _FROM_LINE_DATE.match(line.rstrip(b"\r\n"))
    if not match:
        return None
    text = match.group(1).decode("ascii", "replace")
    parts = text.split()
    # "Thu Mar  5 10:15:00 2026", possibly followed by a zone; try the asctime layout.
    for candidate in (" ".join(parts[-5:]), " ".join(parts[:5])):
        try:
            return datetime.strptime(candidate, "%a %b %d %H:%M:%S %Y").replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


@dataclass(slots=True)
class _Boundary:
    start: int  # offset of the "From " line
    body: int  # offset just after it
    delivered: datetime | None
    escaped: bool = False  # has a line starting ">From " (mboxrd/mboxo quoting to undo)


def _boundaries(handle: BinaryIO) -> Iterator[_Boundary]:
    """Each message's place, found reading at most _SCAN_BYTES at a time: a file without a
    single newline is scanned in bounded pieces, never held as one line."""
    offset = 0
    at_line_start = True
    previous_blank = True
    current: _Boundary | None = None
    in_envelope = False
    while chunk := handle.readline(_SCAN_BYTES):
        ends_line = chunk.endswith(b"\n")
        if at_line_start:
            if chunk.startswith(b"From ") and previous_blank:
                if current is not None:
                    yield current
                current = _Boundary(offset, offset, _from_line_date(chunk))
                in_envelope = True
            elif current is not None and chunk.startswith(b">From "):
                current.escaped = True
            previous_blank = chunk in (b"\n", b"\r\n")
        else:  # the rest of a line longer than one piece: not a blank line
            previous_blank = False
        offset += len(chunk)
        if in_envelope and current is not None:
            current.body = offset
            in_envelope = not ends_line
        at_line_start = ends_line
    if current is not None:
        yield current
    yield _Boundary(offset, offset, None)  # the end of the file


_ESCAPED_FROM = re.compile(rb"(?m)^>(>*From )")


def _unescape(raw: bytes, escaped: bool) -> bytes:
    return _ESCAPED_FROM.sub(rb"\1", raw) if escaped else raw


def _digest_of(handle: BinaryIO, start: int, length: int, escaped: bool) -> str:
    """The location of a message too large to read: its digest, computed piece by piece."""
    digest = hashlib.sha256()
    handle.seek(start)
    remaining = length
    while remaining > 0:
        piece = handle.readline(min(_SCAN_BYTES, remaining))
        if not piece:
            break
        remaining -= len(piece)
        digest.update(_unescape(piece, escaped))
    return digest.hexdigest()[:24]


def read_mbox(
    path: Path, *, max_bytes: int = MAX_MESSAGE_BYTES, known: Known | None = None
) -> Iterator[LocalMessage]:
    """Messages of an mbox file (mboxo or mboxrd), one in memory at a time.

    One handle finds where each message starts and ends, reading bounded pieces; another reads
    each message with one read, so a message is in memory once. The location is a digest of
    the content: positions shift when a file is compacted.
    """
    try:
        scanner = open(path, "rb")  # noqa: SIM115 - closed below, after the last message
        reader = open(path, "rb")  # noqa: SIM115
    except OSError as err:
        raise IngestError(f"{path}: cannot read: {err.strerror or err}") from err
    with scanner, reader:
        previous: _Boundary | None = None
        try:
            for boundary in _boundaries(scanner):
                if previous is not None:
                    yield _mbox_message(reader, previous, boundary.start, max_bytes, known)
                previous = boundary
        except OSError as err:
            raise IngestError(f"{path}: cannot read: {err.strerror or err}") from err


def _mbox_message(
    reader: BinaryIO, place: _Boundary, end: int, max_bytes: int, known: Known | None
) -> LocalMessage:
    length = max(0, end - place.body)
    where = f" at byte {place.start}"
    if length > max_bytes:
        location = f"sha256:{_digest_of(reader, place.body, length, place.escaped)}"
        known_now = known is not None and known(location)
        return LocalMessage(
            location=location,
            raw=None,
            delivered_at=place.delivered,
            error=None if known_now else _too_large(length, max_bytes, where),
            size=length,
            known=known_now,
        )
    try:
        reader.seek(place.body)
        raw = _unescape(reader.read(length), place.escaped)
    except MemoryError:
        location = f"sha256:{_digest_of(reader, place.body, length, place.escaped)}"
        error = f"out of memory reading {length} bytes{where}"
        return LocalMessage(location, None, place.delivered, error=error, size=length)
    location = f"sha256:{hashlib.sha256(raw).hexdigest()[:24]}"
    if known is not None and known(location):
        return LocalMessage(location, None, place.delivered, size=length, known=True)
    return LocalMessage(location=location, raw=raw, delivered_at=place.delivered, size=length)
