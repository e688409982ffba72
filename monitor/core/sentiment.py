"""Sentiment of own text: VADER, sentence by sentence.

VADER normalises the summed valence of its whole input, so long text saturates towards ±1 and
one angry paragraph drowns in polite ones; scored per sentence and then combined, a message
says what it says. Only English is scored: VADER has no lexicon for other languages, and a
German complaint scored 0.0 would read as "neutral" when it is "unscored".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from monitor.core.model import Sentence

#: VADER's own convention: compound ≥ 0.05 positive, ≤ −0.05 negative.
NEUTRAL_BAND = 0.05
MAX_SENTENCES = 60
MAX_SENTENCE_CHARS = 600
SCORED_LANGUAGES = frozenset({"en"})

_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])|\n\s*\n|\n(?=\s*[-*•]\s)")
_LETTERS = re.compile(r"[^\W\d_]{2,}")
# Lines that carry no opinion of the matter: greetings and sign-offs.
_FORMULA = re.compile(
    r"^\s*(?:hi|hello|hey|dear|good\s+(?:morning|afternoon))\b[^.!?]{0,40}[,!:]?\s*$|"
    r"^\s*(?:(?:best|kind|warm)\s+regards|regards|best|cheers|thanks|many\s+thanks|thank\s+you)[,.!]?\s*$",
    re.IGNORECASE,
)


class Scorer(Protocol):
    def polarity_scores(self, text: str) -> dict[str, float]: ...


@dataclass(frozen=True, slots=True)
class Scored:
    compound: float | None  # None: not scored (language, or nothing to score)
    sentences: int
    evidence: tuple[Sentence, ...]


def sentences_of(text: str) -> list[str]:
    pieces = []
    for block in _SPLIT.split(text):
        block = " ".join(block.split())
        if not block or not _LETTERS.search(block) or _FORMULA.match(block):
            continue
        pieces.append(block[:MAX_SENTENCE_CHARS])
        if len(pieces) >= MAX_SENTENCES:
            break
    return pieces


def combine(compounds: list[float]) -> float:
    """One score for a message from its sentences' scores.

    The mean over opinionated sentences (outside VADER's neutral band), so that factual
    sentences ("The meeting is at 10.") neither dilute a complaint nor invent neutrality; a
    message with no opinionated sentence is neutral (0.0), which is a score, not "unscored".
    """
    opinionated = [c for c in compounds if abs(c) >= NEUTRAL_BAND]
    if not opinionated:
        return 0.0
    return sum(opinionated) / len(opinionated)


def score(text: str, language: str | None, scorer: Scorer, *, keep_text: bool = True, evidence: int = 3) -> Scored:
    """Sentence-level VADER on own text; unscored outside English."""
    if language not in SCORED_LANGUAGES:
        return Scored(None, 0, ())
    pieces = sentences_of(text)
    if not pieces:
        return Scored(None, 0, ())
    compounds = [scorer.polarity_scores(piece)["compound"] for piece in pieces]
    strongest = sorted(range(len(pieces)), key=lambda i: -abs(compounds[i]))[:evidence]
    kept = tuple(
        Sentence(index=i, compound=round(compounds[i], 4), text=pieces[i] if keep_text else None)
        for i in sorted(strongest)
        if abs(compounds[i]) >= 0.3
    )
    return Scored(round(combine(compounds), 4), len(pieces), kept)
