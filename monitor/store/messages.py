"""Writing messages: one row per message however often it is seen, a sighting per place.

A batch is written in one transaction (bulk statements, not a commit per row), idempotently:
the same batch written twice, or by two workers at once on PostgreSQL, leaves the same rows.
Source state (IMAP UIDs, Graph delta links) is written by the caller inside the same transaction,
so a crash either keeps a batch and its state or neither.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from monitor.core.addresses import Directory
from monitor.core.model import Mailbox, Message, Quarantined
from monitor.sources.sink import Item as Item  # re-exported: where writers found it first
from monitor.sources.sink import SaveResult
from monitor.store.schema import messages, meta, quarantine, sightings

#: Set in the transaction that adds messages; cleared by :func:`~monitor.store.conversations.rethread`.
THREADS_DIRTY = "threads_dirty"
ATTRIBUTION = "attribution_fingerprint"
T = TypeVar("T")
_CHUNK = 500  # rows per statement: well under SQLite's bound-parameter limit


def chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    """``items`` in slices small enough for one statement's parameters."""
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def insert_ignoring_conflicts(connection: sa.Connection, table: sa.Table) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` in the connection's dialect."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if connection.dialect.name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    raise NotImplementedError(connection.dialect.name)  # pragma: no cover


def _mailboxes(items: Sequence[Mailbox]) -> list[list[str]]:
    return [[m.address, m.name] for m in items]


def message_row(message: Message, directory: Directory, now: datetime) -> dict[str, Any]:
    attribution = directory.attribute(message.sender, message.to, message.cc)
    text = message.text
    return {
        "key": message.key,
        "message_id": message.message_id,
        "date": message.date,
        "date_problem": message.date_problem.value if message.date_problem else None,
        "from_addr": message.sender.address if message.sender else "",
        "from_name": (message.sender.name if message.sender else "")[:320],
        "to_addrs": _mailboxes(message.to),
        "cc_addrs": _mailboxes(message.cc),
        "subject": message.subject,
        "in_reply_to": list(message.in_reply_to),
        "refs": list(message.references[-50:]),
        "gm_thread": message.gm_thread,
        "conversation_id": message.conversation_id,
        "thread_id": None,
        "noise": message.noise.value if message.noise else None,
        "noise_reason": (message.noise_reason or "")[:400] or None,
        "needs_reply": message.needs_reply,
        "has_attachments": message.has_attachments,
        "size": message.size,
        "language": text.language,
        "own_chars": text.own_chars,
        "questions": text.questions,
        "closing_only": text.closing_only,
        "sentiment": text.sentiment,
        "sentences": text.sentences,
        "evidence": [[s.index, round(s.compound, 4), s.text] for s in text.evidence],
        "friction": list(text.friction),
        "pressure": list(text.pressure),
        "basics": list(text.basics),
        "away_until": text.away_until,
        "notes": list(message.notes),
        "snippet": message.snippet,
        "direction": attribution.direction.value,
        "client": attribution.client,
        "counterpart": attribution.counterpart,
        "first_seen": now,
    }


# Fields a later copy of a message may fill in when the first copy lacked them (a Graph Sent
# Items copy has no headers; an IMAP copy of the same message does).
_FILLABLE = (
    "message_id",
    "gm_thread",
    "conversation_id",
    "language",
    "sentiment",
    "away_until",
    "snippet",
)


_THREADING = {"message_id", "gm_thread", "conversation_id", "in_reply_to", "refs"}


def _merge(existing: sa.Row[Any], row: dict[str, Any]) -> dict[str, Any]:
    update: dict[str, Any] = {}
    for name in _FILLABLE:
        if getattr(existing, name) is None and row.get(name) is not None:
            update[name] = row[name]
    if existing.noise is None and row["noise"] is not None:
        # Any copy that proves the message automatic makes it noise (headers can be missing
        # on one copy, never added on another).
        update.update(noise=row["noise"], noise_reason=row["noise_reason"], needs_reply=False)
    if not existing.friction and row["friction"]:
        update["friction"] = row["friction"]
    if not existing.pressure and row["pressure"]:
        update["pressure"] = row["pressure"]
    if not existing.in_reply_to and row["in_reply_to"]:
        update["in_reply_to"] = row["in_reply_to"]
    if not existing.refs and row["refs"]:
        update["refs"] = row["refs"]
    if update.keys() & _THREADING:
        update["thread_id"] = None  # to be threaded again (see store/conversations.py)
    return update


def save_items(
    connection: sa.Connection,
    *,
    account: str,
    folder: str,
    items: Iterable[Item],
    directory: Directory,
    now: datetime,
) -> SaveResult:
    """Store a batch inside the caller's transaction."""
    result = SaveResult()
    batch = list(items)
    good = [(item, item.result) for item in batch if isinstance(item.result, Message)]
    bad = [(item, item.result) for item in batch if isinstance(item.result, Quarantined)]
    if bad:
        _quarantine(connection, account, folder, bad, now)
        result.quarantined += len(bad)
    if not good:
        return result

    rows_by_key: dict[str, dict[str, Any]] = {}
    for _, message in good:
        rows_by_key.setdefault(message.key, message_row(message, directory, now))
    fresh = _upsert_messages(connection, rows_by_key)
    ids = _message_ids(connection, list(rows_by_key))
    sighting_rows = [
        {
            "message": ids[message.key],
            "account": account,
            "folder": folder,
            "location": item.location[:1000],
            "first_seen": now,
            "expunged_at": None,
        }
        for item, message in good
    ]
    for part in chunks(sighting_rows):
        connection.execute(insert_ignoring_conflicts(connection, sightings), part)

    new_keys = {row["key"] for row in fresh}
    for _, message in good:
        if message.key in new_keys:
            result.new += 1
            new_keys.discard(message.key)
        else:
            result.known += 1
    if fresh:
        set_meta(connection, THREADS_DIRTY, "1")
    return result


def _quarantine(
    connection: sa.Connection,
    account: str,
    folder: str,
    bad: Sequence[tuple[Item, Quarantined]],
    now: datetime,
) -> None:
    rows = [
        {
            "account": account,
            "folder": folder,
            "location": item.location[:1000],
            "key": q.key,
            "reason": q.reason,
            "detail": q.detail[:2000],
            "size": item.size,
            "first_seen": now,
        }
        for item, q in bad
    ]
    for part in chunks(rows):
        connection.execute(insert_ignoring_conflicts(connection, quarantine), part)


def _upsert_messages(
    connection: sa.Connection, rows_by_key: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Insert the messages not stored yet, fill in what stored copies lacked; returns the rows
    inserted."""
    existing: dict[str, sa.Row[Any]] = {}
    for chunk in chunks(list(rows_by_key)):
        for row in connection.execute(sa.select(messages).where(messages.c.key.in_(chunk))):
            existing[row.key] = row
    fresh = [row for key, row in rows_by_key.items() if key not in existing]
    for part in chunks(fresh):
        connection.execute(insert_ignoring_conflicts(connection, messages), part)
    for key, row in existing.items():
        update = _merge(row, rows_by_key[key])
        if update:
            connection.execute(sa.update(messages).where(messages.c.id == row.id).values(**update))
    return fresh


def _message_ids(connection: sa.Connection, keys: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in chunks(keys):
        for key, ident in connection.execute(
            sa.select(messages.c.key, messages.c.id).where(messages.c.key.in_(chunk))
        ):
            ids[key] = ident
    return ids


def get_meta(connection: sa.Connection, name: str) -> str | None:
    value: str | None = connection.execute(
        sa.select(meta.c.value).where(meta.c.name == name)
    ).scalar()
    return value


def set_meta(connection: sa.Connection, name: str, value: str) -> None:
    if connection.dialect.name == "postgresql":
        statement = postgresql.insert(meta).values(name=name, value=value)
        connection.execute(
            statement.on_conflict_do_update(index_elements=["name"], set_={"value": value})
        )
    else:
        statement_lite = sqlite.insert(meta).values(name=name, value=value)
        connection.execute(
            statement_lite.on_conflict_do_update(index_elements=["name"], set_={"value": value})
        )


def _mailbox_list(value: Any) -> tuple[Mailbox, ...]:
    return tuple(Mailbox(address=a, name=n) for a, n in (value or []))


def reattribute(
    engine: sa.Engine, directory: Directory, fingerprint: str, *, force: bool = False
) -> int:
    """Recompute direction and client of every stored message after the configuration changed.

    Returns how many messages changed. Cheap when nothing changed: one meta lookup.
    """
    with engine.begin() as connection:
        if not force and get_meta(connection, ATTRIBUTION) == fingerprint:
            return 0
        changed = 0
        updates: list[dict[str, Any]] = []
        query = sa.select(
            messages.c.id,
            messages.c.from_addr,
            messages.c.from_name,
            messages.c.to_addrs,
            messages.c.cc_addrs,
            messages.c.direction,
            messages.c.client,
            messages.c.counterpart,
        )
        for row in connection.execute(query).all():
            sender = Mailbox(row.from_addr, row.from_name) if row.from_addr else None
            attribution = directory.attribute(
                sender, _mailbox_list(row.to_addrs), _mailbox_list(row.cc_addrs)
            )
            if (attribution.direction.value, attribution.client, attribution.counterpart) != (
                row.direction,
                row.client,
                row.counterpart,
            ):
                updates.append(
                    {
                        "ident": row.id,
                        "direction": attribution.direction.value,
                        "client": attribution.client,
                        "counterpart": attribution.counterpart,
                    }
                )
        statement = (
            sa.update(messages)
            .where(messages.c.id == sa.bindparam("ident"))
            .values(
                direction=sa.bindparam("direction"),
                client=sa.bindparam("client"),
                counterpart=sa.bindparam("counterpart"),
            )
        )
        for chunk in chunks(updates):
            connection.execute(statement, chunk)
        changed = len(updates)
        set_meta(connection, ATTRIBUTION, fingerprint)
    return changed


def purge_before(engine: sa.Engine, before: datetime) -> dict[str, int]:
    """Delete what is older than the retention period: messages dated before ``before`` (their
    sightings go with them), quarantine entries first seen before it, and sent emails."""
    from monitor.store.schema import outbox, quarantine, sightings

    with engine.begin() as connection:
        old = sa.select(messages.c.id).where(messages.c.date < before).scalar_subquery()
        seen = connection.execute(sa.delete(sightings).where(sightings.c.message.in_(old))).rowcount
        gone = connection.execute(sa.delete(messages).where(messages.c.date < before)).rowcount
        broken = connection.execute(
            sa.delete(quarantine).where(quarantine.c.first_seen < before)
        ).rowcount
        mailed = connection.execute(
            sa.delete(outbox).where(outbox.c.state == "sent", outbox.c.sent_at < before)
        ).rowcount
        if gone:
            # A thread may have been named after a message now gone: rebuild them all.
            set_meta(connection, THREADS_DIRTY, "full")
    return {"messages": gone, "sightings": seen, "quarantine": broken, "emails": mailed}
