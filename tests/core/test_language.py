"""Language detection by script and function words: the fast paths read what the plain
reading reads."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.core.language import (
    _FUNCTION_WORDS,
    _WEIGHTS,
    LanguageDetector,
    _function_words,
    _remembered,
    _script_counts,
)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Bonjour Claire, c'est l'équipe du projet qui s'occupe du dossier cette semaine.", "fr"),
        ("Ciao Marco, l'incontro è confermato per domani, grazie per la pazienza.", "it"),
        ("Hallo Frau Marsh, wir haben die Zahlen für das Quartal noch nicht bekommen.", "de"),
        ("Could you send the revised figures before the board meets on Friday?", "en"),
    ],
)
def test_a_message_is_read_in_its_language(text: str, language: str) -> None:
    assert LanguageDetector().detect(text) == language


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=string.printable, max_size=4000))
def test_plain_ascii_counts_every_letter_and_no_other_script(text: str) -> None:
    letters, scripts = _script_counts(text)

    assert letters == sum(1 for char in text[:3000] if char.isalpha())
    assert not scripts


ELIDED = ("l", "d", "j", "n", "qu", "c", "s", "m", "t")


def _word_by_word(words: list[str]) -> tuple[dict[str, float], dict[str, set[str]]]:
    """The plain reading: every word looked up in every language's list, in their order."""
    scores: dict[str, float] = {}
    distinct: dict[str, set[str]] = {}
    for word in words:
        for lang, weights in _WEIGHTS.items():
            weight = weights.get(word)
            if weight:
                distinct.setdefault(lang, set()).add(word)
                scores[lang] = scores.get(lang, 0.0) + (weight * 0.3 if len(word) == 1 else weight)
            elif "'" in word and lang in ("fr", "it") and word.split("'", 1)[0] in ELIDED:
                scores[lang] = scores.get(lang, 0.0) + 0.5
    return scores, distinct


WORDS = [
    *sorted({w for listed in _FUNCTION_WORDS.values() for w in listed.split()}),
    "l'équipe",
    "d'accord",
    "qu'il",
    "c'est",
    "don't",
    "it's",
    "report",
    "deadline",
]


@settings(max_examples=300, deadline=None)
@given(words=st.lists(st.sampled_from(WORDS), max_size=40))
def test_function_words_score_each_language_as_reading_word_by_word(words: list[str]) -> None:
    scores, distinct = _function_words(words)
    expected_scores, expected_distinct = _word_by_word(words)

    # The same sums in the same order: the first language to score leads a tie.
    assert list(scores.items()) == list(expected_scores.items())
    assert distinct == expected_distinct


def test_long_tokens_of_a_hostile_message_are_not_remembered() -> None:
    """Words are remembered to save time, but only short ones: a message of long random
    tokens must not fill memory however many such messages arrive."""
    before = _remembered.cache_info().currsize
    detector = LanguageDetector()

    for n in range(50):
        detector.detect(" ".join(f"{n:03d}" + "x" * 200 + f"{k:04d}" for k in range(25)))

    assert _remembered.cache_info().currsize == before
