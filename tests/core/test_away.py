"""Return dates stated by out-of-office replies, in the languages relmon reads."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from monitor.config import Privacy
from monitor.core.away import return_date
from monitor.core.model import Message, Noise
from monitor.sources.pipeline import from_raw

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail" / "noise"
CASES = [
    c
    for c in tomllib.loads((FIXTURES / "manifest.toml").read_text(encoding="utf-8"))["case"]
    if c["noise"] == "auto_reply"
]
SENT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_the_return_date_of_a_real_out_of_office_is_read(case, analyzer) -> None:
    message = from_raw((FIXTURES / case["file"]).read_bytes(), analyzer=analyzer, privacy=Privacy())

    assert isinstance(message, Message)
    assert message.noise is Noise.AUTO_REPLY
    expected = date.fromisoformat(case["return_date"]) if case.get("return_date") else None
    assert message.text.away_until == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm away and back on 3 March.", date(2026, 3, 3)),
        ("I will return on Monday, March 9.", date(2026, 3, 9)),
        ("I am out of the office until Friday 6 March inclusive.", date(2026, 3, 7)),
        ("Ich bin bis einschließlich 6. März nicht im Büro.", date(2026, 3, 7)),
        ("Ab dem 9.3. bin ich wieder erreichbar.", date(2026, 3, 9)),
        ("Je serai de retour le lundi 9 mars.", date(2026, 3, 9)),
        ("Estaré de vuelta el 9 de marzo.", date(2026, 3, 9)),
        ("Olen lomalla ja palaan toimistolle 9.3.2026.", date(2026, 3, 9)),
        ("Olen lomalla 2.3.–6.3.", date(2026, 3, 7)),
        ("我将于3月9日返回办公室。", date(2026, 3, 9)),
        ("I'm back in the office on 2026-03-16.", date(2026, 3, 16)),
        ("Thank you for your message. I am out of the office with limited access to email.", None),
    ],
)
def test_return_phrases_in_six_languages(text: str, expected: date | None) -> None:
    assert return_date(text, SENT) == expected


def test_a_date_before_the_message_is_read_as_next_year() -> None:
    december = datetime(2026, 12, 21, 9, 0, tzinfo=UTC)

    assert return_date("I am back on 7 January.", december) == date(2027, 1, 7)
