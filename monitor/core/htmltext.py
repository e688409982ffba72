"""HTML bodies to readable text for :mod:`monitor.core.owntext`: block elements become lines,
``<blockquote>`` becomes ``>`` quoting, and quote containers (Gmail's ``gmail_quote``,
Outlook's ``divRplyFwdMsg`` …) a cut mark. Pure: no I/O.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

# A line the HTML converter emits where an HTML quote container starts: everything from here on
# is history. A private-use character cannot collide with real text.
QUOTE_MARK = "\ue000"
#: An HTML body is read up to this many characters (text parts are already cut at 512 KB).
MAX_HTML_CHARS = 512 * 1024

_BLOCK = frozenset(
    "address article aside blockquote br dd div dl dt fieldset figcaption figure footer form h1 h2 h3 "
    "h4 h5 h6 header hr li main nav ol p pre section table tbody td tfoot th thead tr ul".split()
)
_SKIP = frozenset({"script", "style", "head", "title", "template", "noscript", "xml"})
_QUOTE_CONTAINER_CLASSES = (
    "gmail_quote",
    "yahoo_quoted",
    "moz-cite-prefix",
    "protonmail_quote",
    "zmail_extra",
)
_QUOTE_CONTAINER_IDS = (
    "divrplyfwdmsg",
    "appendonsend",
    "x_divrplyfwdmsg",
    "mail-editor-reference-message-container",
    "reply-intro",
    "isforwardcontent",
)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.quote_depth = 0
        self.skip_depth = 0
        self.stack: list[str] = []
        self.quote_marked = False

    def _flush(self) -> None:
        text = re.sub(r"[ \t\u00a0\u200b]+", " ", "".join(self.current)).strip()
        self.current = []
        if text:
            prefix = "> " * self.quote_depth
            self.lines.append(prefix + text)
        elif self.lines and self.lines[-1] != "":
            self.lines.append("")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip_depth += 1
            return
        if tag in _BLOCK:
            self._flush()
        attributes = {k.lower(): (v or "") for k, v in attrs}
        classes = attributes.get("class", "").lower()
        ident = attributes.get("id", "").lower()
        if (
            not self.quote_marked
            and self.quote_depth == 0
            and (
                any(name in classes for name in _QUOTE_CONTAINER_CLASSES)
                or ident in _QUOTE_CONTAINER_IDS
            )
        ):
            self.lines.append(QUOTE_MARK)
            self.quote_marked = True
        if tag == "blockquote":
            self.quote_depth += 1
        if tag not in ("br", "hr", "img", "meta", "link", "input", "wbr"):
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if tag in _BLOCK:
            self._flush()
        if tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        self.current.append(data.replace("\n", " "))

    def text(self) -> str:
        self._flush()
        return "\n".join(self.lines).strip()


def html_to_text(html: str) -> str:
    """Readable text from an HTML body; quotes become ``>`` lines, quote containers a cut mark.

    At most :data:`MAX_HTML_CHARS` are read. Markup left open at the end (``<!--``, ``<b `,
    often where a body was cut short) is text to the parser, which rescans the rest of the
    input for every ``<`` in it: that tail is handed over as text at once instead, so the
    conversion stays linear in the size of the HTML.
    """
    html = html[:MAX_HTML_CHARS]
    tail = html.find("<", html.rfind(">") + 1)
    parser = _TextExtractor()
    try:
        parser.feed(html if tail < 0 else html[:tail])
        parser.close()
        if tail >= 0:
            parser.handle_data(unescape(html[tail:]))
    except (
        AssertionError,
        ValueError,
    ):  # pragma: no cover - HTMLParser is lenient; belt and braces
        return unescape(re.sub(r"<[^>]+>", " ", html))
    return parser.text()
