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
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    N_SCALAR,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
    negated,
)

from monitor.core.model import Sentence

#: VADER's own convention: compound ≥ 0.05 positive, ≤ −0.05 negative.
NEUTRAL_BAND = 0.05
MAX_SENTENCES = 60
MAX_SENTENCE_CHARS = 600
SCORED_LANGUAGES = frozenset({"en"})
#: VADER reads a short text whole only up to this size; a longer one is scored by its sentences.
#: No real message comes near it (the longest own text of up to four sentences in the public
#: corpora is far shorter); it bounds what one VADER call reads.
WHOLE_TEXT_MAX_CHARS = 16 * 1024
#: At most this many emoticons and emoji are read from a text in another language.
MAX_SIGNS = 60
#: Where the per-language tone overrides live (``tone.<language>.toml``).
TONE_DIR = Path(__file__).resolve().parent.parent / "lexicon"
#: A message at or below this score counts as a negative message for friction.
NEGATIVE_MESSAGE = -0.3

_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])|\n\s*\n|\n(?=\s*[-*•]\s)")
_LETTERS = re.compile(r"[^\W\d_]{2,}")
# A greeting carries no opinion of the matter ("Dear" is positive in VADER's lexicon).
_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|dear|good\s+(?:morning|afternoon|evening))(?:\s+[^\s.!?,:]+){0,3}\s*(?:[,:]\s*)?$",
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


#: How many sentences a message's score keeps as its evidence: those that moved it most.
EVIDENCE = 3


class Scorer(Protocol):
    def polarity_scores(self, text: str) -> dict[str, float]: ...


@dataclass(frozen=True, slots=True)
class Scored:
    compound: float | None  # None: not scored (language, or nothing to score)
    sentences: int
    evidence: tuple[Sentence, ...]
    #: Each sentence as VADER read it, with its score, when they were scored one by one.
    scored: tuple[tuple[str, float], ...] = ()


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
    signs = signs_of(text)[:MAX_SIGNS]
    if not signs:
        return Scored(None, 0, ())
    compound = scorer.polarity_scores(" ".join(signs))["compound"]
    if abs(compound) < NEUTRAL_BAND:
        return Scored(None, 0, ())
    return Scored(round(compound, 4), 0, ())


def _read_whole(text: str, sentences: int) -> str | None:
    """The text as VADER reads it whole (greeting lines left out), as it was calibrated: when it
    has at most WHOLE_TEXT_SENTENCES sentences and fits WHOLE_TEXT_MAX_CHARS; else None."""
    if sentences > WHOLE_TEXT_SENTENCES:
        return None
    whole = "\n".join(line for line in text.split("\n") if not _GREETING.match(line))
    return whole if len(whole) <= WHOLE_TEXT_MAX_CHARS else None


def score(
    text: str,
    language: str | None,
    scorer: Scorer,
    *,
    keep_text: bool = True,
    evidence: int = EVIDENCE,
) -> Scored:
    """Sentence-level VADER on own text; outside English, only emoticons and emoji are read."""
    if language not in SCORED_LANGUAGES:
        return _score_signs(text, scorer)
    pieces = sentences_of(text)
    if not pieces:
        return Scored(None, 0, ())
    whole = _read_whole(text, len(pieces))
    if evidence == 0 and whole is not None:
        # Only the score is wanted, and a short text is read whole: no sentence one by one.
        return Scored(round(scorer.polarity_scores(whole)["compound"], 4), len(pieces), ())
    compounds = [scorer.polarity_scores(piece)["compound"] for piece in pieces]
    kept = _strongest(pieces, compounds, evidence, keep_text)
    overall = scorer.polarity_scores(whole)["compound"] if whole is not None else combine(compounds)
    return Scored(round(overall, 4), len(pieces), kept, tuple(zip(pieces, compounds, strict=True)))


def _strongest(
    pieces: list[str], compounds: list[float], evidence: int, keep_text: bool
) -> tuple[Sentence, ...]:
    """The ``evidence`` sentences that moved the score most, in text order (none under 0.3)."""
    strongest = sorted(range(len(pieces)), key=lambda i: -abs(compounds[i]))[:evidence]
    return tuple(
        Sentence(index=i, compound=round(compounds[i], 4), text=pieces[i] if keep_text else None)
        for i in sorted(strongest)
        if abs(compounds[i]) >= 0.3
    )


def score_again(
    text: str, first: Scored, scorer: Scorer, changed: Callable[[str], bool], *, evidence: int = 0
) -> Scored:
    """What ``score(text, language, scorer, evidence=evidence)`` gives for the text ``first``
    scored one sentence at a time with another scorer: only the sentences ``changed`` says the
    two read differently are scored again (a long text's other sentences keep their scores;
    a short text read whole is read whole again, and its sentences one by one only for the
    ``evidence`` they give)."""
    whole = _read_whole(text, len(first.scored))
    if whole is not None and evidence == 0:
        return Scored(round(scorer.polarity_scores(whole)["compound"], 4), len(first.scored), ())
    pieces = [piece for piece, _ in first.scored]
    compounds = [
        scorer.polarity_scores(piece)["compound"] if changed(piece) else compound
        for piece, compound in first.scored
    ]
    overall = scorer.polarity_scores(whole)["compound"] if whole is not None else combine(compounds)
    kept = _strongest(pieces, compounds, evidence, keep_text=True)
    return Scored(round(overall, 4), len(pieces), kept, tuple(zip(pieces, compounds, strict=True)))


def _lower(words: list[Any], index: int) -> str:
    return str(words[index]).lower()


class LinearVader(SentimentIntensityAnalyzer):  # type: ignore[misc]
    """VADER with the same scores in time linear in its input.

    VADER 3.3.2 lowers a copy of the whole token list for every sentiment word it checks for
    negations and idioms, which makes a long run of lexicon words (emoji expand to several)
    quadratic. These two checks read the same few neighbouring words, lowered one by one, with
    the same negative-index wrap-around at the start of the text, so every score is unchanged.
    """

    @staticmethod
    def _negation_check(valence: float, words: list[Any], start_i: int, i: int) -> float:
        def w(k: int) -> str:
            return _lower(words, k)

        if start_i == 0 and negated([w(i - 1)]):
            valence = valence * N_SCALAR
        if start_i == 1:
            if w(i - 2) == "never" and (w(i - 1) == "so" or w(i - 1) == "this"):
                valence = valence * 1.25
            elif w(i - 2) == "without" and w(i - 1) == "doubt":
                pass
            elif negated([w(i - (start_i + 1))]):
                valence = valence * N_SCALAR
        if start_i == 2:
            if (w(i - 3) == "never" and (w(i - 2) == "so" or w(i - 2) == "this")) or (
                w(i - 1) == "so" or w(i - 1) == "this"
            ):
                valence = valence * 1.25
            elif w(i - 3) == "without" and (w(i - 2) == "doubt" or w(i - 1) == "doubt"):
                pass
            elif negated([w(i - (start_i + 1))]):
                valence = valence * N_SCALAR
        return valence

    @staticmethod
    def _special_idioms_check(valence: float, words: list[Any], i: int) -> float:
        three, two, one, zero = (_lower(words, i - k) for k in (3, 2, 1, 0))
        for seq in (
            f"{one} {zero}",
            f"{two} {one} {zero}",
            f"{two} {one}",
            f"{three} {two} {one}",
            f"{three} {two}",
        ):
            if seq in SPECIAL_CASES:
                valence = SPECIAL_CASES[seq]
                break
        if len(words) - 1 > i:
            zeroone = f"{zero} {_lower(words, i + 1)}"
            if zeroone in SPECIAL_CASES:
                valence = SPECIAL_CASES[zeroone]
        if len(words) - 1 > i + 1:
            zeroonetwo = f"{zero} {_lower(words, i + 1)} {_lower(words, i + 2)}"
            if zeroonetwo in SPECIAL_CASES:
                valence = SPECIAL_CASES[zeroonetwo]
        # booster/dampener n-grams such as "sort of" or "kind of"
        for n_gram in (f"{three} {two} {one}", f"{three} {two}", f"{two} {one}"):
            if n_gram in BOOSTER_DICT:
                valence = valence + BOOSTER_DICT[n_gram]
        return valence


def work_words(language: str = "en", directory: Path = TONE_DIR) -> frozenset[str]:
    """The words of ``tone.<language>.toml`` that describe work, not feelings ("error",
    "fails", "broken"), chosen from data by bench/work_words.py; none for a language without one."""
    path = directory / f"tone.{language}.toml"
    if not path.exists():
        return frozenset()
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return frozenset(str(t).casefold() for t in data.get("work", {}).get("terms", []))


class DomainVader(LinearVader):
    """VADER for business mail: words that describe work carry no valence, so "What error do
    you get?" is a question, not a complaint. Everything else — affect words, intensifiers,
    negation, emoji — is VADER's own; with no work words it scores exactly as VADER does."""

    def __init__(self, neutral: Iterable[str] = ()) -> None:
        super().__init__()
        #: VADER's whole lexicon, for uses that need every word (language detection).
        self.general = dict(self.lexicon)
        self.neutral = frozenset(neutral)
        for word in self.neutral:
            self.lexicon.pop(word, None)

    @classmethod
    def load(cls, language: str = "en") -> DomainVader:
        return cls(work_words(language))
