"""Phrases matched whatever their case, at the cost of a case-sensitive match where it can be.

Python's IGNORECASE folds case at every step, and on a long alternation of phrases that makes a
search several times dearer. Lower-casing ASCII text keeps its offsets and gives the same
matches for phrases written without capitals, so such text is lower-cased and matched with the
pattern compiled without IGNORECASE; other text is matched with IGNORECASE as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Caseless:
    folding: re.Pattern[str]  # IGNORECASE, for text that is not ASCII
    lower: re.Pattern[str]  # the same pattern, for lower-cased ASCII text

    @classmethod
    def of(cls, folding: re.Pattern[str]) -> Caseless:
        """``folding`` (compiled with IGNORECASE) for both readings. A pattern that could
        match ASCII text otherwise than its lower-cased form is refused: one holding a capital
        (never found in lower-cased text), a letter IGNORECASE folds onto an ASCII one, or a
        character it does not write out (an escape by code, a range beyond a-z or 0-9)."""
        literal = re.sub(r"\\.", "", folding.pattern)
        if (
            not folding.flags & re.IGNORECASE
            or literal != literal.lower()
            or _folds_to_ascii(literal)
            or _unwritten(folding.pattern)
        ):
            raise ValueError(f"not a caseless pattern: {folding.pattern[:80]!r}")
        return cls(folding, re.compile(folding.pattern, folding.flags & ~re.IGNORECASE))

    def on(self, lowered: bool) -> re.Pattern[str]:
        """The pattern for a text read by :func:`caseless_text` (``lowered``: lower-cased)."""
        return self.lower if lowered else self.folding

    def reading(self, text: str) -> tuple[re.Pattern[str], str]:
        """The pattern to match and the text to match it on: the same matches, at the same
        offsets, as the IGNORECASE pattern on ``text``."""
        read, lowered = caseless_text(text)
        return self.on(lowered), read


def caseless_text(text: str) -> tuple[str, bool]:
    """``text`` as caseless phrases read it, and whether it was lower-cased (ASCII text is):
    one reading for several phrase sets (:meth:`Caseless.on`)."""
    return (text.lower(), True) if text.isascii() else (text, False)


def _folds_to_ascii(literal: str) -> bool:
    """Whether a character outside ASCII in ``literal`` matches an ASCII letter whatever the
    case (the long s "ſ" matches "s", the Kelvin sign "K" matches "k"): IGNORECASE would find
    it in ASCII text, the lower-cased reading would not. ("ß" is not one: it upper-cases to two
    letters, and IGNORECASE folds one character to one.)"""
    return any(
        not char.isascii()
        and any(len(c) == 1 and c.isascii() for c in (char.upper(), char.lower()))
        for char in set(literal)
    )


def _unwritten(pattern: str) -> bool:
    """Whether ``pattern`` stands for characters it does not write out, which the checks for
    capitals cannot see: an escape by code ("\\x4b" is "K") or a range in a class other
    than within a-z or within 0-9 ("[@-\\]]" holds every capital). Refused whole, to be
    sure: the phrases read this way need neither."""
    in_class, first, index = False, 0, 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            code = pattern[index + 1 : index + 2]
            if code in ("x", "u", "U", "N", "0") or (in_class and code.isdigit()):
                return True
            index += 2
            continue
        if in_class and char == "]" and index > first:
            in_class = False
        elif in_class and char == "-" and index > first and pattern[index + 1 : index + 2] != "]":
            low, high = pattern[index - 1], pattern[index + 1 : index + 2]
            escaped = pattern[index - 2 : index - 1] == "\\" or high == "\\"
            if escaped or not any(low in run and high in run for run in (_LOWER, _DIGITS)):
                return True
        elif not in_class and char == "[":
            in_class = True
            first = index + 1 + (pattern[index + 1 : index + 2] == "^")
        index += 1
    return False


_LOWER = "abcdefghijklmnopqrstuvwxyz"
_DIGITS = "0123456789"
