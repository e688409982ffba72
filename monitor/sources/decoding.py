"""Decoding what mail carries: charsets, RFC 2047 encoded words, address lists, message ids and
transfer encodings. Copes with the broken encodings real mail has: raw 8-bit headers,
multibyte characters split across encoded words, unknown charsets. Pure: no I/O.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re
from email.utils import getaddresses
from functools import lru_cache

from monitor.core.model import Mailbox
from monitor.sources.mime import Part

#: Text parts are read up to this many (still encoded) bytes; longer ones are truncated, noted.
MAX_TEXT_BYTES = 512 * 1024

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
#: Codecs Python knows that are no text charset of mail (labels such as ``idna`` or
#: ``punycode`` in a hostile or broken message): the text is read as UTF-8, like an unknown label.
_NOT_MAIL_CHARSETS = frozenset(
    {"idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape", "rot-13"}
    | {"base64", "hex", "quopri", "uu", "zlib", "bz2"}
)
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_FOLD = re.compile(r"\r?\n[ \t]*")
_SURROGATE = re.compile("[\udc80-\udcff]")


def unfold(value: str) -> str:
    """Undo header folding: each line break and the white space after it become one space."""
    return _FOLD.sub(" ", value)


def codec_for(charset: str | None) -> str:
    """A Python codec for a MIME charset label; UTF-8 when the label is unknown."""
    if not charset:
        return "utf-8"
    label = charset.strip().strip('"').lower().split("*")[0]
    label = _CHARSET_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return "utf-8"
    return "utf-8" if name in _NOT_MAIL_CHARSETS else name


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode text bytes in ``charset``; undeclared or lying UTF-8 falls back to Windows-1252."""
    codec = codec_for(charset)
    try:
        return data.decode(codec)
    except UnicodeError:
        if codec == "utf-8":
            return data.decode("cp1252", errors="replace")
        try:
            return data.decode(codec, errors="replace")
        except UnicodeError:  # a codec that refuses "replace": read the bytes as UTF-8
            return data.decode("utf-8", errors="replace")
    except LookupError:  # pragma: no cover - codec_for only returns known codecs
        return data.decode("utf-8", errors="replace")


def _fix_raw_8bit(value: str) -> str:
    """compat32 keeps raw 8-bit header bytes as surrogate escapes; most are UTF-8."""
    if not _SURROGATE.search(value):
        return value
    data = value.encode("ascii", "surrogateescape")
    return decode_bytes(data, "utf-8")


def _unfolded(value: str) -> str:
    """``value`` unfolded, its raw 8-bit bytes decoded; most values need neither, and are
    returned as they are without a pattern searched."""
    if "\n" in value:  # every fold has one
        value = _FOLD.sub(" ", value)
    if not value.isascii():  # raw 8-bit bytes are escaped beyond ASCII
        value = _fix_raw_8bit(value)
    return value


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
    text = _unfolded(str(value))
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


#: Header values up to this length are parsed once per process and remembered: a mailbox holds
#: the same few correspondents' From and To values over and over.
_REMEMBERED_CHARS = 1000


def parse_mailboxes(values: list[str], *, allow_local: bool = False) -> tuple[Mailbox, ...]:
    """Addresses from header values; display names decoded after splitting (an encoded name
    may contain a comma), addresses lower-cased, groups and junk skipped.

    ``allow_local`` accepts a bare local part such as ``MAILER-DAEMON``, which bounce senders use.
    """
    key = tuple(values)
    if sum(len(value) for value in key) > _REMEMBERED_CHARS:
        return _parse_mailboxes(key, allow_local)
    return _remembered_mailboxes(key, allow_local)


@lru_cache(maxsize=4096)
def _remembered_mailboxes(values: tuple[str, ...], allow_local: bool) -> tuple[Mailbox, ...]:
    return _parse_mailboxes(values, allow_local)


def _parse_mailboxes(values: tuple[str, ...], allow_local: bool) -> tuple[Mailbox, ...]:
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
