"""Hostile mail costs each message a bounded time and memory, and is stored or quarantined.

Every message of the generated corpus (``tests/hostile.py``, at full size; the 600 MB message is
the mbox reader's test) goes through ``from_raw`` as a sync calls it. CPU time
(``time.process_time``) rather than wall time is measured, so that a busy shared machine does
not fail the test; memory is the ``tracemalloc`` peak of a second run.
"""

from __future__ import annotations

import gc
import json
import time
import tracemalloc
import types
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.config import Privacy
from monitor.core.model import Message, Quarantined
from monitor.core.text import TextAnalyzer
from monitor.sources import pipeline
from monitor.sources.mime import MAX_PARAM_HEADER
from monitor.sources.pipeline import from_raw
from tests.hostile import BY_NAME, CONFIG, CORPUS, write_maildir

MAX_CPU_SECONDS = 1.0
MAX_PEAK_MB = 100.0


@pytest.fixture(scope="module")
def analyzer() -> TextAnalyzer:
    analyzer = TextAnalyzer.load()
    # Warm up as a running daemon is: lazy imports and compiled patterns are not the message's.
    from_raw(BY_NAME["baseline"].build(), analyzer=analyzer, privacy=Privacy())
    return analyzer


def _read(raw: bytes, name: str, analyzer: TextAnalyzer) -> Message | Quarantined:
    return from_raw(
        raw,
        analyzer=analyzer,
        privacy=Privacy(),
        delivered_at=datetime.fromtimestamp(BY_NAME[name].delivered, UTC),
        where=f"hostile/{name}",
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", [entry.name for entry in CORPUS])
def test_every_hostile_message_is_stored_or_quarantined_within_one_second_and_100_mb(
    name: str, analyzer: TextAnalyzer
) -> None:
    raw = BY_NAME[name].build()
    gc.collect()
    started = time.process_time()
    result = _read(raw, name, analyzer)
    cpu = time.process_time() - started

    gc.collect()
    tracemalloc.start()
    try:
        again = _read(raw, name, analyzer)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert isinstance(result, Message | Quarantined)
    if isinstance(result, Quarantined):
        assert result.reason and result.detail
    assert type(again) is type(result)  # (tracing slows it: the budget may cut this run short)
    assert cpu < MAX_CPU_SECONDS, f"{name}: {cpu:.2f} s of CPU"
    assert peak / 2**20 < MAX_PEAK_MB, f"{name}: {peak / 2**20:.0f} MB at peak"


@pytest.mark.parametrize("label", ["idna", "punycode"])
def test_a_text_part_labelled_with_a_codec_that_is_no_charset_is_read_as_utf8(
    label: str, analyzer: TextAnalyzer
) -> None:
    name = f"charset-{label}"
    result = from_raw(
        BY_NAME[name].build(), analyzer=analyzer, privacy=Privacy(store_snippets=True)
    )

    assert isinstance(result, Message), result
    assert result.snippet is not None
    assert "Thursday’s slot – 10:00 to 11:00 – still works for Raj." in result.snippet


def test_an_encoded_word_in_a_codec_that_is_no_charset_still_gives_the_subject(
    analyzer: TextAnalyzer,
) -> None:
    result = _read(BY_NAME["charset-idna-subject"].build(), "charset-idna-subject", analyzer)

    assert isinstance(result, Message), result
    assert result.subject == "Steering call – moved to Thursday"


def test_a_part_header_with_thousands_of_rfc2231_continuations_is_read_once_and_noted(
    analyzer: TextAnalyzer,
) -> None:
    raw = BY_NAME["rfc2231-part-params-800k"].build()
    started = time.process_time()
    result = _read(raw, "rfc2231-part-params-800k", analyzer)

    assert time.process_time() - started < 0.5
    assert isinstance(result, Message) and result.has_attachments
    assert result.text.language == "en" and result.needs_reply
    cut = [note for note in result.notes if note.startswith("content-type of part 2 is ")]
    assert len(cut) == 1, result.notes
    assert f"parameters read from the first {MAX_PARAM_HEADER}" not in cut[0]  # cut at a ';'


def test_a_message_past_its_time_budget_is_stored_with_what_was_computed_and_flagged(
    tmp_path, monkeypatch
) -> None:
    config = tmp_path / "relmon.toml"
    config.write_text(CONFIG + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n')
    write_maildir(tmp_path / "Maildir", ["identity-genuine-question"])
    ticks = iter(range(1000))  # every look at the clock: 1.25 s later (a 2 s budget)
    monkeypatch.setattr(
        pipeline, "time", types.SimpleNamespace(monotonic=lambda: 1.25 * next(ticks))
    )
    runner = CliRunner()

    ingest = runner.invoke(
        cli, ["--config", str(config), "ingest", str(tmp_path / "Maildir"), "--account", "alice"]
    )
    exported = runner.invoke(cli, ["--config", str(config), "export", "--json"])

    assert ingest.exit_code == 0, ingest.output
    [row] = [json.loads(line) for line in exported.stdout.splitlines()]
    assert row["language"] == "en"  # computed within the budget
    assert row["sentiment"] is None and row["friction"] == [] and row["needs_reply"]
    [note] = [n for n in row["notes"] if n.startswith("analysis_budget: ")]
    assert note.endswith(
        "over 2 s; skipped sentiment, cues, politeness, tone, curtness, closing check"
    )
