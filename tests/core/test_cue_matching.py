"""Cue matching in one pass finds exactly what each category's pattern finds on its own.

The reference below is the plain reading of the lexicon: every (language, category) pattern run
over the whole text, its matches in order, each cue once, less those lying wholly inside a
phrase that names the reader's feelings. :meth:`Lexicon.find` must agree with it on every text,
language and lexicon, including configured terms with punctuation in them.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.core.cues import CATEGORIES, LEXICON_DIR, Cues, Lexicon
from monitor.core.normalise import _own_text
from monitor.sources.parse import parse_raw

MAIL = Path(__file__).resolve().parents[1] / "fixtures" / "mail"
LANGUAGES = [None, "en", "de", "fr", "es", "fi", "zh", "ja", "nl"]
EXTRA = {
    "status": ["Q3 numbers?", "c++ build", "ETA", "  "],
    "escalation": ["don't bother", "not-good-enough", "(urgent)"],
    "senior": ["董事长"],
}
SHIPPED = Lexicon.load()
CONFIGURED = Lexicon.load(EXTRA)


def one_pattern_at_a_time(lexicon: Lexicon, text: str, language: str | None) -> Cues:
    languages = {"en", "*"} | ({language} if language else {lang for lang, _ in lexicon.patterns})
    found: dict[str, list[str]] = {category: [] for category in CATEGORIES}
    lowered = text.casefold()
    for (lang, category), pattern in lexicon.patterns.items():
        if lang not in languages:
            continue
        readers = [
            match.span()
            for (of_language, of_category), reader in lexicon.readers.items()
            if of_category == category and of_language in languages
            for match in reader.finditer(lowered)
        ]
        for match in pattern.finditer(lowered):
            if any(start <= match.start() and match.end() <= end for start, end in readers):
                continue
            cue = f"{category}:{match.group(0)}"
            if cue not in found[category]:
                found[category].append(cue)
    return Cues.of(found)


FILLER = [
    "Hi Alice,",
    "Thanks for the draft agenda.",
    "the pallet counts for Leeds",
    "Sehr geehrte Frau Marsh,",
    "vielen Dank",
    "Bonjour Daniel,",
    "merci beaucoup",
    "saludos",
    "terveisin",
    "你好",
    "谢谢",
    "Q3",
    "don't",
    "isn't",
    "o'clock",
    "ETA's",
    "statuses",
    "update",
    "an",
    "we",
    "why",
    "you",
    "you're",
    "you’re",
    "You are",
    "your",
    "sorry for the",
    "I understand your",
    "understandably",
    "very",
    "not",
    "Ich verstehe Ihre",
    "votre",
    "olet varmasti",
    "entiendo su",
]
SEPARATORS = [" ", "  ", ", ", ". ", "? ", "!\n", "\n\n", "'", "-", "_", "", "’", "\t", "… "]


def _cased(term: str, how: int) -> str:
    return [term, term.upper(), term.title(), term.capitalize()][how]


READERS = [
    tomllib.loads(path.read_text(encoding="utf-8"))["escalation"].get("of_the_reader", {})
    for path in sorted(LEXICON_DIR.glob("cues.*.toml"))
]


# A feeling named as the reader's in one language's words, often enough that the rule is tried
# on most runs, joined by spaces or by what breaks the phrase.
def _of_the_reader(table: dict[str, list[str]]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda governor, modifiers, feeling, gap: gap.join([governor, *modifiers, feeling]),
        st.sampled_from(table["governors"]),
        st.lists(st.sampled_from(table["modifiers"]), max_size=2),
        st.sampled_from([*table["feelings"], "disappointing", "unprofessional"]),
        st.sampled_from([" ", " ", "  ", "\n", ", ", "-", "'"]),
    )


of_the_reader = st.sampled_from([t for t in READERS if t]).flatmap(_of_the_reader)

pieces = st.one_of(
    of_the_reader,
    st.sampled_from(sorted({t for terms in CONFIGURED.terms.values() for t in terms})),
    st.sampled_from(FILLER),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüßéèçñ'?ı ", max_size=8),
)
sentences = st.lists(
    st.tuples(pieces, st.integers(0, 3), st.sampled_from(SEPARATORS)), max_size=14
).map(lambda parts: "".join(_cased(p, how) + sep for p, how, sep in parts))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=sentences, language=st.sampled_from(LANGUAGES))
def test_one_pass_finds_what_each_pattern_finds(text: str, language: str | None) -> None:
    assert SHIPPED.find(text, language) == one_pattern_at_a_time(SHIPPED, text, language)
    assert CONFIGURED.find(text, language) == one_pattern_at_a_time(CONFIGURED, text, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_term_in_a_sentence_is_found_as_before(language: str | None) -> None:
    for (_, category), terms in CONFIGURED.terms.items():
        for term in terms:
            for text in (
                f"Hi Alice, {term} — we discussed this on Monday.",
                f"{term.upper()}!! {term}{term} ({term}), '{term}'",
                f"Re: {term}\n\nSee below.{term}s and {term}",
            ):
                found = CONFIGURED.find(text, language)
                assert found == one_pattern_at_a_time(CONFIGURED, text, language), (category, text)


def test_overlapping_terms_of_several_categories_are_each_found() -> None:
    text = "As I said, any updates? We are still waiting for the status update by EOD."

    found = SHIPPED.find(text, "en")

    assert found == one_pattern_at_a_time(SHIPPED, text, "en")
    assert "pressure_phrase:as i said" in found.friction
    assert "pressure_phrase:we are still waiting" in found.friction
    assert found.pressure[:2] == ("status:any updates", "status:status update")
    assert "status:by eod" in found.pressure


def test_the_own_text_of_real_replies_gives_the_same_cues() -> None:
    texts = []
    for path in sorted((MAIL / "owntext").glob("*.eml")) + sorted((MAIL / "noise").glob("*.eml")):
        envelope = parse_raw(path.read_bytes())
        texts.append(_own_text(envelope))  # type: ignore[arg-type]
    assert len(texts) > 40
    for text in texts:
        for language in LANGUAGES:
            assert SHIPPED.find(text, language) == one_pattern_at_a_time(SHIPPED, text, language)


def test_configured_terms_nested_too_deep_for_a_trie_are_still_found() -> None:
    """Each term a prefix of the next, a thousand deep: the trie would nest past the regex
    parser's limits, so the places come from one flat alternation."""
    lexicon = Lexicon.load({"status": ["chase" + "!" * n for n in range(1200)]})
    text = "Just a chase!!! before Friday, then another chase."

    found = lexicon.find(text, "en")

    assert found == one_pattern_at_a_time(lexicon, text, "en")
    assert "status:chase!!!" in found.pressure
