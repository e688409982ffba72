"""RFC 5322 bytes (or an IMAP header block plus fetched text parts) to an :class:`Envelope`.

Pure: no I/O. Header parsing uses the cheap ``compat32`` machinery (the modern ``policy.default``
costs more than the whole IMAP fetch, see bench notes) and does its own RFC 2047 decoding, which
also copes with the broken encodings real mail carries: raw 8-bit headers, multibyte characters
split across encoded words, unknown charsets.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import hashlib
import quopri
import re
from collections.abc import Mapping
from datetime import datetime
from email.message import Message as HeaderBlock
from email.utils import getaddresses

from monitor.clock import as_utc
from monitor.core.dates import parse_date
from monitor.core.model import Mailbox, Quarantined
from monitor.core.normalise import Envelope
from monitor.sources.mime import (
    Part,
    Structure,
    find_header_end,
    looks_like_header_section,
    parse_headers,
    structure_of,
)

#: Text parts are read up to this many (still encoded) bytes; longer ones are truncated, noted.
MAX_TEXT_BYTES = 512 * 1024
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
)

_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "gb_2312-80": "gb18030",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "x-unknown": "utf-8",
    "unknown-8bit": "utf-8",
    "unknown": "utf-8",
    "default": "utf-8",
    "x-user-defined": "cp1252",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "x-mac-roman": "mac_roman",
    "utf8": "utf-8",
    "cp-850": "cp850",
    "shift-jis": "shift_jis",
    "x-sjis": "shift_jis",
    "big5-hkscs": "big5hkscs",
}
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_FOLD = re.compile(r"\r?\n[ \t]*")
_SURROGATE = re.compile("[\udc80-\udcff]")
_MAILDIR_TIME = re.compile(r"^(\d{9,10})\.")


def codec_for(charset: str | None) -> str:
    """A Python codec for a MIME charset label; UTF-8 when the label is unknown."""
    if not charset:
        return "utf-8"
    label = charset.strip().strip('"').lower().split("*")[0]
    label = _CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return "utf-8"


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode text bytes in ``charset``; undeclared or lying UTF-8 falls back to Windows-1252."""
    codec = codec_for(charset)
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        if codec == "utf-8":
            return data.decode("cp1252", errors="replace")
        return data.decode(codec, errors="replace")
    except LookupError:  # pragma: no cover - codec_for only returns known codecs
        return data.decode("utf-8", errors="replace")


def _fix_raw_8bit(value: str) -> str:
    """compat32 keeps raw 8-bit header bytes as surrogate escapes; most are UTF-8."""
    if not _SURROGATE.search(value):
        return value
    data = value.encode("ascii", "surrogateescape")
    return decode_bytes(data, "utf-8")


def _decode_word(kind: str, text: str) -> bytes:
    if kind in "bB":
        cleaned = re.sub(r"[^A-Za-z0-9+/]", "", text)
        cleaned += "=" * (-len(cleaned) % 4)
        try:
            return base64.b64decode(cleaned)
        except (binascii.Error, ValueError):
            return text.encode("ascii", "replace")
    return quopri.decodestring(text.replace("_", " ").encode("ascii", "replace"), header=True)


def decode_header_text(value: str | None) -> str:
    """Unfold and decode a header value with RFC 2047 encoded words into plain text.

    Adjacent encoded words are joined without the whitespace between them (RFC 2047 §6.2); bytes
    of consecutive words in the same charset are decoded together, so a multibyte character
    split across two words survives.
    """
    if value is None:
        return ""
    text = _fix_raw_8bit(_FOLD.sub(" ", str(value)))
    if "=?" not in text:
        return text.strip()
    out: list[str] = []
    pending = bytearray()
    pending_charset: str | None = None
    position = 0
    previous_was_word = False

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending_charset is not None:
            out.append(decode_bytes(bytes(pending), pending_charset))
        pending = bytearray()
        pending_charset = None

    for match in _ENCODED_WORD.finditer(text):
        between = text[position : match.start()]
        if between and not (previous_was_word and between.isspace()):
            flush()
            out.append(between)
        charset = match.group(1).lower().split("*")[0]
        data = _decode_word(match.group(2), match.group(3))
        if pending_charset is not None and codec_for(pending_charset) != codec_for(charset):
            flush()
        pending_charset = charset
        pending.extend(data)
        previous_was_word = True
        position = match.end()
    flush()
    out.append(text[position:])
    return re.sub(r"\s+", " ", "".join(out)).strip()


_LOCAL_ONLY = re.compile(r"^[a-z0-9][a-z0-9._%+-]{0,63}$")


def parse_mailboxes(values: list[str], *, allow_local: bool = False) -> tuple[Mailbox, ...]:
    """Addresses from header values; display names decoded after splitting (an encoded name
    may contain a comma), addresses lower-cased, groups and junk skipped.

    ``allow_local`` accepts a bare local part such as ``MAILER-DAEMON``, which bounce senders use.
    """
    found: list[Mailbox] = []
    seen: set[str] = set()
    # Encoded words are atoms of a display name. Decoded, or even encoded when malformed, they
    # can hold ":" or "," or "@" ("=?UTF-8?Q?Dana=0D=0ABcc:_evil@x?=" would otherwise parse as a
    # group and a second address). Park each behind a placeholder while splitting.
    parked: list[str] = []

    def park(match: re.Match[str]) -> str:
        parked.append(match.group(0))
        return f"relmonencodedword{len(parked) - 1}x"

    unfolded = [_ENCODED_WORD.sub(park, _fix_raw_8bit(_FOLD.sub(" ", v))) for v in values if v]
    for name, address in getaddresses(unfolded):
        name = re.sub(r"relmonencodedword(\d+)x", lambda m: parked[int(m.group(1))], name)
        address = address.strip().strip("<>").casefold()
        if "@" not in address and not (allow_local and _LOCAL_ONLY.match(address)):
            continue
        if address.startswith("@") or address.endswith("@") or " " in address:
            continue
        if address in seen:
            continue
        seen.add(address)
        found.append(Mailbox(address=address, name=decode_header_text(name).strip(" \"'")))
    return tuple(found)


def message_ids(value: str | None) -> tuple[str, ...]:
    """All ``<id>`` tokens of a Message-ID, In-Reply-To or References value, in order."""
    if not value:
        return ()
    text = _fix_raw_8bit(str(value))
    ids = _MESSAGE_ID.findall(text)
    if ids:
        return tuple(dict.fromkeys(ids))
    # No angle brackets: take bare tokens that look like ids.
    return tuple(dict.fromkeys(t for t in text.split() if "@" in t and len(t) < 500))


def received_date(block: HeaderBlock) -> datetime | None:
    """The delivery time stated by the topmost Received header."""
    received = _raw_all(block, "received")
    for value in received[:3]:
        text = _FOLD.sub(" ", str(value))
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


def _transfer_decode(data: bytes, encoding: str) -> bytes:
    if encoding == "base64":
        cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
        cleaned = cleaned[: len(cleaned) - len(cleaned) % 4]
        try:
            return base64.b64decode(cleaned)
        except (binascii.Error, ValueError):
            return b""
    if encoding == "quoted-printable":
        return quopri.decodestring(data)
    return data


def decode_part(part: Part, payload: bytes) -> tuple[str, bool]:
    """Text of a part from its still-encoded payload; also whether it was truncated."""
    truncated = len(payload) > MAX_TEXT_BYTES
    if truncated:
        payload = payload[:MAX_TEXT_BYTES]
    data = _transfer_decode(payload, part.encoding)
    charset = part.charset
    if part.content_type == "text/html" and not charset:
        meta = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", data[:4096], re.IGNORECASE)
        charset = meta.group(1).decode("ascii") if meta else None
    return decode_bytes(data, charset), truncated


def _raw_all(block: HeaderBlock, name: str) -> list[str]:
    """Header values as received. ``Message.get`` would turn raw 8-bit bytes into replacement
    characters; the raw items keep them (as surrogate escapes) for :func:`decode_header_text`."""
    wanted = name.lower()
    return [str(value) for key, value in block.raw_items() if key.lower() == wanted]


def _raw(block: HeaderBlock, name: str) -> str | None:
    values = _raw_all(block, name)
    return values[0] if values else None


def _header_map(block: HeaderBlock) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in NOISE_HEADERS:
        value = _raw(block, name)
        if value is not None:
            found[name] = decode_header_text(value)
    return found


def envelope_from(
    block: HeaderBlock,
    structure: Structure,
    payloads: Mapping[str, bytes],
    *,
    size: int,
    delivered_at: datetime | None,
    hash_basis: bytes = b"",
    gm_thread: str | None = None,
) -> Envelope:
    """Build the envelope from parsed headers, the MIME structure and the fetched text parts."""
    notes = list(structure.notes)
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

    senders = parse_mailboxes(_raw_all(block, "from"), allow_local=True)
    if not senders:
        senders = parse_mailboxes(_raw_all(block, "sender"), allow_local=True)
    raw_from = _raw(block, "from")
    return Envelope(
        message_id=(message_ids(_raw(block, "message-id")) or (None,))[0],
        in_reply_to=message_ids(_raw(block, "in-reply-to")),
        references=message_ids(_raw(block, "references")),
        date_header=None
        if _raw(block, "date") is None
        else _FOLD.sub(" ", str(_raw(block, "date"))).strip(),
        received_at=received_date(block),
        delivered_at=as_utc(delivered_at) if delivered_at else None,
        sender=senders[0] if senders else None,
        sender_header=None if raw_from is None else decode_header_text(str(raw_from))[:200],
        to=parse_mailboxes(_raw_all(block, "to")),
        cc=parse_mailboxes(_raw_all(block, "cc")),
        subject=decode_header_text(_raw(block, "subject")),
        headers=_header_map(block),
        content_type=structure.content_type,
        report_type=structure.report_type,
        calendar_method=calendar_method,
        plain=plain,
        html=html,
        has_attachments=structure.has_attachments,
        size=size,
        gm_thread=gm_thread,
        notes=tuple(notes),
        hash_basis=hash_basis,
    )


def _normalise_newlines(raw: bytes) -> bytes:
    """CR-only files (old Mac mail) have no line feeds at all; give them some."""
    head = raw[:8192]
    if b"\n" not in head and b"\r" in head:
        return raw.replace(b"\r", b"\n")
    return raw


def parse_raw(raw: bytes, *, delivered_at: datetime | None = None) -> Envelope | Quarantined:
    """Parse a whole RFC 5322 message. Returns the reason instead of raising when it cannot."""
    digest = hashlib.sha256(raw).hexdigest()[:32]
    if not raw or raw.isspace():  # (strip() would copy the whole message)
        return Quarantined("empty", "the message is empty", key=f"sha256:{digest}")
    raw = _normalise_newlines(raw)
    start = 0
    # Leading white space (some archives pad files) and an mbox "From " envelope line are not
    # part of the message.
    limit = min(len(raw), 4096)
    while start < limit and raw[start] in b" \t\r\n":
        start += 1
    if raw.startswith(b"From ", start):
        newline = raw.find(b"\n", start)
        start = len(raw) if newline < 0 else newline + 1
    if not looks_like_header_section(raw, start):
        first = raw[start : start + 60].split(b"\n", 1)[0].decode("utf-8", "replace")
        return Quarantined(
            "no_header_section",
            f"does not start with a header field (first line: {first!r})",
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
    else:
        structure = structure_of(raw, block, body_start)
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
        delivered_at=delivered_at or received_date(block),
        hash_basis=hash_basis,
    )
