"""``[thresholds]`` (and each client's ``[clients.thresholds]``) and ``[lexicon]``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from monitor.config.reading import Problems, Table
from monitor.core.cues import CATEGORIES as CUE_CATEGORIES
from monitor.core.detectors import THRESHOLD_PAIRS, Thresholds

#: (warning, critical) pairs: a warning above its critical threshold is a problem.


def parse_thresholds(table: Table, base: Thresholds, problems: Problems) -> Thresholds:
    """Thresholds from a [thresholds] table, each key optional, on top of ``base``."""
    # Whole numbers and floats by field name: mypy cannot tie each name to its field's type.
    values: dict[str, Any] = {}
    for name in Thresholds.names():
        default = getattr(base, name)
        if isinstance(default, int) and not isinstance(default, bool):
            values[name] = table.integer(name, default, minimum=1)
        else:
            values[name] = table.number(name, float(default), minimum=0.0)
    table.done()
    result = replace(base, **values)
    for low, high in THRESHOLD_PAIRS:
        # A pair this table sets neither half of was checked where it was set (a client's
        # [thresholds] inherits the team's: its mistake is said once, under the team's key).
        if not (table.has(low) or table.has(high)):
            continue
        if getattr(result, low) > getattr(result, high):
            problems.add(
                f"{table.where}.{low}",
                f"the warning threshold ({getattr(result, low)}) is above the critical one ({getattr(result, high)})",
            )
    return result


def parse_lexicon(root: Table) -> dict[str, tuple[str, ...]]:
    """Extra cue terms per category, added to the built-in lexicons."""
    lexicon_t = root.table("lexicon")
    extra_cues: dict[str, tuple[str, ...]] = {}
    for category in CUE_CATEGORIES:
        terms = lexicon_t.strings(category)
        if terms:
            extra_cues[category] = tuple(terms)
    lexicon_t.done()
    return extra_cues
