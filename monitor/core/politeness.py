"""How impolite a message's own text reads: a linear model over politeness strategies.

The features are the politeness strategies of Danescu-Niculescu-Mizil et al. (ACL 2013) —
gratitude, deference, greeting, apologising, "please", indirect openers, direct questions and
starts, counterfactual and indicative modals, first and second person, hedges, factuality,
positive and negative words — with more of Brown and Levinson's theory they come from
(reassurance, optimism, asking the reader's view or leave), the features of Yeomans et al.'s
politeness package (acknowledgement, disagreement, "let me know", bare commands, reasons,
swearing) and the challenges of Culpeper's impoliteness ("are you sure …?", "why did you …?"),
read from ``monitor/lexicon/politeness.<language>.toml``, plus a few plain signs (a question,
several questions, "!!", shouting, several charged words, a strongly negative word) and,
weighted small, word unigrams and bigrams of a limited vocabulary. Words that describe work,
not feelings (``tone.<language>.toml``), are no charged words. The weights are data
(``monitor/lexicon/politeness.v<N>.json``), trained by ``bench/train_politeness.py`` on
human-rated requests. Scoring is a dot product and a logistic:
no parser, no run-time dependency beyond the standard library."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from pathlib import Path

from monitor.core.sentiment import work_words
from monitor.core.strategies import LEXICON_DIR, TOKEN, Strategy, load_strategies

MODEL_FILE = LEXICON_DIR / "politeness.v3.json"
#: VADER valence at or beyond which a word counts as a positive (negative) lexicon word.
LEXICON_VALENCE = 1.5
#: Valence at or beyond which a word counts towards "several" positive (negative) words, and
#: at or below which a word is strongly negative ("idiot", "disgusting"): the paper's single
#: positive and negative features say nothing of how many or how strong.
SEVERAL_VALENCE = 1.0
STRONG_NEGATIVE = -2.5
#: At most this much of a text is read: requests are short; a long message's opening says how
#: it addresses the reader.
MAX_CHARS = 4000
#: Prefix of word n-gram features: "w:please", "w:what_is".
NGRAM = "w:"

_TOKEN = TOKEN
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_TOKEN_OR_BREAK = re.compile(f"{_TOKEN.pattern}|{_SENTENCE.pattern}")
_SHOUT = re.compile(r"\b[A-Z]{4,}\b")
_CAPITALS = re.compile(r"[A-Z]{4}")  # in every shout, and found in a third of its time
_MARKS = ("!!", "!?", "?!", "??")  # "!!", "?!", "???": two in a row are in every run


def sentences(text: str) -> list[list[str]]:
    """Lower-cased word tokens of each sentence: the text split where :data:`_SENTENCE` matches,
    each piece's :data:`_TOKEN`s, empty pieces left out. Read in one scan (tokens hold no white
    space, and the breaks are white space only, so the two never overlap)."""
    lowered = text[:MAX_CHARS].replace("\u2019", "'").casefold()
    out: list[list[str]] = []
    tokens: list[str] = []
    for found in _TOKEN_OR_BREAK.findall(lowered):
        if found[0].isspace():
            if tokens:
                out.append(tokens)
                tokens = []
        else:
            tokens.append(found)
    if tokens:
        out.append(tokens)
    return out


@dataclass(frozen=True)
class Features:
    """Builds the feature set of a text: strategy names, plain signs, and word n-grams."""

    strategies: tuple[Strategy, ...]
    positive: frozenset[str] = frozenset()
    negative: frozenset[str] = frozenset()
    valence: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def load(cls, valence: Mapping[str, float], language: str = "en") -> Features:
        """``valence``: a word → valence lexicon (VADER's) for the positive/negative features.
        Words that describe work, not feelings (``tone.<language>.toml``: "error", "problem")
        are no lexicon words here either: "Problem solved!" is no negative request."""
        work = work_words(language)
        valence = {w: v for w, v in valence.items() if w not in work}
        return cls(
            load_strategies(language),
            positive=frozenset(w for w, v in valence.items() if v >= LEXICON_VALENCE),
            negative=frozenset(w for w, v in valence.items() if v <= -LEXICON_VALENCE),
            valence={w: v for w, v in valence.items() if abs(v) >= SEVERAL_VALENCE},
        )

    def _index(self) -> dict[str, tuple[int, ...]]:
        """Word → the positions of the strategies read sentence by sentence that have it as a
        term or a phrase's first word (a strategy none of whose words is in a sentence cannot
        show in it)."""
        index: dict[str, list[int]] = {}
        for position, strategy in enumerate(self.strategies):
            if not strategy.whole_text:
                for word in strategy.words | strategy.heads:
                    index.setdefault(word, []).append(position)
        return {word: tuple(positions) for word, positions in index.items()}

    @cached_property
    def _by_word(self) -> dict[str, tuple[int, ...]]:
        return self._index()

    @cached_property
    def _whole_words(self) -> dict[str, tuple[int, ...]]:
        """Word → the positions of the strategies read over the whole text that have it as a
        single-word term: one such word in the text is enough."""
        index: dict[str, list[int]] = {}
        for position, strategy in enumerate(self.strategies):
            if strategy.whole_text:
                for word in strategy.words:
                    index.setdefault(word, []).append(position)
        return {word: tuple(positions) for word, positions in index.items()}

    @cached_property
    def _whole_phrases(self) -> dict[str, tuple[tuple[str, frozenset[str], int], ...]]:
        """Word → the phrases of the strategies read over the whole text that have it, each as
        padded text, its words, and its strategy's position. A phrase can only be in a text
        that has all of its words, so it is filed under one of them, its longest: a short
        word ("i", "you", "to") starts many phrases and is in most texts."""
        index: dict[str, list[tuple[str, frozenset[str], int]]] = {}
        for position, strategy in enumerate(self.strategies):
            if strategy.whole_text:
                for phrase in strategy.phrases:
                    needs = strategy.words_of[phrase]
                    key = max(sorted(needs), key=len)
                    index.setdefault(key, []).append((phrase, needs, position))
        return {word: tuple(phrases) for word, phrases in index.items()}

    def strategy_names(self) -> list[str]:
        signs = [
            "question",
            "questions",
            "marks",
            "shouting",
            "positive",
            "negative",
            "positive_words",
            "negative_words",
            "strong_negative",
        ]
        return [s.name for s in self.strategies] + signs

    def of(self, text: str, *, ngrams: bool = True) -> set[str]:
        """The names of the features present in ``text`` (all binary)."""
        parsed = sentences(text)
        found = self.named(text, parsed)
        if ngrams:
            for tokens in parsed:
                found.update(NGRAM + t for t in tokens)
                found.update(f"{NGRAM}{a}_{b}" for a, b in pairwise(tokens))
        return found

    def named(self, text: str, parsed: list[list[str]]) -> set[str]:
        """The strategies and plain signs present in ``text`` (``parsed``: its sentences)."""
        found: set[str] = set()
        strategies = self.strategies
        counts = [0] * len(strategies)
        words: set[str] = set()
        by_word = self._by_word
        for index, tokens in enumerate(parsed):
            present = set(tokens)
            words |= present
            hits = by_word.keys() & present
            if not hits:
                continue
            padded = f" {' '.join(tokens)} "
            for position in {p for t in hits for p in by_word[t]}:
                strategy = strategies[position]
                if strategy.at_least > 1:
                    counts[position] += strategy.count(tokens, padded, present)
                elif strategy.name not in found and strategy.found(
                    tokens, padded, present, index == 0
                ):
                    found.add(strategy.name)
        shown = self._whole_text(parsed, words)
        found.update(strategies[position].name for position in shown)
        found.update(
            s.name
            for s, n in zip(strategies, counts, strict=True)
            if s.at_least > 1 and n >= s.at_least
        )
        return found | self._signs(text, parsed, words)

    def _whole_text(self, parsed: list[list[str]], words: set[str]) -> set[int]:
        """The positions of the strategies read over the whole text that show in it: one of
        their words is among its ``words``, or one of their phrases (all of whose words are)
        is in its text, with its sentences kept apart by a mark no token holds, so that no
        phrase runs from one sentence into the next."""
        whole_words = self._whole_words
        shown = {p for word in whole_words.keys() & words for p in whole_words[word]}
        whole_phrases = self._whole_phrases
        whole = ""
        for key in whole_phrases.keys() & words:
            for phrase, needs, position in whole_phrases[key]:
                if position in shown or not needs <= words:
                    continue
                if not whole:
                    whole = f" {' | '.join(' '.join(tokens) for tokens in parsed)} "
                if phrase in whole:
                    shown.add(position)
        return shown

    def _signs(self, text: str, parsed: list[list[str]], words: set[str]) -> set[str]:
        found = set()
        head = text[:MAX_CHARS]
        if "?" in head:
            found.add("question")
        if sum(1 for tokens in parsed if "?" in tokens) >= 2:
            found.add("questions")
        if any(pair in head for pair in _MARKS):
            found.add("marks")
        capitals = _CAPITALS.search(head)  # a shout starts at or after the first four capitals
        if capitals and _SHOUT.search(head, capitals.start()):
            found.add("shouting")
        if words & self.positive:
            found.add("positive")
        if words & self.negative:
            found.add("negative")
        valence = self.valence
        charged = {word: valence[word] for word in valence.keys() & words}
        if _at_least_twice(parsed, [w for w, v in charged.items() if v > 0]):
            found.add("positive_words")
        if _at_least_twice(parsed, [w for w, v in charged.items() if v < 0]):
            found.add("negative_words")
        if any(v <= STRONG_NEGATIVE for v in charged.values()):
            found.add("strong_negative")
        return found


def _at_least_twice(parsed: list[list[str]], distinct: list[str]) -> bool:
    """Whether the ``distinct`` words occur at least twice in all in the sentences ``parsed``
    (two of them, or one of them twice)."""
    if len(distinct) != 1:
        return len(distinct) >= 2
    word = distinct[0]
    return sum(tokens.count(word) for tokens in parsed) >= 2


@dataclass(frozen=True)
class PolitenessModel:
    """A logistic model of impoliteness: P(impolite) = σ(intercept + Σ weights of features)."""

    features: Features
    weights: Mapping[str, float]
    intercept: float
    version: int
    language: str = "en"

    @classmethod
    def load(cls, valence: Mapping[str, float], path: Path = MODEL_FILE) -> PolitenessModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        version = int(data["version"])
        language = str(data.get("language", "en"))
        return cls(
            features=Features.load(valence, language),
            weights={str(k): float(v) for k, v in data["weights"].items()},
            intercept=float(data["intercept"]),
            version=version,
            language=language,
        )

    @cached_property
    def _grams(self) -> dict[str | tuple[str, str], float]:
        """The word n-gram weights by the word ("please") or the pair of words ("what", "is")
        they are for: scoring looks the words up without spelling out each feature's name."""
        table: dict[str | tuple[str, str], float] = {}
        for name, weight in self.weights.items():
            if name.startswith(NGRAM):
                first, _, second = name[len(NGRAM) :].partition("_")
                table[(first, second) if second else first] = weight
        return table

    @cached_property
    def _pair_starts(self) -> frozenset[str]:
        """The first words of the pairs of words that have a weight."""
        return frozenset(gram[0] for gram in self._grams if isinstance(gram, tuple))

    def logit(self, text: str) -> float:
        """The same sum as over :meth:`Features.of`'s names, faster: each distinct word and
        pair of words counts once, looked up by itself."""
        parsed = sentences(text)
        named = self.features.named(text, parsed)
        grams: set[str | tuple[str, str]] = set()
        starts = self._pair_starts  # only a pair starting with one of them can have a weight
        for tokens in parsed:
            grams.update(tokens)
            grams.update(pair for pair in pairwise(tokens) if pair[0] in starts)
        table = self._grams
        return (
            self.intercept
            + sum(self.weights.get(name, 0.0) for name in named)
            + sum(table[gram] for gram in table.keys() & grams)
        )

    def impoliteness(self, text: str) -> float:
        """The probability that people would rate ``text`` among the least polite quarter."""
        z = self.logit(text)
        if z < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def explain(self, text: str, top: int = 3) -> list[tuple[str, float]]:
        """The features that pushed ``text`` most towards impolite, strongest first."""
        present = self.features.of(text)
        pushes = [(name, self.weights[name]) for name in present if self.weights.get(name, 0) > 0]
        return sorted(pushes, key=lambda item: -item[1])[:top]
