"""How curtly a message addresses us: orders, bare questions, shouting, greeting and thanks.

Politeness research reads impoliteness in how a request is put, not in what it is about:
"You need to further explain…" and "What for?" carry no negative word, yet people rate them
among the least polite. The terms are data (``monitor/lexicon/curtness.<language>.toml``);
every category is compiled into one pattern, read once over the text. Shouting (three capital
words in a row, "!!", "??") is a sign, not a word list.

Only a language with a lexicon is read; another language's message stays unscored (``None``
from :meth:`CurtnessLexicon.read`), never scored as courteous or curt.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from monitor.core.cues import prefix_trie

LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicon"
CATEGORIES = ("imperative", "bare_question", "greeting", "thanks")
#: What one cue adds to a message's curtness (0–1); at most two of a kind count.
WEIGHTS = {"imperative": 0.5, "bare_question": 0.5, "shouting": 0.35}
#: Strongest first: the cue named as a message's evidence.
EVIDENCE_ORDER = ("imperative", "bare_question", "shouting")
#: A message's opening says how it addresses us; at most this much is read.
MAX_CHARS = 4000
#: An excerpt shown as evidence: the cue and a few words after it.
EXCERPT_WORDS = 6
EXCERPT_CHARS = 60

_SHOUTING = r"(?-i:\b[A-Z]{2,}(?:[ \t]+[A-Z]{2,}){2,}\b)|[!?]{2,}"


@dataclass(frozen=True, slots=True)
class Curt:
    """What :class:`CurtnessLexicon` read in one message's own text."""

    curtness: float  # 0 (none) to 1
    courtesy: bool  # it greets or thanks
    cues: tuple[str, ...]  # "imperative:you need to", "bare_question:why", "shouting"
    evidence: str | None  # the strongest cue's term: "you need to"
    excerpt: str | None  # the text from that cue on, a few words (body text: snippets only)


def _loose(char: str) -> str:
    return r"\s+" if char == " " else re.escape(char)


def _unique(terms: list[str]) -> list[str]:
    return sorted({" ".join(t.casefold().split()) for t in terms if t.strip()})


def flat_alternation(terms: list[str]) -> str:
    """Any of ``terms``, tried one after another, the longest first (so the longest that fits
    where several do), a space matching any run of spaces."""
    longest_first = sorted(_unique(terms), key=len, reverse=True)
    return "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in longest_first)


def trie_alternation(terms: list[str]) -> str:
    """What :func:`flat_alternation` matches, factored by common prefixes (a trie): a place
    where no term starts is rejected on its first character instead of by trying every term
    (about 1.6x faster on real mail)."""
    try:
        return prefix_trie(_unique(terms), _loose)
    except RecursionError:  # a term too long to nest
        return flat_alternation(terms)


def _cues(
    terms: dict[str, list[str]], alternation: Callable[[list[str]], str], *, named: bool
) -> str:
    """Every category's alternative, in a named group each (``named``) or unnamed."""

    def group(name: str) -> str:
        return f"(?P<{name}>" if named else "(?:"

    edge_l, edge_r = r"(?<![\w'])", r"(?![\w'])"
    parts = []
    if terms.get("imperative"):
        imperative = alternation(terms["imperative"])
        parts.append(f"{group('imperative')}{edge_l}(?:{imperative}){edge_r})")
    if terms.get("bare_question"):
        bare = alternation(terms["bare_question"])
        parts.append(rf"{group('bare_question')}(?:\A|(?<=[.!?\n]))\s*(?:{bare})\s*\?)")
    if terms.get("greeting"):
        parts.append(rf"{group('greeting')}\A\s*(?:{alternation(terms['greeting'])}){edge_r})")
    if terms.get("thanks"):
        parts.append(f"{group('thanks')}{edge_l}(?:{alternation(terms['thanks'])}){edge_r})")
    parts.append(f"{group('shouting')}{_SHOUTING})")
    return "|".join(parts)


def compile_pattern(
    terms: dict[str, list[str]], alternation: Callable[[list[str]], str] = trie_alternation
) -> re.Pattern[str]:
    """One pattern with a named group per category (and ``shouting``), and a last alternative
    without a name that passes over words where no cue starts: a run of words each followed by
    spaces or tabs, checked at each word's start. No cue can start inside a word (each needs
    no word character before it) or inside the spaces after one (a bare question needs a mark
    or a line break before it), so the cues found are the same as with the named groups alone,
    and the matcher tries them at the start of each word instead of at every character."""
    cues = _cues(terms, alternation, named=True)
    anywhere = _cues(terms, alternation, named=False)
    return re.compile(f"{cues}|(?:(?>\\w+[ \\t]*)(?!{anywhere}))+", re.IGNORECASE)


def _excerpt(text: str, start: int) -> str:
    words = text[start : start + 4 * EXCERPT_CHARS].split()[:EXCERPT_WORDS]
    return " ".join(words)[:EXCERPT_CHARS]


def load_terms(language: str = "en", directory: Path = LEXICON_DIR) -> dict[str, list[str]]:
    """The terms of ``curtness.<language>.toml`` by category; an unknown category is refused."""
    path = directory / f"curtness.{language}.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    unknown = set(data) - set(CATEGORIES)
    if unknown:
        raise ValueError(f"{path.name}: unknown categories {sorted(unknown)}")
    return {name: [str(t) for t in table.get("terms", [])] for name, table in data.items()}


def evidence_terms(directory: Path = LEXICON_DIR) -> frozenset[str]:
    """Every term a message's friction evidence can name, as :meth:`CurtnessLexicon.read` names
    it (lower case, single spaces), in every language with a lexicon: what is not one of them
    in a stored evidence is an excerpt of the message's text."""
    found = {"shouting"}
    for path in sorted(directory.glob("curtness.*.toml")):
        terms = load_terms(path.name.split(".")[1], directory)
        for kind in ("imperative", "bare_question"):
            found.update(" ".join(t.casefold().split()) for t in terms.get(kind, []))
    return frozenset(found)


@dataclass(frozen=True)
class CurtnessLexicon:
    language: str
    pattern: re.Pattern[str]

    @classmethod
    def load(cls, language: str = "en", directory: Path = LEXICON_DIR) -> CurtnessLexicon:
        return cls(language, compile_pattern(load_terms(language, directory)))

    def read(self, text: str, language: str | None) -> Curt | None:
        """Curtness and courtesy of ``text``; ``None`` when it is not in this lexicon's language."""
        if language != self.language or not text.strip():
            return None
        head = text[:MAX_CHARS].replace("\u2019", "'")
        counts = dict.fromkeys(WEIGHTS, 0)
        cues: list[str] = []
        first: dict[str, tuple[str, int]] = {}
        courtesy = False
        for match in self.pattern.finditer(head):
            kind = match.lastgroup
            if kind is None:  # words passed over
                continue
            if kind in ("greeting", "thanks"):
                courtesy = True
                continue
            term = " ".join(match.group(0).casefold().split()) if kind != "shouting" else ""
            cue = f"{kind}:{term.rstrip('?').strip()}" if term else kind
            counts[kind] += 1
            if cue not in cues:
                cues.append(cue)
            first.setdefault(kind, (cue.partition(":")[2] or kind, match.start()))
        curtness = sum(WEIGHTS[kind] * min(count, 2) for kind, count in counts.items())
        strongest = next((first[kind] for kind in EVIDENCE_ORDER if kind in first), None)
        return Curt(
            curtness=round(min(1.0, curtness), 3),
            courtesy=courtesy,
            cues=tuple(cues),
            evidence=strongest[0] if strongest else None,
            excerpt=_excerpt(head, strongest[1]) if strongest else None,
        )
