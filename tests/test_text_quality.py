"""relmon reads tone at least as well as plain VADER on every labelled public set, and better on
email text with quotes (bench/eval_text.py, run in full)."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from tests.conftest import ROOT, corpus

pytestmark = [pytest.mark.corpus, pytest.mark.slow]


@pytest.fixture(scope="module")
def results():
    corpus("vader-groundtruth")
    corpus("politeness")
    spec = importlib.util.spec_from_file_location("eval_text", ROOT / "bench" / "eval_text.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["eval_text"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return {result.name: result for result in module.evaluate()}


def test_relmon_reads_tone_at_least_as_well_as_plain_vader_on_every_set(results) -> None:
    below = {name: (r.plain, r.relmon) for name, r in results.items() if not r.at_least_as_good}
    assert below == {}
    assert len(results) == 8


def test_relmon_reads_replies_with_quoted_history_better_than_plain_vader(results) -> None:
    for name, result in results.items():
        if name.startswith("email replies"):
            assert result.relmon[1] > result.plain[1] + 0.2, name  # F1 of the negative class
            assert result.relmon[2] > result.plain[2], name  # balanced accuracy
