"""Friction, pressure and in-the-dark cues found in own text, from per-language lexicons.

The lexicons are data (``monitor/lexicon/cues.<language>.toml``, extendable from the
configuration), not code. A message is matched against its own language's lexicon and the
English one (English business jargon — "ETA", "ASAP", "per my last email" — turns up everywhere).

Each (language, category) has its own pattern, and its matches are what :meth:`Lexicon.find`
reports. Running a dozen alternations over every text costs more than the rest of the cue work,
so one pass first finds where any term of the message's languages may start (one regex shaped as
a trie of all their terms, which rejects a position on its first characters); each category's
pattern is then tried only at those places, which gives exactly its own matches.

A lexicon may also say when a category's words describe the reader rather than the writer: the
feelings it names ("disappointed", "your frustration") directly governed by the reader ("I know
you're disappointed", "sorry for the frustration") are empathy, not escalation. A match that lies
wholly inside such a phrase, of any of the message's languages, is not reported.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicon"

#: Which categories feed which measure.
FRICTION = ("escalation", "pressure_phrase", "challenge", "senior")
PRESSURE = ("status",)
BASICS = ("basics",)
CATEGORIES = FRICTION + PRESSURE + BASICS


@dataclass(frozen=True)
class Cues:
    friction: tuple[str, ...] = ()
    pressure: tuple[str, ...] = ()
    basics: tuple[str, ...] = ()

    @classmethod
    def of(cls, found: Mapping[str, Sequence[str]]) -> Cues:
        """Cue ids by category, put with the measures they feed."""
        return cls(
            friction=tuple(c for cat in FRICTION for c in found.get(cat, ())),
            pressure=tuple(c for cat in PRESSURE for c in found.get(cat, ())),
            basics=tuple(c for cat in BASICS for c in found.get(cat, ())),
        )


def _unique(terms: Iterable[str]) -> list[str]:
    return sorted({t.strip().casefold() for t in terms if t.strip()}, key=len, reverse=True)


def _spaced(language: str) -> bool:
    return language not in ("zh", "ja")  # Chinese and Japanese: no word boundaries to look for


def _compile(terms: Iterable[str], *, spaced: bool) -> re.Pattern[str] | None:
    unique = _unique(terms)
    if not unique:
        return None
    body = "|".join(re.escape(t) for t in unique)
    if not spaced:
        return re.compile(f"(?:{body})")
    return re.compile(rf"(?<![\w']){'(?:'}{body}{')'}(?![\w'])", re.IGNORECASE)


def _loose(char: str) -> str:
    """One character of a lexicon phrase as a regex: a space is any run of spaces, an
    apostrophe either apostrophe."""
    return r"\s+" if char == " " else "['’]" if char in "'’" else re.escape(char)


def _governed(table: Mapping[str, Iterable[str]], *, spaced: bool) -> re.Pattern[str] | None:
    """Where a feeling word is governed by the reader: one of ``governors``, any ``modifiers``,
    then one of ``feelings`` ("you're" "understandably" "disappointed"). Matched on casefolded
    text, as the terms are."""
    governors, modifiers, feelings = (
        prefix_trie((" ".join(t.split()) for t in _unique(table.get(key, ()))), _loose)
        for key in ("governors", "modifiers", "feelings")
    )
    if not governors or not feelings:
        return None
    gap = r"\s+" if spaced else r"\s*"
    modified = f"(?:{gap}{modifiers})*" if modifiers else ""
    body = f"{governors}{modified}{gap}{feelings}"
    if not spaced:
        return re.compile(body)
    return re.compile(rf"(?<![\w'’]){body}(?![\w'])")


def prefix_trie(terms: Iterable[str], char_regex: Callable[[str], str] = re.escape) -> str:
    """A regex matching any of ``terms``, factored by common prefixes: where no term can start,
    it fails on the first character instead of trying every term. ``char_regex``: what one
    character of a term matches."""
    root: dict[str, dict[str, Any]] = {}
    for term in terms:
        node = root
        for char in term:
            node = node.setdefault(char, {})
        node[""] = {}  # a term ends here

    def emit(node: dict[str, dict[str, Any]]) -> str:
        branches = [char_regex(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


def _scanner(terms: Mapping[tuple[str, str], Sequence[str]]) -> re.Pattern[str] | None:
    """Where any of ``terms`` may match: every place one of the category patterns matches is
    found (the same terms, boundaries and case rule; case folding only ever adds places)."""
    spaced = {t for (language, _), words in terms.items() if _spaced(language) for t in words}
    unspaced = {t for (language, _), words in terms.items() if not _spaced(language) for t in words}
    try:
        return _any_place(spaced, unspaced, prefix_trie)
    except RecursionError:  # configured terms nested too deep for a trie: one flat alternation
        return _any_place(spaced, unspaced, lambda terms: "|".join(map(re.escape, terms)))


def _any_place(
    spaced: set[str], unspaced: set[str], alternation: Callable[[Iterable[str]], str]
) -> re.Pattern[str] | None:
    parts = []
    if spaced:
        parts.append(rf"(?<![\w'])(?=(?:{alternation(spaced)})(?![\w']))")
    if unspaced:
        parts.append(f"(?={alternation(unspaced)})")
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


@dataclass
class Lexicon:
    """Compiled cue patterns per (language, category), and the terms they were built from."""

    patterns: dict[tuple[str, str], re.Pattern[str]] = field(default_factory=dict)
    terms: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    #: Per (language, category): where that category's words describe the reader's feelings.
    readers: dict[tuple[str, str], re.Pattern[str]] = field(default_factory=dict)
    _scanners: dict[frozenset[str], re.Pattern[str] | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def from_terms(
        cls,
        terms: Mapping[str, Mapping[str, Iterable[str]]],
        readers: Mapping[str, Mapping[str, Mapping[str, Iterable[str]]]] | None = None,
    ) -> Lexicon:
        """``terms[language][category] -> terms``; language ``"*"`` applies to every message.
        ``readers[language][category]``: the ``governors``, ``modifiers`` and ``feelings`` that
        put a category's words on the reader (see the module docstring)."""
        lexicon = cls()
        for language, tables in (readers or {}).items():
            for category, table in tables.items():
                governed = _governed(table, spaced=_spaced(language))
                if governed is not None:
                    lexicon.readers[(language, category)] = governed
        for language, categories in terms.items():
            for category, words in categories.items():
                if category not in CATEGORIES:
                    raise ValueError(
                        f"unknown cue category {category!r} (known: {', '.join(CATEGORIES)})"
                    )
                pattern = _compile(words, spaced=_spaced(language))
                if pattern is not None:
                    lexicon.patterns[(language, category)] = pattern
                    lexicon.terms[(language, category)] = tuple(_unique(words))
        return lexicon

    @classmethod
    def load(
        cls, extra: Mapping[str, Iterable[str]] | None = None, directory: Path = LEXICON_DIR
    ) -> Lexicon:
        """The shipped lexicons, plus language-independent ``extra`` terms per category."""
        terms: dict[str, dict[str, list[str]]] = {}
        readers: dict[str, dict[str, dict[str, list[str]]]] = {}
        for path in sorted(directory.glob("cues.*.toml")):
            language = path.name.split(".")[1]
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            terms[language] = {
                category: list(table.get("terms", [])) for category, table in data.items()
            }
            readers[language] = {
                category: table["of_the_reader"]
                for category, table in data.items()
                if "of_the_reader" in table
            }
        if extra:
            terms["*"] = {category: list(words) for category, words in extra.items()}
        return cls.from_terms(terms, readers)

    def find(self, text: str, language: str | None) -> Cues:
        """Cue ids ("<category>:<term>") in ``text``, each once: category by category, in the
        order of the lexicon's patterns, each pattern's matches in the order they appear, less
        those naming the reader's feelings."""
        languages = {"en", "*"} | ({language} if language else {lang for lang, _ in self.patterns})
        wanted = [(key, p) for key, p in self.patterns.items() if key[0] in languages]
        lowered = text.casefold()
        matches: dict[tuple[str, str], list[re.Match[str]]] = {}
        ends: dict[tuple[str, str], int] = {}
        for start in self._starts(lowered, frozenset(languages), wanted):
            for key, pattern in wanted:
                # As finditer would: the next match of a pattern begins after its last one.
                if ends.get(key, 0) > start:
                    continue
                match = pattern.match(lowered, start)
                if match is not None:
                    matches.setdefault(key, []).append(match)
                    ends[key] = match.end()
        found: dict[str, list[str]] = {category: [] for category in CATEGORIES}
        readers: dict[str, list[tuple[int, int]]] = {}
        for key, _ in wanted:
            category = key[1]
            for match in matches.get(key, ()):
                if category not in readers:
                    readers[category] = self.of_the_reader(lowered, languages, category)
                if any(s <= match.start() and match.end() <= e for s, e in readers[category]):
                    continue
                cue = f"{category}:{match.group(0)}"
                if cue not in found[category]:
                    found[category].append(cue)
        return Cues.of(found)

    def of_the_reader(
        self, lowered: str, languages: Iterable[str], category: str
    ) -> list[tuple[int, int]]:
        """Where, in ``lowered``, the reader's feelings are named in words of ``category``."""
        return [
            match.span()
            for (language, of), pattern in self.readers.items()
            if of == category and language in languages
            for match in pattern.finditer(lowered)
        ]

    def _starts(
        self,
        lowered: str,
        languages: frozenset[str],
        wanted: list[tuple[tuple[str, str], re.Pattern[str]]],
    ) -> Iterator[int]:
        """The places where a wanted pattern may match, in order."""
        if any(key not in self.terms for key, _ in wanted):
            # Patterns set without their terms: every place is a candidate.
            return iter(range(len(lowered)))
        if languages not in self._scanners:
            self._scanners[languages] = _scanner({key: self.terms[key] for key, _ in wanted})
        scanner = self._scanners[languages]
        return (m.start() for m in scanner.finditer(lowered)) if scanner is not None else iter(())
