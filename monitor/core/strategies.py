"""The politeness strategies as data: each a name, where in a sentence it shows, and its terms,
read from ``monitor/lexicon/politeness.<language>.toml`` (see :mod:`monitor.core.politeness`)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicon"
WHERE = (
    "anywhere",
    "start",
    "not_start",
    "text_start",
    "question",
    "statement_start",
)
#: A word token of a lower-cased text ("don't", "q3"), or a question mark.
TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|\?")


@dataclass(frozen=True, slots=True)
class Strategy:
    name: str
    where: str
    words: frozenset[str]  # single-word terms
    phrases: tuple[str, ...]  # multi-word terms, as " a b "
    within: int = 1
    at_least: int = 1  # times the terms occur in the whole text (where = "anywhere" only)
    heads: frozenset[str] = frozenset()  # the first words of the phrases
    #: The phrases by their first word: only those whose first word is present can occur.
    by_head: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False, compare=False)
    #: Each phrase's words: only a phrase whose every word is present can occur.
    words_of: Mapping[str, frozenset[str]] = field(default_factory=dict, hash=False, compare=False)

    @property
    def whole_text(self) -> bool:
        """Found anywhere, once is enough: shows in a sentence exactly when it shows in the
        whole text with its sentences kept apart, so it is read once."""
        return self.where == "anywhere" and self.at_least == 1

    def count(self, tokens: list[str], padded: str, present: set[str]) -> int:
        """How often the terms occur in one sentence (``present``: its set of tokens)."""
        n = sum(1 for t in tokens if t in self.words)
        return n + sum(padded.count(p) for p in self._phrases(present))

    def _phrases(self, present: set[str]) -> list[str]:
        """The phrases whose every word is among the words ``present`` (only those can occur;
        most that start with a word present lack another, and are not searched for)."""
        if self.heads.isdisjoint(present):
            return []
        words_of = self.words_of
        return [
            p
            for head in self.heads.intersection(present)
            for p in self.by_head[head]
            if words_of[p] <= present
        ]

    def _opens(self, tokens: list[str], padded: str) -> bool:
        """A term among the first ``within`` words of the sentence."""
        opening = tokens[: self.within]
        if not self.words.isdisjoint(opening):
            return True
        if self.heads.isdisjoint(opening):
            return False
        for phrase in self.phrases:
            at = padded.find(phrase)
            if at >= 0 and padded.count(" ", 0, at + 1) <= self.within:
                return True
        return False

    def found(self, tokens: list[str], padded: str, present: set[str], first: bool) -> bool:
        """Whether the strategy shows in one sentence: its tokens, as ``padded`` text, as the
        set ``present``; ``first``: the text's first sentence."""
        asked = "?" in present
        if (
            (self.where == "text_start" and not first)
            or (self.where == "question" and not asked)
            or (self.where == "statement_start" and asked)
        ):
            return False
        if self.where in ("start", "text_start", "statement_start"):
            return self._opens(tokens, padded)
        if self.where == "not_start":
            return not self.words.isdisjoint(tokens[1:]) or any(
                padded.find(p) > 0 for p in self._phrases(present)
            )
        return not self.words.isdisjoint(present) or any(
            p in padded for p in self._phrases(present)
        )


def load_strategies(language: str = "en", directory: Path = LEXICON_DIR) -> tuple[Strategy, ...]:
    """The strategies of ``politeness.<language>.toml``; a clear error names a bad entry."""
    path = directory / f"politeness.{language}.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out = []
    for name, table in data.items():
        where = table.get("where", "anywhere")
        if where not in WHERE:
            raise ValueError(f"{path.name}: strategy {name!r} has unknown where={where!r}")
        at_least = int(table.get("at_least", 1))
        if at_least > 1 and where != "anywhere":
            raise ValueError(f"{path.name}: strategy {name!r} counts terms only anywhere")
        terms = [" ".join(TOKEN.findall(t.casefold())) for t in table.get("terms", [])]
        phrases = [t for t in terms if " " in t]
        by_head: dict[str, list[str]] = {}
        for phrase in phrases:
            by_head.setdefault(phrase.split()[0], []).append(f" {phrase} ")
        out.append(
            Strategy(
                name=name,
                where=where,
                words=frozenset(t for t in terms if t and " " not in t),
                phrases=tuple(f" {t} " for t in phrases),
                heads=frozenset(by_head),
                by_head={head: tuple(found) for head, found in by_head.items()},
                words_of={f" {p} ": frozenset(p.split()) for p in phrases},
                within=int(table.get("within", 1)),
                at_least=at_least,
            )
        )
    return tuple(out)
