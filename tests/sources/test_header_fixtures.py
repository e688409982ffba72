"""Header decoding on realistic messages in many charsets, and bad dates."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from monitor.config import Privacy
from monitor.core.model import Message
from monitor.sources.pipeline import from_raw

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail" / "headers"
CASES = tomllib.loads((FIXTURES / "manifest.toml").read_text(encoding="utf-8"))["case"]


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_headers_decode_to_what_the_sender_wrote(case, analyzer) -> None:
    message = from_raw((FIXTURES / case["file"]).read_bytes(), analyzer=analyzer, privacy=Privacy())

    assert isinstance(message, Message), message
    assert message.subject == case["subject"]
    assert message.sender is not None
    assert message.sender.name == case["from_name"]
    assert message.sender.address == case["from_address"]
    assert (message.date_problem.value if message.date_problem else "") == case["date_problem"]
    assert message.date.tzinfo is not None
