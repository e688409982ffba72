"""Own text: the sender's new words only, in every client style and language relmon reads.

The fixtures are realistic replies (Gmail, Outlook, Apple Mail, …) in English, German, French,
Spanish, Finnish and Chinese; each names phrases that must survive and phrases (quote headers,
quoted history, forwarded blocks, signatures, disclaimers) that must not.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from monitor.core.model import Quarantined
from monitor.core.normalise import Normalised, normalise
from monitor.core.owntext import html_to_text, own_text
from monitor.sources.parse import parse_raw

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail" / "owntext"
CASES = (
    tomllib.loads((FIXTURES / "manifest.toml").read_text(encoding="utf-8"))["case"]
    if (FIXTURES / "manifest.toml").exists()
    else []
)


def own_text_of(raw: bytes, analyzer) -> Normalised:
    envelope = parse_raw(raw)
    assert not isinstance(envelope, Quarantined)
    result = normalise(envelope, analyzer)
    assert isinstance(result, Normalised)
    return result


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_quoted_history_and_signatures_are_removed(case, analyzer) -> None:
    result = own_text_of((FIXTURES / case["file"]).read_bytes(), analyzer)
    text = " ".join(result.own_text.split())

    for phrase in case["must_contain"]:
        assert " ".join(phrase.split()) in text, f"lost own text {phrase!r}"
    for phrase in case["must_not_contain"]:
        assert " ".join(phrase.split()) not in text, f"kept {phrase!r}"


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_the_language_of_own_text_is_detected(case, analyzer) -> None:
    result = own_text_of((FIXTURES / case["file"]).read_bytes(), analyzer)

    assert result.message.text.language == case["language"]


def test_answers_interleaved_with_the_quote_are_kept() -> None:
    body = (
        "On Tue, 2 Jun 2026 at 09:12, Dana Whitfield <dana.whitfield@acme-logistics.example> wrote:\n"
        "> Can the pilot start in week 34?\n"
        "Yes, if the scanners arrive by the 14th.\n"
        "> And who signs off the budget?\n"
        "Raj does, once the steering group has seen the numbers.\n"
    )

    text = own_text(body).text

    assert "Yes, if the scanners arrive by the 14th." in text
    assert "Raj does, once the steering group has seen the numbers." in text
    assert "pilot start" not in text
    assert "wrote:" not in text


def test_a_sign_off_with_zero_width_spaces_inside_is_still_cut() -> None:
    """Some mail programs leave invisible characters inside words; the sign-off, the name and
    the signature below them go as they would without."""
    body = (
        "Hi Alice,\n\nThe pilot can start in week 34 if the scanners arrive by the 14th.\n\n"
        "Kind re\u200bgards,\nDana Whit\ufefffield\nHead of Operations | Acme Logistics\n"
        "+44 20 7946 0958\n"
    )

    text = own_text(body).text

    assert text == (
        "Hi Alice,\n\nThe pilot can start in week 34 if the scanners arrive by the 14th."
    )


def test_joiners_that_shape_emoji_and_scripts_are_kept() -> None:
    body = "Great news, the team \U0001f469\u200d\U0001f4bb is on it. \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645\n"

    assert own_text(body).text == body.strip()


def test_a_short_thanks_keeps_its_only_line() -> None:
    assert own_text("Thanks!\n\nDana").text.startswith("Thanks!")


def test_html_quotes_are_cut_where_the_quote_container_starts() -> None:
    html = (
        '<div dir="ltr"><p>Fine by us, go ahead with the Thursday slot.</p></div>'
        '<div class="gmail_quote"><div class="gmail_attr">On Mon, 1 Jun 2026 at 17:02 Alice wrote:</div>'
        "<blockquote><p>Would Thursday 10:00 work for the workshop?</p></blockquote></div>"
    )

    text = own_text(html_to_text(html)).text

    assert text == "Fine by us, go ahead with the Thursday slot."


def test_a_line_marking_a_cut_quote_keeps_the_answers_below_it() -> None:
    body = (
        "Le dimanche 31 décembre 2017, 11:05:39 CET Alice Marsh a écrit :\n"
        "[...]\n"
        "> 1. A failed build stops the other parallel builds.\n"
        "yes, this would be a good first enhancement\n"
        "\n"
        "> 2. Deploying snapshots on every build is an anti-pattern.\n"
        "[…]\n"
        "I don't understand: why would a snapshot repository be a problem? Can you explain?\n"
    )

    text = own_text(body).text

    assert "yes, this would be a good first enhancement" in text
    assert "Can you explain?" in text
    assert "anti-pattern" not in text
    assert "[" not in text


def test_a_groupwise_quote_under_its_header_line_is_not_the_senders_text() -> None:
    body = (
        "OK\n"
        "Thanks again, that settles it.\n"
        "\n"
        '>>> "Brown, Gail" <gail.brown@northwind-advisory.example> 2/16/01 10:41:43 am >>>\n'
        "\n"
        "Thanks for the information. This delay is unacceptable and we may cancel.\n"
    )

    text = own_text(body).text

    assert "Thanks again, that settles it." in text
    assert "unacceptable" not in text


def test_an_address_given_above_the_sign_off_is_the_senders_text() -> None:
    body = (
        "The invoices should be addressed as follows:\n"
        "\n"
        "CA Energy Development I, LLC\n"
        "909 Fannin, Suite 2200\n"
        "Houston, Texas 77010\n"
        "Attention: John Jones\n"
        "Fax: (713) 374-3901\n"
        "\n"
        "Thanks,\n"
        "George\n"
    )

    text = own_text(body).text

    assert "Fax: (713) 374-3901" in text
    assert "George" not in text


@pytest.mark.parametrize(
    "disclaimer",
    [
        "The information contained in this electronic mail transmission is confidential and "
        "intended to be sent only to the stated recipient of the transmission.",
        "This e-mail message may contain legally privileged and/or confidential information. "
        "If you are not the intended recipient, you are hereby notified.",
        "The information contained in this e-mail is confidential and/or proprietary to "
        "Northwind and may only be used by the individual or entity to which it is addressed.",
        "This email is confidential. If you received it in error, please notify the sender.",
    ],
)
def test_a_firms_disclaimer_below_the_text_is_not_the_senders_words(disclaimer: str) -> None:
    body = f"I am getting the complaint today and will send it over.\n\n{disclaimer}\n"

    assert own_text(body).text == "I am getting the complaint today and will send it over."


@pytest.mark.parametrize(
    "sentence",
    [
        "The information in this email is confidential until the board meets on Monday.",
        "This transmission is confidential to the steering group: keep it there.",
        "This message is intended to start the discussion on the budget.",
    ],
)
def test_a_sentence_that_only_opens_like_a_disclaimer_is_text(sentence: str) -> None:
    body = (
        f"Hi Tom,\n\n{sentence}\n"
        "We are disappointed with the delays and will cancel unless the plan is fixed.\n"
        "Can you call me today?\n"
    )

    text = own_text(body).text

    assert sentence in text
    assert "Can you call me today?" in text
