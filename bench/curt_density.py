"""How strongly curt requests read to relmon when its politeness model has never seen them.

The friction judgement (``monitor/core/friction_norm.py``) weighs each recent message by how
much likelier its strength is from a client that turned curt than from the client's usual
self. The usual self is measured (the client's own 90 days); the curt side is assumed: a
density rising with strength (``curt_share``). This measures it instead: the share of curt
requests (the least polite quarter of the Wikipedia requests, ../shared/data/politeness,
Apache-2.0) in each strength bin, each request read as a sync reads a message (no greeting
added or taken away).

The requests are split in halves by each seed; a model is trained on one half exactly as the
shipped one is (bench/held_out.py), and the other half's curt requests are scored, their text,
curtness and tone read by relmon's text analyzer. Twice over: for a client that does not
usually greet or thank, and for one that does (a message with neither then counts against it).

    python bench/curt_density.py [--seeds 1,2,3,4,5]

Prints the measured shares per bin, beside the assumed ones the judgement uses.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

from eval_friction import BOTTOM_QUARTILE, clean, rated_requests, text_analyzer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def measure(seeds: list[int]) -> dict[bool, list[int]]:
    """Curt requests per strength bin, for a client usually courteous (True) or not (False)."""
    from monitor.core.friction_norm import EDGES, strength, strength_bin
    from monitor.core.model import Direction
    from monitor.core.records import Record

    counts = {False: [0] * (len(EDGES) + 1), True: [0] * (len(EDGES) + 1)}
    rows = rated_requests()
    when = datetime(2026, 1, 5, 10, tzinfo=UTC)
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            analyzer, held = text_analyzer(rows, seed, Path(tmp))
            for text, rated in held:
                if rated > BOTTOM_QUARTILE:
                    continue
                features = analyzer.analyse(clean(text), date=when)  # type: ignore[attr-defined]
                record = Record(
                    key="request",
                    date=when,
                    direction=Direction.INBOUND,
                    client="Curt Co",
                    thread="request",
                    sender="dana@curt.example",
                    impoliteness=features.impoliteness,
                    tone=features.tone,
                    curtness=features.curtness,
                    courtesy=features.courtesy,
                )
                for courteous, bins in counts.items():
                    value = strength(record, courteous=courteous)
                    if value is not None:
                        bins[strength_bin(value)] += 1
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", default="1,2,3,4,5")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    from monitor.core.friction_norm import EDGES, curt_share

    counts = measure(seeds)
    bounds = ["0", *(f"{e:g}" for e in EDGES), "1"]
    print(f"curt requests out of sample, seeds {args.seeds}; strength bins:")
    print(f"{'':34}" + "".join(f"{a}-{b}".rjust(9) for a, b in pairwise(bounds)))
    for courteous, bins in counts.items():
        total = sum(bins)
        label = f"{'usually greets' if courteous else 'usually does not'} ({total})"
        print(f"{label:34}" + "".join(f"{n / total:9.3f}" for n in bins))
    assumed = [curt_share(index) for index in range(len(EDGES) + 1)]
    print(f"{'assumed by the judgement':34}" + "".join(f"{s:9.3f}" for s in assumed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
