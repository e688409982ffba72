"""RFC 5322 bytes (or an IMAP header block plus fetched text parts) to an :class:`Envelope`.

Pure: no I/O. Header parsing uses the cheap ``compat32`` machinery (the modern ``policy.default``
costs more than the whole IMAP fetch, see bench notes) and does its own RFC 2047 decoding (in
:mod:`monitor.sources.decoding`, whose public names are importable from here too), which also
copes with the broken encodings real mail carries: raw 8-bit headers, multibyte characters split
across encoded words, unknown charsets.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from email.message import Message as HeaderBlock

from monitor.clock import as_utc
from monitor.core import bulk
from monitor.core.dates import parse_date
from monitor.core.model import Quarantined
from monitor.core.noise import LIST_SERVER_HEADERS
from monitor.core.normalise import Envelope
from monitor.core.provenance import keep_trace
from monitor.sources.decoding import (
    MAX_TEXT_BYTES,
    codec_for,
    decode_bytes,
    decode_header_text,
    decode_part,
    message_ids,
    parse_mailboxes,
    unfold,
)
from monitor.sources.mime import (
    Part,
    Structure,
    find_header_end,
    looks_like_header_section,
    parse_headers,
    structure_of,
)

__all__ = [
    "MAX_TEXT_BYTES",
    "NOISE_HEADERS",
    "codec_for",
    "decode_bytes",
    "decode_header_text",
    "decode_part",
    "envelope_from",
    "is_noise_header",
    "maildir_delivery_time",
    "message_ids",
    "parse_mailboxes",
    "parse_raw",
    "received_date",
]

#: Headers relmon keeps for noise detection (lower-case names).
NOISE_HEADERS = (
    "auto-submitted",
    "x-autoreply",
    "x-autorespond",
    "x-autoresponder",
    "precedence",
    "list-id",
    "list-unsubscribe",
    "feedback-id",
    "return-path",
    "x-relmon-alert",
    "x-auto-response-suppress",
    "x-mailer",
    *LIST_SERVER_HEADERS,
)

#: Report parts that make a message a report in whatever container it comes (RFC 6522 says
#: multipart/report; abuse desks and old MTAs send them inside multipart/mixed).
_REPORT_PARTS = {
    "message/feedback-report": "feedback-report",
    "message/delivery-status": "delivery-status",
    "message/global-delivery-status": "delivery-status",
    "message/disposition-notification": "disposition-notification",
}


#: The null sender in any dress: ``<>``, ``MAILER-DAEMON <>``, ``"Mail Delivery System" <>``.
_NULL_SENDER = re.compile(r"^[^<>@]*<\s*>[^<>@]*$")


def is_null_sender(sender_header: str | None) -> bool:
    """Whether a From header is the null sender that bounces and system notices use."""
    return bool(sender_header) and bool(_NULL_SENDER.match((sender_header or "").strip()))


@functools.lru_cache(maxsize=1024)  # a mailbox's messages share a few dozen names
def is_noise_header(name: str) -> bool:
    """Whether relmon keeps a header (lower-case name) for noise detection."""
    return name in NOISE_HEADERS or bulk.is_noise_header(name)


_MAILDIR_TIME = re.compile(r"^(\d{9,10})\.")


def received_date(received: list[str]) -> datetime | None:
    """The delivery time stated by the topmost Received header (``received``: their values)."""
    for value in received[:3]:
        text = unfold(value)
        if ";" in text:
            date = parse_date(text.rsplit(";", 1)[1])
            if date is not None:
                return date
    return None


def maildir_delivery_time(name: str) -> datetime | None:
    """Maildir file names start with the delivery time in Unix seconds."""
    match = _MAILDIR_TIME.match(name)
    if not match:
        return None
    from datetime import UTC

    try:
        return datetime.fromtimestamp(int(match.group(1)), UTC)
    except (OverflowError, OSError, ValueError):
        return None


class _Raw:
    """Header values as received, by lower-case name, read once per message. ``Message.get``
    would turn raw 8-bit bytes into replacement characters; the raw items keep them (as
    surrogate escapes) for :func:`decode_header_text`."""

    def __init__(self, block: HeaderBlock) -> None:
        self._values: dict[str, list[str]] = {}
        for key, value in block.raw_items():
            self._values.setdefault(key.lower(), []).append(str(value))

    def all(self, name: str) -> list[str]:
        return self._values.get(name, [])

    def first(self, name: str) -> str | None:
        values = self._values.get(name)
        return values[0] if values else None

    def items(self) -> Iterable[tuple[str, list[str]]]:
        return self._values.items()


def _header_map(raw: _Raw) -> dict[str, str]:
    """The first value of each header kept for noise detection, in the order they appear."""
    return {name: decode_header_text(v[0]) for name, v in raw.items() if is_noise_header(name)}


def _report_type(structure: Structure) -> str | None:
    """multipart/report's type, or the report a part of another container carries."""
    if structure.report_type:
        return structure.report_type
    for part in structure.parts:
        found = _REPORT_PARTS.get(part.content_type)
        if found is not None:
            return found
    return None


def _texts(
    structure: Structure, payloads: Mapping[str, bytes], notes: list[str]
) -> tuple[str | None, str | None, str | None]:
    """The first plain and HTML texts and the calendar method; truncations noted in ``notes``."""
    plain: str | None = None
    html: str | None = None
    calendar_method: str | None = None
    for part in structure.text_parts():
        payload = payloads.get(part.path)
        if payload is None:
            continue
        text, truncated = decode_part(part, payload)
        if truncated:
            notes.append(
                f"text part {part.path} longer than {MAX_TEXT_BYTES // 1024} KB; read in part"
            )
        if part.content_type == "text/calendar":
            method = part.method
            if method is None:
                found = re.search(r"^METHOD:(\w+)", text, re.MULTILINE | re.IGNORECASE)
                method = found.group(1).upper() if found else None
            calendar_method = calendar_method or method
        elif part.content_type in ("text/plain", "text/enriched") and plain is None:
            plain = text
        elif part.content_type == "text/html" and html is None:
            html = text
    return plain, html, calendar_method


def envelope_from(
    block: HeaderBlock,
    structure: Structure,
    payloads: Mapping[str, bytes],
    *,
    size: int,
    delivered_at: datetime | None,
    hash_basis: bytes = b"",
    gm_thread: str | None = None,
    received_fallback: bool = False,
) -> Envelope:
    """Build the envelope from parsed headers, the MIME structure and the fetched text parts.

    ``received_fallback``: without a delivery time, the topmost Received header's time is
    taken as one (a message read from a file, which has no server's word for it)."""
    notes = list(structure.notes)
    plain, html, calendar_method = _texts(structure, payloads, notes)
    raw = _Raw(block)
    senders = parse_mailboxes(raw.all("from"), allow_local=True)
    if not senders:
        senders = parse_mailboxes(raw.all("sender"), allow_local=True)
    raw_from = raw.first("from")
    date = raw.first("date")
    received = received_date(raw.all("received"))
    if delivered_at is None and received_fallback:
        delivered_at = received
    return Envelope(
        message_id=(message_ids(raw.first("message-id")) or (None,))[0],
        in_reply_to=message_ids(raw.first("in-reply-to")),
        references=message_ids(raw.first("references")),
        date_header=None if date is None else unfold(date).strip(),
        received_at=received,
        delivered_at=as_utc(delivered_at) if delivered_at else None,
        sender=senders[0] if senders else None,
        sender_header=None if raw_from is None else decode_header_text(raw_from)[:200],
        null_sender=not senders and raw_from is not None and is_null_sender(unfold(raw_from)),
        to=parse_mailboxes(raw.all("to")),
        cc=parse_mailboxes(raw.all("cc")),
        subject=decode_header_text(raw.first("subject")),
        headers=_header_map(raw),
        content_type=structure.content_type,
        report_type=_report_type(structure),
        calendar_method=calendar_method,
        plain=plain,
        html=html,
        has_attachments=structure.has_attachments,
        attached_message=any(p.content_type == "message/rfc822" for p in structure.parts),
        size=size,
        gm_thread=gm_thread,
        notes=tuple(notes),
        hash_basis=hash_basis,
        trace=keep_trace(block.raw_items()),
    )


def _normalise_newlines(raw: bytes) -> bytes:
    """CR-only files (old Mac mail) have no line feeds at all; give them some."""
    head = raw[:8192]
    if b"\n" not in head and b"\r" in head:
        return raw.replace(b"\r", b"\n")
    return raw


def _message_start(raw: bytes) -> int:
    """Where the header section begins."""
    start = 0
    # Leading white space (some archives pad files) and an mbox "From " envelope line are not
    # part of the message.
    limit = min(len(raw), 4096)
    while start < limit and raw[start] in b" \t\r\n":
        start += 1
    if raw.startswith(b"From ", start):
        newline = raw.find(b"\n", start)
        start = len(raw) if newline < 0 else newline + 1
    return start


def _structure(raw: bytes, block: HeaderBlock, body_start: int) -> Structure:
    """The MIME structure; a message without MIME headers is one plain-text part."""
    if block.get("content-type") is None and block.get("mime-version") is None:
        structure = Structure(content_type="text/plain")
        structure.parts.append(
            Part(
                path="1",
                content_type="text/plain",
                size=len(raw) - body_start,
                start=body_start,
                end=len(raw),
            )
        )
        return structure
    return structure_of(raw, block, body_start)


def parse_raw(raw: bytes, *, delivered_at: datetime | None = None) -> Envelope | Quarantined:
    """Parse a whole RFC 5322 message. Returns the reason instead of raising when it cannot."""
    digest = hashlib.sha256(raw).hexdigest()[:32]
    if not raw or raw.isspace():  # (strip() would copy the whole message)
        return Quarantined("empty", "the message is empty", key=f"sha256:{digest}")
    raw = _normalise_newlines(raw)
    start = _message_start(raw)
    if not looks_like_header_section(raw, start):
        # Its first line is most likely body text (an mbox "From " line in a message body
        # splits it): say how long it is, never what it says.
        end = raw.find(b"\n", start)
        length = (end if end >= 0 else len(raw)) - start
        return Quarantined(
            "no_header_section",
            f"does not start with a header field (its first line, {length} bytes, has no "
            "field name and colon)",
            key=f"sha256:{digest}",
        )
    header_end, body_start = find_header_end(raw, start)
    if header_end - start > 4 * 1024 * 1024:
        return Quarantined(
            "header_too_large",
            f"header section is {header_end - start} bytes",
            key=f"sha256:{digest}",
        )
    block = parse_headers(raw[start:header_end])
    if not block.keys():
        return Quarantined(
            "no_header_section", "no header fields could be read", key=f"sha256:{digest}"
        )
    structure = _structure(raw, block, body_start)
    if header_end == len(raw) and not raw.endswith(b"\n"):
        # No blank line, and the last line unfinished: a copy cut off (the end of an mbox).
        structure.notes.append(
            "cut short: it ends inside its header section, with no body (a truncated file?)"
        )
    payloads = {
        part.path: raw[part.start : min(part.end, part.start + MAX_TEXT_BYTES + 1)]
        for part in structure.text_parts()
        if part.start >= 0
    }
    hash_basis = raw[body_start : body_start + 65536]
    return envelope_from(
        block,
        structure,
        payloads,
        size=len(raw),
        delivered_at=delivered_at,
        hash_basis=hash_basis,
        received_fallback=True,
    )
