"""Which of VADER's negative words describe work rather than feelings, decided from data.

VADER was built for tweets and reviews, where "error", "fails" or "broken" mean disappointment;
in business mail they name the matter ("What error do you get?"). A word with negative VADER
valence is a *work word* when both hold:

1. it is over-represented in technical list mail: at least RATIO times as frequent (share of
   messages containing it) in the own text of the Apache list archives (../shared/data/
   asf-ponymail, deduplicated by Message-ID, commit notifications left out) as in the texts of
   VADER's ground truth (tweets, movie and Amazon reviews, NYT editorials), in at least
   MIN_MAIL messages;
2. it does not mark impolite requests: among the human-rated Wikipedia requests
   (../shared/data/politeness) it is no more frequent in the least polite quarter than in the
   polite half (with one request of benefit of the doubt for the polite half).

    python bench/work_words.py           # print the table
    python bench/work_words.py --write   # and write monitor/lexicon/tone.en.toml

Only word lists derived from these sets are written to the repository, never their text.
"""

from __future__ import annotations

import argparse
import csv
import mailbox
import os
import re
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPORA = Path(os.environ.get("RELMON_CORPORA", ROOT.parent / "shared" / "data"))
RATIO = 2.0
MIN_MAIL = 5
BOTTOM_QUARTILE = -0.443
_WORD = re.compile(r"[a-z]+")
OUT = ROOT / "monitor" / "lexicon" / "tone.en.toml"


def share(texts: list[str], words: set[str]) -> tuple[Counter[str], int]:
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(set(_WORD.findall(text.casefold())) & words)
    return counts, len(texts)


def list_mail() -> list[str]:
    from monitor.core.owntext import own_text

    seen: set[str] = set()
    texts = []
    for path in sorted((CORPORA / "asf-ponymail" / "corpus").glob("*.mbox")):
        if "commits" in path.name:
            continue
        for message in mailbox.mbox(path):
            key = str(message.get("Message-ID", ""))
            if key in seen:
                continue
            seen.add(key)
            for part in message.walk():
                if part.get_content_type() == "text/plain":
                    payload = part.get_payload(decode=True)
                    if isinstance(payload, bytes):
                        texts.append(own_text(payload.decode("utf-8", "replace")).text)
                    break
    return texts


def vader_texts() -> list[str]:
    folder = CORPORA / "vader-groundtruth" / "additional_resources" / "hutto_ICWSM_2014"
    texts = []
    for path in sorted(folder.glob("*_GroundTruth.txt")):
        with open(path, encoding="utf-8", errors="replace") as handle:
            texts += [
                p[2] for p in (line.rstrip("\n").split("\t") for line in handle) if len(p) >= 3
            ]
    return texts


def requests() -> tuple[list[str], list[str]]:
    """(polite half, least polite quarter) of the rated requests."""
    with open(
        CORPORA / "politeness" / "wikipedia.annotated.csv", encoding="utf-8", newline=""
    ) as f:
        rows = [(r["Request"], float(r["Normalized Score"])) for r in csv.DictReader(f)]
    median = sorted(s for _, s in rows)[len(rows) // 2]
    return [t for t, s in rows if s >= median], [t for t, s in rows if s <= BOTTOM_QUARTILE]


def work_words() -> Iterable[tuple[str, float, dict[str, int]]]:
    from monitor.core.sentiment import LinearVader

    lexicon = LinearVader().lexicon
    negative = {w for w, v in lexicon.items() if v < 0 and w.isalpha()}
    mail, n_mail = share(list_mail(), negative)
    general, n_general = share(vader_texts(), negative)
    polite_texts, impolite_texts = requests()
    polite, n_polite = share(polite_texts, negative)
    impolite, n_impolite = share(impolite_texts, negative)
    for word in sorted(negative):
        if mail[word] < MIN_MAIL:
            continue
        ratio = (mail[word] / n_mail) / ((general[word] + 1) / n_general)
        marks_impolite = impolite[word] / n_impolite > (polite[word] + 1) / n_polite
        if ratio >= RATIO and not marks_impolite:
            counts = {
                "mail": mail[word],
                "vader sets": general[word],
                "polite half": polite[word],
                "impolite quarter": impolite[word],
            }
            yield word, ratio, counts


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", action="store_true", help=f"write {OUT.relative_to(ROOT)}")
    args = parser.parse_args()
    found = sorted(work_words(), key=lambda item: -item[1])
    print(f"{'word':<12} {'ratio':>6}  counts (messages or texts containing it)")
    for word, ratio, counts in found:
        print(f"{word:<12} {ratio:>6.1f}  {counts}")
    if args.write:
        terms = ", ".join(f'"{w}"' for w, _, _ in sorted(found))
        OUT.write_text(
            "# Tone overrides, English: VADER words that describe work, not feelings, in business\n"
            "# mail. They carry no valence when relmon scores a message's tone\n"
            "# (monitor/core/sentiment.py, DomainVader). Derived from data by bench/work_words.py:\n"
            f"# >= {RATIO:g}x as frequent in Apache list mail as in VADER's tweets and reviews (in >= {MIN_MAIL}\n"
            "# messages), and no more frequent in the least polite quarter of rated requests than in\n"
            "# the polite half. Regenerate rather than edit by hand.\n\n"
            f"[work]\nterms = [{terms}]\n",
            encoding="utf-8",
        )
        print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
