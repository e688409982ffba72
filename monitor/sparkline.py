"""Trends drawn in eight block characters, on the terminal and in alert emails alike."""

from __future__ import annotations

from collections.abc import Sequence

BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float | None], low: float = 0, high: float = 100) -> str:
    """One character per value (health 0-100 by default); a gap (no value) is a space. Used on
    the terminal and in alert emails alike."""
    out = []
    for value in values:
        if value is None:
            out.append(" ")
            continue
        share = (min(max(float(value), low), high) - low) / (high - low) if high > low else 0.0
        out.append(BLOCKS[min(len(BLOCKS) - 1, int(share * len(BLOCKS)))])
    return "".join(out)


__all__ = ["BLOCKS", "sparkline"]
