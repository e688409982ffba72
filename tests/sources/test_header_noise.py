"""Mail its headers prove noise is stored as noise without its text being read.

The shortcut must change nothing but the text fields of that mail (language, own-text length,
snippet): every other stored column, and everything stored of a person's mail, is what the full
analysis gives. The full analysis is the same ingest with the header verdict turned off.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from monitor.app.runtime import Runtime
from monitor.app.sync import ingest_paths
from monitor.config import Privacy
from monitor.core import normalise
from monitor.core.model import Message, Noise
from monitor.core.text import TextAnalyzer
from monitor.sources.pipeline import from_raw
from monitor.store.schema import messages
from tests.conftest import CORPORA
from tests.factories import ALICE, DANA, email, team_config

MAIL = Path(__file__).resolve().parents[1] / "fixtures" / "mail"
NOW = datetime(2026, 11, 20, tzinfo=UTC)
SNIPPETS = "\n[privacy]\nstore_snippets = true\nsnippet_chars = 2000\n"
#: What the store keeps of a message's text; mail proven noise by its headers keeps none of it.
TEXT_COLUMNS = ("language", "own_chars", "snippet")

REPLY_WITH_HISTORY = email(
    frm=DANA,
    to=ALICE,
    subject="Re: Q3 roadmap review",
    message_id="roadmap-2@acme-logistics.example",
    in_reply_to="roadmap-1@northwind-advisory.example",
    body=(
        "Alice,\n\nThis is the third time I am asking. We need the revised rollout plan today,"
        " not Thursday. Please escalate this if you have to.\n\nDana\n\n"
        "On Mon, 1 Jun 2026 at 17:02, Alice Marsh <alice.marsh@northwind-advisory.example>"
        " wrote:\n> Hi Dana,\n>\n> The revised plan will follow after the steering call.\n>\n"
        "> Best,\n> Alice\n"
    ),
)


def _mixed_mailbox(root: Path) -> Path:
    """Newsletters, list mail, bounces, read receipts, calendar replies, out-of-office replies
    and people's replies with quoted history and signatures, as one folder of files."""
    box = root / "mixed"
    box.mkdir()
    for folder in ("noise", "owntext"):
        for path in sorted((MAIL / folder).glob("*.eml")):
            shutil.copy(path, box / f"{folder}-{path.name}")
    (box / "person-reply.eml").write_bytes(REPLY_WITH_HISTORY)
    return box


def _stored(
    tmp_path: Path, name: str, mailbox: Path, analyzer: TextAnalyzer
) -> dict[str, dict[str, Any]]:
    runtime = Runtime.open(
        team_config(f"sqlite:///{tmp_path / name}.db", extra=SNIPPETS), analyzer=analyzer
    )
    try:
        ingest_paths(runtime, [mailbox], account="alice", now=NOW)
        with runtime.store.engine.connect() as connection:
            rows = connection.execute(sa.select(messages)).mappings().all()
    finally:
        runtime.close()
    return {row["key"]: {k: v for k, v in row.items() if k != "id"} for row in rows}


def _with_and_without_the_header_verdict(
    tmp_path: Path, mailbox: Path, analyzer: TextAnalyzer, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    fast = _stored(tmp_path, "fast", mailbox, analyzer)
    with monkeypatch.context() as patch:
        patch.setattr(normalise, "noise_from_headers", lambda signals: None)
        full = _stored(tmp_path, "full", mailbox, analyzer)
    return fast, full


def _differences(fast: dict[str, Any], full: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {k: (fast[k], full[k]) for k in full if fast[k] != full[k]}


def test_a_mixed_mailbox_is_stored_as_the_full_analysis_stores_it(
    tmp_path: Path, analyzer: TextAnalyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a mailbox of newsletters, bounces, auto-replies and people's replies
    WHEN it is ingested with the header verdict and with the full analysis of every text
    THEN people's mail and body-proven noise are stored identically, and mail its headers prove
    noise differs only in the text it never needed."""
    fast, full = _with_and_without_the_header_verdict(
        tmp_path, _mixed_mailbox(tmp_path), analyzer, monkeypatch
    )

    assert fast.keys() == full.keys()
    unread = {key for key, row in fast.items() if row["own_chars"] != full[key]["own_chars"]}
    for key, row in fast.items():
        if key in unread:
            assert row["noise"] not in (None, Noise.AUTO_REPLY.value, Noise.ALERT_REPLY.value)
            assert (row["language"], row["own_chars"], row["snippet"]) == (None, 0, None)
            others = {k: v for k, v in row.items() if k not in TEXT_COLUMNS}
            assert others == {k: v for k, v in full[key].items() if k not in TEXT_COLUMNS}
        else:
            assert _differences(row, full[key]) == {}, row["subject"]
    people = [row for row in full.values() if row["noise"] is None]
    body_noise = [
        row for key, row in full.items() if row["noise"] is not None and key not in unread
    ]
    assert len(people) >= 15 and len(body_noise) >= 10 and len(unread) >= 15
    assert {full[key]["noise"] for key in unread} >= {"bulk", "delivery_report", "read_receipt"}


def test_a_persons_reply_keeps_its_tone_cues_and_snippet(
    tmp_path: Path, analyzer: TextAnalyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, _ = _with_and_without_the_header_verdict(
        tmp_path, _mixed_mailbox(tmp_path), analyzer, monkeypatch
    )

    reply = fast["roadmap-2@acme-logistics.example"]
    assert reply["noise"] is None and reply["needs_reply"] is True
    assert reply["language"] == "en" and reply["sentiment"] is not None
    assert reply["friction"], "the escalation cue of Dana's own words"
    assert reply["snippet"].startswith("Alice,") and "steering call" not in reply["snippet"]


@pytest.mark.corpus
@pytest.mark.slow
def test_real_list_mail_is_stored_as_the_full_analysis_stores_it(
    tmp_path: Path, analyzer: TextAnalyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three hundred messages of the SpamAssassin corpus (2002 mailing lists, spam)."""
    source = CORPORA / "spamassassin"
    if not source.exists():
        pytest.skip(f"public corpora not found at {CORPORA}")
    box = tmp_path / "sample"
    box.mkdir()
    for folder in ("easy_ham", "spam"):
        for path in sorted((source / folder).iterdir())[:150]:
            shutil.copy(path, box / f"{folder}-{path.name}")

    fast, full = _with_and_without_the_header_verdict(tmp_path, box, analyzer, monkeypatch)

    assert fast.keys() == full.keys()
    unread = 0
    for key, row in fast.items():
        strip = TEXT_COLUMNS if row["own_chars"] != full[key]["own_chars"] else ()
        unread += bool(strip)
        assert not strip or row["noise"] is not None
        assert {k: v for k, v in row.items() if k not in strip} == {
            k: v for k, v in full[key].items() if k not in strip
        }
    assert unread >= 100


class _Unread(TextAnalyzer):
    """An analyzer that fails the test when anything reads a message's text."""

    def analyse(self, text: str, **kwargs: Any) -> Any:
        raise AssertionError(f"text analysed: {text[:60]!r}")


def _read_without_text(raw: bytes, monkeypatch: pytest.MonkeyPatch) -> Message:
    def no_own_text(text: str) -> Any:
        raise AssertionError("own text extracted")

    monkeypatch.setattr(normalise, "own_text", no_own_text)
    result = from_raw(raw, analyzer=_Unread(languages=None), privacy=Privacy())  # type: ignore[arg-type]
    assert isinstance(result, Message), result
    return result


def test_a_newsletter_proven_by_its_headers_is_not_read_for_tone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = _read_without_text(
        (MAIL / "noise" / "bulk-newsletter-1.eml").read_bytes(), monkeypatch
    )

    assert message.noise is Noise.BULK
    assert message.needs_reply is False
    assert message.text.language is None and message.text.sentiment is None


def test_a_bounce_proven_by_its_report_part_is_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    message = _read_without_text((MAIL / "noise" / "dsn-postfix-1.eml").read_bytes(), monkeypatch)

    assert message.noise is Noise.DELIVERY_REPORT
    assert message.noise_reason.startswith("multipart/report")


def test_a_newsletter_known_only_by_its_footer_is_still_read(analyzer: TextAnalyzer) -> None:
    message = from_raw(
        (MAIL / "noise" / "bulk-footer-1.eml").read_bytes(), analyzer=analyzer, privacy=Privacy()
    )

    assert isinstance(message, Message)
    assert message.noise is Noise.BULK
    assert message.text.own_chars > 0 and message.text.language == "en"


def test_an_out_of_office_proven_by_its_headers_still_gives_its_return_date(
    analyzer: TextAnalyzer,
) -> None:
    message = from_raw(
        (MAIL / "noise" / "ooo-en-exchange-1.eml").read_bytes(),
        analyzer=analyzer,
        privacy=Privacy(),
    )

    assert isinstance(message, Message)
    assert message.noise is Noise.AUTO_REPLY
    assert message.noise_reason == "Auto-Submitted: auto-generated"
    assert message.text.away_until == date(2026, 3, 9)


def test_a_list_post_answering_a_relmon_alert_is_still_read_for_its_command(
    analyzer: TextAnalyzer,
) -> None:
    """An answer to an alert email is read for its command even with list headers on it."""
    raw = email(
        frm=ALICE,
        to="relmon@northwind-advisory.example",
        subject="Re: [relmon] Acme Logistics: silence",
        message_id="answer-1@northwind-advisory.example",
        in_reply_to="relmon.alert.42@northwind-advisory.example",
        headers={"List-Id": "<ops.northwind-advisory.example>"},
        body="snooze 7d\n",
    )

    message = from_raw(raw, analyzer=analyzer, privacy=Privacy())

    assert isinstance(message, Message)
    assert message.noise is Noise.BULK
    assert message.reply_command is not None
