"""A stored message judged again from what the store keeps: never more than that allows."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.core.model import Noise, TextFeatures
from monitor.core.rejudge import Stored, rejudge

WHEN = datetime(2026, 6, 2, 9, 12, tzinfo=UTC)


def stored(**changes) -> Stored:  # type: ignore[no-untyped-def]
    values = {
        "sender": "dana.whitfield@acme-logistics.example",
        "subject": "Q3 roadmap review",
        "is_reply": False,
        "date": WHEN,
        "noise": None,
        "noise_reason": None,
        "needs_reply": True,
        "snippet": None,
        "features": TextFeatures(language="en", own_chars=240, sentiment=0.42, sentences=3),
    }
    values.update(changes)
    return Stored(**values)


def test_without_the_whole_own_text_tone_and_cues_stay_as_stored(analyzer) -> None:
    message = stored(snippet="Hi Alice, could you send the revised rollout plan before")

    judged = rejudge(message, analyzer)

    assert not judged.text_judged
    assert judged.features == message.features
    assert judged.needs_reply and judged.noise is None


def test_a_read_receipt_subject_on_a_long_unstored_text_is_not_called_a_receipt(
    analyzer,
) -> None:
    message = stored(
        subject="Read: Q3 roadmap review",
        features=TextFeatures(language="en", own_chars=1800, sentiment=0.2, sentences=14),
    )

    assert rejudge(message, analyzer).noise is None


def test_a_mailer_daemon_sender_becomes_noise_and_stops_waiting(analyzer) -> None:
    message = stored(sender="MAILER-DAEMON@mx.acme-logistics.example", subject="failure notice")

    judged = rejudge(message, analyzer)

    assert judged.noise is Noise.DELIVERY_REPORT
    assert not judged.needs_reply
    assert judged.features.sentiment is None


def test_stored_noise_is_kept_even_when_nothing_stored_shows_it(analyzer) -> None:
    message = stored(noise=Noise.BULK, noise_reason="List-Id: <news.acme-logistics.example>")

    judged = rejudge(message, analyzer)

    assert (judged.noise, judged.noise_reason) == (message.noise, message.noise_reason)


def test_a_closing_only_text_no_longer_waits_once_its_quote_is_cut(analyzer) -> None:
    text = "Thanks!\n\nOn Tue, 2 Jun 2026 at 15:40, Alice Marsh wrote:\n> The plan is attached."
    message = stored(snippet=text, features=TextFeatures(language="en", own_chars=len(text)))

    judged = rejudge(message, analyzer)

    assert judged.text_judged
    assert judged.snippet == "Thanks!"
    assert judged.features.closing_only
    assert not judged.needs_reply
