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
from monitor.core.quoting import TABLES, alternatives

__all__ = ["QUOTE_MARK", "OwnText", "html_to_text", "own_text", "strip_quotes", "strip_signature"]


def _all(field: str) -> str:
    return alternatives([phrase for table in TABLES for phrase in getattr(table, field)])


# "On Mon, 2 Mar 2026 at 10:15, Max <max@x> wrote:" and its translations; also Chinese
# "Li Wei <li@x> 于2026年3月2日周一 10:15写道：" and Finnish "… (<matti@x>) kirjoitti:".
_ATTRIBUTION = re.compile(rf"(?:{_all('wrote')})\s*[:：]\s*$", re.IGNORECASE)
_ATTRIBUTION_START = re.compile(
    rf"^\s*(?:{_all('attribution_starts')})(?:\b|(?<=[\u4e00-\u9fff]))", re.IGNORECASE
)
# The verb before the name: "Am 31.05.17 um 09:43 schrieb Max Muster:", "Op … schreef …:".
_VERB_BEFORE_NAME = re.compile(rf"(?:{_all('wrote')})\b[^\n]{{0,160}}[:：]\s*$", re.IGNORECASE)
# Gmail in some locales: "2017-04-24 13:48 GMT+02:00 Anna Berg <anna.berg@x>:" (no verb).
_ISO_ATTRIBUTION = re.compile(
    r"^\s*\d{4}-\d{2}-\d{2}\s+\d{1,2}:\d{2}\s+(?:GMT|UTC)?[+-]?[\d:]{0,5}\s+[^<>\n]{0,120}<[^<>\s@]+@[^<>\s]+>\s*[:：]\s*$",
    re.IGNORECASE,
)

_FIELD = r"\s*(?:\*\s*)?[:：]"
# Header lines may be indented with tabs, which a mangled quoted-printable body shows as "=09".
_LEAD = r"^(?:\s|=09|=20)*"
_FROM_LINE = re.compile(rf"{_LEAD}\*?(?:{_all('from_')}){_FIELD}\s*(?:\*\s*)?\S", re.IGNORECASE)
_OTHER_HEADER = re.compile(
    rf"{_LEAD}\*?(?:{_all('sent')}|{_all('to')}|{_all('subject')}|{_all('cc')}){_FIELD}",
    re.IGNORECASE,
)
# A Lotus Notes reply header has no "From:" line: NAME / DATE TIME / To: / cc: / Subject:.
_TO_LINE = re.compile(rf"{_LEAD}(?:{_all('to')}){_FIELD}", re.IGNORECASE)
_CC_OR_SUBJECT = re.compile(rf"{_LEAD}(?:{_all('cc')}|{_all('subject')}){_FIELD}", re.IGNORECASE)
_DATE_OR_TIME = re.compile(r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b\d{1,2}:\d{2}(?::\d{2})?\b")

_BANNER = re.compile(rf"^[-_=*\s]*(?:{_all('banners')})[-_=*\s:]*$", re.IGNORECASE)
# "----- Forwarded by Jeff Dasovich/NA/Enron on 04/04/2001 11:04 PM -----": a dashed banner
# followed by anything.
_DASHED_BANNER = re.compile(rf"^\s*[-_=*]{{2,}}\s*(?:{_all('banners')})\b", re.IGNORECASE)
_FORWARD_INTRO = re.compile(rf"^\s*(?:{_all('forward_intros')})\s*$", re.IGNORECASE)
_SEPARATOR = re.compile(r"^\s*(?:_{10,}|-{10,}|={10,})\s*$")
_QUOTED = re.compile(r"^\s*(?:>|&gt;|\|(?=\s))")
_SENTENCE_END = re.compile(r"[.!?)]\s*$")
_SIG_DELIMITER = re.compile(r"^(?:--|__)\s*$")
# A mobile footer is a line of its own: the phrase and a few more words, no sentence.
_MOBILE = re.compile(rf"^\s*(?:{_all('mobile')})[^.!?\n]{{0,40}}$", re.IGNORECASE)
_VALEDICTION = re.compile(
    rf"^\s*(?:{_all('valedictions')})\s*[,.!:：，。]*\s*(?:[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*)?)?\s*$",
    re.IGNORECASE,
)
_DISCLAIMER = re.compile(
    r"^(?:this\s+(?:e-?mail|message)\s+(?:and\s+any\s+(?:files|attachments?)\s+(?:transmitted\s+with\s+it\s+)?)?(?:is|are|may\s+contain|contains)\s+"
    r"(?:confidential|intended|privileged)|confidentiality\s+(?:notice|note)|disclaimer\s*:|legal\s+notice|aviso\s+legal|"
    r"avis\s+de\s+confidentialité|rechtlicher\s+hinweis|vertraulichkeitshinweis|luottamuksellisuus|免责声明|保密声明|"
    r"diese\s+e-?mail\s+(?:enthält|kann|ist)|ce\s+(?:message|courriel|mail)\s+(?:et\s+(?:ses|toutes\s+les)\s+pièces\s+jointes\s+)?"
    r"(?:est|sont|peut|contient)|este\s+(?:mensaje|correo)\s+(?:y\s+sus\s+(?:anexos|archivos\s+adjuntos)\s+)?(?:es|puede|contiene|van)|"
    r"tämä\s+(?:sähköposti|viesti)\s+(?:voi\s+sisältää|on\s+luottamuksellinen|liitteineen)|本邮件.*(?:保密|机密)|"
    r".{0,80}\bis\s+registered\s+in\s+(?:england|scotland|ireland)|registered\s+office\s*:|"
    r"sitz\s+der\s+gesellschaft|amtsgericht\s+\w+|handelsregister|registergericht|geschäftsführ(?:er|ung)\s*:|"
    r"y-tunnus|siret|rcs\s+\w+|cif\s*:|company\s+(?:registration|number|no\.?)\s*:?)",
    re.IGNORECASE,
)
# A sign-off name: "Dana", "Grace Whitmore", "J.-P. Martin", or a short name in CJK script.
_NAME_LINE = re.compile(
    r"^\s*(?:[^\W\d_][\w'’.\-]*(?:\s+[^\W\d_][\w'’.\-]*){0,3}|[\u4e00-\u9fff]{2,4})\s*$"
)
_CONTACT_LINE = re.compile(
    r"(?:\+?\d[\d\s().\-/]{6,}\d|https?://|www\.|\S+@\S+\.\w+|\s\|\s|^\s*(?:tel|phone|mobile|mob|fax|m|t|p|e)"
    r"\s*[.:]|^\s*\[[^\]]*(?:logo|image)[^\]]*\]\s*$)",
    re.IGNORECASE,
)


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
    if _ATTRIBUTION.search(line) and (
        _ATTRIBUTION_START.match(line)
        or _next_is_quote(lines, index + 1)
        or "@" in line
        or re.search(r"\d", line)
    ):
        return 1
    if (
        _VERB_BEFORE_NAME.search(line)
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
    for line in lines[start : start + 3]:
        if line.strip():
            return bool(_QUOTED.match(line))
    return False


def _outlook_block(lines: list[str], index: int) -> bool:
    """A From: line followed closely by at least one more header line (Sent/To/Subject/Cc)."""
    if not _FROM_LINE.match(lines[index]):
        return False
    others = 0
    for line in lines[index + 1 : index + 8]:
        if _OTHER_HEADER.match(line):
            others += 1
            if others >= 1 and ("@" in lines[index] or others >= 2):
                return True
        elif (
            line.strip()
            and not line.startswith((" ", "\t"))
            and others == 0
            and len(line.strip()) > 80
        ):
            # An unrelated long line right after "From:": prose such as "From: our side, …".
            return False
    return others >= 2


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
        and not _SENTENCE_END.search(before)
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
        if _FORWARD_INTRO.match(line) or _ISO_ATTRIBUTION.match(line):
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
        if _QUOTED.match(line) or _wrapped_into_quote(lines, index):
            if "quoted_lines" not in removed:
                removed.append("quoted_lines")
            index += 1
            continue
        out.append(line)
        index += 1
    return out, removed


_POSTSCRIPT = re.compile(r"^\s*p\.?\s?s\b", re.IGNORECASE)


def _is_prose(line: str) -> bool:
    """A line of a sentence rather than a name, title or address: many words, most of them in
    lower case, or a few that end like a sentence ("Please bring the figures.")."""
    words = line.split()
    lower = sum(word[0].islower() for word in words)
    return (
        len(words) >= 4
        and 2 * lower >= len(words)
        and (len(words) >= 6 or bool(_SENTENCE_END.search(line)))
    )


def _looks_like_signature_tail(lines: list[str]) -> bool:
    """Lines after a valediction: a name, a title, contact details; short and few, no
    sentence and no P.S."""
    content = [line for line in lines if line.strip()]
    if len(content) > 10:
        return False
    return all(
        len(line.strip()) <= 90 and not _is_prose(line) and not _POSTSCRIPT.match(line)
        for line in content
    )


_CONTACT_DETAIL = re.compile(
    r"https?://\S+|www\.\S+|\S+@\S+\.\w+|\+?\d[\d\s().\-/]{6,}\d", re.IGNORECASE
)


# What says who the sender is: a phone number, a mail address, a labelled field, "Title | Org".
_PERSONAL_DETAIL = re.compile(
    r"\S+@\S+\.\w+|\+?\d[\d\s().\-/]{6,}\d|\s\|\s|^\s*(?:tel|phone|mobile|mob|fax|m|t|p|e)\s*[.:]",
    re.IGNORECASE,
)


def _is_contact_line(line: str) -> bool:
    """A signature line: phone, web or mail address, or "Title | Company", with little prose.

    A sentence that ends with a link ("The deck is here: https://…") is not a signature.
    """
    text = line.strip()
    if not text or len(text) > 100 or not _CONTACT_LINE.search(text):
        return False
    rest = _CONTACT_DETAIL.sub("", text).strip()
    if re.search(r"[.!?](?:\s|$)", rest) and not re.match(
        r"^(?:tel|phone|mobile|mob|fax|m|t|p|e)\s*[.:]", rest, re.IGNORECASE
    ):
        return False
    return len(rest) <= 45


def _is_name(line: str) -> bool:
    stripped = line.strip()
    if not stripped or len(stripped) > 40 or not _NAME_LINE.match(stripped):
        return False
    words = stripped.split()
    # Every word capitalised (names are), or a CJK name.
    return all(w[0].isupper() or "\u4e00" <= w[0] <= "\u9fff" for w in words)


def _sign_off_name(lines: list[str]) -> int | None:
    """Where a sign-off name starts the signature: "Grace" followed by "Grace Whitmore, Head
    of …", or a lone first name as the last line."""
    content = [i for i, line in enumerate(lines) if line.strip()]
    if len(content) < 2:
        return None
    for position in content[-12:]:
        if position == content[0] or not _is_name(lines[position]):
            continue
        if _VALEDICTION.match(lines[position]):
            continue  # "Thanks." is a closing word, weighed by the valediction rule

        first = lines[position].split()[0]
        rest = [line for line in lines[position + 1 :] if line.strip()]
        if not rest:
            if len(lines[position].split()) <= 2:
                return position
            continue
        if not _looks_like_signature_tail(lines[position + 1 :]):
            continue
        if len(lines[position].split()) == 1 and _is_name(rest[0]) and first not in rest[0]:
            continue  # a heading ("FYI", "Logistics") above the real sign-off name
        if rest[0].strip().startswith(first) or any(_CONTACT_LINE.search(line) for line in rest):
            return position
    return None


def strip_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    removed: list[str] = []
    lines = _cut_at_markers(lines, removed)
    lines = _cut_sign_off(lines, removed)
    lines = _cut_contact_block(lines, removed)
    return lines, removed


def _cut_at_markers(lines: list[str], removed: list[str]) -> list[str]:
    """Cut at a signature delimiter, a mobile signature, a disclaimer; noted in ``removed``."""
    # RFC 3676 "-- " delimiter, or a mobile signature: cut from the last one that leaves content.
    for index in range(len(lines) - 1, 0, -1):
        if _SIG_DELIMITER.match(lines[index]) and any(line.strip() for line in lines[:index]):
            lines = lines[:index]
            removed.append("signature")
            break
    for index, line in enumerate(lines):
        if _MOBILE.match(line) and any(other.strip() for other in lines[:index]):
            lines = lines[:index]
            removed.append("mobile_signature")
            break
    for index, line in enumerate(lines):
        if _DISCLAIMER.match(line.lstrip()) and any(other.strip() for other in lines[:index]):
            lines = lines[:index]
            removed.append("disclaimer")
            break
    return lines


def _cut_sign_off(lines: list[str], removed: list[str]) -> list[str]:
    """Cut at a valediction near the end followed only by a short signature block, or else at
    a sign-off name."""
    tail_start = max(0, len(lines) - 14)
    for index in range(tail_start, len(lines)):
        stripped = lines[index].strip()
        if len(stripped) > 45 or not _VALEDICTION.match(stripped):
            continue
        before = [line for line in lines[:index] if line.strip()]
        after = [line for line in lines[index + 1 :] if line.strip()]
        if not after and stripped[-1:] in ".!":
            break  # a closing sentence ("Thanks.") with no name or signature below it
        if before and _looks_like_signature_tail(lines[index + 1 :]):
            removed.append("valediction")
            return lines[:index]
    cut = _sign_off_name(lines)
    if cut is not None:
        removed.append("sign_off")
        return lines[:cut]
    return lines


def _cut_contact_block(lines: list[str], removed: list[str]) -> list[str]:
    """Cut a bare contact block at the very end (name, title, phone, URL) without a valediction."""
    lines = list(lines)
    while lines and not lines[-1].strip():
        lines.pop()
    trailing = 0
    for line in reversed(lines):
        if _is_contact_line(line):
            trailing += 1
        else:
            break
    # One line alone counts only when it is nothing but contact details ("www.acme.example",
    # "T: +44 20 7946 0734"); "Just posted a photo http://…" is prose with a link.
    if trailing == 1 and len(_CONTACT_DETAIL.sub("", lines[-1]).strip()) > 12:
        trailing = 0
    block = lines[len(lines) - trailing :]
    if trailing and not any(_PERSONAL_DETAIL.search(line) for line in block):
        trailing = 0  # links alone are what the sender shares, not who the sender is
    above = lines[len(lines) - trailing - 1].strip() if trailing < len(lines) else ""
    if trailing and _is_prose(above) and not _SENTENCE_END.search(above):
        trailing = 0  # a sentence wrapped before its phone number or link: "call me on\n+44 …"
    if trailing and trailing < len([line for line in lines if line.strip()]):
        lines = lines[: len(lines) - trailing]
        removed.append("contact_block")
    return lines


def own_text(text: str) -> OwnText:
    """The sender's own words from a plain-text body (or the output of :func:`html_to_text`),
    read within the bounds of :func:`~monitor.core.bounds.bound_text`."""
    text = bound_text(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines, removed = strip_quotes(text)
    lines, sig_removed = strip_signature(lines)
    body = "\n".join(line.rstrip() for line in lines)
    body = re.sub(r"\n{3,}", "\n\n", body).strip()
    return OwnText(body, tuple(removed + sig_removed))
