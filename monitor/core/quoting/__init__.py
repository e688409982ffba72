"""Where quoted history, forwarded blocks and signatures begin, as data: one table per language.

Each table lists plain phrases (matched case-insensitively, any run of white space between
words); :mod:`monitor.core.owntext` compiles them into line-anchored patterns without nested
quantifiers, so every pattern runs in time linear in its line. To read a new language, add a
module with a ``TABLE`` and list it in ``TABLES``, with a real example in
``tests/core/test_quoting.py``.
"""

from __future__ import annotations

__all__ = ["TABLES", "Table", "alternatives", "pattern"]


from monitor.core.quoting import de, en, es, fi, fr, it, nl, other, pt, zh
from monitor.core.quoting.table import Table, alternatives

TABLES: tuple[Table, ...] = (
    en.TABLE,
    de.TABLE,
    fr.TABLE,
    es.TABLE,
    fi.TABLE,
    zh.TABLE,
    nl.TABLE,
    it.TABLE,
    pt.TABLE,
    other.TABLE,
)


def pattern(field: str) -> str:
    """One alternation of a field's phrases across every language table ("wrote", "schrieb", …)."""
    return alternatives([phrase for table in TABLES for phrase in getattr(table, field)])
