"""Writing messages: one row per message however often it is seen, a sighting per place.

A batch is written in one transaction (bulk statements, not a commit per row), idempotently:
the same batch written twice, or by two workers at once on PostgreSQL, leaves the same rows.
Source state (IMAP UIDs, Graph delta links) is written by the caller inside the same transaction,
so a crash either keeps a batch and its state or neither. A message the database refuses, or
one reusing a stored Message-ID without being a copy of that message, is quarantined alone
(savepoints), and the rest of its batch is stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from monitor.core.addresses import Directory, changed_roles, is_sent_folder, renamed_clients
from monitor.core.model import Mailbox, Quarantined
from monitor.log import get_logger
from monitor.sources.sink import Item as Item  # re-exported: where writers found it first
from monitor.sources.sink import SaveResult
from monitor.store.alerting import rename_clients
from monitor.store.bulk import (
    chunks,
    ids_by_key,
    insert_ignoring_conflicts,
    keep_statistics,
    quarantine_items,
    stored_by_key,
)
from monitor.store.exclusions import rules_in_force
from monitor.store.guard import describe_error, row_problem
from monitor.store.meta import (
    ATTRIBUTION,
    ATTRIBUTION_ROLES,
    THREADS_DIRTY,
    get_meta,
    in_turn,
    set_meta,
)
from monitor.store.rows import conflict, fitting_key, merge, message_row, not_ours
from monitor.store.schema import messages, sightings

__all__ = [
    "Item",
    "chunks",
    "insert_ignoring_conflicts",
    "message_row",
    "reattribute",
    "save_items",
]

logger = get_logger()


def save_items(
    connection: sa.Connection,
    *,
    account: str,
    folder: str,
    items: Iterable[Item],
    directory: Directory,
    now: datetime,
) -> SaveResult:
    """Store a batch inside the caller's transaction.

    A message the store cannot hold, or one that takes a stored message's identity without
    being a copy of it, is quarantined on its own, with a reason and no content; the rest of
    the batch is stored. A batch the database refuses is tried again message by message, each
    in its own savepoint, so one bad row never loses its neighbours.
    """
    result = SaveResult()
    sent = is_sent_folder(folder)
    good: list[_Good] = []
    bad: list[tuple[Item, Quarantined]] = []
    vouched: set[str] = set()  # locations believed by our server's word, not a Sent place
    unproven: list[tuple[str, str]] = []  # from us to a client: ours unless a Sent copy
    rules = rules_in_force(connection)  # as recorded: a writer on older settings obeys them
    for item in items:
        if isinstance(item.result, Quarantined):
            bad.append((item, item.result))
            continue
        message = item.result
        if not item.sent and not sent and directory.server_vouches(message):
            item = replace(item, sent=True)  # our server authenticated the sender: as good as Sent
            vouched.add(item.location)
        row = message_row(message, directory, now, sent=sent or item.sent)
        if rules is not None and rules.keep_out(account, folder, row):
            result.excluded += 1
            continue
        if not (sent or item.sent) and directory.from_us_to_a_client(message):
            unproven.append((row["key"], row["from_addr"]))  # counted once stored
        problem = row_problem(messages, row)
        if problem is not None:
            bad.append((item, Quarantined("store_refused", problem, key=fitting_key(row))))
        else:
            good.append((item, row))
    if good:
        try:
            with connection.begin_nested():
                result += _store(connection, account, folder, good, sent, now, bad, vouched)
        except _REFUSED:
            for one in good:
                result += _store_alone(connection, account, folder, one, sent, now, bad, vouched)
    if bad:
        quarantine_items(connection, account, folder, bad, now)
        result.quarantined += len(bad)
    result.unproven_ours += not_ours(connection, unproven)
    if result.new:
        grown = keep_statistics(connection, (messages, sightings))
        if grown:
            logger.info("statistics_refreshed", tables=grown)
    return result


_Good = tuple[Item, dict[str, Any]]
#: What the database raises for a row it cannot hold (a value too long, a NUL, a constraint).
_REFUSED = (sa.exc.DataError, sa.exc.IntegrityError)


def _store_alone(
    connection: sa.Connection,
    account: str,
    folder: str,
    one: _Good,
    sent: bool,
    now: datetime,
    bad: list[tuple[Item, Quarantined]],
    vouched: set[str],
) -> SaveResult:
    """One message of a refused batch, in its own savepoint; quarantined if refused again."""
    conflicts: list[tuple[Item, Quarantined]] = []
    try:
        with connection.begin_nested():
            saved = _store(connection, account, folder, [one], sent, now, conflicts, vouched)
    except _REFUSED as err:
        refused = Quarantined("store_refused", describe_error(err), key=fitting_key(one[1]))
        bad.append((one[0], refused))
        return SaveResult()
    bad.extend(conflicts)
    return saved


def _copy_of_stored(
    one: _Good,
    existing: dict[str, sa.Row[Any]],
    first: dict[str, dict[str, Any]],
    bad: list[tuple[Item, Quarantined]],
) -> bool:
    """Whether the message is new or a copy of the stored one (or of the batch's first) with
    its key; a message that only takes the key is put in ``bad`` as a conflict."""
    item, row = one
    stored = existing.get(row["key"]) or first.setdefault(row["key"], row)
    why = None if stored is row else conflict(stored, row)
    if why is not None:
        detail = f"the Message-ID of a stored message, from {why}: ignored, the stored one kept"
        bad.append((item, Quarantined("message_id_conflict", detail, key=row["key"])))
    return why is None


def _store(
    connection: sa.Connection,
    account: str,
    folder: str,
    good: Sequence[_Good],
    sent: bool,
    now: datetime,
    bad: list[tuple[Item, Quarantined]],
    vouched: set[str],
) -> SaveResult:
    """Write messages and their sightings; a message that conflicts with the stored one of its
    key goes to ``bad`` instead."""
    result = SaveResult()
    keys = list(dict.fromkeys(row["key"] for _, row in good))
    existing = stored_by_key(connection, keys)
    first: dict[str, dict[str, Any]] = {}
    accepted = [one for one in good if _copy_of_stored(one, existing, first, bad)]
    fresh = [row for key, row in first.items() if key not in existing]
    for part in chunks(fresh):
        connection.execute(insert_ignoring_conflicts(connection, messages), part)
    merged: set[str] = set()
    for item, row in accepted:
        stored_row = existing.get(row["key"])
        if stored_row is None or row["key"] in merged:
            continue
        merged.add(row["key"])
        update = merge(stored_row, row, sent=sent or item.sent)
        if update:
            connection.execute(
                sa.update(messages).where(messages.c.id == stored_row.id).values(**update)
            )
    ids = ids_by_key(connection, list({row["key"] for _, row in accepted}))
    sighting_rows = [
        {
            "message": ids[row["key"]],
            "account": account,
            "folder": folder[:1000],
            "location": item.location[:1000],
            "first_seen": now,
            "expunged_at": None,
            # A Sent place of this mailbox (by name, IMAP's \Sent, Gmail's Sent label): where
            # its owner's own mail is (an owner's reply to an alert acts only from there).
            "sent": (sent or item.sent) and item.location not in vouched,
        }
        for item, row in accepted
    ]
    for part in chunks(sighting_rows):
        connection.execute(insert_ignoring_conflicts(connection, sightings), part)
    new_keys = {row["key"] for row in fresh}
    for _, row in accepted:
        if row["key"] in new_keys:
            result.new += 1
            new_keys.discard(row["key"])
        else:
            result.known += 1
    if fresh:
        set_meta(connection, THREADS_DIRTY, "1")
    return result


def _mailbox_list(value: Any) -> tuple[Mailbox, ...]:
    return tuple(Mailbox(address=a, name=n) for a, n in (value or []))


def _sent_messages(connection: sa.Connection) -> set[int]:
    """The messages seen in one of our Sent folders: where a sender of ours is believed."""
    folders = connection.execute(sa.select(sightings.c.folder).distinct()).scalars().all()
    sent = [f for f in folders if is_sent_folder(f)]
    found: set[int] = set()
    for chunk in chunks(sent):
        found.update(
            connection.execute(
                sa.select(sightings.c.message).where(sightings.c.folder.in_(chunk)).distinct()
            ).scalars()
        )
    return found


def _was_ours(row: Any) -> bool:
    """Whether the stored attribution already took the sender as us: a sender of ours was
    believed when the message was stored (a Sent folder, a Sent label), and stays believed."""
    if row.direction in ("outbound", "internal"):
        return True
    return row.direction == "other" and row.counterpart not in (None, row.from_addr)


#: More changed addresses and domains than this, and every message is attributed again.
MOST_CHANGED_ROLES = 100


def reattribute(
    engine: sa.Engine, directory: Directory, fingerprint: str, *, force: bool = False
) -> int:
    """Recompute direction and client of the stored messages after the configuration changed:
    of those naming an address or domain whose role changed since the last time (the first
    time, and with ``force``, of every message).

    Returns how many messages changed. Cheap when nothing changed: one meta lookup.
    """
    with engine.begin() as connection:
        if not force and get_meta(connection, ATTRIBUTION) == fingerprint:
            return 0
        in_turn(connection, ATTRIBUTION)  # two processes opening at once: one applies it
        if not force and get_meta(connection, ATTRIBUTION) == fingerprint:
            return 0
        roles = directory.roles()
        stored = None if force else _stored_roles(get_meta(connection, ATTRIBUTION_ROLES))
        renaming = renamed_clients(stored, roles) if stored is not None else None
        if renaming is not None:
            # Only names changed: the messages of each renamed client take its new name, and
            # nothing else about any message can change (one statement, not a read of each);
            # its alerts and first evaluation go with it.
            moved = connection.execute(
                sa.update(messages)
                .where(messages.c.client.in_(sorted(renaming)))
                .values(client=sa.case(renaming, value=messages.c.client))
            ).rowcount
            rename_clients(connection, renaming)
            set_meta(connection, ATTRIBUTION, fingerprint)
            _keep(connection, roles)
            return int(moved)
        changed = None if stored is None else _changed_since(stored, roles)
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
        if changed is not None:
            query = query.where(_naming_any(changed))
        updates = _changed_attributions(connection, query, directory)
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
        set_meta(connection, ATTRIBUTION, fingerprint)
        _keep(connection, roles)
    return len(updates)


def _changed_attributions(
    connection: sa.Connection, query: sa.Select[Any], directory: Directory
) -> list[dict[str, Any]]:
    """The new direction, client and counterpart of each message ``query`` reads whose
    attribution ``directory`` changes. Streamed: memory holds the changes, not the store."""
    sent = _sent_messages(connection)
    updates: list[dict[str, Any]] = []
    for row in connection.execute(query.execution_options(yield_per=5_000)):
        sender = Mailbox(row.from_addr, row.from_name) if row.from_addr else None
        attribution = directory.attribute(
            sender,
            _mailbox_list(row.to_addrs),
            _mailbox_list(row.cc_addrs),
            sender_verified=row.id in sent or _was_ours(row),
        )
        found = (attribution.direction.value, attribution.client, attribution.counterpart)
        if found != (row.direction, row.client, row.counterpart):
            updates.append(
                {
                    "ident": row.id,
                    "direction": attribution.direction.value,
                    "client": attribution.client,
                    "counterpart": attribution.counterpart,
                }
            )
    return updates


def keep_roles(engine: sa.Engine, directory: Directory, fingerprint: str) -> None:
    """Keep ``directory``'s roles as those of the stored attribution, if it was made with the
    configuration ``fingerprint`` names (a store from before roles were kept): the next change
    then attributes again only the mail naming what changed."""
    with engine.begin() as connection:
        if get_meta(connection, ATTRIBUTION) == fingerprint:
            _keep(connection, directory.roles())


def _keep(connection: sa.Connection, roles: dict[str, str]) -> None:
    """Keep ``roles`` as those of the stored attribution (read back by :func:`_changed_since`)."""
    set_meta(connection, ATTRIBUTION_ROLES, json.dumps(roles, sort_keys=True))


def _stored_roles(stored: str | None) -> dict[str, str] | None:
    """The roles kept with the stored attribution; None when none were (or they cannot be
    read): every message is then attributed again."""
    try:
        old = json.loads(stored) if stored is not None else None
    except ValueError:
        return None
    if not isinstance(old, dict) or not all(isinstance(v, str) for v in old.values()):
        return None
    return old


def _changed_since(old: dict[str, str], roles: dict[str, str]) -> frozenset[str] | None:
    """The addresses and domains whose role changed since the stored roles were current; None
    when every message must be attributed again (too many changed to search for, or one a text
    search of the stored addresses might not find as written)."""
    changed = changed_roles(old, roles)
    if len(changed) > MOST_CHANGED_ROLES or not all(_searchable(key) for key in changed):
        return None
    return changed


def _searchable(key: str) -> bool:
    """Whether ``key`` appears in a stored address list's JSON text exactly as written: plain
    ASCII, no quote or backslash (JSON escapes those)."""
    return key.isascii() and key.isprintable() and '"' not in key and "\\" not in key


def _naming_any(keys: frozenset[str]) -> sa.ColumnElement[bool]:
    """Messages whose sender or recipients contain one of ``keys`` (an address, or a domain:
    its subdomains' addresses contain it too). A text search finds a few more than that, which
    are attributed again unchanged; it never misses one."""
    if not keys:
        return sa.false()
    parties = (
        sa.func.coalesce(messages.c.from_addr, "")
        + " "
        + sa.func.coalesce(sa.cast(messages.c.to_addrs, sa.Text), "")
        + " "
        + sa.func.coalesce(sa.cast(messages.c.cc_addrs, sa.Text), "")
    )
    return sa.or_(*(parties.contains(key, autoescape=True) for key in sorted(keys)))
