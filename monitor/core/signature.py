"""Where a signature starts: a "-- " delimiter, a mobile footer, a disclaimer, a valediction
or a name above a short block of title and contact lines, or a bare contact block at the end.

A signature needs a closing word or a name block at the end: a one-word heading above a phone
line, a link the sender shares, a sentence wrapped before its phone number and a P.S. are the
sender's own text. So are a list item wrapped before its last word, a heading or a form field
("Contact Us", "Your Name"), the links a text cites below its sign-off ("[1] https://…"),
pasted tables and logs (a date or a network address is no phone number), a list the text names
below its sign-off ("Distribution:" and the names under it), and anything that only
opens like a footer ("Sent via FedEx …", "RCS file: …") with the message still going on
below, a name or number the text announces ("Please call our site manager:"), a last word to
the reader ("Enjoy.", "Just FYI.") and the output of a program pasted at the end ("Reading
Package Lists... Done" / "E: Couldn't find package …": an ellipsis is in no name, and a
one-letter label is a contact field only before a number or an address). Part of
:mod:`monitor.core.owntext`; the phrases are in :mod:`monitor.core.quoting`.
"""

from __future__ import annotations

import re

from monitor.core.contactline import (
    is_contact_line,
    personal_detail,
    speaks,
    without_contact_details,
)
from monitor.core.quoting import pattern
from monitor.core.signoff import (
    FOOTNOTE,
    SENTENCE_END,
    VALEDICTION,
    announced,
    continues_sentence,
    is_name,
    is_prose,
    listed_person,
    looks_like_signature_tail,
    runs_on,
    sign_off_name,
)

__all__ = ["SENTENCE_END", "is_mobile_footer", "strip_signature"]

_SIG_DELIMITER = re.compile(r"^(?:--|__)\s*$")
# A mobile footer is a line of its own: the phrase and a few more words, no sentence.
_MOBILE = re.compile(rf"^\s*(?:{pattern('mobile')})[^.!?\n]{{0,40}}$", re.IGNORECASE)
# A disclaimer that names itself, or opens with a legal claim about the message.
_DISCLAIMER = re.compile(
    r"^(?:(?:the\s+information\s+(?:contained\s+)?in\s+)?this\s+(?:e-?mail(?:\s+message)?|message|electronic\s+mail(?:\s+(?:message|transmission))?|transmission)\s+"
    r"(?:and\s+any\s+(?:files|attachments?)\s+(?:transmitted\s+with\s+it\s+)?)?(?:is|are|may\s+contain|contains)\s+"
    r"(?:legally\s+)?(?:confidential|intended|privileged)|confidentiality\s+(?:notice|note)|disclaimer\s*:|legal\s+notice|aviso\s+legal|"
    r"avis\s+de\s+confidentialité|rechtlicher\s+hinweis|vertraulichkeitshinweis|luottamuksellisuus|免责声明|保密声明|"
    r"tämä\s+(?:sähköposti|viesti)\s+on\s+luottamuksellinen|本邮件.*(?:保密|机密))",
    re.IGNORECASE,
)
# Whom a disclaimer that says what the message "is intended" for names: "This e-mail is intended
# solely for the addressee" is one; "This message is intended to start the discussion" is not.
_ADDRESSEE_WORDS = re.compile(
    r"recipient|addressee|addressed|individual|entity|named|solely|exclusively|only\s+for|"
    r"confidential|privileg|in\s+error|notify\s+the\s+sender|prohibited|empfänger|destinataire|"
    r"destinatario",
    re.IGNORECASE,
)
# Openings that a disclaimer shares with ordinary sentences ("Diese E-Mail enthält die Zahlen
# für März"): a disclaimer only when legal words follow within a few lines.
_DISCLAIMER_OPENING = re.compile(
    r"^(?:diese\s+e-?mail\s+(?:enthält|kann|ist)|ce\s+(?:message|courriel|mail)\s+(?:et\s+(?:ses|toutes\s+les)\s+pièces\s+jointes\s+)?"
    r"(?:est|sont|peut|contient)|este\s+(?:mensaje|correo)\s+(?:y\s+sus\s+(?:anexos|archivos\s+adjuntos)\s+)?(?:es|puede|contiene|van)|"
    r"tämä\s+(?:sähköposti|viesti)\s+(?:voi\s+sisältää|liitteineen))",
    re.IGNORECASE,
)
_LEGAL_WORDS = re.compile(
    r"confidential|privileg|intended|recipient|vertraulich|empfänger|rechtlich|confidentiel|"
    r"destinataire|confidencial|destinatario|luottamuksellinen|vastaanottaja",
    re.IGNORECASE,
)
# A company's registration details, at the foot of its mail: "Registered office: …",
# "Amtsgericht München HRB 12345", "RCS Paris B 123 456 789". They end a signature; in the
# middle of a message ("RCS file: /cvsroot/…" in a pasted diff) they are text.
_REGISTRATION = re.compile(
    r"^(?:.{0,80}\bis\s+registered\s+in\s+(?:england|scotland|ireland)|registered\s+office\s*:|"
    r"sitz\s+der\s+gesellschaft|amtsgericht\s+\w+|handelsregister|registergericht|geschäftsführ(?:er|ung)\s*:|"
    r"y-tunnus|siret|r\.?c\.?s\.?\s+(?-i:[A-Z])\w+|cif\s*:|company\s+(?:registration|number|no\.?)\s*:?)",
    re.IGNORECASE,
)
#: Lines a registration may have below it and still be the foot of the mail.
_FOOT_LINES = 10
#: Lines of any kind a mobile footer may have below it (a quoted line rewrapped without ">").
_MOBILE_LEFTOVER = 3


def strip_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    removed: list[str] = []
    lines = _cut_at_markers(lines, removed)
    # Sources cited below the sign-off are the sender's: the sign-off is cut above them.
    start = _footnotes_start(lines)
    lines, below = lines[:start], lines[start:]
    # So is a list the text names there ("Distribution:" and the names under it), when a
    # sign-off stands above it; without one, the text is read whole, as it always is.
    listed = _list_start(lines)
    signed = _cut_sign_off(lines[:listed], removed) if listed < len(lines) else None
    if signed is not None and len(signed) < listed:
        lines, below = signed, [*lines[listed:], *below]
    else:
        lines = _cut_sign_off(lines, removed)
    # A contact block is cut where no sign-off was: one above the sign-off ("Fax: … /
    # Thanks, / George") is an address the text gives, not who the sender is.
    if not {"valediction", "sign_off"} & set(removed):
        lines = _cut_contact_block(lines, removed)
    if below:
        lines = [*lines, "", *below]
    return lines, removed


# "Distribution:" or "Teilnehmer: Anna Berg, Jonas Keller", at the start of a line.
_LIST_NAME = re.compile(rf"^\s*(?:{pattern('lists')})\s*[:：]", re.IGNORECASE)
#: The most lines a list below the sign-off has, its name included.
_LIST_LINES = 40


def _list_start(lines: list[str]) -> int:
    """Where a list the text names at its end starts: "Distribution:" (or "Attendees:", …)
    and only the list's items below it, short lines and no closing; ``len(lines)`` if none."""
    for index in range(max(1, len(lines) - _LIST_LINES), len(lines)):
        if not _LIST_NAME.match(lines[index]) or len(lines[index]) > 200:
            continue
        items = [line.strip() for line in lines[index + 1 :] if line.strip()]
        if all(len(item) <= 100 and not is_prose(item) for item in items) and not any(
            VALEDICTION.match(item) for item in items
        ):
            return index
    return len(lines)


def _footnotes_start(lines: list[str]) -> int:
    """Where a closing list of cited links starts ("[1] https://…", each link maybe wrapped
    onto a second line); ``len(lines)`` if the text does not end with one."""
    start = len(lines)
    for index in range(len(lines) - 1, -1, -1):
        text = lines[index].strip()
        if FOOTNOTE.match(text):
            start = index
        elif text and (len(text.split()) > 1 or index == 0 or not lines[index - 1].strip()):
            break  # not a blank line, nor the wrapped end of the link above
    return start


def is_mobile_footer(line: str) -> bool:
    """Whether ``line`` is, as a whole, a mobile footer ("Sent from my iPhone", "Von meinem
    iPhone gesendet"): a phrase of the language tables' ``mobile`` field and a few more words.
    Where in a message such a line is cut is :func:`strip_signature`'s to decide."""
    return bool(_MOBILE.match(line))


def _cut_at_markers(lines: list[str], removed: list[str]) -> list[str]:
    """Cut at a signature delimiter, a mobile signature, a disclaimer; noted in ``removed``."""
    # RFC 3676 "-- " delimiter, or a mobile signature: cut from the last one that leaves content.
    for index in range(len(lines) - 1, 0, -1):
        if _SIG_DELIMITER.match(lines[index]) and any(line.strip() for line in lines[:index]):
            lines = lines[:index]
            removed.append("signature")
            break
    below, disclaimer_below = _below(lines)
    for index, line in enumerate(lines):
        if not is_mobile_footer(line) or not any(other.strip() for other in lines[:index]):
            continue
        if line.lstrip()[:1].islower() and continues_sentence(lines[index - 1]):
            continue  # "… the signed originals were" / "sent via Federal Express this morning"
        # A footer has only signature lines, a disclaimer or a line or two a client left of
        # the quote below it: "Sent via FedEx to both offices" above more sentences is text.
        if (
            disclaimer_below[index]
            or below[index] <= _MOBILE_LEFTOVER
            or (below[index] <= _FOOT_LINES and looks_like_signature_tail(lines[index + 1 :]))
        ):
            lines = lines[:index]
            removed.append("mobile_signature")
            break
    below, disclaimer_below = _below(lines)
    for index in range(len(lines)):
        if not _disclaimer_starts(lines, index, below[index], disclaimer_below[index]):
            continue
        if any(other.strip() for other in lines[:index]):
            lines = lines[:index]
            removed.append("disclaimer")
            break
    return lines


def _names_itself_disclaimer(lines: list[str], index: int) -> bool:
    """A disclaimer starts at ``index``: one that names itself ("Confidentiality notice"), or a
    legal claim about the message ("This e-mail is confidential", "… is intended …") with the
    words of one within three lines (its addressee, "privileged", "confidential"): "The
    information in this email is confidential until Monday" is the sender's sentence."""
    match = _DISCLAIMER.match(lines[index].lstrip())
    if match is None:
        return False
    if not match.group().lower().startswith(("this", "the information")):
        return True
    window = " ".join([lines[index].lstrip(), *lines[index + 1 : index + 3]])[match.end() :]
    return bool(_ADDRESSEE_WORDS.search(window))


def _below(lines: list[str]) -> tuple[list[int], list[bool]]:
    """For each line, how many content lines lie below it and whether a self-naming
    disclaimer does: one pass from the end, so that each line is read a fixed number of times."""
    below = [0] * len(lines)
    disclaimer_below = [False] * len(lines)
    count, seen = 0, False
    for index in range(len(lines) - 1, -1, -1):
        below[index], disclaimer_below[index] = count, seen
        count += bool(lines[index].strip())
        seen = seen or _names_itself_disclaimer(lines, index)
    return below, disclaimer_below


def _disclaimer_starts(lines: list[str], index: int, below: int, disclaimer_below: bool) -> bool:
    """A legal disclaimer or a company's registration details start at ``index``, above
    ``below`` lines of content (and a disclaimer among them, if ``disclaimer_below``)."""
    line = lines[index].lstrip()
    if _names_itself_disclaimer(lines, index):
        return True
    if _DISCLAIMER_OPENING.match(line):
        return bool(_LEGAL_WORDS.search(" ".join(lines[index : index + 3])))
    if _REGISTRATION.match(line):
        return below <= _FOOT_LINES or disclaimer_below
    return False


def _cut_sign_off(lines: list[str], removed: list[str]) -> list[str]:
    """Cut at a valediction near the end followed only by a short signature block, or else at
    a sign-off name."""
    tail_start = max(0, len(lines) - 14)
    for index in range(tail_start, len(lines)):
        stripped = lines[index].strip()
        if len(stripped) > 45 or not VALEDICTION.match(stripped):
            continue
        before = [line for line in lines[:index] if line.strip()]
        after = [line for line in lines[index + 1 :] if line.strip()]
        if not after and stripped[-1:] in ".!":
            break  # a closing sentence ("Thanks.") with no name or signature below it
        if stripped[-1:] in ".!" and after and VALEDICTION.match(after[0].strip()):
            continue  # "Thanks." ends the text; the sign-off is the closing below it
        if before and looks_like_signature_tail(lines[index + 1 :]):
            removed.append("valediction")
            return lines[:index]
    cut = sign_off_name(lines)
    if cut is not None:
        removed.append("sign_off")
        return lines[:cut]
    return lines


#: The most lines a bare contact block has: phone, mobile, fax, mail, web, one more.
_CONTACT_BLOCK_LINES = 6


def _cut_contact_block(lines: list[str], removed: list[str]) -> list[str]:
    """Cut a bare contact block at the very end (name, title, phone, URL) without a valediction."""
    lines = list(lines)
    while lines and not lines[-1].strip():
        lines.pop()
    trailing = 0
    for line in reversed(lines):
        if is_contact_line(line):
            trailing += 1
        else:
            break
    if trailing > _CONTACT_BLOCK_LINES:
        trailing = 0  # a table, a log or a list of links the sender pasted, not who they are
    # One line alone counts only when it is nothing but contact details ("www.acme.example",
    # "T: +44 20 7946 0734"); "Just posted a photo http://…" is prose with a link.
    if trailing == 1 and len(without_contact_details(lines[-1])) > 12:
        trailing = 0
    block = lines[len(lines) - trailing :]
    if trailing and not any(personal_detail(line) for line in block):
        trailing = 0  # links alone are what the sender shares, not who the sender is
    if trailing and any(speaks(line) for line in block):
        trailing = 0  # "Call me at 713-853-9188", "My cell is …": the text giving a number
    above = lines[len(lines) - trailing - 1].strip() if trailing < len(lines) else ""
    if trailing and (continues_sentence(above) or runs_on(above)):
        trailing = 0  # a sentence wrapped before its phone number or link: "call me on\n+44 …"
    name = len(lines) - trailing - 1
    if trailing and name >= 0 and is_name(lines[name]) and listed_person(lines, name):
        trailing = 0  # the last of a list of people and their numbers
    if trailing and announced(lines, len(lines) - trailing):
        trailing = 0  # "Duty desk over the weekend:" / "+44 …": what the text gives
    if trailing and trailing < len([line for line in lines if line.strip()]):
        lines = lines[: len(lines) - trailing]
        removed.append("contact_block")
    return lines
