"""A politeness model that has never read the text it scores.

The shipped model is trained on all of the Wikipedia requests, so a bench that builds client
mail from those same requests scores it in-sample: each message reads about as polite as
people rated it. New mail reads worse. Here the requests are split in two halves by a seed;
a model is trained on one half exactly as ``bench/train_politeness.py`` trains the shipped
one (same features, same choice of C), and the bench's text is drawn from the other half only.

Needs scikit-learn (the ``dev`` extra).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Split:
    trained_on: list[tuple[str, float]]  # (request, normalised score)
    held_out: list[tuple[str, float]]


def split(rows: list[tuple[str, float]], seed: int) -> Split:
    """Half the requests, drawn with ``seed``, to train on; the other half to write mail from."""
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    half = len(order) // 2
    return Split([rows[i] for i in order[:half]], [rows[i] for i in order[half:]])


def train(rows: list[tuple[str, float]], folder: Path) -> Path:
    """Train a politeness model on ``rows`` as the shipped one is trained; its file's path."""
    import train_politeness as training

    requests = [training.Request(text, score) for text, score in rows]
    features = training.featurizer()
    training.set_strategies(features)
    present = [features.of(r.text) for r in requests]
    data = training.model_data(present, requests, measured={})
    path = folder / "politeness.held-out.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


class Pool(list[str]):
    """Texts drawn without replacement until none is left, then drawn again in a new order:
    half the requests hold fewer technical questions than a year of a technical client."""

    def __init__(self, texts: list[str], rng: random.Random) -> None:
        super().__init__(texts)
        self._texts = list(texts)
        self._rng = rng
        self.refills = 0

    def pop(self, index: int = -1) -> str:  # type: ignore[override]
        if not self:
            again = list(self._texts)
            self._rng.shuffle(again)
            self.extend(again)
            self.refills += 1
        return super().pop(index)
