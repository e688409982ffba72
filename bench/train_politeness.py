"""Train the politeness model that relmon ships as ``monitor/lexicon/politeness.v<N>.json``.

Data: the Stanford Politeness Corpus, Wikipedia part (../shared/data/politeness, Apache-2.0):
4,353 requests between editors, each rated by five people; "impolite" is the bottom quartile
of the normalised score (≤ −0.443), "polite" the top quartile.

Features (monitor/core/politeness.py): the politeness strategies of Danescu-Niculescu-Mizil et
al., "A computational approach to politeness" (ACL 2013), with those of Brown and Levinson's
theory they stem from, of Yeomans et al.'s politeness package (2018) and the challenges of
Culpeper's and Bousfield's impoliteness, as word lists and patterns in
``monitor/lexicon/politeness.en.toml``, plus word unigrams and bigrams of a limited vocabulary.
The word features are scaled down by NGRAM_SCALE before an L2-regularised logistic regression,
which regularises them 1/NGRAM_SCALE² (about 8) times harder than the strategies: the paper
found that its strategies carried over to another community where a bag of words did not.

The regularisation strength C is chosen from CS by an inner 5-fold cross-validation (log-loss)
on the training part only, so the figures reported are nested: no choice sees the fold it is
measured on. The shipped model's C is chosen the same way on all requests.

Measured by 10-fold cross-validation (fixed seed), both variants:
- accuracy on top vs bottom quartile (the paper's task: ~84% for its classifier, ~87% humans);
- AUC of the bottom quartile against the rest (all requests).

    python bench/train_politeness.py            # measure both variants
    python bench/train_politeness.py --write    # and write the shipped model

Needs scikit-learn (the ``dev`` extra); relmon itself only reads the JSON it writes.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPORA = Path(os.environ.get("RELMON_CORPORA", ROOT.parent / "shared" / "data"))
SEED = 20130804  # ACL 2013
BOTTOM_QUARTILE = -0.443
FOLDS = 10
#: Candidate regularisation strengths (inverse, scikit-learn's C), chosen by inner CV.
CS = (0.1, 0.3, 1.0, 3.0)
INNER_FOLDS = 5
#: Word n-grams enter the model scaled by this factor: regularised 1/NGRAM_SCALE² as hard.
NGRAM_SCALE = 0.35
#: A word n-gram enters the vocabulary when at least this many training requests have it.
MIN_DF = 15
MAX_VOCABULARY = 600
VERSION = 3
#: Which variant ships: strategies only, or strategies + word n-grams.
SHIPPED = "strategies + n-grams"


@dataclass
class Request:
    text: str
    score: float


def load() -> list[Request]:
    path = CORPORA / "politeness" / "wikipedia.annotated.csv"
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        return [
            Request(row["Request"], float(row["Normalized Score"]))
            for row in csv.DictReader(handle)
        ]


def top_quartile(requests: Sequence[Request]) -> float:
    scores = sorted(r.score for r in requests)
    return scores[(3 * len(scores)) // 4]


def featurizer():  # type: ignore[no-untyped-def]
    from monitor.core.politeness import Features
    from monitor.core.sentiment import LinearVader

    return Features.load(LinearVader().lexicon)


def vocabulary(present: Sequence[set[str]], ngrams: bool) -> list[str]:
    from monitor.core.politeness import NGRAM

    names = featurizer_names()
    if not ngrams:
        return names
    counts = Counter(name for found in present for name in found if name.startswith(NGRAM))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))  # ties by name
    frequent = [name for name, n in ranked[:MAX_VOCABULARY] if n >= MIN_DF]
    return names + sorted(frequent)


_NAMES: list[str] = []


def featurizer_names() -> list[str]:
    return list(_NAMES)


def set_strategies(features) -> None:  # type: ignore[no-untyped-def]
    """The strategy and sign features every variant uses, in a fixed order."""
    _NAMES[:] = features.strategy_names()


def matrix(present: Sequence[set[str]], names: Sequence[str]):  # type: ignore[no-untyped-def]
    """A sparse binary matrix of the features in ``names``, n-gram columns scaled down."""
    import numpy as np
    from scipy.sparse import csr_matrix

    from monitor.core.politeness import NGRAM

    index = {name: i for i, name in enumerate(names)}
    scale = np.array([NGRAM_SCALE if n.startswith(NGRAM) else 1.0 for n in names])
    rows, columns, values = [], [], []
    for row, found in enumerate(present):
        for name in found:
            column = index.get(name)
            if column is not None:
                rows.append(row)
                columns.append(column)
                values.append(scale[column])
    shape = (len(present), len(names))
    return csr_matrix((values, (rows, columns)), shape=shape), scale


def fit(present: Sequence[set[str]], labels: Sequence[int], ngrams: bool):  # type: ignore[no-untyped-def]
    """Choose C by inner cross-validation on ``present`` only, then fit on all of it."""
    from sklearn.linear_model import LogisticRegression

    names = vocabulary(present, ngrams)
    x, scale = matrix(present, names)
    c = choose_c(x, labels)
    model = LogisticRegression(C=c, max_iter=2000, random_state=SEED)
    model.fit(x, labels)
    return names, model, scale, c


def choose_c(x, labels: Sequence[int]) -> float:  # type: ignore[no-untyped-def]
    """The C of CS with the lowest log-loss in an inner cross-validation of this data only.
    The inner folds share the vocabulary of the data given: nothing of the outer test fold."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss
    from sklearn.model_selection import StratifiedKFold

    y = np.asarray(labels)
    folds = StratifiedKFold(n_splits=INNER_FOLDS, shuffle=True, random_state=SEED + 1)
    splits = list(folds.split(x, y))
    losses = []
    for c in CS:
        loss = 0.0
        for train, test in splits:
            model = LogisticRegression(C=c, max_iter=2000, random_state=SEED)
            model.fit(x[train], y[train])
            loss += log_loss(y[test], model.predict_proba(x[test])[:, 1], labels=[0, 1]) * len(test)
        losses.append(loss)
    return CS[int(np.argmin(losses))]


def cross_validate(
    present: list[set[str]], requests: list[Request], ngrams: bool
) -> dict[str, float]:
    """10-fold accuracy on top vs bottom quartile and AUC of the bottom quartile vs the rest."""
    import numpy as np
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    top = top_quartile(requests)
    impolite = np.array([int(r.score <= BOTTOM_QUARTILE) for r in requests])
    extreme = np.array([r.score <= BOTTOM_QUARTILE or r.score >= top for r in requests])
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)

    ends = np.flatnonzero(extreme)
    correct = 0
    chosen: list[float] = []
    for train, test in folds.split(ends, impolite[ends]):
        train_i, test_i = ends[train], ends[test]
        names, model, _, c = fit([present[i] for i in train_i], impolite[train_i], ngrams)
        x, _ = matrix([present[i] for i in test_i], names)
        correct += int((model.predict(x) == impolite[test_i]).sum())
        chosen.append(c)
    accuracy = correct / len(ends)

    scores = np.zeros(len(requests))
    everyone = np.arange(len(requests))
    for train, test in folds.split(everyone, impolite):
        names, model, _, c = fit([present[i] for i in train], impolite[train], ngrams)
        x, _ = matrix([present[i] for i in test], names)
        scores[test] = model.decision_function(x)
        chosen.append(c)
    return {
        "accuracy": accuracy,
        "auc": float(roc_auc_score(impolite, scores)),
        "n": len(ends),
        "median_c": float(np.median(chosen)),
    }


def model_data(
    present: list[set[str]], requests: list[Request], measured: dict[str, dict[str, float]]
) -> dict[str, object]:
    """Train on ``requests`` (bottom quartile vs the rest) and return the model file's data."""
    ngrams = SHIPPED != "strategies only"
    labels = [int(r.score <= BOTTOM_QUARTILE) for r in requests]
    names, model, scale, c = fit(present, labels, ngrams)
    weights = {
        name: round(float(w * s), 5)
        for name, w, s in zip(names, model.coef_[0], scale, strict=True)
        if abs(w * s) >= 1e-4
    }
    return {
        "version": VERSION,
        "language": "en",
        "predicts": "probability that people rate the text in the least polite quarter",
        "features": "monitor/lexicon/politeness.en.toml strategies, signs, and word n-grams (w:)",
        "variant": SHIPPED,
        "training": {
            "data": "Stanford Politeness Corpus, Wikipedia requests (sudhof/politeness @ 743ad25, Apache-2.0)",
            "n": len(requests),
            "label": f"impolite: normalised score <= {BOTTOM_QUARTILE} (bottom quartile)",
            "model": (
                f"L2 logistic regression, C={c} (chosen from {list(CS)} by {INNER_FOLDS}-fold CV),"
                f" n-grams scaled by {NGRAM_SCALE}, min_df={MIN_DF}"
            ),
            "seed": SEED,
            "script": "bench/train_politeness.py",
        },
        "cross_validated": measured,
        "intercept": round(float(model.intercept_[0]), 5),
        "weights": dict(sorted(weights.items(), key=lambda kv: (-abs(kv[1]), kv[0]))),
    }


def write(
    present: list[set[str]], requests: list[Request], measured: dict[str, dict[str, float]]
) -> Path:
    """Train on every request and write the shipped model file."""
    from monitor.core.politeness import MODEL_FILE

    data = model_data(present, requests, measured)
    MODEL_FILE.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return MODEL_FILE


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", action="store_true", help="write the shipped model file")
    args = parser.parse_args()
    if not (CORPORA / "politeness").exists():
        print(f"politeness corpus not found under {CORPORA}", file=sys.stderr)
        return 2
    requests = load()
    features = featurizer()
    set_strategies(features)
    present = [features.of(r.text) for r in requests]
    measured = {}
    print(f"{'variant':<24} {'n':>5} {'accuracy':>9} {'AUC':>6} {'median C':>9}")
    for variant, ngrams in (("strategies only", False), ("strategies + n-grams", True)):
        result = cross_validate(present, requests, ngrams)
        measured[variant] = {k: round(v, 4) for k, v in result.items()}
        print(
            f"{variant:<24} {result['n']:>5} {result['accuracy']:>9.3f} {result['auc']:>6.3f}"
            f" {result['median_c']:>9.1f}"
        )
    if args.write:
        print(f"wrote {write(present, requests, measured).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
