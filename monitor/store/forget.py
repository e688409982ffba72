"""Stored text forgotten when ``privacy.store_snippets`` is turned off.

With the setting on, a message is stored with a snippet of its own text, the text of the
sentences that set its tone, and the words its curtness cue was read in. Turned off, relmon
stores no text from then on, and the first time the store is opened (or the daemon reloads)
with it off, the text already stored is removed: the snippets, the sentences' text (their
places and scores stay) and each cue's excerpt, reduced to the lexicon term it starts with (or
removed when it starts with none). Answers kept with that text are dropped; they are computed
again when next asked. Alert explanations written meanwhile keep their words: they are the
alerts' history.

The work is done in slices of messages, each in its own transaction, and marked done only at
the end: a run cut short starts over and finishes the next time.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

import sqlalchemy as sa

from monitor.log import get_logger
from monitor.store.db import reading
from monitor.store.meta import TEXT_KEPT, get_meta, set_meta
from monitor.store.schema import kept_answers, messages

logger = get_logger(__name__)

SLICE = 5000


def follow_text_setting(
    engine: sa.Engine, store_snippets: bool, terms: Callable[[], Collection[str]]
) -> int | None:
    """Remember that text may be stored (``store_snippets`` on), or forget what was stored
    while it was on; the number of messages whose text was removed, or None if none was due.
    ``terms``: the cue terms an excerpt may start with (read only when text is forgotten)."""
    with reading(engine) as connection:
        kept = get_meta(connection, TEXT_KEPT) == "1"
    if store_snippets:
        if not kept:
            with engine.begin() as connection:
                set_meta(connection, TEXT_KEPT, "1")
        return None
    if not kept:
        return None
    forgotten = forget_text(engine, frozenset(terms()))
    with engine.begin() as connection:
        connection.execute(sa.delete(kept_answers))
        set_meta(connection, TEXT_KEPT, "0")
    logger.info("stored_text_forgotten", messages=forgotten, reason="privacy.store_snippets is off")
    return forgotten


def leading_term(excerpt: str, terms: Collection[str]) -> str | None:
    """The longest of ``terms`` that ``excerpt`` starts with, as a whole word or phrase (a
    bare question's "?" may follow it); None when it starts with none."""
    words = " ".join(excerpt.casefold().split())
    fits = [
        t for t in terms if words.startswith(t) and words[len(t) : len(t) + 1] in ("", " ", "?")
    ]
    return max(fits, key=len, default=None)


def _without_text(row: Any, terms: Collection[str]) -> dict[str, Any] | None:
    """The row's text columns without their text; None when it holds none."""
    evidence = [[index, compound, None] for index, compound, *_ in row.evidence or []]
    cue = row.friction_evidence
    term = leading_term(cue, terms) if cue else None
    if row.snippet is None and evidence == (row.evidence or []) and term == cue:
        return None
    return {"ident": row.id, "evidence": evidence, "cue": term}


def forget_text(engine: sa.Engine, terms: Collection[str]) -> int:
    """Remove every stored message's text (see the module); how many messages held some."""
    forgotten, after = 0, 0
    statement = (
        sa.update(messages)
        .where(messages.c.id == sa.bindparam("ident"))
        .values(
            snippet=None, evidence=sa.bindparam("evidence"), friction_evidence=sa.bindparam("cue")
        )
    )
    while True:
        with engine.begin() as connection:
            rows = connection.execute(
                sa.select(
                    messages.c.id,
                    messages.c.snippet,
                    messages.c.evidence,
                    messages.c.friction_evidence,
                )
                .where(messages.c.id > after)
                .order_by(messages.c.id)
                .limit(SLICE)
            ).all()
            if not rows:
                return forgotten
            after = rows[-1].id
            changes = [change for row in rows if (change := _without_text(row, terms))]
            if changes:
                connection.execute(statement, changes)
            forgotten += len(changes)


__all__ = ["follow_text_setting", "forget_text", "leading_term"]
