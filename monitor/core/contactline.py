"""Contact lines of a signature: phone numbers, mail and web addresses, "Title | Company".

Dates, network addresses and the pieces of a link are masked before phone numbers are looked
for: "10/29/2001", "192.168.168.91:443" and "?id=74687410&x=1" dial nobody. Part of
:mod:`monitor.core.signature`.
"""

from __future__ import annotations

import re

from monitor.core.quoting import TABLES, alternatives

__all__ = [
    "has_contact",
    "is_contact_line",
    "personal_detail",
    "speaks",
    "without_contact_details",
]

# A day and a month (1-31) and a year, or an ISO date, with an optional time: "10/29/2001",
# "06/07/01 17-00", "2026-03-02 09:15". A date stamp is no phone number, so dates are masked
# before phone numbers are looked for.
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_DATE = re.compile(
    rf"(?<![\d/.\-])(?:{_DAY}(?P<sep>[/.\-]){_DAY}(?P=sep)(?:(?:19|20)\d\d|\d\d)"
    rf"|(?:19|20)\d\d(?P<iso>[/.\-])(?:0?[1-9]|1[0-2])(?P=iso){_DAY})"
    r"(?:\s+\d{1,2}[:.\-]\d{2}(?::\d{2})?)?(?![/.\-]?\d)"
)
# An IPv4 address, with its port if any.
_IP_ADDRESS = r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?![\d]|\.\d)"
_NOT_PHONE = re.compile(rf"{_DATE.pattern}|{_IP_ADDRESS}")
_PHONE = r"\+?\d[\d\s().\-/]{6,}\d"
# A link, or the part of one that a client wrapped onto the next line ("…?id=74687410&x=1").
_URL = re.compile(r"(?:https?://|www\.)\S+|\S*\w=\w\S*&\S*|\S*&\w+=\S*", re.IGNORECASE)

# A labelled field: "Tel: …", "Fax. …"; a one-letter label ("T:", "E:", "P.") only before a
# number, an address or a link, since "E: Couldn't find package" and "P. Smith" are no contact.
_LABEL = (
    r"^\s*(?:(?:tel|phone|mobile|mob|fax)\s*[.:]|[mtpe]\s*[.:]\s*(?=[+(\d]|[^\s@]+@|www\.|https?:))"
)

_CONTACT_LINE = re.compile(
    rf"(?:{_PHONE}|https?://|www\.|\S+@\S+\.\w+|\s\|\s|{_LABEL}"
    r"|^\s*\[[^\]]*(?:logo|image)[^\]]*\]\s*$)",
    re.IGNORECASE,
)


_CONTACT_DETAIL = re.compile(rf"https?://\S+|www\.\S+|\S+@\S+\.\w+|{_PHONE}", re.IGNORECASE)


# What says who the sender is: a phone number, a mail address, a labelled field, "Title | Org".
# Read outside links: the digits of a link ("?issue=10/29/2001", "/id/71355501") dial nobody.
_PERSONAL_DETAIL = re.compile(rf"\S+@\S+\.\w+|{_PHONE}|\s\|\s|{_LABEL}", re.IGNORECASE)


def _undated(line: str) -> str:
    """``line`` with the digits of its dates and network addresses masked ("06/07/01" ->
    "##/##/##", "192.168.1.20:443" -> "###.###.#.##:###"): neither is a phone number."""
    return _NOT_PHONE.sub(lambda match: re.sub(r"\d", "#", match.group()), line)


def personal_detail(line: str) -> bool:
    """Something that says who the sender is: a phone number, a mail address, a labelled
    field or "Title | Org", read outside links."""
    # Only contact lines (at most 100 characters) are read here, which bounds _URL's work.
    return bool(_PERSONAL_DETAIL.search(_URL.sub(" ", _undated(line))))


def is_contact_line(line: str) -> bool:
    """A signature line: phone, web or mail address, or "Title | Company", with little prose.

    A sentence that ends with a link ("The deck is here: https://…") is not a signature.
    """
    text = line.strip()
    if not text or len(text) > 100:
        return False
    text = _undated(text)
    if not _CONTACT_LINE.search(text):
        return False
    rest = _CONTACT_DETAIL.sub("", text).strip()
    if re.search(r"[.!?](?:\s|$)", rest) and not re.match(
        r"^(?:tel|phone|mobile|mob|fax|m|t|p|e)\s*[.:]", rest, re.IGNORECASE
    ):
        return False
    return len(rest) <= 45


def has_contact(line: str) -> bool:
    """``line`` holds a phone number, a mail or web address or a labelled contact field."""
    return bool(_CONTACT_LINE.search(_undated(line)))


def without_contact_details(line: str) -> str:
    """What is left of ``line`` once its contact details are taken out."""
    return _CONTACT_DETAIL.sub("", _undated(line)).strip()


# The words a sentence speaks with, as written ("me", "My"; never "ME" or "MA", a state code in
# an address), from every language table.
_SPEAKER = re.compile(
    r"(?<!\w)(?:"
    + alternatives(
        [
            form
            for table in TABLES
            for word in table.speaker_words
            for form in (word, word[:1].upper() + word[1:])
        ]
    )
    + r")(?!\w)"
)


def speaks(line: str) -> bool:
    """``line`` leads up to its contact details with "me", "my", "you" …: "Call me at
    713-853-9188" gives a number in the text; a signature line only names the field (a note
    after the link, "http://observer.example/ (my blog)", is still the signature's)."""
    text = _undated(line)
    detail = _CONTACT_DETAIL.search(text)
    return bool(_SPEAKER.search(text, 0, detail.start() if detail else len(text)))
