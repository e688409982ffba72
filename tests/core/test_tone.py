"""Reading tone: how sentences combine, what is scored outside English, what is a name, and which
questions are pointed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.core.model import Noise
from monitor.core.sentiment import combine, score, signs_of

_NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def test_one_strongly_negative_sentence_outweighs_three_mildly_positive_ones() -> None:
    # "Thanks for the call. Good to see the draft. Nice layout. But the numbers are simply wrong
    # and we are seriously worried." A plain mean of the sentences would call this neutral.
    assert combine([0.3, 0.3, 0.3, -0.9]) == pytest.approx(-0.3)


def test_sentences_without_opinion_do_not_dilute_a_message() -> None:
    assert combine([0.0, 0.0, 0.0, -0.6]) == pytest.approx(-0.6)
    assert combine([0.0, 0.02]) == 0.0


def test_a_dutch_thank_you_with_a_smiley_is_scored_from_the_smiley(analyzer) -> None:
    text = "Hoi Alice,\n\nBedankt voor het overzicht, we kijken er naar uit om volgende week te beginnen :)\n\nGroeten,\nSanne"

    features = analyzer.analyse(text, date=_NOW)

    assert features.language == "nl"
    assert features.sentiment is not None and features.sentiment > 0.3


def test_a_german_complaint_with_a_frowning_emoticon_is_negative(analyzer) -> None:
    text = "Hallo Alice,\n\ndie Zahlen im Bericht stimmen schon wieder nicht :(\n\nGruß\nJonas"

    features = analyzer.analyse(text, date=_NOW)

    assert features.language == "de"
    assert features.sentiment is not None and features.sentiment < -0.3


def test_a_message_in_another_language_without_emoticons_stays_unscored(analyzer) -> None:
    text = "Hallo Alice,\n\ndie Zahlen im Bericht (Abschnitte 7 und 8) stimmen nicht mit der Tabelle überein.\n\nGruß\nJonas"

    assert analyzer.analyse(text, date=_NOW).sentiment is None


@pytest.mark.parametrize(
    "text",
    [
        "siehe Abschnitte 7 und 8)",
        "Termin um 10:30)",
        "f(x) = y",
        "https://example.com/a:b",
        "Hinweis: (optional)",
    ],
)
def test_brackets_times_and_links_are_not_emoticons(text: str) -> None:
    assert signs_of(text) == []


def test_emoticons_and_emoji_are_found_wherever_they_stand() -> None:
    assert signs_of("Top, bedankt :) tot morgen ;-) 👍") == [":)", ";-)", "👍"]


def test_a_chinese_thank_you_with_a_smiling_emoji_is_positive(analyzer) -> None:
    features = analyzer.analyse("收到，谢谢！下周见😊", date=_NOW)

    assert features.language == "zh"
    assert features.sentiment is not None and features.sentiment > 0.5


def test_an_emoji_vader_gives_no_tone_leaves_the_message_unscored(analyzer) -> None:
    # VADER reads 👍 as "thumbs up", which it has no valence for: unscored, not neutral.
    assert score("好的👍", "zh", analyzer.sentiment).compound is None


def test_a_spanish_title_in_an_english_sentence_does_not_make_it_spanish(analyzer) -> None:
    assert analyzer.languages.detect("I signed with Los Amigos de la Costa") == "en"
    assert (
        analyzer.languages.detect(
            "I favorited a YouTube video -- El Ultimo de la Fila - Insurreccion"
        )
        == "en"
    )


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("El Banco de la Nacion confirmo la operacion hoy", "es"),
        ("Die Rechnung von Herrn Müller ist noch offen.", "de"),
        ("Nous avons rencontré la Banque de France ce matin.", "fr"),
    ],
)
def test_text_in_another_language_that_names_an_organisation_keeps_its_language(
    analyzer, text: str, language: str
) -> None:
    assert analyzer.languages.detect(text) == language


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Why did you change the scope without asking us first?", "challenge:why did you"),
        ("How many times do we have to ask for the same numbers?", "challenge:how many times"),
        ("Can't you just send the file as it is?", "challenge:can't you"),
        ("Warum haben Sie die Zahlen nicht geprüft?", "challenge:warum haben sie"),
        (
            "Pourquoi avez-vous modifié le périmètre sans nous prévenir ?",
            "challenge:pourquoi avez-vous",
        ),
        ("为什么你们还没有发送报告？", "challenge:为什么你们"),
    ],
)
def test_a_pointed_question_is_a_friction_cue(analyzer, text: str, cue: str) -> None:
    language = analyzer.languages.detect(text)
    assert cue in analyzer.lexicon.find(text, language).friction


@pytest.mark.parametrize(
    "text",
    [
        "Please don't hesitate to call me if anything is unclear.",
        "Hope you keep well, and thanks again for Tuesday.",
        "In case you didn't get it, the agenda is attached.",
        "Why don't we move the call to Thursday?",
    ],
)
def test_polite_business_phrases_are_not_pointed_questions(analyzer, text: str) -> None:
    assert analyzer.lexicon.find(text, "en").friction == ()


def test_noise_carries_no_tone_and_no_cues(analyzer) -> None:
    newsletter = "Our customers say the old process was frustrating and unacceptable. Great news: version 5 fixes it!"

    features = analyzer.analyse(newsletter, date=_NOW, noise=Noise.BULK)

    assert features.sentiment is None
    assert features.friction == ()


def test_an_auto_reply_keeps_only_its_return_date(analyzer) -> None:
    features = analyzer.analyse(
        "I am out of the office and back on 8 June. Thanks!", date=_NOW, noise=Noise.AUTO_REPLY
    )

    assert features.sentiment is None
    assert features.away_until is not None and features.away_until.isoformat() == "2026-06-08"


def test_a_calm_report_of_failing_builds_moves_no_tone_and_names_no_sentence(analyzer) -> None:
    text = (
        "Hi Alice,\n\nEverything is marked as having test issues, when only the Windows builds "
        "have such a failing issue. The nightly job fails with the same error."
    )  # own text: the sign-off is cut before it is read

    features = analyzer.analyse(text, date=_NOW)

    assert features.sentiment is not None and features.sentiment < -0.3  # VADER alone
    assert features.tone is not None and abs(features.tone) < 0.05  # read as business mail
    assert features.evidence == ()  # no sentence moved the tone


def test_the_clients_tone_over_a_month_is_read_as_business_mail() -> None:
    from monitor.core.analysis import analyse
    from tests.core.records import at, history, inbound

    reports = [
        inbound(f"Mon 2026-05-{day:02d} 09:30", "Nightly build", sentiment=-0.6, tone=0.0)
        for day in (4, 11, 18, 25)
    ]

    report = analyse(history(*reports), at("Fri 2026-05-29 12:00"))

    assert report.sentiment.mean_30 == 0.0
    assert report.sentiment.scored_30 == 4
    assert report.health.components["sentiment"] is not None
    assert report.health.components["sentiment"] >= 50
