"""What the friction cues cost at ingest: text analysis with and without them, on real mail.

Reads the own text of every message of a public corpus (default: spamassassin, ../shared/data
or $RELMON_CORPORA), then times ``TextAnalyzer.analyse`` as ingest calls it, with the friction
cues (business-mail tone, curtness and courtesy) and without them, in alternating rounds, in
CPU time so that other load on the machine counts for neither. Prints messages per second of
each (medians of the rounds), the cost per message, and that cost as a share of a whole ingest
per message when ``--ingest-rate`` (msg/s from bench/ingest_local.py) is given.

    python bench/friction_rate.py [--rounds 5] [--ingest-rate 72]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPORA = Path(os.environ.get("RELMON_CORPORA", ROOT.parent / "shared" / "data"))
TARGET = 0.10  # the budget: ingest no more than 10% slower


def own_texts(path: Path) -> list[str]:
    from monitor.core.model import Quarantined
    from monitor.core.normalise import _own_text
    from monitor.sources.local import discover, read_folder
    from monitor.sources.parse import parse_raw

    texts = []
    for folder in discover(path):
        for item in read_folder(folder):
            if not item.raw:
                continue
            envelope = parse_raw(item.raw)
            if not isinstance(envelope, Quarantined):
                texts.append(_own_text(envelope))
    return texts


def timed(analyzer: object, texts: list[str]) -> float:
    when = datetime(2026, 6, 1, tzinfo=UTC)
    # CPU time of this process: the machine's other load does not count against either side.
    start = time.process_time()
    for text in texts:
        analyzer.analyse(text, date=when)  # type: ignore[attr-defined]
    return len(texts) / (time.process_time() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--corpus", default="spamassassin")
    parser.add_argument("--ingest-rate", type=float, help="msg/s of bench/ingest_local.py")
    args = parser.parse_args()
    from monitor.core.text import TextAnalyzer

    path = CORPORA / args.corpus
    if not path.exists():
        print(f"corpus not found at {path}", file=sys.stderr)
        return 2
    texts = own_texts(path)
    full = TextAnalyzer.load()
    without = replace(full, tone=None, curtness=None)
    with_rates, without_rates = [], []
    timed(full, texts)  # warm-up: first calls fill caches and compile patterns
    for round_ in range(args.rounds):
        order = [(without, without_rates), (full, with_rates)]
        for analyzer, rates in order if round_ % 2 == 0 else reversed(order):
            rates.append(timed(analyzer, texts))
    a, b = statistics.median(without_rates), statistics.median(with_rates)
    extra_ms = (1 / b - 1 / a) * 1000
    print(f"{args.corpus}: own text of {len(texts)} messages, {args.rounds} alternating rounds")
    print(f"  text analysis without friction cues: median {a:.0f} msg/s")
    print(f"  text analysis with friction cues:    median {b:.0f} msg/s ({b / a:.2f}x)")
    print(f"  cost of the friction cues: {extra_ms:.2f} ms per message")
    if args.ingest_rate:
        share = extra_ms / (1000 / args.ingest_rate)
        verdict = "met" if share <= TARGET else "MISSED"
        print(
            f"  against ingest at {args.ingest_rate:.0f} msg/s: {share:.1%} slower "
            f"(target <= {TARGET:.0%}: {verdict})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
