"""Curtness and courtesy read from the lexicon in one pattern; other languages unscored."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.core.curtness import CurtnessLexicon, _cues, flat_alternation, load_terms

SHIPPED = CurtnessLexicon.load("en")


@pytest.fixture(scope="module")
def lexicon() -> CurtnessLexicon:
    return CurtnessLexicon.load("en")


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("You need to further explain why the figures changed.", "imperative:you need to"),
        ("What for? We never asked for a second workshop.", "bare_question:what for"),
        ("Fine. Why? The plan said Friday.", "bare_question:why"),
        ("THIS IS NOT WHAT WE AGREED", "shouting"),
        ("Is the file attached??", "shouting"),
    ],
)
def test_curt_wording_is_a_cue(lexicon, text: str, cue: str) -> None:
    read = lexicon.read(text, "en")

    assert read is not None and cue in read.cues and read.curtness > 0


def test_a_polite_technical_question_is_not_curt_and_is_courteous(lexicon) -> None:
    read = lexicon.read(
        "Hi Alice,\n\nWhat exactly fails? What error do you get? Why does the ETL job stop?"
        "\n\nThanks,\nDana",
        "en",
    )

    assert read is not None
    assert read.curtness == 0.0 and read.courtesy is True and read.evidence is None


def test_the_evidence_is_the_cue_term_and_the_excerpt_its_words(lexicon) -> None:
    read = lexicon.read("Alice, you need to further explain the delay to our board.", "en")

    assert read is not None
    assert read.evidence == "you need to"
    assert read.excerpt == "you need to further explain the"  # six words


def test_another_language_is_unscored(lexicon) -> None:
    assert lexicon.read("Sie müssen das erklären. Warum?", "de") is None


TERMS = load_terms("en")
#: The plainest reading: every term tried, longest first, at every character of the text.
EVERY_TERM_TRIED = CurtnessLexicon(
    "en", re.compile(_cues(TERMS, flat_alternation, named=True), re.IGNORECASE)
)
PIECES = [
    *(t for terms in TERMS.values() for t in terms),
    *(t.replace(" ", gap) for terms in TERMS.values() for t in terms if " " in t for gap in "\t\n"),
    *(t.replace(" ", "  ") for terms in TERMS.values() for t in terms if " " in t),
    "Alice",
    "the invoice for March",
    "why the figures changed",
    "WE NEED THIS TODAY",
    "you",
    "you need",
    "thanksgiving",
    "so-called",
    "sowhat",
]
SEPARATORS = [
    " ",
    "  ",
    ", ",
    ". ",
    "? ",
    "?? ",
    "!\n",
    "\n\n",
    "\n  ",
    ".\n\t",
    "'",
    "-",
    "",
    "\t",
    "!! ",
]


def _cased(term: str, how: int) -> str:
    return [term, term.upper(), term.title(), term.capitalize()][how]


messages = st.lists(
    st.tuples(st.sampled_from(PIECES), st.integers(0, 3), st.sampled_from(SEPARATORS)),
    max_size=12,
).map(lambda parts: "".join(_cased(p, how) + sep for p, how, sep in parts))


@settings(max_examples=400, deadline=None)
@given(text=messages)
def test_the_terms_factored_into_a_trie_read_what_trying_every_term_reads(text: str) -> None:
    """The shipped pattern passes over words where no cue starts and rejects a place on its
    first character; the plain one tries every term at every character, longest first. Both
    must read the same cues, evidence and courtesy."""
    for sentence in (text, f"Hi Alice,\n\n{text}\n\nThanks,\nDana"):
        assert SHIPPED.read(sentence, "en") == EVERY_TERM_TRIED.read(sentence, "en")
