"""Curtness and courtesy read from the lexicon in one pattern; other languages unscored."""

from __future__ import annotations

import pytest

from monitor.core.curtness import CurtnessLexicon


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
