"""Stored messages judged again: read a batch, judge each message, write what changed.

The judging itself is pure (:mod:`monitor.core.rejudge`) and passed in; the columns it yields are
made by :func:`monitor.store.rows.judgement_columns`, the function ingest writes with. A batch is
read and judged without the write lock (the text analysis is the slow part, and a sync must not
wait for it), then written in one transaction that locks the rows (``FOR UPDATE`` on PostgreSQL,
the write lock on SQLite) and skips any row a sync changed in between (a later copy that filled
in what the first lacked): it is judged again at the next run, never overwritten with a
judgement of its older self.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from monitor.core.model import Noise, Sentence, TextFeatures
from monitor.core.rejudge import Rejudged, Stored
from monitor.store.db import reading
from monitor.store.rows import judgement_columns
from monitor.store.schema import messages

#: Column groups reported as changed, each with the columns that belong to it.
GROUPS: dict[str, tuple[str, ...]] = {
    "noise": ("noise", "noise_reason"),
    "needs_reply": ("needs_reply",),
    "own_text": ("own_chars", "snippet"),
    "tone": ("language", "sentiment", "sentences", "evidence", "tone", "impoliteness"),
    "cues": (
        "friction",
        "pressure",
        "basics",
        "questions",
        "closing_only",
        "away_until",
        "curtness",
        "courtesy",
        "friction_evidence",
    ),
}
_JUDGED = tuple(name for names in GROUPS.values() for name in names)
_READ = (
    messages.c.id,
    messages.c.from_addr,
    messages.c.subject,
    messages.c.in_reply_to,
    messages.c.refs,
    messages.c.date,
    *(messages.c[name] for name in _JUDGED),
)


@dataclass
class Tally:
    messages: int = 0
    text_judged: int = 0  # own text, tone and cues judged again from the whole own text
    text_not_stored: int = 0  # no whole own text stored: only noise judged again
    changed: int = 0  # messages with at least one column changed
    groups: Counter[str] = field(default_factory=Counter)  # changed messages per column group
    new_noise: Counter[str] = field(default_factory=Counter)  # newly noise, per kind
    skipped: int = 0  # changed by a sync while being judged: left for the next run


def _features(row: Any) -> TextFeatures:
    return TextFeatures(
        language=row.language,
        own_chars=row.own_chars,
        sentiment=row.sentiment,
        sentences=row.sentences,
        evidence=tuple(
            Sentence(int(index), float(compound), text) for index, compound, text in row.evidence
        ),
        friction=tuple(row.friction),
        pressure=tuple(row.pressure),
        basics=tuple(row.basics),
        questions=row.questions,
        closing_only=row.closing_only,
        away_until=row.away_until,
        impoliteness=row.impoliteness,
        tone=row.tone,
        curtness=row.curtness,
        courtesy=row.courtesy,
        friction_evidence=row.friction_evidence,
    )


def stored(row: Any) -> Stored:
    """What the row keeps that a judgement can read."""
    return Stored(
        sender=row.from_addr,
        subject=row.subject,
        is_reply=bool(row.in_reply_to or row.refs),
        date=row.date,
        noise=Noise(row.noise) if row.noise else None,
        noise_reason=row.noise_reason,
        needs_reply=row.needs_reply,
        snippet=row.snippet,
        features=_features(row),
    )


def _changes(row: Any, judged: Rejudged) -> dict[str, Any]:
    columns = judgement_columns(
        judged.noise, judged.noise_reason, judged.needs_reply, judged.features, judged.snippet
    )
    return {name: value for name, value in columns.items() if getattr(row, name) != value}


def _count(tally: Tally, row: Any, judged: Rejudged, update: dict[str, Any]) -> None:
    tally.messages += 1
    tally.text_judged += judged.text_judged
    tally.text_not_stored += not judged.text_judged
    if not update:
        return
    tally.changed += 1
    for group, names in GROUPS.items():
        if update.keys() & set(names):
            tally.groups[group] += 1
    if row.noise is None and judged.noise is not None:
        tally.new_noise[judged.noise.value] += 1


def _judged(
    engine: sa.Engine, after: int, batch: int, judge: Callable[[Stored], Rejudged]
) -> list[tuple[Any, Rejudged]]:
    """The next ``batch`` messages after id ``after``, each with its new judgement; read without
    the write lock, so a sync goes on while the slow part (the text analysis) runs."""
    with reading(engine) as connection, connection.begin():
        query = sa.select(*_READ).where(messages.c.id > after).order_by(messages.c.id)
        rows = connection.execute(query.limit(batch)).all()
    return [(row, judge(stored(row))) for row in rows]


def _write(engine: sa.Engine, updates: list[tuple[Any, dict[str, Any]]]) -> int:
    """Write the updates of rows no sync changed since they were read (those are judged again
    at the next run); the number skipped."""
    if not updates:
        return 0
    skipped = 0
    with engine.begin() as connection:
        ids = [row.id for row, _ in updates]
        query = sa.select(*_READ).where(messages.c.id.in_(ids)).with_for_update()
        now = {row.id: row for row in connection.execute(query)}
        for row, update in updates:
            if now.get(row.id) != row:
                skipped += 1
                continue
            connection.execute(sa.update(messages).where(messages.c.id == row.id).values(**update))
    return skipped


def reanalyse(
    engine: sa.Engine,
    judge: Callable[[Stored], Rejudged],
    *,
    batch: int = 500,
    dry_run: bool = False,
) -> Tally:
    """Judge every stored message again with ``judge``; write the changed columns unless
    ``dry_run``, one transaction per ``batch`` messages."""
    tally = Tally()
    last = 0
    while True:
        judged = _judged(engine, last, batch, judge)
        updates = []
        for row, judgement in judged:
            update = _changes(row, judgement)
            _count(tally, row, judgement, update)
            if update:
                updates.append((row, update))
        if not dry_run:
            tally.skipped += _write(engine, updates)
        if len(judged) < batch:
            return tally
        last = judged[-1][0].id
