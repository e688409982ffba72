"""Tone for business mail: words that describe work carry no valence; affect is VADER's own."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from monitor.core.sentiment import DomainVader, work_words


def test_a_technical_question_about_an_error_is_not_read_as_negative() -> None:
    text = "What exactly fails? What error do you get?"
    assert SentimentIntensityAnalyzer().polarity_scores(text)["compound"] < -0.3
    assert DomainVader.load("en").polarity_scores(text)["compound"] == 0.0


def test_anger_about_a_failure_still_reads_negative() -> None:
    text = "This failure is awful and we are furious about it."
    assert DomainVader.load("en").polarity_scores(text)["compound"] < -0.5


def test_without_work_words_it_scores_exactly_as_vader() -> None:
    vader, domain = SentimentIntensityAnalyzer(), DomainVader()
    for text in ["The build fails with an error :(", "Great work, thanks!!", "not bad at all"]:
        assert domain.polarity_scores(text) == vader.polarity_scores(text)


def test_work_words_come_from_the_language_lexicon_and_keep_the_whole_vader_lexicon() -> None:
    words = work_words("en")
    assert {"error", "fails", "broken"} <= words
    assert work_words("xx") == frozenset()
    domain = DomainVader(words)
    assert "error" in domain.general and "error" not in domain.lexicon


def test_the_score_alone_is_the_same_score_without_its_sentences() -> None:
    from monitor.core.sentiment import DomainVader, score

    vader = DomainVader.load("en")
    for text in (
        "Hi Alice,\n\nWhat exactly fails? What error do you get?\n\nThanks, Dana",
        "This is unacceptable. The export is broken again and nobody told us.",
        "Great work on the pilot, the board loved it!",
    ):
        assert score(text, "en", vader, evidence=0).compound == score(text, "en", vader).compound


_SENTENCES = [
    "What exactly fails?",
    "The import job crashed again with a timeout error.",
    "We are really unhappy with how long this is taking.",
    "Thanks a lot for the quick fix, great work!",
    "The pallet count in the warehouse report is wrong.",
    "Could you kill the stuck process on the staging server?",
    "Please send the revised rollout plan before Thursday.",
    "This is a disaster and frankly unacceptable.",
    "The negative test case passes now.",
    "Lovely to meet you at the steering call.",
    "The link seems broken; the page shows an exception.",
    "No problem at all.",
]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    picked=st.lists(st.sampled_from(_SENTENCES), min_size=1, max_size=14),
    greeting=st.booleans(),
)
def test_the_tone_of_a_long_text_scores_again_only_its_sentences_with_work_words(
    analyzer, picked: list[str], greeting: bool
) -> None:
    from monitor.core.sentiment import score

    text = ("Hi Alice,\n\n" if greeting else "") + " ".join(picked) + "\n\nBest, Dana"
    first = score(text, "en", analyzer.sentiment)

    again = analyzer._tone(text, "en", first)

    whole = score(text, "en", analyzer.tone)
    assert again is not None
    assert again.compound == whole.compound
    assert again.evidence == whole.evidence  # the sentences that moved the tone


_WORK = sorted(work_words("en"))


@settings(max_examples=400, deadline=None)
@given(
    parts=st.lists(
        st.one_of(
            st.sampled_from(_WORK),
            st.sampled_from(_WORK).map(str.upper),
            st.sampled_from(_WORK).map(lambda w: w[:-1]),  # "erro": no work word
            st.sampled_from(_WORK).map(lambda w: f"un{w}s"),  # inside a longer word
            st.sampled_from(["the", "build", "1", "_", "x2", "é"]),
        ),
        max_size=6,
    ),
    gaps=st.sampled_from([" ", "", "-", "_", "3", ". ", "\n"]),
)
def test_a_text_has_work_words_exactly_when_one_of_its_words_is_one(
    analyzer, parts: list[str], gaps: str
) -> None:
    """Looked for as substrings first (most texts hold none), then word by word."""
    text = gaps.join(parts)
    words = set(re.findall(r"[^\W\d_]+", text.casefold()))

    assert analyzer._has_work_words(text) == (not words.isdisjoint(_WORK))
