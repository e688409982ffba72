"""What bounds each text step by construction: the same results on real text, linear time on
crafted text, and a time budget that leaves a stored, flagged message."""

from __future__ import annotations

import time
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from monitor.core import bounds
from monitor.core.bounds import (
    MAX_LINE_CHARS,
    MAX_SPACE_RUN,
    MAX_TOKEN_CHARS,
    Budget,
    bound_text,
)
from monitor.core.htmltext import _TextExtractor, html_to_text
from monitor.core.owntext import own_text
from monitor.core.sentiment import (
    WHOLE_TEXT_MAX_CHARS,
    LinearVader,
    combine,
    score,
    sentences_of,
)

REPLY = (
    "Hi Alice,\n\nThanks for the draft - it is not bad at all, but the schedule is never so "
    "tight as this. Kind of worried about week 34 :( \U0001f62c\n\nCould you call me?\n\n"
    "Best regards,\nDana\n\n-----Original Message-----\nFrom: Alice Marsh\nSent: Monday\n"
    "To: Dana\nSubject: Draft\n\n> The draft is attached."
)


@pytest.mark.parametrize(
    "text",
    [
        REPLY,
        "The food was not good, but the service was great!",
        "Without doubt the best: never so happy. This is kind of the bomb.",
        "I don't really like it, it is the shit. Yeah right, cut the mustard.",
        "At least it works. NOT great though!!! 😊😊 but 😡",
        "no",
        "good",
        "never this good",
    ],
)
def test_linear_vader_scores_exactly_as_vader_does(text: str) -> None:
    assert LinearVader().polarity_scores(text) == SentimentIntensityAnalyzer().polarity_scores(text)


def test_linear_vader_reads_a_long_run_of_emoji_in_linear_time() -> None:
    vader = LinearVader()
    started = time.process_time()
    vader.polarity_scores("\U0001f60a" * 4000)  # 4 KB: 5.9 M lowered words before
    assert time.process_time() - started < 0.5


def test_real_text_passes_the_bounds_unchanged() -> None:
    assert bound_text(REPLY) is REPLY
    long_letter = (REPLY + "\n") * 200
    assert bound_text(long_letter) is long_letter


def test_crafted_runs_are_cut_to_their_bound() -> None:
    text = "x" * 5000 + " " * 5000 + "y " + ("word " * 20000)
    bounded = bound_text(text)
    lines = bounded.split("\n")
    assert max(len(line) for line in lines) <= MAX_LINE_CHARS
    assert max(len(token) for token in bounded.split()) == MAX_TOKEN_CHARS
    assert " " * (MAX_SPACE_RUN + 1) not in bounded
    assert bounded.startswith("x" * MAX_TOKEN_CHARS + " " * MAX_SPACE_RUN + "y word")


def _bounded_by_the_patterns_alone(text: str) -> str:
    # What bound_text did before it counted runs: each pattern searched and substituted.
    if len(text) <= MAX_TOKEN_CHARS:
        return text
    text = bounds._LONG_TOKEN.sub(lambda m: m.group()[:MAX_TOKEN_CHARS], text)
    text = bounds._LONG_SPACE.sub(lambda m: m.group()[:MAX_SPACE_RUN], text)
    if len(text) > MAX_LINE_CHARS:
        text = bounds._LONG_LINE.sub(bounds._break_line, text)
    return text


# Runs around each bound, of the characters that decide them: every kind of white space Python
# knows (a tab, a form feed, the file separator, a line separator, a non-breaking space), the
# line break, and characters that are none.
_RUN = st.tuples(
    st.sampled_from([" ", "\t", "\x0c", "\x1c", "\u2028", "\xa0", "\n", "x", "é", "\U0001f60a"]),
    st.sampled_from([1, 2, 7, MAX_SPACE_RUN - 1, MAX_SPACE_RUN, MAX_SPACE_RUN + 1, 1700]),
)


@settings(max_examples=300, deadline=None)
@given(runs=st.lists(_RUN, max_size=12))
def test_counting_runs_bounds_text_exactly_as_the_patterns_do(runs: list[tuple[str, int]]) -> None:
    text = "".join(char * count for char, count in runs)

    assert bound_text(text) == _bounded_by_the_patterns_alone(text)


@pytest.mark.parametrize(
    "line",
    [
        " " * 48_000,
        "From:" + " " * 48_000,
        "-----Original Message-----" + " " * 48_000 + "x",
        " " * 48_000 + "this email is confidential",
    ],
    ids=["spaces", "from-header", "original-message", "disclaimer"],
)
def test_own_text_of_a_line_of_white_space_takes_linear_time(line: str) -> None:
    started = time.process_time()
    own_text(f"Hi Alice,\n\nCan you confirm?\n{line}\nThanks,\nDana")
    assert time.process_time() - started < 0.5


def test_the_tone_of_a_greeting_padded_with_white_space_takes_linear_time() -> None:
    text = "Hi Alice" + " " * 48_000 + "!\n\nCan you confirm the plan?"
    started = time.process_time()
    score(text, "en", LinearVader())
    assert time.process_time() - started < 0.5


def test_a_long_text_of_few_sentences_is_scored_by_its_sentences() -> None:
    vader = LinearVader()
    text = "Thanks, the plan looks great. The delay " + "at the depot was terrible and " * 600
    scored = score(text, "en", vader)
    pieces = [vader.polarity_scores(p)["compound"] for p in sentences_of(text)]
    assert len(text) > WHOLE_TEXT_MAX_CHARS and scored.compound == round(combine(pieces), 4)


def _parsed_whole(html: str) -> str:
    """What the parser makes of ``html`` fed whole (quadratic on an open tail, fine when small)."""
    parser = _TextExtractor()
    HTMLParser.feed(parser, html)
    parser.close()
    return parser.text()


@pytest.mark.parametrize(
    "tail", ["<!--", "<b ", "</", "<?", "<a href='x", "<!-- &amp; <i", "<p>ok</p>"]
)
def test_html_ending_in_open_markup_reads_as_the_parser_would_read_it(tail: str) -> None:
    html = "<div><p>Hi Alice,</p><p>The plan &amp; the budget are attached.</p></div>" + tail * 3
    assert html_to_text(html) == _parsed_whole(html)


def test_html_ending_in_thousands_of_open_comments_takes_linear_time() -> None:
    html = "<p>Hi Alice, can you confirm?</p>" + "<!--" * 64_000
    started = time.process_time()
    html_to_text(html)
    assert time.process_time() - started < 0.5


class _Clock:
    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_a_budget_refuses_the_steps_past_it_and_says_which() -> None:
    budget = Budget(_Clock(0.75), seconds=2.0)  # each look at the clock: 0.75 s later
    assert budget.allows("language")  # 0.75 s
    assert budget.allows("sentiment")  # 1.5 s
    assert not budget.allows("cues")  # 2.25 s
    note = budget.note()
    assert note is not None and note.startswith("analysis_budget: analysis took ")
    assert note.endswith("over 2 s; skipped cues")
    assert Budget(_Clock(0.0)).note() is None
