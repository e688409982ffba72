"""Sentiment of own text: VADER, sentence by sentence.

VADER normalises the summed valence of its whole input, so long text saturates towards ±1 and
one angry paragraph drowns in polite ones; scored per sentence and then combined, a message
says what it says. Only English words are scored: VADER has no lexicon for other languages, and
a German complaint scored 0.0 would read as "neutral" when it is "unscored". Emoticons and emoji
are the exception, because they mean the same in every language: a Dutch "Top, bedankt! :)" or
a Chinese "好的😊" is scored from those signs alone (as VADER reads them: it has no tone for some
emoji, such as 👍). A message in another language without them stays unscored.
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
#: A message at or below this score counts as a negative message for friction.
NEGATIVE_MESSAGE = -0.3

_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])|\n\s*\n|\n(?=\s*[-*•]\s)")
_LETTERS = re.compile(r"[^\W\d_]{2,}")
# A greeting carries no opinion of the matter ("Dear" is positive in VADER's lexicon).
_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|dear|good\s+(?:morning|afternoon|evening))(?:\s+[^\s.!?,:]+){0,3}\s*[,:]?\s*$",
    re.IGNORECASE,
)
# Signs that mean the same in every language: western emoticons standing alone (":)", ";-)",
# ":(", ":D", "xD", "<3") and emoji. "8)" and "x)" are left out: "(items 7 and 8)" is no smile.
_EMOTICON = (
    r"(?<!\S)(?:[>}]?[:;=]['\-^o*]?[()\[\]dDpP/\\|*$@3]+|[()\[\]/\\|]+['\-^o]?[:;=]|xD+|XD+|</?3+|\^_*\^)"
    r"(?=[\s.,!?]|$)"
)
_EMOJI = "[\U0001f300-\U0001faff\u2600-\u27bf]"
_SIGNS = re.compile(f"{_EMOTICON}|{_EMOJI}")


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
        if not block or not _LETTERS.search(block) or _GREETING.match(block):
            continue
        pieces.append(block[:MAX_SENTENCE_CHARS])
        if len(pieces) >= MAX_SENTENCES:
            break
    return pieces


#: Up to this many sentences VADER reads the text as a whole, as it was calibrated to; beyond,
#: its normalisation saturates and the sentences are scored one by one.
WHOLE_TEXT_SENTENCES = 4


def combine(compounds: list[float]) -> float:
    """One score for a message from its sentences' scores.

    The mean over opinionated sentences (outside VADER's neutral band), each weighted by its
    own strength: factual sentences ("The meeting is at 10.") neither dilute a complaint nor
    invent neutrality, and a sentence that says something strongly ("Sadly, that was a long,
    long time ago.") outweighs a lukewarm one. A message with no opinionated sentence is
    neutral (0.0), which is a score, not "unscored".
    """
    opinionated = [c for c in compounds if abs(c) >= NEUTRAL_BAND]
    if not opinionated:
        return 0.0
    return sum(c * abs(c) for c in opinionated) / sum(abs(c) for c in opinionated)


def signs_of(text: str) -> list[str]:
    """The emoticons and emoji in ``text``, in order."""
    return _SIGNS.findall(text)


def _score_signs(text: str, scorer: Scorer) -> Scored:
    """A message in a language VADER cannot read, scored from its emoticons and emoji alone;
    unscored when it has none, or none that VADER gives a tone."""
    signs = signs_of(text)
    if not signs:
        return Scored(None, 0, ())
    compound = scorer.polarity_scores(" ".join(signs))["compound"]
    if abs(compound) < NEUTRAL_BAND:
        return Scored(None, 0, ())
    return Scored(round(compound, 4), 0, ())


def score(
    text: str, language: str | None, scorer: Scorer, *, keep_text: bool = True, evidence: int = 3
) -> Scored:
    """Sentence-level VADER on own text; outside English, only emoticons and emoji are read."""
    if language not in SCORED_LANGUAGES:
        return _score_signs(text, scorer)
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
    if len(pieces) <= WHOLE_TEXT_SENTENCES:
        # Short text: VADER on all of it, as it was calibrated (greeting lines left out).
        body = "\n".join(line for line in text.split("\n") if not _GREETING.match(line))
        overall = scorer.polarity_scores(body)["compound"]
    else:
        overall = combine(compounds)
    return Scored(round(overall, 4), len(pieces), kept)
