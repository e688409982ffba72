"""Where a signature starts: the closing and the sign-off name, told from text that merely
looks like one (a heading, a listed person, a line that runs on, an announced contact).

The rules :mod:`monitor.core.signature` cuts by; split from it so each stays readable.
"""

from __future__ import annotations

import itertools
import re

from monitor.core.contactline import has_contact
from monitor.core.quoting import pattern

__all__ = [
    "FOOTNOTE",
    "SENTENCE_END",
    "VALEDICTION",
    "announced",
    "continues_sentence",
    "is_name",
    "is_prose",
    "listed_person",
    "looks_like_signature_tail",
    "runs_on",
    "sign_off_name",
]

SENTENCE_END = re.compile(r"[.!?)]\s*$")
# A closing, and maybe a name or a word to whom ("Cheers, Stefan", "Thanks all"); not the start
# of a sentence that runs on ("Thanks to" / "LuceneTestCase for the fix").
VALEDICTION = re.compile(
    rf"^\s*(?:{pattern('valedictions')})\b\s*[,.!:：，。]*\s*"
    r"(?!(?:to|for|from|with|of|in|on|at|and|the)\s*$)(?:[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*)?)?\s*$",
    re.IGNORECASE,
)
# A sign-off name: "Dana", "Grace Whitmore", "J.-P. Martin", or a short name in CJK script.
_NAME_LINE = re.compile(
    r"^\s*(?:[^\W\d_][\w'’.\-]*(?:\s+[^\W\d_][\w'’.\-]*){0,3}|[\u4e00-\u9fff]{2,4})\s*$"
)
_POSTSCRIPT = re.compile(r"^\s*p\.?\s?s\b", re.IGNORECASE)
# The sources a text cites, below the sign-off: "[1] https://issues.example/browse/SOLR-1".
FOOTNOTE = re.compile(r"^\s*\[\d{1,3}\]:?\s*(?:<?https?://|www\.)", re.IGNORECASE)


def is_prose(line: str) -> bool:
    """A line of a sentence rather than a name, title or address: many words, most of them in
    lower case, or a few that end like a sentence ("Please bring the figures.")."""
    words = line.split()
    lower = sum(word[0].islower() for word in words)
    return (
        len(words) >= 4
        and 2 * lower >= len(words)
        and (len(words) >= 6 or bool(SENTENCE_END.search(line)))
    )


def continues_sentence(line: str) -> bool:
    """The line above runs on into the next: a sentence that has not ended yet."""
    return is_prose(line) and not SENTENCE_END.search(line)


_RULE = re.compile(r"^\s*[-_=*~]{2,}\s*$")


def runs_on(line: str) -> bool:
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


def looks_like_signature_tail(lines: list[str]) -> bool:
    """Lines after a valediction: a name, a title, contact details; short and few, no
    sentence and no P.S."""
    content = [line for line in lines if line.strip()]
    if len(content) > 10:
        return False
    # Below a rule ("____", "----") comes a footer the list or the company adds, in any words.
    rule = next((i for i, line in enumerate(content) if _RULE.match(line)), len(content))
    return all(
        len(line.strip()) <= 90
        and not is_prose(line)
        and not (position < rule and _says_more(line))
        and not _POSTSCRIPT.match(line)
        and not FOOTNOTE.match(line)
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


def is_name(line: str) -> bool:
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
    if not above.strip() or VALEDICTION.match(above):
        return False
    if above != above.rstrip() and not SENTENCE_END.search(above):
        return True
    return len(line.split()) == 1 and not _set_apart(above) and not is_prose(above)


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
    return bool(re.search(r"\w\s*[:：]$", stripped)) and not VALEDICTION.match(stripped)


def _is_heading(line: str) -> bool:
    """A short heading in title case ("Meeting Details", "Dial-In Information"), no sentence."""
    words = line.split()
    return (
        0 < len(words) <= 4
        and all(word[0].isupper() for word in words)
        and not SENTENCE_END.search(line)
        and bool(_HEADING.search(line))
    )


def announced(lines: list[str], index: int) -> bool:
    """The block at ``index`` follows a line that announces it, directly or above a name
    ("Please call our site manager:" / "Raj Patel" / "+44 …"), or a heading above one short
    line ("Meeting Details" / "EB 3321" / "713-853-9188")."""
    above = _content_above(lines, index)
    if above is None:
        return False
    if _introduces(lines[above]) or _is_heading(lines[above]):
        return True
    higher = _content_above(lines, above)
    if higher is None or VALEDICTION.match(lines[above]):
        return False
    if is_name(lines[above]):
        return _introduces(lines[higher]) or _is_heading(lines[higher])
    short = len(lines[above].strip()) <= 40 and not is_prose(lines[above])
    return short and _is_heading(lines[higher])


def listed_person(lines: list[str], index: int) -> bool:
    """The name at ``index`` is one of a list of people with their numbers or addresses: its
    own contact line, then another name with one, follow it; or a name and its contact line
    come right above. A signature has one name block (its title lines come before any number)."""
    content = [i for i in range(max(0, index - 8), min(len(lines), index + 12)) if lines[i].strip()]
    at = content.index(index)
    above, below = content[:at], content[at + 1 :]
    if len(above) >= 2 and has_contact(lines[above[-1]]) and is_name(lines[above[-2]]):
        return True
    if len(below) < 3 or not has_contact(lines[below[0]]):
        return False
    return any(
        is_name(lines[i]) and has_contact(lines[j]) for i, j in itertools.pairwise(below[1:])
    )


def sign_off_name(lines: list[str]) -> int | None:
    """Where a sign-off name starts the signature: "Grace" followed by "Grace Whitmore, Head
    of …", or a lone first name as the last line."""
    content = [i for i, line in enumerate(lines) if line.strip()]
    if len(content) < 2:
        return None
    for position in content[-12:]:
        if position == content[0] or not is_name(lines[position]):
            continue
        if VALEDICTION.match(lines[position]):
            continue  # "Thanks." is a closing word, weighed by the valediction rule
        if continues_sentence(lines[position - 1]):
            continue  # "… the spreadsheets from\nAccounts Receivable."

        if _runs_on_into(lines[position - 1], lines[position]):
            continue  # "Roy Martinez, Intel " / "Capital": the end of a wrapped list item
        if announced(lines, position):
            continue  # "Please call our site manager:" / "Raj Patel" / "+44 …"
        if listed_person(lines, position):
            continue  # "Jeff Dasovich" / "415-782-7822" / "Susan Mara" / "415-782-7802"

        first = lines[position].split()[0]
        rest = [line for line in lines[position + 1 :] if line.strip()]
        if not rest:
            if len(lines[position].split()) <= 2 and _set_apart(lines[position - 1]):
                return position
            continue
        if not looks_like_signature_tail(lines[position + 1 :]):
            continue
        if len(lines[position].split()) == 1 and is_name(rest[0]) and first not in rest[0]:
            continue  # a heading ("FYI", "Logistics") above the real sign-off name
        if rest[0].strip().startswith(first) or any(has_contact(line) for line in rest):
            return position
    return None
