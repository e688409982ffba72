"""The politeness model: strategies read from data, impoliteness as a probability, English only."""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.core import politeness
from monitor.core.model import Noise
from monitor.core.politeness import (
    MODEL_FILE,
    NGRAM,
    Features,
    PolitenessModel,
    load_strategies,
    sentences,
)
from monitor.core.sentiment import LinearVader
from monitor.core.text import TextAnalyzer
from tests.conftest import ROOT, corpus

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def model() -> PolitenessModel:
    return PolitenessModel.load(LinearVader().lexicon)


@pytest.fixture(scope="module")
def analyzer() -> TextAnalyzer:
    return TextAnalyzer.load()


STRATEGY_EXAMPLES = [
    ("gratitude", "Thanks a lot for the quick turnaround on the draft."),
    ("deference", "Great question. The cut-over is planned for Friday."),
    ("greeting", "Hi Dana, the numbers are in the shared folder."),
    ("apologising", "Sorry for the late reply, the board met on Tuesday."),
    ("please", "Could you please send the revised plan?"),
    ("please_start", "Please send the revised plan."),
    ("indirect_btw", "By the way, the invoice went out yesterday."),
    ("direct_question", "What is the status of the migration?"),
    ("direct_start", "So when does the pilot start?"),
    ("counterfactual_modal", "Would you have time for a call on Monday?"),
    ("indicative_modal", "Can you send the file today?"),
    ("first_person_start", "I looked at the report this morning."),
    ("second_person_start", "You changed the figures in section 3."),
    ("first_person_plural", "Shall we meet on Thursday instead?"),
    ("hedges", "Perhaps the second option works better."),
    ("factuality", "In fact the deadline moved to June."),
    ("why_question", "Why was the deadline moved?"),
    ("direct_imperative", "You need to explain the extra hours."),
    ("reassurance", "No worries, the workshop can move to next week."),
    ("contrastive_acknowledgement", "Thanks, but the figures were in last week's pack."),
    ("emphatic_question", "What exactly did the team check?"),
    ("opinion_question", "What do you think of the new timeline?"),
    ("help", "Could you help us with the data import?"),
    ("optimism", "I hope the move to the new office went smoothly."),
    ("permission", "May I ask how the figures were derived?"),
    ("repetition", "The nightly export failed again this morning."),
    ("first_person_question", "Should I send the invoice to your finance team?"),
    ("acknowledgement", "I understand the deadline is tight for your team."),
    ("disagreement", "I disagree with the new estimate for phase two."),
    ("let_me_know", "Let me know if the slides work for the board."),
    ("just", "Just checking that the report arrived."),
    ("informal_address", "Dude, where is the file?"),
    ("swearing", "This damn report is late."),
    ("reasoning", "We moved the call because the board meets on Monday."),
    ("bare_command", "Send the revised file today."),
    ("second_person_repeated", "You said you would send your notes by Friday."),
    ("negation_repeated", "No, that is not what we agreed."),
    ("why_you", "Why did you move the deadline?"),
    ("challenge", "Are you sure these numbers are right?"),
]


@pytest.mark.parametrize(("strategy", "text"), STRATEGY_EXAMPLES)
def test_each_politeness_strategy_is_found_in_a_plain_sentence(strategy, text) -> None:
    features = Features.load(LinearVader().lexicon)
    assert strategy in features.of(text, ngrams=False)
    assert strategy not in features.of("The meeting is at ten in room four.", ngrams=False)


def test_a_strategy_read_at_a_sentence_start_or_counted_is_not_found_elsewhere() -> None:
    features = Features.load(LinearVader().lexicon)

    def found(text: str) -> set[str]:
        return features.of(text, ngrams=False)

    # An order opens a statement; the same verb inside a sentence or in a question is none.
    assert "bare_command" in found("Thanks for the notes. Send the final file today.")
    assert "bare_command" not in found("Could you send the final file today?")
    assert "bare_command" not in found("Send the final file today?")
    assert "bare_command" not in found("We will send the final file today.")
    # "Don't" inside a sentence is no order: "I hope I don't bother you" asks nothing of anyone.
    assert "bare_command" not in found("I hope I don't bother you with this question.")
    assert "direct_imperative" not in found("I hope I don't bother you with this question.")
    assert "bare_command" in found("Don't change the figures again.")
    # A second person once or twice is a request; three times in a message it is a charge.
    assert "second_person_repeated" not in found("Could you send your notes?")
    assert "second_person_repeated" in found("You said your team would send you the notes.")
    assert "negation_repeated" not in found("That is not the final figure.")
    # Challenges question the reader's judgement in a question, not in a statement.
    assert "challenge" not in found("We are sure the numbers are right.")
    # "Thanks in advance" starts no sentence with "thanks"; a greeting opens the text only.
    assert "greeting" not in found("The figures are in. Hi again to the team.")


def test_one_charged_word_said_twice_counts_as_several() -> None:
    features = Features.load(LinearVader().lexicon)

    def found(text: str) -> set[str]:
        return features.of(text, ngrams=False)

    assert "negative_words" in found("The handover was awful. Truly awful.")
    assert "negative_words" not in found("The handover was awful, but the report is fine.")
    assert "positive_words" in found("Great workshop, great team.")
    assert "positive_words" in found("Great workshop and a wonderful team.")
    assert "positive_words" not in found("Great workshop on Tuesday.")


def _every_strategy_in_every_sentence(features: Features, text: str) -> set[str]:
    """The plain reading: each strategy tried on each sentence with all of its terms."""
    found: set[str] = set()
    counts = dict.fromkeys((s.name for s in features.strategies), 0)
    for index, tokens in enumerate(sentences(text)):
        padded, present = f" {' '.join(tokens)} ", set(tokens)
        for strategy in features.strategies:
            words = sum(1 for t in tokens if t in strategy.words)
            if strategy.at_least > 1:
                counts[strategy.name] += words + sum(padded.count(p) for p in strategy.phrases)
                continue
            if strategy.where in ("start", "text_start", "statement_start"):
                shows = strategy.found(tokens, padded, present, index == 0)
            elif strategy.where == "not_start":
                later = sum(1 for t in tokens[1:] if t in strategy.words)
                shows = later > 0 or any(padded.find(p) > 0 for p in strategy.phrases)
            elif strategy.where == "question" and "?" not in present:
                shows = False
            else:
                shows = words > 0 or any(p in padded for p in strategy.phrases)
            if shows:
                found.add(strategy.name)
    counted = {s.name for s in features.strategies if s.at_least > 1}
    return found | {name for name in counted if counts[name] >= _at_least(features, name)}


def _at_least(features: Features, name: str) -> int:
    return next(s.at_least for s in features.strategies if s.name == name)


# A phrase broken by a sentence's end is no phrase: "... to let. Me know ..." says no "let me know".
BROKEN_PHRASES = [
    f"We agreed on {phrase.split()[0]}. {' '.join(phrase.split()[1:])} was the plan."
    for strategy in load_strategies()
    for phrase in strategy.phrases[:3]
]
# A sentence that is a phrase and nothing else: every word it has is one of the phrase's.
BARE_PHRASES = [
    f"{phrase.strip()}." for strategy in load_strategies() for phrase in strategy.phrases[:3]
]
EXAMPLES = [
    *(text for _, text in STRATEGY_EXAMPLES),
    *BROKEN_PHRASES,
    *BARE_PHRASES,
    "Hi Dana,\n\nthe figures are in the shared folder. Thanks a lot for the quick turnaround.",
    "Why was the deadline moved?? You said you would send your notes by Friday. Send them now.",
]
mails = st.lists(
    st.tuples(st.sampled_from(EXAMPLES), st.sampled_from([" ", "\n", "\n\n", ". ", "? "])),
    min_size=1,
    max_size=8,
).map(lambda parts: "".join(text + gap for text, gap in parts))


@settings(max_examples=300, deadline=None)
@given(text=mails)
def test_reading_the_text_at_once_finds_the_strategies_each_sentence_shows(model, text) -> None:
    """Strategies found anywhere are read once over the whole text, and phrases are looked for
    only where their first word is present; the plain reading must agree."""
    features = model.features
    signs = set(features.strategy_names()) - {s.name for s in features.strategies}

    assert features.of(text, ngrams=False) - signs == _every_strategy_in_every_sentence(
        features, text
    )


@settings(max_examples=300, deadline=None)
@given(text=mails)
def test_a_score_is_the_sum_of_the_weights_of_the_features_the_text_shows(model, text) -> None:
    present = model.features.of(text)

    expected = model.intercept + sum(model.weights.get(name, 0.0) for name in present)

    assert model.logit(text) == pytest.approx(expected, abs=1e-9)


def test_work_words_are_no_negative_lexicon_words_for_politeness() -> None:
    """ "Problem", "error" and "failing" describe work, not feelings (tone.en.toml)."""
    features = Features.load(LinearVader().lexicon)
    assert "negative" not in features.of("Problem solved! The error is gone.", ngrams=False)
    assert "negative" in features.of("This is a terrible, useless report.", ngrams=False)


def test_questioning_the_readers_judgement_reads_less_polite_than_asking_to_check(
    model,
) -> None:
    for curt, polite in [
        ("Are you sure these numbers are right?", "Could you check these numbers for us?"),
        ("Did you even read the brief?", "Would you have a moment to look at the brief?"),
        ("Why did you move the deadline again?", "May I ask what moved the deadline?"),
    ]:
        assert model.impoliteness(curt) > 0.5 > model.impoliteness(polite), curt


def test_asking_the_readers_opinion_or_offering_help_reads_polite(model) -> None:
    for text in (
        "What do you think of the second option for the roll-out?",
        "Let me know if I can help with the migration plan.",
        "I hope the launch went well. Should I send the figures to Dana as well?",
    ):
        assert model.impoliteness(text) < 0.15, text


def test_a_grateful_counterfactual_request_reads_polite_and_a_bare_why_reads_impolite(
    model,
) -> None:
    polite = model.impoliteness(
        "Thanks very much for the revised budget. Would you be able to add the Q3 travel costs?"
    )
    curt = model.impoliteness("Why did you change the budget?? You need to explain this.")
    assert polite < 0.1
    assert curt > 0.9
    assert [name for name, _ in model.explain("Why did you change the budget??")][:2] == [
        "marks",
        "why_question",
    ]


def test_curt_requests_without_a_negative_word_read_less_polite_than_their_polite_form(
    model,
) -> None:
    for curt, polite in [
        ("What for?", "Could you tell us what it is for? Thanks!"),
        ("You really should give us more information.", "Could you share a bit more detail?"),
        ("You need to further explain the invoice.", "Would you mind explaining the invoice?"),
    ]:
        # Any request has a chance of one in four to be among the least polite quarter.
        assert model.impoliteness(curt) > 0.4 > 0.2 > model.impoliteness(polite), curt


def test_a_reassuring_client_reads_polite_though_it_says_no_and_worry(model) -> None:
    """ "No worries" and "don't worry" reassure; read as a negation and a negative word they
    made a friendly question look curt."""
    for text in (
        "No worries. What is the new date for the workshop?",
        "Don't worry about the delay. When can we expect the revised plan?",
    ):
        assert model.impoliteness(text) < 0.3, text
        assert "reassurance" in model.features.of(text, ngrams=False)


def test_thanks_taken_back_and_a_pressed_question_read_impolite(model) -> None:
    text = (
        "Sorry, but this is the third draft with the same mistakes. "
        "What exactly did your team check?"
    )

    assert model.impoliteness(text) > 0.5
    assert {"contrastive_acknowledgement", "emphatic_question"} <= model.features.of(
        text, ngrams=False
    )


def test_a_polite_technical_question_is_not_read_as_impolite(model) -> None:
    text = (
        "Hi Dana, thanks for the update. What exactly fails? Could you send us the error you get?"
    )
    assert model.impoliteness(text) < 0.1


def test_ingest_scores_english_own_text_and_leaves_other_languages_and_noise_unscored(
    analyzer,
) -> None:
    english = analyzer.analyse("Why did you change the budget?? Explain this.", date=NOW)
    german = analyzer.analyse("Warum haben Sie das Budget geändert? Erklären Sie das.", date=NOW)
    auto = analyzer.analyse(
        "I am out of the office until Monday.", date=NOW, noise=Noise.AUTO_REPLY
    )
    assert english.impoliteness is not None and english.impoliteness > 0.8
    assert german.language == "de" and german.impoliteness is None
    assert auto.impoliteness is None


def test_the_shipped_model_names_only_features_the_lexicon_defines(model) -> None:
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    known = set(model.features.strategy_names())
    unknown = [n for n in data["weights"] if not n.startswith(NGRAM) and n not in known]
    assert unknown == []
    assert data["version"] == model.version == 3
    assert MODEL_FILE.name == "politeness.v3.json"
    assert "Apache-2.0" in data["training"]["data"]
    # The word n-grams are regularised harder than the strategies: the strongest weights are
    # strategies, and no n-gram outweighs the strongest strategy.
    strategy_max = max(abs(w) for n, w in data["weights"].items() if not n.startswith(NGRAM))
    ngram_max = max(abs(w) for n, w in data["weights"].items() if n.startswith(NGRAM))
    assert ngram_max < strategy_max / 2


def test_a_count_outside_the_whole_text_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "politeness.xx.toml").write_text(
        '[you_again]\nwhere = "start"\nat_least = 3\nterms = ["you"]\n', encoding="utf-8"
    )
    with pytest.raises(ValueError, match=r"politeness\.xx\.toml.*'you_again'"):
        load_strategies("xx", tmp_path)


def test_a_strategy_with_an_unknown_position_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "politeness.xx.toml").write_text(
        '[gratitude]\nwhere = "middle"\nterms = ["thanks"]\n', encoding="utf-8"
    )
    with pytest.raises(ValueError, match=r"politeness\.xx\.toml.*'gratitude'.*'middle'"):
        load_strategies("xx", tmp_path)


@pytest.mark.corpus
@pytest.mark.slow
def test_the_model_ranks_the_least_polite_quarter_of_rated_requests() -> None:
    """10-fold cross-validation on the Wikipedia requests (bench/train_politeness.py), with
    the regularisation chosen inside each training part. The issue's targets are accuracy >=
    0.85 and AUC >= 0.80; model version 3 reaches 0.853 and 0.825 for the shipped variant, 0.835
    and 0.803 for strategies only, so a change that loses ground fails."""
    pytest.importorskip("sklearn")
    corpus("politeness")
    spec = importlib.util.spec_from_file_location(
        "train_politeness", ROOT / "bench" / "train_politeness.py"
    )
    assert spec is not None and spec.loader is not None
    train = importlib.util.module_from_spec(spec)
    sys.modules["train_politeness"] = train
    spec.loader.exec_module(train)
    requests = train.load()
    features = train.featurizer()
    train.set_strategies(features)
    present = [features.of(r.text) for r in requests]
    shipped = train.cross_validate(present, requests, ngrams=True)
    strategies = train.cross_validate(present, requests, ngrams=False)
    assert shipped["auc"] >= 0.82
    assert shipped["accuracy"] >= 0.85
    assert strategies["auc"] >= 0.80
    assert strategies["accuracy"] >= 0.83


def _bench_module(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_out_of_sample_halves_share_no_request_and_are_the_same_for_a_seed() -> None:
    """bench/held_out.py: the mail of an out-of-sample run is written only from requests the
    model it is scored by was not trained on."""
    held_out = _bench_module("held_out")
    rows = [(f"Could you please look at request {i}?", i / 100) for i in range(101)]

    first = held_out.split(rows, 7)
    again = held_out.split(rows, 7)
    other = held_out.split(rows, 8)

    assert not set(first.trained_on) & set(first.held_out)
    assert sorted(first.trained_on + first.held_out) == sorted(rows)
    assert first == again and first != other


def test_an_exhausted_pool_of_requests_is_drawn_again_in_a_new_order() -> None:
    held_out = _bench_module("held_out")
    texts = ["Why was this reverted?", "Thanks for the quick fix!", "Can you explain why?"]
    pool = held_out.Pool(list(texts), random.Random(3))

    drawn = [pool.pop() for _ in range(7)]

    assert sorted(drawn[:3]) == sorted(texts) and sorted(drawn[3:6]) == sorted(texts)
    assert pool.refills == 2


def _split_then_tokens(text: str) -> list[list[str]]:
    """The plain reading: split the text into sentences, then read each one's tokens."""
    lowered = text[:4000].replace("\u2019", "'").casefold()
    pieces = (politeness._TOKEN.findall(piece) for piece in politeness._SENTENCE.split(lowered))
    return [tokens for tokens in pieces if tokens]


@settings(max_examples=500, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(
            [*"abcXYZ019'?.!,;:- ", "\n", "\t", "\r", "\u2019", "\u2028", "\xa0", "é", "ß"]
        ),
        max_size=80,
    )
)
def test_sentences_read_in_one_scan_are_the_split_texts_tokens(text: str) -> None:
    assert sentences(text) == _split_then_tokens(text)
