"""Archives given to ``relmon ingest`` in place of mail, told apart by their first bytes, so
that relmon says what to do (decompress it) instead of calling the mail broken."""

from __future__ import annotations

from pathlib import Path

#: The first bytes of each kind of archive (their formats' magic numbers), with the command
#: that unpacks one.
_MAGIC = (
    (b"\x1f\x8b", "gzip", "gunzip -k"),
    (b"BZh", "bzip2", "bunzip2 -k"),
    (b"\xfd7zXZ\x00", "xz", "unxz -k"),
    (b"\x28\xb5\x2f\xfd", "zstd", "unzstd"),
    (b"PK\x03\x04", "zip", "unzip"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip", "7z x"),
)

#: Quarantine reason of a compressed file found among message files.
COMPRESSED = "compressed"


def compressed(head: bytes, name: str) -> str | None:
    """Why ``name``, whose content starts with ``head``, is not mail relmon can read: an
    archive, and how to unpack it; None for anything else."""
    for magic, kind, tool in _MAGIC:
        if head.startswith(magic):
            return (
                f"{name} is {kind}-compressed: relmon reads mbox files, maildirs and message "
                f"files, not archives; unpack it first ({tool} {name})"
            )
    return None


def compressed_file(path: Path) -> str | None:
    """:func:`compressed` for a file on disk (None when it cannot be read: reading says why)."""
    try:
        with open(path, "rb") as handle:
            return compressed(handle.read(8), path.name)
    except OSError:
        return None
