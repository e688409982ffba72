"""Own text: what the sender newly wrote, without quoted history, forwarded blocks or signature.

Every text measure (sentiment, cues, needs-reply) reads own text only, so that our own words
quoted back in a client's reply never count as the client's. The rules cover the reply styles of
Gmail, Outlook, Apple Mail and Lotus Notes (forward banners, reply headers without "From:") in
the languages of :mod:`monitor.core.quoting`, whose tables hold every phrase; ``>`` quoting
(including answers interleaved with the quote), and HTML quotes (``<blockquote>``, Gmail's
``gmail_quote``, Outlook's ``divRplyFwdMsg``). A signature needs a closing word or a name block
at the end: a heading, a shared link or a sentence ending in a phone number is own text.
``bench/eval_owntext.py`` measures the result line by line against human zone labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.core.bounds import bound_text
from monitor.core.htmltext import QUOTE_MARK, html_to_text
from monitor.core.quoting import pattern
from monitor.core.signature import SENTENCE_END, strip_signature

__all__ = [
    "QUOTE_MARK",
    "OwnText",
    "html_to_text",
    "own_text",
    "recut_quotes",
    "strip_quotes",
    "strip_signature",
]


# "On Mon, 2 Mar 2026 at 10:15, Max <max@x> wrote:" and its translations; also Chinese
# "Li Wei <li@x> 于2026年3月2日周一 10:15写道：" and Finnish "… (<matti@x>) kirjoitti:".
_ATTRIBUTION = re.compile(rf"(?:{pattern('wrote')})\s*[:：]\s*$", re.IGNORECASE)
_ATTRIBUTION_START = re.compile(
    rf"^\s*(?:{pattern('attribution_starts')})(?:\b|(?<=[\u4e00-\u9fff]))", re.IGNORECASE
)
# The verb before the name: "Am 31.05.17 um 09:43 schrieb Max Muster:", "Op … schreef …:".
_VERB_BEFORE_NAME = re.compile(rf"(?:{pattern('wrote')})\b[^\n]{{0,160}}[:：]\s*$", re.IGNORECASE)
# Gmail in some locales: "2017-04-24 13:48 GMT+02:00 Anna Berg <anna.berg@x>:" (no verb).
_ISO_ATTRIBUTION = re.compile(
    r"^\s*\d{4}-\d{2}-\d{2}\s+\d{1,2}:\d{2}\s+(?:GMT|UTC)?[+-]?[\d:]{0,5}\s+[^<>\n]{0,120}<[^<>\s@]+@[^<>\s]+>\s*[:：]\s*$",
    re.IGNORECASE,
)

_FIELD = r"\s*(?:\*\s*)?[:：]"
# Header lines may be indented with tabs, which a mangled quoted-printable body shows as "=09".
_LEAD = r"^(?:\s|=09|=20)*"
_FROM_LINE = re.compile(rf"{_LEAD}\*?(?:{pattern('from_')}){_FIELD}\s*(?:\*\s*)?\S", re.IGNORECASE)
_OTHER_HEADER = re.compile(
    rf"{_LEAD}\*?(?:{pattern('sent')}|{pattern('to')}|{pattern('subject')}|{pattern('cc')}){_FIELD}",
    re.IGNORECASE,
)
# A Lotus Notes reply header has no "From:" line: NAME / DATE TIME / To: / cc: / Subject:.
_TO_LINE = re.compile(rf"{_LEAD}(?:{pattern('to')}){_FIELD}", re.IGNORECASE)
_CC_OR_SUBJECT = re.compile(
    rf"{_LEAD}(?:{pattern('cc')}|{pattern('subject')}){_FIELD}", re.IGNORECASE
)
# Three words in lower case: a sentence, never the name or date line of a reply header (Lotus
# Notes' "Please respond to NAME" line aside).
_PROSE_WORDS = re.compile(r"(?:(?:^|\s)[a-z][a-z'’]+\b[^\n]*?){3}")
_RESPOND_TO = re.compile(r"^\s*please\s+respond\s+to\b", re.IGNORECASE)
_DATE_OR_TIME = re.compile(r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b\d{1,2}:\d{2}(?::\d{2})?\b")

_BANNER = re.compile(rf"^[-_=*\s]*(?:{pattern('banners')})[-_=*\s:]*$", re.IGNORECASE)
# "----- Forwarded by Jeff Dasovich/NA/Enron on 04/04/2001 11:04 PM -----": a dashed banner
# followed by anything.
_DASHED_BANNER = re.compile(rf"^\s*[-_=*]{{2,}}\s*(?:{pattern('banners')})\b", re.IGNORECASE)
_FORWARD_INTRO = re.compile(rf"^\s*(?:{pattern('forward_intros')})\s*$", re.IGNORECASE)
_SEPARATOR = re.compile(r"^\s*(?:_{10,}|-{10,}|={10,})\s*$")
# "| " quotes a line in some clients; a row of a table the sender typed ("| run | time |") has
# more bars on the line and is text.
_QUOTED = re.compile(r"^\s*(?:>|&gt;|\|(?=\s)(?![^|\n]*\|))")
# A line that marks where the replier cut the quote: "[...]", "[…]", "[snip]", "<snip>". It
# stands between an attribution and the quote, or between quoted lines, and is nobody's words.
_SNIP = re.compile(r"^\s*(?:\[\s*(?:\.{3}|…|snip(?:ped)?)\s*\]|<\s*snip(?:ped)?\s*>)\s*$", re.I)
# GroupWise quotes the message answered without ">" under one header line that names its
# sender and date between ">>>" marks: ">>> <gail@x.example> 2/16/01 10:41:43 am >>>",
# ">>> Gail Brown 02/16/01 10:41AM >>>".
_GROUPWISE = re.compile(r"^\s*>>>\s+\S[^\n]{0,200}\d[^\n]{0,40}\s>>>\s*$")


@dataclass(frozen=True, slots=True)
class OwnText:
    text: str
    removed: tuple[str, ...] = ()  # what was cut: "quote", "outlook_header", "signature", …


def _is_attribution(lines: list[str], index: int) -> int:
    """How many lines (1 or 2) form an attribution header at ``index``; 0 if none.

    Gmail wraps long attribution lines, so the verb may end the following line.
    """
    line = lines[index].strip()
    if not line or len(line) > 300:
        return 0
    # Both one-line forms end in a colon: most lines need no regular expression at all.
    colon = line.endswith((":", "："))
    if (
        colon
        and _ATTRIBUTION.search(line)
        and (_next_is_quote(lines, index + 1) or "@" in line or re.search(r"\d", line))
    ):
        # "On Mon, 1 Jun 2026 at 09:12, Alice wrote:" carries its date; "On Monday I will be
        # in Portland; Tim writes:" is the sender's sentence.
        return 1
    if (
        colon
        and _VERB_BEFORE_NAME.search(line)
        and re.search(r"\d", line)
        and (_ATTRIBUTION_START.match(line) or "@" in line)
    ):
        return 1  # "Am 31.05.17 um 09:43 schrieb Max Muster:"
    if index + 1 < len(lines) and _ATTRIBUTION_START.match(line):
        joined = line + " " + lines[index + 1].strip()
        if len(joined) <= 400 and _ATTRIBUTION.search(joined):
            return 2
    return 0


def _next_is_quote(lines: list[str], start: int) -> bool:
    """Whether the first line with words among the next three is quoted (a line that marks a
    cut, "[...]", is passed over)."""
    for line in lines[start : start + 3]:
        if line.strip() and not _SNIP.match(line):
            return bool(_QUOTED.match(line))
    return False


def _outlook_block(lines: list[str], index: int) -> bool:
    """A From: line followed closely by at least one more header line (Sent/To/Subject/Cc).

    Without an address in the From: line, the block needs a date or a time somewhere, as every
    client writes one: "From: Houston" / "To: Portland" / "Date: May 3" is a trip in the text.
    """
    if not _FROM_LINE.match(lines[index]):
        return False
    others = 0
    addressed = "@" in lines[index]
    dated = bool(_DATE_OR_TIME.search(lines[index]))
    for line in lines[index + 1 : index + 8]:
        if _OTHER_HEADER.match(line):
            others += 1
            dated = dated or bool(_DATE_OR_TIME.search(line))
            if others >= 1 and addressed:
                return True
            if others >= 2 and dated:
                return True
        elif (
            line.strip()
            and not line.startswith((" ", "\t"))
            and others == 0
            and len(line.strip()) > 80
        ):
            # An unrelated long line right after "From:": prose such as "From: our side, …".
            return False
    return others >= 2 and dated


def _headers_without_from(lines: list[str], index: int) -> int | None:
    """Where a Lotus Notes reply header starts when ``index`` is its "To:" line: "To:" followed
    by "cc:" or "Subject:", headed by the sender's name and the date (one or two lines)."""
    if not _TO_LINE.match(lines[index]) or len(lines[index]) > 2000:
        return None
    fields = 0
    for line in lines[index + 1 : index + 16]:  # a long "To:" list wraps over many lines
        if _CC_OR_SUBJECT.match(line):
            fields += 1
        elif not line.strip() and not fields:
            break
    if not fields:
        return None
    above: list[int] = []
    position = index - 1
    while position >= 0 and index - position <= 5 and len(above) < 2:
        line = lines[position].strip()
        if line:
            if len(line) > 100 or line[-1] in ".!?:;," or _QUOTED.match(line):
                break
            if _PROSE_WORDS.search(line) and not _RESPOND_TO.match(line):
                break  # "The meeting moved to 5/3/01 at 10:00": the text, not a date line
            above.append(position)
        elif above:
            break
        position -= 1
    dated = [p for p in above if _DATE_OR_TIME.search(lines[p])]
    if not dated:
        return index if fields >= 2 else None
    return min(above) if len(above) == 2 and min(dated) == min(above) + 1 else min(dated)


def _wrapped_into_quote(lines: list[str], index: int) -> bool:
    """A fragment of a quoted sentence that a client re-wrapped without its ">": short, in
    lower case, between two quoted lines, the first of which stops mid-sentence."""
    if index == 0 or index + 1 >= len(lines):
        return False
    line, before = lines[index].strip(), lines[index - 1].rstrip()
    return (
        0 < len(line) <= 40
        and not line[0].isupper()
        and bool(_QUOTED.match(before) and _QUOTED.match(lines[index + 1]))
        and not SENTENCE_END.search(before)
    )


def strip_quotes(text: str) -> tuple[list[str], list[str]]:
    """Cut quoted history and forwarded blocks; returns (own lines, what was removed)."""
    lines = text.split("\n")
    removed: list[str] = []
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.strip() == QUOTE_MARK:
            removed.append("html_quote")
            break
        if line.strip() and (_BANNER.match(line) or _DASHED_BANNER.match(line)):
            removed.append("forwarded")
            break
        if _FORWARD_INTRO.match(line) or _ISO_ATTRIBUTION.match(line) or _GROUPWISE.match(line):
            removed.append("forwarded" if _FORWARD_INTRO.match(line) else "quote")
            break
        start = _headers_without_from(lines, index)
        if start is not None:
            out = out[: len(out) - (index - start)] if index > start else out
            removed.append("notes_header")
            break
        if _SEPARATOR.match(line) and index + 1 < len(lines):
            following = next(
                (j for j in range(index + 1, min(index + 4, len(lines))) if lines[j].strip()), None
            )
            if following is not None and _outlook_block(lines, following):
                removed.append("outlook_header")
                break
        if _outlook_block(lines, index):
            removed.append("outlook_header")
            break
        span = _is_attribution(lines, index)
        if span:
            if _next_is_quote(lines, index + span):
                # ">"-quoted history: drop the attribution, keep any answers interleaved below.
                removed.append("attribution")
                index += span
                continue
            removed.append("quote")
            break
        if _QUOTED.match(line) or _SNIP.match(line) or _wrapped_into_quote(lines, index):
            if "quoted_lines" not in removed:
                removed.append("quoted_lines")
            index += 1
            continue
        out.append(line)
        index += 1
    return out, removed


#: Characters that show nothing and join nothing: a zero-width space, a word joiner, a byte order
#: mark, a soft hyphen. Some mail programs put them inside words ("Kind re\u200bgards"), where
#: they hide a sign-off or a cue from every rule. The joiners that shape scripts and emoji
#: (U+200C, U+200D) stay.
_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff]")


def own_text(text: str) -> OwnText:
    """The sender's own words from a plain-text body (or the output of :func:`html_to_text`),
    read within the bounds of :func:`~monitor.core.bounds.bound_text`."""
    text = bound_text(text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _INVISIBLE.sub("", text)
    lines, removed = strip_quotes(text)
    lines, sig_removed = strip_signature(lines)
    body = "\n".join(line.rstrip() for line in lines)
    body = re.sub(r"\n{3,}", "\n\n", body).strip()
    return OwnText(body, tuple(removed + sig_removed))


def recut_quotes(own: str) -> str:
    """``own`` (own text cut by earlier rules) without the quoted history today's rules find.

    Only quotes are cut again: quote stripping leaves own text as it is, while the signature
    rules, run a second time, would take the last line of a text already without its sign-off
    (a name, "FYI") for one. Lines the earlier rules dropped cannot come back from here.
    """
    lines, _ = strip_quotes(bound_text(own.replace("\r\n", "\n").replace("\r", "\n")))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in lines)).strip()
