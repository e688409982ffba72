"""Escalation words that name the reader's feelings are empathy, not escalation.

A client who writes "I know you're disappointed" acknowledges how we feel; one who writes "we are
very disappointed" or "you have let us down" is escalating. The rule is lexicon data: a feeling
word directly governed by the reader ("you're", "your", "sorry for the"), with only modifiers
between, is not a cue; words about the reader's conduct ("disappointing", "unprofessional")
still are.
"""

from __future__ import annotations

import pytest

from monitor.core.cues import Lexicon

SHIPPED = Lexicon.load()


def _escalation(text: str, language: str) -> list[str]:
    return [c for c in SHIPPED.find(text, language).friction if c.startswith("escalation:")]


@pytest.mark.parametrize(
    "text",
    [
        "I know you're disappointed with the delay; what is the plan for next week?",
        "I understand your frustration with the data migration. Could we talk on Thursday?",
        "Sorry for the frustration this has caused on your side.",
        "You must be very concerned about the audit, so here is where we stand.",
        "You're understandably unhappy about the invoice; can we go through it together?",
        "Apologies for any frustration the new login page caused your team.",
        "You’re frustrated, I know. Please send the revised timeline when you can.",
        "You seem not happy with the draft: which parts should we change?",
        "I appreciate the disappointment on your side after the board meeting.",
    ],
)
def test_the_readers_feelings_acknowledged_are_no_escalation(text: str) -> None:
    assert _escalation(text, "en") == []


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("We are very disappointed with the second delay.", "escalation:disappointed"),
        ("I'm frustrated that nobody called us back.", "escalation:frustrated"),
        ("This is frustrating, the numbers are wrong again.", "escalation:frustrating"),
        ("Frankly, you're disappointing us.", "escalation:disappointing"),
        ("You're frustrating to work with.", "escalation:frustrating"),
        ("You are unprofessional.", "escalation:unprofessional"),
        ("You have let us down again.", "escalation:let us down"),
        ("Your team has been unprofessional throughout.", "escalation:unprofessional"),
        ("I know you're busy, but we are not happy with the report.", "escalation:not happy"),
        ("Are you aware that we are very concerned?", "escalation:very concerned"),
        ("Our frustration is growing.", "escalation:frustration"),
    ],
)
def test_the_writers_own_feelings_and_the_readers_conduct_still_count(text: str, cue: str) -> None:
    assert cue in _escalation(text, "en")


def test_a_feeling_of_the_writer_after_one_of_the_reader_still_counts() -> None:
    text = "I understand your frustration, but we are frustrated too."

    assert _escalation(text, "en") == ["escalation:frustrated"]


@pytest.mark.parametrize(
    ("language", "empathy", "escalation"),
    [
        ("de", "Ich verstehe Ihre Enttäuschung über die Verzögerung.", "Wir sind sehr enttäuscht."),
        ("fr", "Je comprends votre déception après la réunion.", "Vous êtes décevant."),
        ("es", "Entiendo su frustración con el retraso.", "Es frustrante, otra vez."),
        ("fi", "Olet varmasti pettynyt aikatauluun.", "Olemme pettyneitä aikatauluun."),
    ],
)
def test_other_languages_acknowledge_the_readers_feelings_the_same_way(
    language: str, empathy: str, escalation: str
) -> None:
    assert _escalation(empathy, language) == []
    assert _escalation(escalation, language) != []


def test_an_english_feeling_word_in_a_german_phrase_of_empathy_is_no_escalation() -> None:
    assert _escalation("Ich verstehe Ihre Frustration, wir arbeiten daran.", "de") == []


def test_a_configured_feeling_word_is_no_escalation_when_it_is_the_readers() -> None:
    lexicon = Lexicon.load({"escalation": ["upset"]})

    assert lexicon.find("I know you're upset about Friday.", "en").friction == ()
    assert lexicon.find("We are upset about Friday.", "en").friction == ("escalation:upset",)


@pytest.mark.parametrize(
    ("language", "text", "cue"),
    [
        ("fr", "Nous sommes très déçus du retard de la livraison.", "escalation:déçus"),
        ("fr", "Les équipes sont frustrées par ces changements.", "escalation:frustrées"),
        ("es", "Estamos frustrados con el retraso del proyecto.", "escalation:frustrados"),
        ("es", "Los socios están muy decepcionados con el informe.", "escalation:decepcionados"),
    ],
)
def test_a_team_writing_in_the_plural_escalates_as_one_person_does(
    language: str, text: str, cue: str
) -> None:
    assert cue in _escalation(text, language)


def test_the_readers_feelings_in_the_plural_are_no_escalation_either() -> None:
    assert _escalation("Je comprends que vous êtes déçus du retard.", "fr") == []
    assert _escalation("Entiendo su frustración; estás frustrado con razón.", "es") == []
