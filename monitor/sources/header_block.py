"""A message's header section, read into the ``email`` package's own ``Message`` faster.

The ``email`` package's parser feeds a header section through its general parser, line object
by line object: about an eighth of the analysis of a first sync. Most header sections are plain
(``Name: value`` lines, folded lines, one blank line at the end); :func:`plain_header_block`
reads those into exactly the ``Message`` that ``BytesHeaderParser(policy=compat32)`` builds
(the same ``(name, value)`` pairs, the same payload, no defects) and returns ``None`` for every
other section, which the ``email`` parser then reads with its defects and its rules: a first
line that is folded, a line that is neither a field nor a folded line (a Unix ``From `` line, a
field without a name), a carriage return or form feed that does not end a line, a name that is
not printable ASCII. A test compares both on generated sections and on real mail.
"""

from __future__ import annotations

import re
from email.message import Message

_NAME = r"[\x21-\x39\x3b-\x7e]+"
#: A field's value: the rest of its line and every folded line after it.
_VALUE = r"[^\n]*(?:\n[ \t][^\n]*)*"
#: A field ends at a line break that a line which is not folded follows, or at the section's end.
_END = r"(?:\n|\Z)"
#: One field: its name, and its value after the colon and the blanks after it.
_FIELD = re.compile(rf"({_NAME}):[ \t]*({_VALUE}){_END}")
#: A section of such fields and nothing else. It splits into fields one way only (a field takes
#: every folded line after it, and no name starts with a blank), so each field is matched
#: atomically: a section that is not plain is refused in one pass, never by trying the lines
#: of its fields again, and the fields findall reads from its start are that split.
_FIELDS = re.compile(rf"(?>{_NAME}:[ \t]*{_VALUE}{_END})*+")
#: Line separators only Python's ``splitlines`` knows (the email parser's lines end at CR, LF
#: and CRLF; surrogate-escaped text holds no character above 0x7f).
_OTHER_BREAKS = re.compile(r"[\x0b\x0c\x1c-\x1e]")


def plain_header_block(raw: bytes) -> Message | None:
    """``raw`` read as the ``email`` parser reads a header section, when it is plain; else
    ``None``."""
    text = raw.decode("ascii", "surrogateescape")
    if text.count("\r") != text.count("\r\n") or _OTHER_BREAKS.search(text):
        return None  # a carriage return alone ends a line there, and not here
    head, rest = _split_section(text)
    if not _FIELDS.fullmatch(head):
        return None  # a folded first line, a Unix "From " line, a line with no name
    block = Message()
    store = block.set_raw
    for name, value in _FIELD.findall(head):
        # compat32: the value after the colon and its blanks, folded lines kept, the last line
        # break dropped.
        store(name, value.rstrip("\r\n"))
    block.set_payload(rest)
    return block


def _split_section(text: str) -> tuple[str, str]:
    """The fields (without the line break that ends the last one) and what follows the first
    empty line."""
    if text.startswith(("\n", "\r\n")):
        return "", text[1 if text[0] == "\n" else 2 :]
    bare, crlf = text.find("\n\n"), text.find("\n\r\n")
    if bare < 0 and crlf < 0:
        return text[:-1] if text.endswith("\n") else text, ""
    if crlf < 0 or 0 <= bare < crlf:
        return text[:bare], text[bare + 2 :]
    return text[:crlf], text[crlf + 3 :]
