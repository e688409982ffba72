"""Answers kept per client, and what tells whether one still holds.

A kept answer is a cache: :mod:`monitor.app.kept` decides whether a row still holds (its
fingerprint) and computes the answer again when not. Saving is best-effort, as for the kept
trend days: a store that cannot be written to costs the next question the same work, never an
answer.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from monitor.log import get_logger
from monitor.store.db import reading
from monitor.store.schema import client_changes, kept_answers, messages, revision_counter

logger = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class KeptAnswer:
    view: str
    client: str
    at: datetime
    fingerprint: str
    body: str
    settings: str | None = None  # the part of the fingerprint that is configuration and code
    counter: int | None = None  # the store's revision counter when the fingerprint was taken


@dataclass(frozen=True, slots=True)
class Revisions:
    """A client's stored records up to an instant, as few numbers: the database gives a row a
    new, higher revision on every insert and update (migration 0015), so an added, changed or
    removed record changes at least one of them."""

    count: int
    total: int
    newest: int


def revisions(
    engine: sa.Engine, as_of: datetime, clients: Collection[str] | None = None
) -> dict[str, Revisions]:
    """Per client (of ``clients``, or every client with mail), its records dated up to
    ``as_of``: read from the (client, date, revision) index, not from the rows."""
    query = (
        sa.select(
            messages.c.client,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(messages.c.revision), 0),
            sa.func.coalesce(sa.func.max(messages.c.revision), 0),
        )
        .where(messages.c.client.is_not(None), messages.c.date <= as_of)
        .group_by(messages.c.client)
    )
    if clients is not None:
        query = query.where(messages.c.client.in_(sorted(clients)))
    with reading(engine) as connection:
        rows = connection.execute(query).all()
    return {row[0]: Revisions(int(row[1]), int(row[2]), int(row[3])) for row in rows}


def counter(engine: sa.Engine) -> int | None:
    """The store's revision counter, which every transaction that inserts, updates or deletes
    a message moves inside itself (SQLite: every such row, migrations 0015 and 0017;
    PostgreSQL: once, as it commits, migration 0019): while it stands still, no stored message
    has changed. None before the counter exists."""
    with reading(engine) as connection:
        value = connection.execute(
            sa.select(revision_counter.c.value).where(revision_counter.c.id == 1)
        ).scalar()
    return int(value) if value is not None else None


def changes(engine: sa.Engine) -> dict[str, int]:
    """Per client, the revision counter as the last change to its messages left it (migration
    0021): a client whose value is not above a counter read earlier has the same records as
    then, whatever their dates."""
    with reading(engine) as connection:
        rows = connection.execute(sa.select(client_changes.c.client, client_changes.c.counter))
        return {str(client): int(value) for client, value in rows}


#: A kept answer's columns, in the order of :class:`KeptAnswer`'s fields.
_ANSWER = (
    kept_answers.c.view,
    kept_answers.c.client,
    kept_answers.c.at,
    kept_answers.c.fingerprint,
    kept_answers.c.body,
    kept_answers.c.settings,
    kept_answers.c.counter,
)


def read(
    engine: sa.Engine, view: str, at: datetime, clients: Collection[str] | None = None
) -> dict[str, KeptAnswer]:
    """The answers kept for ``view`` at the instant ``at``, by client."""
    query = sa.select(*_ANSWER).where(kept_answers.c.view == view, kept_answers.c.at == at)
    if clients is not None:
        query = query.where(kept_answers.c.client.in_(sorted(clients)))
    with reading(engine) as connection:
        rows = connection.execute(query).all()
    return {row.client: KeptAnswer(*row) for row in rows}


def read_at(
    engine: sa.Engine, view: str, instants: Mapping[str, datetime]
) -> dict[str, KeptAnswer]:
    """The answers kept for ``view``, each client's at its own instant."""
    if not instants:
        return {}
    pairs = sorted(instants.items())
    query = sa.select(*_ANSWER).where(
        kept_answers.c.view == view,
        sa.tuple_(kept_answers.c.client, kept_answers.c.at).in_(pairs),
    )
    with reading(engine) as connection:
        rows = connection.execute(query).all()
    return {row.client: KeptAnswer(*row) for row in rows if instants[row.client] == row.at}


def renew(
    engine: sa.Engine, view: str, at: datetime, checked: Mapping[str, str], counter: int
) -> None:
    """Record that these answers still hold at revision ``counter`` (best-effort). ``checked``:
    by client, the fingerprint found to hold: an answer another process kept meanwhile in its
    place was not checked, and keeps the counter it was kept with."""
    if not checked:
        return
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.update(kept_answers)
                .where(
                    kept_answers.c.view == view,
                    kept_answers.c.at == at,
                    kept_answers.c.client == sa.bindparam("checked_client"),
                    kept_answers.c.fingerprint == sa.bindparam("checked_fingerprint"),
                )
                .values(counter=counter),
                [
                    {"checked_client": name, "checked_fingerprint": fingerprint}
                    for name, fingerprint in sorted(checked.items())
                ],
            )
    except sa.exc.DBAPIError as err:
        logger.warning("answers_not_renewed", rows=len(checked), error=type(err.orig).__name__)


def save(
    engine: sa.Engine, answers: Sequence[KeptAnswer], *, also_keep: Mapping[str, datetime]
) -> bool:
    """Keep these answers, each in place of its client's earlier ones for the same view, except
    the client's at ``also_keep`` (its last evaluation's, which questions about now read);
    whether they were kept."""
    if not answers:
        return True
    try:
        with engine.begin() as connection:
            for view in sorted({a.view for a in answers}):
                _make_room(connection, view, [a for a in answers if a.view == view], also_keep)
            connection.execute(
                sa.insert(kept_answers),
                [
                    {
                        "view": a.view,
                        "client": a.client,
                        "at": a.at,
                        "fingerprint": a.fingerprint,
                        "body": a.body,
                        "settings": a.settings,
                        "counter": a.counter,
                    }
                    for a in answers
                ],
            )
    except sa.exc.DBAPIError as err:
        # Another process keeping the same answers at once, or a store opened read-only.
        logger.warning("answers_not_kept", rows=len(answers), error=type(err.orig).__name__)
        return False
    return True


def _make_room(
    connection: sa.Connection,
    view: str,
    answers: Sequence[KeptAnswer],
    also_keep: Mapping[str, datetime],
) -> None:
    """Remove the answers these replace, and their clients' older ones but the one at
    ``also_keep``; one statement per group of clients kept alike (a pass keeps hundreds)."""
    groups: dict[tuple[datetime, datetime | None], list[str]] = {}
    for answer in answers:
        groups.setdefault((answer.at, also_keep.get(answer.client)), []).append(answer.client)
    for (at, keep), clients in groups.items():
        instants = [at] if keep is None else [at, keep]
        connection.execute(
            sa.delete(kept_answers).where(
                kept_answers.c.view == view,
                kept_answers.c.client.in_(sorted(clients)),
                sa.or_(kept_answers.c.at.not_in(instants), kept_answers.c.at == at),
            )
        )


__all__ = [
    "KeptAnswer",
    "Revisions",
    "changes",
    "counter",
    "read",
    "read_at",
    "renew",
    "revisions",
    "save",
]
