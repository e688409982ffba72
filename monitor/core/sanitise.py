"""Values every store can hold: one set of rules, applied at normalisation for every source.

PostgreSQL refuses a NUL in any text column and a value longer than its column; SQLite takes
both. So that a message is stored the same way on both, whatever reaches a :class:`Message` is
made to fit here, before the store sees it:

- text (subject, display names, noise header values, snippets): NUL removed, other control
  characters but tab and newline replaced by a space; the subject cut at 998 characters (the
  RFC 5322 line limit), with a note;
- message ids (Message-ID, In-Reply-To, References): an id longer than :data:`MAX_ID_CHARS`, or
  one with a control character or white space, becomes a stable hash of itself, the same hash
  wherever it appears, so replies still thread to it;
- addresses: one longer than :data:`MAX_ADDRESS_CHARS` (the column) keeps its domain, so it is
  still attributed, and a hashed local part; one whose domain alone is too long is dropped
  (a sender so long quarantines the message).

Real mail never meets these limits: across the public corpora the longest Message-ID has 114
characters and the longest address 90.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

#: Longest Message-ID kept as it is (the store's key column holds 512).
MAX_ID_CHARS = 250
#: Longest address kept as it is: RFC 5321's path limit, and the store's column size.
MAX_ADDRESS_CHARS = 320
#: Longest domain: RFC 1035 (253 characters in dotted form, 255 on the wire).
MAX_DOMAIN_CHARS = 255
#: Longest subject kept: RFC 5322's line limit.
MAX_SUBJECT_CHARS = 998
#: Longest display name kept (the store's column).
MAX_NAME_CHARS = 320

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_BAD_IN_ID = re.compile(r"[\x00-\x20\x7f]")


def clean_text(value: str) -> str:
    """``value`` without NUL and with every other control character but tab and newline made a
    space."""
    if not _CONTROL.search(value):
        return value
    return _CONTROL.sub(" ", value.replace("\x00", ""))


def _digest(value: str, length: int) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:length]


def canonical_id(value: str) -> str:
    """A message id as stored: itself when it fits, else ``sha256-HEX@hashed.invalid``, the
    same for the same id wherever it is read (Message-ID, In-Reply-To, References)."""
    if len(value) <= MAX_ID_CHARS and not _BAD_IN_ID.search(value):
        return value
    return f"sha256-{_digest(value, 40)}@hashed.invalid"


def canonical_ids(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(canonical_id(v) for v in values))


def fit_address(address: str) -> str | None:
    """An address that fits the store: unchanged when it does; over the limit, a hashed local
    part at the same domain (attribution is by domain); ``None`` when even the domain is too
    long, or has control characters, to be any real domain."""
    if len(address) <= MAX_ADDRESS_CHARS and not _BAD_IN_ID.search(address):
        return address
    domain = address.rpartition("@")[2]
    if not domain or len(domain) > MAX_DOMAIN_CHARS or _BAD_IN_ID.search(domain):
        return None
    return f"h-{_digest(address, 32)}@{domain}"


def cut_subject(subject: str) -> tuple[str, str | None]:
    """The subject as stored, and a note when it was cut."""
    cleaned = clean_text(subject)
    if len(cleaned) <= MAX_SUBJECT_CHARS:
        return cleaned, None
    return (
        cleaned[:MAX_SUBJECT_CHARS],
        f"subject cut at {MAX_SUBJECT_CHARS} of {len(cleaned)} characters",
    )
