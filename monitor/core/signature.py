"""Where a signature starts: a "-- " delimiter, a mobile footer, a disclaimer, a valediction
or a name above a short block of title and contact lines, or a bare contact block at the end.

A signature needs a closing word or a name block at the end: a one-word heading above a phone
line, a link the sender shares, a sentence wrapped before its phone number and a P.S. are the
sender's own text. So are a list item wrapped before its last word, a heading or a form field
("Contact Us", "Your Name"), the links a text cites below its sign-off ("[1] https://…"),
pasted tables and logs (a date or a network address is no phone number), and anything that only
opens like a footer ("Sent via FedEx …", "RCS file: …") with the message still going on
below, a name or number the text announces ("Please call our site manager:"), a last word to
the reader ("Enjoy.", "Just FYI.") and the output of a program pasted at the end ("Reading
Package Lists... Done" / "E: Couldn't find package …": an ellipsis is in no name, and a
one-letter label is a contact field only before a number or an address). Part of
:mod:`monitor.core.owntext`; the phrases are in :mod:`monitor.core.quoting`.
"""

from __future__ import annotations

import itertools
import re

from monitor.core.contactline import (
    has_contact,
    is_contact_line,
    personal_detail,
    speaks,
    without_contact_details,
)
from monitor.core.quoting import pattern

__all__ = ["SENTENCE_END", "strip_signature"]

SENTENCE_END = re.compile(r"[.!?)]\s*$")
_SIG_DELIMITER = re.compile(r"^(?:--|__)\s*$")
# A mobile footer is a line of its own: the phrase and a few more words, no sentence.
_MOBILE = re.compile(rf"^\s*(?:{pattern('mobile')})[^.!?\n]{{0,40}}$", re.IGNORECASE)
# A closing, and maybe a name or a word to whom ("Cheers, Stefan", "Thanks all"); not the start
# of a sentence that runs on ("Thanks to" / "LuceneTestCase for the fix").
_VALEDICTION = re.compile(
    rf"^\s*(?:{pattern('valedictions')})\b\s*[,.!:：，。]*\s*"
    r"(?!(?:to|for|from|with|of|in|on|at|and|the)\s*$)(?:[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*)?)?\s*$",
    re.IGNORECASE,
)
# A disclaimer that names itself, or opens with a legal claim about the message.
_DISCLAIMER = re.compile(
    r"^(?:this\s+(?:e-?mail|message)\s+(?:and\s+any\s+(?:files|attachments?)\s+(?:transmitted\s+with\s+it\s+)?)?(?:is|are|may\s+contain|contains)\s+"
    r"(?:confidential|intended|privileged)|confidentiality\s+(?:notice|note)|disclaimer\s*:|legal\s+notice|aviso\s+legal|"
    r"avis\s+de\s+confidentialité|rechtlicher\s+hinweis|vertraulichkeitshinweis|luottamuksellisuus|免责声明|保密声明|"
    r"tämä\s+(?:sähköposti|viesti)\s+on\s+luottamuksellinen|本邮件.*(?:保密|机密))",
    re.IGNORECASE,
)
# Whom a disclaimer that says what the message "is intended" for names: "This e-mail is intended
# solely for the addressee" is one; "This message is intended to start the discussion" is not.
_ADDRESSEE_WORDS = re.compile(
    r"recipient|addressee|addressed|individual|entity|named|solely|exclusively|only\s+for|"
    r"confidential|privileg|empfänger|destinataire|destinatario",
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
# A sign-off name: "Dana", "Grace Whitmore", "J.-P. Martin", or a short name in CJK script.
_NAME_LINE = re.compile(
    r"^\s*(?:[^\W\d_][\w'’.\-]*(?:\s+[^\W\d_][\w'’.\-]*){0,3}|[\u4e00-\u9fff]{2,4})\s*$"
)
_POSTSCRIPT = re.compile(r"^\s*p\.?\s?s\b", re.IGNORECASE)
# The sources a text cites, below the sign-off: "[1] https://issues.example/browse/SOLR-1".
_FOOTNOTE = re.compile(r"^\s*\[\d{1,3}\]:?\s*(?:<?https?://|www\.)", re.IGNORECASE)


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


_RULE = re.compile(r"^\s*[-_=*~]{2,}\s*$")


def _runs_on(line: str) -> bool:
    """A short line that breaks off mid-sentence ("In my absence please contact"): four words
    or more, most in lower case, the last one too, nothing closing it."""
    words = line.split()
    lower = sum(word[0].islower() for word in words)
    return (
        len(words) >= 4
        and 2 * lower > len(words)
        and words[-1][0].islower()
        and line.rstrip()[-1:].isalnum()
    )


def _looks_like_signature_tail(lines: list[str]) -> bool:
    """Lines after a valediction: a name, a title, contact details; short and few, no
    sentence and no P.S."""
    content = [line for line in lines if line.strip()]
    if len(content) > 10:
        return False
    # Below a rule ("____", "----") comes a footer the list or the company adds, in any words.
    rule = next((i for i, line in enumerate(content) if _RULE.match(line)), len(content))
    return all(
        len(line.strip()) <= 90
        and not _is_prose(line)
        and not (position < rule and _says_more(line))
        and not _POSTSCRIPT.match(line)
        and not _FOOTNOTE.match(line)
        for position, line in enumerate(content)
    )


def _says_more(line: str) -> bool:
    """A short line of text below the sign-off ("Also need the Q3 numbers", "Call if any
    questions", "Numbers attached."): three words or more, most in lower case, or a sentence
    with a word in lower case; no contact detail in it."""
    words = line.split()
    lower = sum(word[0].islower() and len(word) >= 3 for word in words)
    if len(words) < 2 or has_contact(line):
        return False
    return (len(words) >= 3 and 2 * lower >= len(words)) or (
        lower >= 1 and bool(re.search(r"\w[.!?]\s*$", line))
    )


_NOT_IN_NAMES = re.compile(
    rf"(?:^|\s)(?:{pattern('not_in_names')}|{pattern('headings')})(?=\s|$)", re.IGNORECASE
)
_HEADING = re.compile(rf"(?:^|\s)(?:{pattern('headings')})(?=\s|$)", re.IGNORECASE)
_ANSWER = re.compile(rf"^(?:{pattern('answers')})[\s.!…。！]*$", re.IGNORECASE)


# A word no name has: a digit, or three capitals in a word not all in capitals ("McDonald" and
# "DeVries" have two).
_NOT_A_NAME_WORD = re.compile(r"\d|^(?=.*[a-z])(?:[^A-Z]*[A-Z]){3}")


def _is_name(line: str) -> bool:
    stripped = line.strip()
    if not stripped or len(stripped) > 40 or not _NAME_LINE.match(stripped):
        return False
    if ".." in stripped:
        return False  # a trailing-off remark or a program's output: "Reading Lists... Done"
    if any(_NOT_A_NAME_WORD.search(word) for word in stripped.split()):
        return False  # an issue key or a class name: "SOLR-12345", "Java8", "NullPointerException"
    if _NOT_IN_NAMES.search(stripped) or _ANSWER.match(stripped):
        return False  # a heading, a form field or an answer: "Contact Us", "Approved."
    words = stripped.split()
    # Every word capitalised (names are), or a CJK name.
    return all(w[0].isupper() or "\u4e00" <= w[0] <= "\u9fff" for w in words)


def _set_apart(above: str) -> bool:
    """A lone name at the end signs off when something sets it apart from the text: a blank
    line, a finished sentence or a comma above it. Directly under an unfinished line it is the
    last item of a list ("Assorted Desserts" / "Iced Tea")."""
    return not above.strip() or bool(re.search(r"[.!?,:;)…。！？，]\s*$", above))


def _runs_on_into(above: str, line: str) -> bool:
    """Whether ``line`` continues the line above rather than starting a sign-off: the line
    above is no closing and either ends in a soft line break (white space left where a client
    wrapped a long line, RFC 3676 §4.2) with no sentence ended, or, for a single word, stops
    short of a sentence without being one ("Roy Martinez, Intel" / "Capital")."""
    if not above.strip() or _VALEDICTION.match(above):
        return False
    if above != above.rstrip() and not SENTENCE_END.search(above):
        return True
    return len(line.split()) == 1 and not _set_apart(above) and not _is_prose(above)


def _content_above(lines: list[str], index: int) -> int | None:
    """The nearest line with content above ``index``, at most three lines up."""
    for position in range(index - 1, max(-1, index - 4), -1):
        if lines[position].strip():
            return position
    return None


def _introduces(line: str) -> bool:
    """A line ending in a colon announces what follows ("Our site manager:", "You can reach
    me at:"): the name or number below it is the message, not the sender's signature."""
    stripped = line.strip()
    # A word before the colon: "(:" is a smiley, not an announcement.
    return bool(re.search(r"\w\s*[:：]$", stripped)) and not _VALEDICTION.match(stripped)


def _is_heading(line: str) -> bool:
    """A short heading in title case ("Meeting Details", "Dial-In Information"), no sentence."""
    words = line.split()
    return (
        0 < len(words) <= 4
        and all(word[0].isupper() for word in words)
        and not SENTENCE_END.search(line)
        and bool(_HEADING.search(line))
    )


def _announced(lines: list[str], index: int) -> bool:
    """The block at ``index`` follows a line that announces it, directly or above a name
    ("Please call our site manager:" / "Raj Patel" / "+44 …"), or a heading above one short
    line ("Meeting Details" / "EB 3321" / "713-853-9188")."""
    above = _content_above(lines, index)
    if above is None:
        return False
    if _introduces(lines[above]) or _is_heading(lines[above]):
        return True
    higher = _content_above(lines, above)
    if higher is None or _VALEDICTION.match(lines[above]):
        return False
    if _is_name(lines[above]):
        return _introduces(lines[higher]) or _is_heading(lines[higher])
    short = len(lines[above].strip()) <= 40 and not _is_prose(lines[above])
    return short and _is_heading(lines[higher])


def _listed_person(lines: list[str], index: int) -> bool:
    """The name at ``index`` is one of a list of people with their numbers or addresses: its
    own contact line, then another name with one, follow it; or a name and its contact line
    come right above. A signature has one name block (its title lines come before any number)."""
    content = [i for i in range(max(0, index - 8), min(len(lines), index + 12)) if lines[i].strip()]
    at = content.index(index)
    above, below = content[:at], content[at + 1 :]
    if len(above) >= 2 and has_contact(lines[above[-1]]) and _is_name(lines[above[-2]]):
        return True
    if len(below) < 3 or not has_contact(lines[below[0]]):
        return False
    return any(
        _is_name(lines[i]) and has_contact(lines[j]) for i, j in itertools.pairwise(below[1:])
    )


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

        if _runs_on_into(lines[position - 1], lines[position]):
            continue  # "Roy Martinez, Intel " / "Capital": the end of a wrapped list item
        if _announced(lines, position):
            continue  # "Please call our site manager:" / "Raj Patel" / "+44 …"
        if _listed_person(lines, position):
            continue  # "Jeff Dasovich" / "415-782-7822" / "Susan Mara" / "415-782-7802"

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
        if rest[0].strip().startswith(first) or any(has_contact(line) for line in rest):
            return position
    return None


def strip_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    removed: list[str] = []
    lines = _cut_at_markers(lines, removed)
    # Sources cited below the sign-off are the sender's: the sign-off is cut above them.
    start = _footnotes_start(lines)
    lines, footnotes = lines[:start], lines[start:]
    lines = _cut_sign_off(lines, removed)
    lines = _cut_contact_block(lines, removed)
    if footnotes:
        lines = [*lines, "", *footnotes]
    return lines, removed


def _footnotes_start(lines: list[str]) -> int:
    """Where a closing list of cited links starts ("[1] https://…", each link maybe wrapped
    onto a second line); ``len(lines)`` if the text does not end with one."""
    start = len(lines)
    for index in range(len(lines) - 1, -1, -1):
        text = lines[index].strip()
        if _FOOTNOTE.match(text):
            start = index
        elif text and (len(text.split()) > 1 or index == 0 or not lines[index - 1].strip()):
            break  # not a blank line, nor the wrapped end of the link above
    return start


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
        if not _MOBILE.match(line) or not any(other.strip() for other in lines[:index]):
            continue
        if line.lstrip()[:1].islower() and _continues_sentence(lines[index - 1]):
            continue  # "… the signed originals were" / "sent via Federal Express this morning"
        # A footer has only signature lines, a disclaimer or a line or two a client left of
        # the quote below it: "Sent via FedEx to both offices" above more sentences is text.
        if (
            disclaimer_below[index]
            or below[index] <= _MOBILE_LEFTOVER
            or (below[index] <= _FOOT_LINES and _looks_like_signature_tail(lines[index + 1 :]))
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
    """A disclaimer that names itself starts at ``index``; one that says what the message is
    "intended" for needs its addressee within three lines."""
    match = _DISCLAIMER.match(lines[index].lstrip())
    if match is None:
        return False
    if "intended" not in match.group().lower():
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
        if len(stripped) > 45 or not _VALEDICTION.match(stripped):
            continue
        before = [line for line in lines[:index] if line.strip()]
        after = [line for line in lines[index + 1 :] if line.strip()]
        if not after and stripped[-1:] in ".!":
            break  # a closing sentence ("Thanks.") with no name or signature below it
        if stripped[-1:] in ".!" and after and _VALEDICTION.match(after[0].strip()):
            continue  # "Thanks." ends the text; the sign-off is the closing below it
        if before and _looks_like_signature_tail(lines[index + 1 :]):
            removed.append("valediction")
            return lines[:index]
    cut = _sign_off_name(lines)
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
    if trailing and (_continues_sentence(above) or _runs_on(above)):
        trailing = 0  # a sentence wrapped before its phone number or link: "call me on\n+44 …"
    name = len(lines) - trailing - 1
    if trailing and name >= 0 and _is_name(lines[name]) and _listed_person(lines, name):
        trailing = 0  # the last of a list of people and their numbers
    if trailing and _announced(lines, len(lines) - trailing):
        trailing = 0  # "Duty desk over the weekend:" / "+44 …": what the text gives
    if trailing and trailing < len([line for line in lines if line.strip()]):
        lines = lines[: len(lines) - trailing]
        removed.append("contact_block")
    return lines
