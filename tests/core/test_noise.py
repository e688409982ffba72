"""Noise: every rule of DESIGN.md on realistic messages, and the messages it must not catch."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from monitor.config import Privacy
from monitor.core.model import Message, Noise
from monitor.core.noise import NoiseSignals, classify_noise
from monitor.sources.pipeline import from_raw
from tests.factories import DANA, email

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail" / "noise"
CASES = tomllib.loads((FIXTURES / "manifest.toml").read_text(encoding="utf-8"))["case"]


def read(raw: bytes, analyzer) -> Message:
    result = from_raw(raw, analyzer=analyzer, privacy=Privacy())
    assert isinstance(result, Message), result
    return result


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_noise_is_recognised_and_people_are_not(case, analyzer) -> None:
    message = read((FIXTURES / case["file"]).read_bytes(), analyzer)

    expected = Noise(case["noise"]) if case["noise"] else None
    assert message.noise == expected, f"{case['file']}: {message.noise_reason}"
    if expected is not None:
        assert message.noise_reason
        assert not message.needs_reply  # noise never waits for an answer


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "Auto-Submitted: auto-replied"),
        ({"Auto-Submitted": "auto-generated"}, "Auto-Submitted: auto-generated"),
        ({"X-Autoreply": "yes"}, "X-Autoreply header"),
        ({"X-Autorespond": "Out of office"}, "X-Autorespond header"),
        ({"Precedence": "auto_reply"}, "Precedence: auto_reply"),
    ],
)
def test_each_auto_reply_header_rule(headers, reason, analyzer) -> None:
    message = read(email(headers=headers, subject="Re: Q3 roadmap review"), analyzer)

    assert (message.noise, message.noise_reason) == (Noise.AUTO_REPLY, reason)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Precedence": "bulk"}, "Precedence: bulk"),
        ({"Precedence": "list"}, "Precedence: list"),
        ({"Precedence": "junk"}, "Precedence: junk"),
        (
            {"List-Id": "Acme partner news <news.acme-logistics.example>"},
            "List-Id: Acme partner news <news.acme-logistics.example>",
        ),
        (
            {"List-Unsubscribe": "<mailto:unsubscribe@acme-logistics.example>"},
            "List-Unsubscribe header",
        ),
    ],
)
def test_each_bulk_rule(headers, reason, analyzer) -> None:
    message = read(email(headers=headers, subject="Acme partner newsletter – June"), analyzer)

    assert (message.noise, message.noise_reason) == (Noise.BULK, reason)


def test_auto_submitted_no_is_a_person(analyzer) -> None:
    assert read(email(headers={"Auto-Submitted": "no"}), analyzer).noise is None


def test_x_auto_response_suppress_alone_is_not_an_auto_reply(analyzer) -> None:
    # Outlook puts it on ordinary mail: it asks others not to auto-reply.
    assert read(email(headers={"X-Auto-Response-Suppress": "All"}), analyzer).noise is None


def test_relmons_own_alert_emails_are_noise(analyzer) -> None:
    message = read(
        email(headers={"X-Relmon-Alert": "acme/silence/3", "Auto-Submitted": "auto-generated"}),
        analyzer,
    )

    assert message.noise is Noise.OWN_ALERT


@pytest.mark.parametrize(
    "subject",
    [
        "Automatic reply: Q3 roadmap review",
        "Out of Office: Q3 roadmap review",
        "Abwesenheitsnotiz: Q3 roadmap review",
        "Automatische Antwort: Q3 roadmap review",
        "Réponse automatique : Q3 roadmap review",
        "Respuesta automática: Q3 roadmap review",
        "Automaattinen vastaus: Q3 roadmap review",
        "自动回复: Q3 roadmap review",
        "Dana Whitfield is out of the office.",
    ],
)
def test_out_of_office_subjects_in_six_languages(subject: str) -> None:
    verdict = classify_noise(
        NoiseSignals(
            headers={}, sender=DANA, subject=subject, own_text="Thank you for your message."
        )
    )

    assert verdict is not None
    assert verdict.kind is Noise.AUTO_REPLY


@pytest.mark.parametrize(
    "subject",
    [
        "Re: Out of office policy for the support team",
        "Out of office cover for August?",
        "Re: Automatic replenishment rules",
    ],
)
def test_subjects_that_merely_mention_absence_are_not_auto_replies(subject: str) -> None:
    verdict = classify_noise(
        NoiseSignals(
            headers={},
            sender=DANA,
            subject=subject,
            own_text="Could we agree who covers the warehouse desk while I'm away?",
        )
    )

    assert verdict is None
