"""How fast the politeness model scores text: messages per second, median of five runs.

Scores the 4,353 Wikipedia requests of ../shared/data/politeness (or $RELMON_CORPORA) with
``PolitenessModel.impoliteness`` as ingest calls it, after building the model once (not timed).

    python bench/politeness_rate.py
"""

from __future__ import annotations

import csv
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPORA = Path(os.environ.get("RELMON_CORPORA", ROOT.parent / "shared" / "data"))


def main() -> int:
    from monitor.core.politeness import PolitenessModel
    from monitor.core.sentiment import LinearVader

    path = CORPORA / "politeness" / "wikipedia.annotated.csv"
    if not path.exists():
        print(f"politeness corpus not found at {path}", file=sys.stderr)
        return 2
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        texts = [row["Request"] for row in csv.DictReader(handle)]
    model = PolitenessModel.load(LinearVader().lexicon)
    rates = []
    for _ in range(5):
        start = time.perf_counter()
        for text in texts:
            model.impoliteness(text)
        rates.append(len(texts) / (time.perf_counter() - start))
    mean_chars = sum(map(len, texts)) / len(texts)
    print(f"politeness model v{model.version}: {len(texts)} requests, mean {mean_chars:.0f} chars")
    print(
        f"  median {statistics.median(rates):.0f} msg/s (min {min(rates):.0f}, max {max(rates):.0f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
