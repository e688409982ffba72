"""Which curtness terms mark impolite requests: each term's share in the least polite quarter of
the rated Wikipedia requests against its share in the polite half.

monitor/lexicon/curtness.en.toml keeps the imperative and bare-question terms that are at least
as frequent among the least polite quarter as among the polite half (ratio >= 1), or too rare
there to judge (fewer than 3 requests in both: kept for what they are, and shown as such); the
greeting and thanks terms should be the other way round. This prints the table the choice is
read from.

    python bench/curt_cues.py
"""

from __future__ import annotations

import csv
import os
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPORA = Path(os.environ.get("RELMON_CORPORA", ROOT.parent / "shared" / "data"))
BOTTOM_QUARTILE = -0.443
RARE = 3


def main() -> int:
    from monitor.core.curtness import LEXICON_DIR, compile_pattern

    path = CORPORA / "politeness" / "wikipedia.annotated.csv"
    if not path.exists():
        print(f"politeness corpus not found under {CORPORA}", file=sys.stderr)
        return 2
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        rows = [(r["Request"], float(r["Normalized Score"])) for r in csv.DictReader(handle)]
    median = sorted(s for _, s in rows)[len(rows) // 2]
    impolite = [t for t, s in rows if s <= BOTTOM_QUARTILE]
    polite = [t for t, s in rows if s >= median]
    lexicon = tomllib.loads((LEXICON_DIR / "curtness.en.toml").read_text(encoding="utf-8"))
    print(f"{len(impolite)} least polite, {len(polite)} polite-half requests\n")
    print(f"{'category':14} {'term':22} {'impolite':>9} {'polite':>7} {'ratio':>6}  verdict")
    for category, table in lexicon.items():
        for term in table["terms"]:
            pattern = compile_pattern({category: [term]})
            group = re.compile(pattern.pattern, re.IGNORECASE)

            def share(texts: list[str], grp: re.Pattern[str] = group, cat: str = category) -> float:
                hits = sum(1 for t in texts if any(m.lastgroup == cat for m in grp.finditer(t)))
                return hits / len(texts)

            a, b = share(impolite), share(polite)
            ratio = a / b if b else float("inf")
            rare = a * len(impolite) < RARE and b * len(polite) < RARE
            courteous = category in ("greeting", "thanks")
            ok = ratio <= 1 if courteous else ratio >= 1
            verdict = "rare" if rare else ("ok" if ok else "AGAINST")
            print(f"{category:14} {term:22} {a:9.3f} {b:7.3f} {ratio:6.2f}  {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
