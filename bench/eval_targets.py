"""Every target of the own-text and noise work in one table, on the public data held out from
development (``../shared/data``, or ``$RELMON_CORPORA``; nothing is copied into the repository).

Rows, each with its target and whether it is met:

- own text, per quagga test split (Enron, ASF): line accuracy ≥ 0.95, and own lines lost in at
  most 2% of the messages that have own text, each by both definitions of own text: as labelled,
  and by issue 14, where a line that is only a mobile footer is not own text
  (``bench/eval_owntext.py`` explains the labels and why both are given);
- SpamAssassin spam called bulk noise ≥ 90% (the nearest public stand-in for newsletters);
- every sisimai bounce, feedback report and auto-reply called noise, none quarantined for its
  sender form;
- person-to-person Enron mail (test split) called noise ≤ 1%, and, for information, the same
  among those of them that contain the word "unsubscribe".

Development used the train splits and the first half of the spam files; the test splits are
what this prints. ``--split train`` prints the development figures instead.

    python bench/eval_targets.py
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import eval_noise  # noqa: E402  (a sibling script, found through the path set above)
import eval_owntext  # noqa: E402

Row = tuple[str, str, str, str, bool | None]  # measure, value, detail, target, met


def _owntext_rows(split: str) -> Iterator[Row]:
    for corpus, count, scores, _ in eval_owntext.evaluate(split):
        for definition in eval_owntext.DEFINITIONS:
            yield from _owntext_definition_rows(
                f"own text {definition}: {corpus} {split}",
                count,
                scores[definition, "relmon"],
                scores[definition, "drop '>' lines"],
            )


def _owntext_definition_rows(
    name: str, count: int, relmon: eval_owntext.Score, baseline: eval_owntext.Score
) -> Iterator[Row]:
    yield (
        f"{name} line accuracy",
        f"{relmon.accuracy:.3f}",
        f"{count} msgs, {relmon.lines} lines; baseline {baseline.accuracy:.3f}",
        f"≥ {eval_owntext.TARGET_ACCURACY}",
        relmon.accuracy >= eval_owntext.TARGET_ACCURACY,
    )
    yield (
        f"{name} messages losing own text",
        f"{relmon.lost_share:.1%}",
        f"{relmon.lost} of {relmon.messages}; precision {relmon.precision:.3f}, "
        f"recall {relmon.recall:.3f}",
        f"≤ {eval_owntext.TARGET_LOST:.0%}",
        relmon.lost_share <= eval_owntext.TARGET_LOST,
    )


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "n/a"


def _noise_rows(split: str) -> Iterator[Row]:
    corpora = eval_noise.CORPORA
    spam = eval_noise.tally(
        eval_noise._files(corpora / "spamassassin" / "spam"), noise_expected=True
    )
    yield (
        "noise: SpamAssassin spam called noise",
        _share(spam.noise, spam.total),
        f"{spam.noise} of {spam.total}",
        "≥ 90%",
        spam.noise >= 0.9 * spam.total,
    )
    bounces = eval_noise.tally(
        eval_noise._files(corpora / "sisimai" / "maildir" / "bsd"), noise_expected=True
    )
    sender_form = sum(
        count
        for reason, count in bounces.reasons.items()
        if reason in ("quarantined: no_sender", "quarantined: null_sender")
    )
    yield (
        "noise: sisimai bounces/ARF/auto-replies",
        _share(bounces.noise, bounces.total),
        f"{bounces.noise} of {bounces.total}; not noise: {' '.join(bounces.misses)}",
        "100%",
        bounces.noise == bounces.total,
    )
    yield (
        "noise: sisimai quarantined for the sender form",
        str(sender_form),
        f"quarantined for any reason: {bounces.quarantined}",
        "0",
        sender_form == 0,
    )
    enron = corpora / "quagga" / "Datasets" / "Enron" / "annotated_all" / split
    people = [p for p in eval_noise._files(enron, ".txt") if eval_noise.person_to_person(p)]
    tallied = eval_noise.tally(iter(people), noise_expected=False)
    yield (
        f"noise: Enron person-to-person ({split}) called noise",
        _share(tallied.noise, tallied.total),
        f"{tallied.noise} of {tallied.total}",
        "≤ 1%",
        tallied.noise <= 0.01 * tallied.total,
    )
    worded = [p for p in people if b"unsubscribe" in p.read_bytes().lower()]
    unsub = eval_noise.tally(iter(worded), noise_expected=False)
    yield (
        "  of them with the word 'unsubscribe' (info)",
        _share(unsub.noise, unsub.total),
        f"{unsub.noise} of {unsub.total}",
        "—",
        None,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("test", "train"), default="test")
    args = parser.parse_args()
    if not eval_owntext.QUAGGA.exists():
        print(f"quagga data not found at {eval_owntext.QUAGGA}", file=sys.stderr)
        return 2
    rows = [*_owntext_rows(args.split), *_noise_rows(args.split)]
    print(f"{'measure':60} {'value':>7}  {'target':>6}  {'met':6}  detail")
    print("-" * 118)
    for measure, value, detail, target, met in rows:
        verdict = "" if met is None else ("met" if met else "MISSED")
        print(f"{measure:60} {value:>7}  {target:>6}  {verdict:6}  {detail}")
    missed = [measure.strip() for measure, *_, met in rows if met is False]
    print("\nmissed: " + ("; ".join(missed) if missed else "none"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
