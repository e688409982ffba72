"""Friction, pressure and in-the-dark cues found in own text, from per-language lexicons.

The lexicons are data (``monitor/lexicon/cues.<language>.toml``, extendable from the
configuration), not code. A message is matched against its own language's lexicon and the
English one (English business jargon — "ETA", "ASAP", "per my last email" — turns up everywhere).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

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


def _compile(terms: Iterable[str], *, spaced: bool) -> re.Pattern[str] | None:
    unique = sorted({t.strip().casefold() for t in terms if t.strip()}, key=len, reverse=True)
    if not unique:
        return None
    body = "|".join(re.escape(t) for t in unique)
    if not spaced:  # Chinese and Japanese: no word boundaries to look for
        return re.compile(f"(?:{body})")
    return re.compile(rf"(?<![\w']){'(?:'}{body}{')'}(?![\w'])", re.IGNORECASE)


@dataclass
class Lexicon:
    """Compiled cue patterns per (language, category)."""

    patterns: dict[tuple[str, str], re.Pattern[str]] = field(default_factory=dict)

    @classmethod
    def from_terms(cls, terms: Mapping[str, Mapping[str, Iterable[str]]]) -> Lexicon:
        """``terms[language][category] -> terms``; language ``"*"`` applies to every message."""
        lexicon = cls()
        for language, categories in terms.items():
            for category, words in categories.items():
                if category not in CATEGORIES:
                    raise ValueError(
                        f"unknown cue category {category!r} (known: {', '.join(CATEGORIES)})"
                    )
                pattern = _compile(words, spaced=language not in ("zh", "ja"))
                if pattern is not None:
                    lexicon.patterns[(language, category)] = pattern
        return lexicon

    @classmethod
    def load(
        cls, extra: Mapping[str, Iterable[str]] | None = None, directory: Path = LEXICON_DIR
    ) -> Lexicon:
        """The shipped lexicons, plus language-independent ``extra`` terms per category."""
        terms: dict[str, dict[str, list[str]]] = {}
        for path in sorted(directory.glob("cues.*.toml")):
            language = path.name.split(".")[1]
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            terms[language] = {
                category: list(table.get("terms", [])) for category, table in data.items()
            }
        if extra:
            terms["*"] = {category: list(words) for category, words in extra.items()}
        return cls.from_terms(terms)

    def find(self, text: str, language: str | None) -> Cues:
        """Cue ids ("<category>:<term>") in ``text``, each once, in order of first appearance."""
        languages = {"en", "*"} | ({language} if language else {lang for lang, _ in self.patterns})
        found: dict[str, list[str]] = {category: [] for category in CATEGORIES}
        lowered = text.casefold()
        for (lang, category), pattern in self.patterns.items():
            if lang not in languages:
                continue
            for match in pattern.finditer(lowered):
                cue = f"{category}:{match.group(0)}"
                if cue not in found[category]:
                    found[category].append(cue)
        return Cues(
            friction=tuple(c for cat in FRICTION for c in found[cat]),
            pressure=tuple(c for cat in PRESSURE for c in found[cat]),
            basics=tuple(c for cat in BASICS for c in found[cat]),
        )
