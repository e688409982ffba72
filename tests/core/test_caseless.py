"""Caseless phrases: the same matches at the same offsets as IGNORECASE, read faster."""

from __future__ import annotations

import re

import pytest

from monitor.core.caseless import Caseless

PHRASES = re.compile(r"\bout\s+of\s+(?:the\s+)?office|nicht\s+im\s+büro", re.IGNORECASE)


@pytest.mark.parametrize(
    "text",
    [
        "I am OUT OF THE OFFICE until Monday.",
        "Thanks Dana, out of office next week? No.",
        "Ich bin NICHT IM BÜRO bis Montag.",  # not ASCII: read with IGNORECASE as written
        "The carrier contract is attached.",
    ],
)
def test_a_caseless_reading_finds_what_ignorecase_finds_where_it_finds_it(text: str) -> None:
    pattern, read = Caseless.of(PHRASES).reading(text)

    assert [m.span() for m in pattern.finditer(read)] == [m.span() for m in PHRASES.finditer(text)]


@pytest.mark.parametrize(
    "folding",
    [
        re.compile(r"Out\s+of\s+office", re.IGNORECASE),  # a capital never matches lower text
        re.compile(r"out\s+of\s+office"),  # not caseless to begin with
    ],
)
def test_a_pattern_that_lower_cased_text_would_not_match_the_same_is_refused(
    folding: re.Pattern[str],
) -> None:
    with pytest.raises(ValueError, match="not a caseless pattern"):
        Caseless.of(folding)


@pytest.mark.parametrize("letter", ["\u017f", "\u212a", "\u0131"])  # long s, Kelvin sign, dotless i
def test_a_letter_that_ignorecase_folds_onto_an_ascii_letter_is_refused(letter: str) -> None:
    """IGNORECASE finds "ſ" in "s" (and the Kelvin sign in "k", "ı" in "i"); lower-cased ASCII
    text read without it would not."""
    folding = re.compile(f"gru{letter}s", re.IGNORECASE)

    with pytest.raises(ValueError, match="not a caseless pattern"):
        Caseless.of(folding)


@pytest.mark.parametrize(
    "source",
    [
        r"\x4bey account",  # "K" by its code: IGNORECASE finds "key account"
        r"gru\u017fs",  # the long s by its code
        r"x[@-\]]y",  # a range that holds every capital: IGNORECASE finds "xay"
        "x[à-ʯ]y",  # a range that holds the dotless i and the long s
        r"[\101]pril",  # "A" in octal
    ],
)
def test_a_character_the_pattern_does_not_write_out_is_refused(source: str) -> None:
    """The checks for capitals read the pattern as written: what an escape by code or a range
    stands for cannot be checked, so such a pattern is refused whole."""
    with pytest.raises(ValueError, match="not a caseless pattern"):
        Caseless.of(re.compile(source, re.IGNORECASE))


@pytest.mark.parametrize("source", [r"invoice\s+[a-z]{2}-[0-9]{4}", r"opt[-_ ]?out", r"[^\s<>]+@"])
def test_ranges_within_lower_case_letters_or_digits_are_read_caselessly(source: str) -> None:
    folding = re.compile(source, re.IGNORECASE)
    text = "Invoice AB-2291 is attached. To OPT OUT write to Billing@Acme-Logistics.example"

    pattern, read = Caseless.of(folding).reading(text)

    found = [m.span() for m in pattern.finditer(read)]
    assert found and found == [m.span() for m in folding.finditer(text)]
