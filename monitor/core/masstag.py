"""Random tags of mass mail, one of the traits of :mod:`monitor.core.bulk`.

Mass-mailing software makes every copy unique so that checksum filters cannot match them. Read
at ingest from the sender's own part of the body and the subject; never in a reply.
"""

from __future__ import annotations

import re

__all__ = ["random_tag"]

# A random tag that mass-mailing software appends so that no two copies are alike and checksum
# filters cannot match them: a lone token ending the text ("1918BQhX5-227CpaM0598cJWr2-912Ym",
# "mcmfkhcpedgetqj"), or a token set off by a long run of spaces at the end of the subject
# ("Lowest rates of the year                    NTICY"). A person's text ends with words, a
# name, a link or an address, and a folded subject is unfolded with single spaces.
_TAG_LINE = re.compile(r"(?:\(\w{1,3}\))?([A-Za-z0-9][\w-]{7,79})")
_ANNOUNCES = re.compile(r"\w\s*[:：]$")
_PADDED_SUBJECT = re.compile(r"\S[ \t]{8,}\S{1,24}[ \t]*$")
_VOWELS = frozenset("aeiou")


def _class_runs(token: str) -> int:
    """How many runs of digits, capitals and small letters ``token`` has ("ab12Cd" has 4)."""
    runs, last = 0, ""
    for char in token:
        kind = "d" if char.isdigit() else "u" if char.isupper() else "l" if char.islower() else ""
        if kind and kind != last:
            runs += 1
        last = kind or last
    return runs


def _random_token(token: str) -> bool:
    if any(char.isdigit() for char in token) and any(char.isalpha() for char in token):
        # Digits, capitals and small letters mixed at random; a reference ("B2B-2026-Q3") or a
        # commit id ("9f3c2a1e7b0d") keeps to one case.
        cased = any(char.isupper() for char in token) and any(char.islower() for char in token)
        return cased and _class_runs(token) >= 4
    if token.isalpha() and token.islower() and len(token) >= 12:
        # Words, even long compounds, are about two-fifths vowels.
        return sum(char in _VOWELS for char in token) < 0.3 * len(token)
    return False


def random_tag(body: str, subject: str) -> bool:
    """A random tag of mass mail at the end of the text or of the subject."""
    if _PADDED_SUBJECT.search(subject):
        return True
    above, _, last = body.rstrip().rpartition("\n")
    match = _TAG_LINE.fullmatch(last.strip())
    if not match or not above.strip() or _ANNOUNCES.search(above.rstrip()[-200:]):
        return False  # a code or key the text announces ("Your access code:") is content
    return _random_token(match.group(1))
