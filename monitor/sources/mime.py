"""MIME structure from raw bytes, without decoding or copying what relmon does not read.

The standard ``email`` parser builds every part as a string, so a message with a 20 MB
attachment costs several times that in memory. Here the raw bytes are scanned for boundaries in
place (``bytes.find`` copies nothing); only header sections and the text parts relmon reads are
ever sliced out. The result has the same shape as an IMAP ``BODYSTRUCTURE``, with IMAP section
numbers as part paths, so IMAP and local mail share one normalisation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message as HeaderBlock
from email.parser import BytesHeaderParser
from email.policy import compat32

from monitor.core.slotstate import tuple_state
from monitor.sources.header_block import plain_header_block

MAX_DEPTH = 24  # nested multiparts deeper than this are not followed
MAX_PARTS = 500
#: Parameters of a Content-Type or Content-Disposition are read from this many characters.
MAX_PARAM_HEADER = 16 * 1024
_HEADER_PARSER = BytesHeaderParser(policy=compat32)
_FIELD_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+[ \t]*:")


@tuple_state
@dataclass(frozen=True, slots=True)
class Part:
    """A leaf of the MIME tree. ``start``/``end`` locate its still-encoded body in the raw bytes
    (``-1`` when the structure came from a server and the bytes are fetched separately)."""

    path: str  # IMAP section number: "1", "1.2", …
    content_type: str  # lower case, e.g. "text/plain"
    charset: str | None = None
    encoding: str = "7bit"
    disposition: str | None = None  # "inline", "attachment" or None
    filename: str | None = None
    size: int = 0
    method: str | None = None  # text/calendar method parameter
    start: int = -1
    end: int = -1

    @property
    def is_attachment(self) -> bool:
        return self.disposition == "attachment" or (
            self.filename is not None and not self.content_type.startswith("text/")
        )


@tuple_state
@dataclass(slots=True)
class Structure:
    content_type: str = "text/plain"  # of the whole message
    report_type: str | None = None  # from the first multipart/report found
    parts: list[Part] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def text_parts(self) -> list[Part]:
        return [p for p in self.parts if p.content_type in READ_TYPES and not _is_attached_text(p)]

    @property
    def has_attachments(self) -> bool:
        return any(
            p.is_attachment
            or not (
                p.content_type.startswith("text/") or p.content_type.startswith("message/delivery")
            )
            for p in self.parts
        )


READ_TYPES = frozenset({"text/plain", "text/html", "text/calendar", "text/enriched"})


def _is_attached_text(part: Part) -> bool:
    if part.content_type == "text/calendar":
        return False  # invitations and replies are often marked as attachments
    return part.disposition == "attachment"


def find_header_end(raw: bytes, start: int = 0, end: int | None = None) -> tuple[int, int]:
    """(end of the header section, start of the body). No blank line: all header, empty body."""
    stop = len(raw) if end is None else end
    if raw.startswith(b"\n", start) or raw.startswith(b"\r\n", start):
        # A part that starts with an empty line has no headers at all.
        skip = 1 if raw.startswith(b"\n", start) else 2
        return start, start + skip
    return _blank_line(raw, start, stop) or (stop, stop)


def _blank_line(raw: bytes, start: int, stop: int) -> tuple[int, int] | None:
    """The span of the first ``\\r?\\n\\r?\\n`` within ``raw[start:stop]``, found by scanning
    for fixed strings (a pattern that may begin with either byte is tried at every offset):
    the first line break directly followed by another, with the carriage return before it."""
    bare = raw.find(b"\n\n", start, stop)
    # A CRLF blank line that comes first ends before the bare one's second byte does.
    crlf = raw.find(b"\n\r\n", start, stop if bare < 0 else min(stop, bare + 2))
    if crlf >= 0:
        first, end = crlf, crlf + 3
    elif bare >= 0:
        first, end = bare, bare + 2
    else:
        return None
    return (first - 1 if first > start and raw[first - 1] == 0x0D else first), end


def parse_headers(block: bytes) -> HeaderBlock:
    """A header section as the ``email`` package reads it (compat32), plain ones faster."""
    plain = plain_header_block(block)
    return plain if plain is not None else _HEADER_PARSER.parsebytes(block)


def looks_like_header_section(raw: bytes, start: int = 0) -> bool:
    first_line = raw[
        start : raw.find(b"\n", start, start + 4096)
        if b"\n" in raw[start : start + 4096]
        else start + 4096
    ]
    return bool(_FIELD_LINE.match(first_line))


def _split(
    raw: bytes, start: int, end: int, boundary: bytes
) -> tuple[list[tuple[int, int]], bool] | None:
    """Child body ranges of a multipart and whether the closing delimiter was found."""
    delimiter = b"--" + boundary
    lines: list[tuple[int, int]] = []  # (delimiter start, start of the line after it)
    closed = False
    position = start
    while position < end:
        index = raw.find(delimiter, position, end)
        if index < 0:
            break
        position = index + len(delimiter)
        if index != start and raw[index - 1 : index] != b"\n":
            continue
        newline = raw.find(b"\n", position, end)
        line_end = end if newline < 0 else newline + 1
        is_close = raw[position : position + 2] == b"--"
        rest = raw[position + (2 if is_close else 0) : min(line_end, position + 200)].strip()
        if rest and not is_close:
            continue  # a longer boundary that starts with ours
        lines.append((index, line_end))
        if is_close:
            closed = True
            break
        position = line_end
    if not lines:
        return None
    children: list[tuple[int, int]] = []
    for number, (_, body_start) in enumerate(lines):
        if closed and number == len(lines) - 1:
            break
        if number + 1 < len(lines):
            body_end = lines[number + 1][0]
            # The line break before a delimiter belongs to the delimiter.
            if raw[body_end - 2 : body_end] == b"\r\n":
                body_end -= 2
            elif raw[body_end - 1 : body_end] == b"\n":
                body_end -= 1
        else:
            body_end = end
        children.append((body_start, max(body_start, body_end)))
    return children, closed


class _Params:
    """The parameters of one part's headers, each header parsed once.

    The standard parser copies the rest of the value for every parameter it reads, so a header
    with thousands of RFC 2231 continuations costs time quadratic in its length, once for each
    parameter asked for. Here each header is parsed once, and only up to
    :data:`MAX_PARAM_HEADER` characters (cut at a ``;``); real values are far shorter.
    """

    def __init__(self, block: HeaderBlock, path: str, notes: list[str]) -> None:
        self.block = block
        self.path = path
        self.notes = notes
        self.parsed: dict[str, dict[str, str]] = {}

    def get(self, name: str, header: str = "content-type") -> str | None:
        if header not in self.parsed:
            self.parsed[header] = self._parse(header)
        return self.parsed[header].get(name)

    def _parse(self, header: str) -> dict[str, str]:
        raw = self.block.get(header)
        if raw is None:
            return {}
        value = str(raw)
        if len(value) > MAX_PARAM_HEADER:
            cut = value.rfind(";", 0, MAX_PARAM_HEADER)
            value = value[: cut if cut > 0 else MAX_PARAM_HEADER]
            self.notes.append(
                f"{header} of part {self.path} is {len(str(raw))} characters; "
                f"parameters read from the first {len(value)}"
            )
        one = HeaderBlock()
        one[header] = value
        try:
            params = one.get_params(header=header) or []
        except (ValueError, TypeError, IndexError):  # malformed parameters: treat as absent
            return {}
        found: dict[str, str] = {}
        for key, item in params:
            text = _param_text(item)
            if text is not None:
                found.setdefault(key.lower(), text)
        return found


def _param_text(value: object) -> str | None:
    if isinstance(value, tuple):  # RFC 2231 encoded parameter
        try:
            from email.utils import collapse_rfc2231_value

            return collapse_rfc2231_value(value)
        except (LookupError, ValueError):
            return None
    return value if isinstance(value, str) else None


def _content_type(block: HeaderBlock, default: str) -> str:
    raw = block.get("content-type")
    if raw is None:
        return default
    value = str(raw).split(";")[0].strip().lower()
    if value.count("/") != 1 or " " in value:
        return "text/plain"  # RFC 2045 5.2: an invalid Content-Type means text/plain
    return value


def _disposition(block: HeaderBlock) -> str | None:
    raw = block.get("content-disposition")
    if raw is None:
        return None
    return str(raw).split(";")[0].strip().lower() or None


def _filename(params: _Params) -> str | None:
    name = params.get("filename", "content-disposition") or params.get("name")
    return name or None


def _walk(
    raw: bytes,
    block: HeaderBlock,
    start: int,
    end: int,
    path: str,
    depth: int,
    parent_type: str,
    structure: Structure,
) -> None:
    default = "message/rfc822" if parent_type == "multipart/digest" else "text/plain"
    content_type = _content_type(block, default)
    if content_type.startswith("multipart/"):
        _walk_multipart(raw, block, start, end, path, depth, content_type, structure)
        return
    params = _Params(block, path or "1", structure.notes)
    charset = params.get("charset")
    structure.parts.append(
        Part(
            path=path or "1",
            content_type=content_type,
            charset=charset.strip().lower() if charset else None,
            encoding=_encoding(block),
            disposition=_disposition(block),
            filename=_filename(params),
            size=end - start,
            method=(params.get("method") or "").upper() or None,
            start=start,
            end=end,
        )
    )


def _walk_multipart(
    raw: bytes,
    block: HeaderBlock,
    start: int,
    end: int,
    path: str,
    depth: int,
    content_type: str,
    structure: Structure,
) -> None:
    """A multipart's children, each walked in turn; without a usable boundary, one text part."""
    params = _Params(block, path or "1", structure.notes)
    if content_type == "multipart/report" and structure.report_type is None:
        structure.report_type = (params.get("report-type") or "").lower() or None
    boundary = params.get("boundary")
    if depth >= MAX_DEPTH:
        structure.notes.append(
            f"MIME nesting deeper than {MAX_DEPTH} levels at part {path or '1'}; inner parts ignored"
        )
        return
    split = _split(raw, start, end, boundary.encode("latin-1", "replace")) if boundary else None
    if split is None:
        what = "has no boundary parameter" if not boundary else "boundary never appears"
        structure.notes.append(f"{content_type} at part {path or '1'} {what}; read as plain text")
        structure.parts.append(
            Part(
                path=path or "1",
                content_type="text/plain",
                encoding=_encoding(block),
                size=end - start,
                start=start,
                end=end,
            )
        )
        return
    children, closed = split
    if not closed:
        structure.notes.append(f"{content_type} at part {path or '1'} has no closing boundary")
    for number, (child_start, child_end) in enumerate(children, 1):
        if len(structure.parts) >= MAX_PARTS:
            structure.notes.append(f"more than {MAX_PARTS} MIME parts; the rest ignored")
            return
        header_end, body_start = find_header_end(raw, child_start, child_end)
        child_block = (
            parse_headers(raw[child_start:header_end])
            if header_end > child_start
            else HeaderBlock()
        )
        child_path = f"{path}.{number}" if path else str(number)
        _walk(
            raw, child_block, body_start, child_end, child_path, depth + 1, content_type, structure
        )


def _encoding(block: HeaderBlock) -> str:
    value = block.get("content-transfer-encoding")
    return str(value).strip().lower() if value is not None else "7bit"


def structure_of(raw: bytes, header: HeaderBlock, body_start: int) -> Structure:
    """Walk the MIME tree of ``raw`` whose top-level headers are ``header``."""
    structure = Structure(content_type=_content_type(header, "text/plain"))
    _walk(raw, header, body_start, len(raw), "", 0, "", structure)
    return structure
