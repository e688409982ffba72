"""Local mail: maildir trees, mbox files, and folders of single-message files (``.eml``).

Reading is lazy (one message in memory at a time) and never fails as a whole because of one
message: unreadable files come back as items carrying the error, to be quarantined.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

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
_FROM_LINE_DATE = re.compile(rb"^From \S+\s+(.+?)\s*$")


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
        for name in sorted(files):
            if _skipped(name, skip):
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


def _read(path: Path) -> tuple[bytes | None, str | None]:
    try:
        return path.read_bytes(), None
    except OSError as err:
        return None, f"cannot read {path.name}: {err.strerror or err}"


def _file_time(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError:
        return None


def read_folder(folder: LocalFolder) -> Iterator[LocalMessage]:
    if folder.kind == "mbox":
        yield from read_mbox(folder.path)
        return
    if folder.kind == "maildir":
        for sub in ("new", "cur"):
            directory = folder.path / sub
            if not directory.is_dir():
                continue
            for entry in sorted(os.scandir(directory), key=lambda e: e.name):
                if not entry.is_file() or entry.name.startswith("."):
                    continue
                path = Path(entry.path)
                raw, error = _read(path)
                # The info part after ":2," holds flags that change when mail is read.
                unique = entry.name.split(":2,")[0].split("!2,")[0]
                yield LocalMessage(
                    location=unique,
                    raw=raw,
                    delivered_at=maildir_delivery_time(entry.name) or _file_time(path),
                    error=error,
                )
        return
    for path in folder.files:
        if path.suffix.lower() != ".eml" and _looks_like_mbox(path):
            # A file in mbox format may hold one message (a "From " line first) or several;
            # an .eml file is one message whatever it contains.
            for message in read_mbox(path):
                message.location = f"{path.name}#{message.location}"
                yield message
            continue
        raw, error = _read(path)
        # A loose file's modification time is the best delivery time there is; it is used only
        # when the message has neither a usable Date nor a Received header.
        yield LocalMessage(location=path.name, raw=raw, delivered_at=_file_time(path), error=error)


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


def read_mbox(path: Path) -> Iterator[LocalMessage]:
    """Messages of an mbox file (mboxo or mboxrd), one in memory at a time.

    A first pass records where each message starts (only offsets are kept), the second reads
    each message once: a huge attachment is in memory once, as the raw bytes, not as lines.
    """
    boundaries: list[tuple[int, datetime | None]] = []
    try:
        with open(path, "rb") as handle:
            offset = 0
            previous_blank = True
            for line in handle:
                if line.startswith(b"From ") and previous_blank:
                    boundaries.append((offset, _from_line_date(line)))
                previous_blank = line in (b"\n", b"\r\n")
                offset += len(line)
            size = offset
    except OSError as err:
        raise IngestError(f"{path}: cannot read: {err.strerror or err}") from err
    if not boundaries:
        return
    with open(path, "rb") as handle:
        for number, (start, delivered) in enumerate(boundaries):
            end = boundaries[number + 1][0] if number + 1 < len(boundaries) else size
            handle.seek(start)
            envelope_line = handle.readline()
            raw = handle.read(max(0, end - start - len(envelope_line)))
            if b"\n>From " in raw or raw.startswith(b">From "):
                raw = re.sub(rb"(?m)^>(>*From )", rb"\1", raw)
            digest = hashlib.sha256(raw).hexdigest()[:24]
            # Content, not position, names the message: positions shift when a file is compacted.
            yield LocalMessage(location=f"sha256:{digest}", raw=raw, delivered_at=delivered)
