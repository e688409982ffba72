"""Where a signature starts: a "-- " delimiter, a mobile footer, a disclaimer, a valediction
or a name above a short block of title and contact lines, or a bare contact block at the end.

A signature needs a closing word or a name block at the end: a one-word heading above a phone
line, a link the sender shares, a sentence wrapped before its phone number and a P.S. are the
sender's own text. Part of :mod:`monitor.core.owntext`; the phrases are in
:mod:`monitor.core.quoting`.
"""

from __future__ import annotations

import re

from monitor.core.quoting import pattern

__all__ = ["SENTENCE_END", "strip_signature"]

SENTENCE_END = re.compile(r"[.!?)]\s*$")
_SIG_DELIMITER = re.compile(r"^(?:--|__)\s*$")
# A mobile footer is a line of its own: the phrase and a few more words, no sentence.
_MOBILE = re.compile(rf"^\s*(?:{pattern('mobile')})[^.!?\n]{{0,40}}$", re.IGNORECASE)
_VALEDICTION = re.compile(
    rf"^\s*(?:{pattern('valedictions')})\s*[,.!:：，。]*\s*(?:[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*)?)?\s*$",
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


_POSTSCRIPT = re.compile(r"^\s*p\.?\s?s\b", re.IGNORECASE)


def _is_prose(line: str) -> bool:
    """A line of a sentence rather than a name, title or address: many words, most of them in
    lower case, or a few that end like a sentence ("Please bring the figures.")."""
    words = line.split()
    lower = sum(word[0].islower() for word in words)
    return (
        len(words) >= 4
        and 2 * lower >= len(words)
        and (len(words) >= 6 or bool(SENTENCE_END.search(line)))
    )


def _continues_sentence(line: str) -> bool:
    """The line above runs on into the next: a sentence that has not ended yet."""
    return _is_prose(line) and not SENTENCE_END.search(line)


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


def _set_apart(above: str) -> bool:
    """A lone name at the end signs off when something sets it apart from the text: a blank
    line, a finished sentence or a comma above it. Directly under an unfinished line it is the
    last item of a list ("Assorted Desserts" / "Iced Tea")."""
    return not above.strip() or bool(re.search(r"[.!?,:;)…。！？，]\s*$", above))


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
        if _continues_sentence(lines[position - 1]):
            continue  # "… the spreadsheets from\nAccounts Receivable."

        first = lines[position].split()[0]
        rest = [line for line in lines[position + 1 :] if line.strip()]
        if not rest:
            if len(lines[position].split()) <= 2 and _set_apart(lines[position - 1]):
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
    if trailing and _continues_sentence(above):
        trailing = 0  # a sentence wrapped before its phone number or link: "call me on\n+44 …"
    if trailing and trailing < len([line for line in lines if line.strip()]):
        lines = lines[: len(lines) - trailing]
        removed.append("contact_block")
    return lines
