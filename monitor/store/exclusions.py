"""Stored mail that the privacy exclusions now cover, removed when they change.

``privacy.exclude_addresses``, ``exclude_subjects`` and ``exclude_folders`` keep mail out of the
store as it is read. Mail stored before a rule was added would otherwise stay for good, though
the example configuration promises such mail is "never stored". So the first time the store is
opened (or the daemon reloads) with other exclusions than last time, every stored message is
checked against them, as reading checks new mail: a message naming an excluded address or with
an excluded subject is deleted with every place it was seen; the places in an excluded folder
are deleted, and a message seen nowhere else with them. Conversations that lose a message are
threaded again, and the answers kept for clients that lost mail dropped. Alert history written
before keeps its words, as it does when stored text is forgotten.

Checked a slice of messages at a time, each slice in its own transaction; the exclusions are
recorded as applied only at the end, so a run cut short starts over the next time. With them,
the newest message checked: later starts, reloads and the nightly job check the messages
stored since, which a process still on the previous configuration may have written.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa

from monitor.config import Privacy
from monitor.log import get_logger
from monitor.store.conversations import one_at_a_time, release_threads
from monitor.store.db import reading
from monitor.store.meta import get_meta, set_meta
from monitor.store.schema import kept_answers, messages, sightings

logger = get_logger(__name__)

EXCLUSIONS = "privacy_exclusions"  # meta: the fingerprint of the exclusions last applied
SLICE = 5000


def _fingerprint(privacy: Privacy) -> str:
    rules = [
        sorted(privacy.exclude_addresses),
        sorted(privacy.exclude_subjects),
        sorted(privacy.exclude_folders),
    ]
    return hashlib.sha256(json.dumps(rules).encode()).hexdigest()[:32]


def _covered(row: Any, privacy: Privacy) -> bool:
    """Whether reading this message now would keep it out (the same rule as for new mail)."""
    people = [row.from_addr, *(a for a, *_ in row.to_addrs), *(a for a, *_ in row.cc_addrs)]
    return privacy.excluded_mail(people, row.subject or "") is not None


def _mark(value: str | None) -> tuple[str | None, int | None]:
    """The exclusions last applied (their fingerprint) and the newest message id checked
    against them (None: a mark written before it was kept)."""
    fingerprint, _, checked = (value or "").partition(" ")
    return fingerprint or None, int(checked) if checked.isdigit() else None


def follow_exclusions(
    engine: sa.Engine, privacy: Privacy, graph_accounts: frozenset[str] = frozenset()
) -> int | None:
    """Apply the exclusions to the stored mail: to every message when they changed, else to
    the messages stored since they were last checked (a process still on the previous
    configuration, or a sync that was under way at a reload, may have stored covered mail
    since). Returns the messages removed, or None when nothing was due. ``graph_accounts``:
    the Microsoft Graph accounts, whose places are named ``mailbox/folder`` and excluded by
    either name, as their sync excludes them."""
    wanted = _fingerprint(privacy)
    nothing = not (privacy.exclude_addresses or privacy.exclude_subjects or privacy.exclude_folders)
    with reading(engine) as connection:
        applied, checked = _mark(get_meta(connection, EXCLUSIONS))
        newest = connection.execute(sa.select(sa.func.max(messages.c.id))).scalar() or 0
    if applied == wanted and (nothing or (checked is not None and checked >= newest)):
        return None
    if applied is None and nothing:
        return None  # (a store never given any needs no write: it may be a read-only copy)
    after = 0  # they changed: every message
    if applied == wanted:  # the messages since; a mark without an id: all checked when made
        after = newest if checked is None else checked
    removed = 0 if nothing else _apply(engine, privacy, graph_accounts, after, newest)
    with engine.begin() as connection:
        # The newest message checked that is still there: a new message takes a higher id
        # (SQLite gives the next after the highest present, so not the one checked last if
        # it was removed).
        kept = sa.select(sa.func.max(messages.c.id)).where(messages.c.id <= newest)
        set_meta(connection, EXCLUSIONS, f"{wanted} {connection.execute(kept).scalar() or 0}")
    if removed:
        logger.info("excluded_mail_removed", messages=removed, reason="privacy exclusions")
    return removed


def _apply(
    engine: sa.Engine, privacy: Privacy, graph_accounts: frozenset[str], after: int, newest: int
) -> int:
    """Check the messages after id ``after`` up to ``newest``, a slice at a time."""
    removed = 0
    while True:
        with engine.begin() as connection:
            one_at_a_time(connection)  # first, as the purge: the same order of locks
            rows = connection.execute(
                sa.select(
                    messages.c.id,
                    messages.c.from_addr,
                    messages.c.to_addrs,
                    messages.c.cc_addrs,
                    messages.c.subject,
                )
                .where(messages.c.id > after, messages.c.id <= newest)
                .order_by(messages.c.id)
                .limit(SLICE)
            ).all()
            if not rows:
                return removed
            after = rows[-1].id
            doomed = [row.id for row in rows if _covered(row, privacy)]
            if privacy.exclude_folders:
                ids = [r.id for r in rows]
                doomed += _only_in_excluded_folders(connection, ids, privacy, graph_accounts)
            removed += _remove(connection, sorted(set(doomed)))


def _excluded_place(privacy: Privacy, account: str, folder: str, graph: frozenset[str]) -> bool:
    if privacy.excluded_folder(folder):
        return True
    _mailbox, slash, bare = folder.partition("/")
    return account in graph and bool(slash) and privacy.excluded_folder(bare)


def _only_in_excluded_folders(
    connection: sa.Connection, ids: list[int], privacy: Privacy, graph: frozenset[str]
) -> list[int]:
    """Delete the places in excluded folders of these messages; the messages left seen nowhere."""
    places = connection.execute(
        sa.select(
            sightings.c.id, sightings.c.message, sightings.c.account, sightings.c.folder
        ).where(sightings.c.message.in_(ids))
    ).all()
    gone = [p.id for p in places if _excluded_place(privacy, p.account, p.folder, graph)]
    if not gone:
        return []
    connection.execute(sa.delete(sightings).where(sightings.c.id.in_(gone)))
    kept = {p.message for p in places if p.id not in set(gone)}
    return sorted({p.message for p in places if p.id in set(gone)} - kept)


def _remove(connection: sa.Connection, ids: list[int]) -> int:
    if not ids:
        return 0
    release_threads(connection, ids)
    clients = connection.execute(
        sa.select(messages.c.client)
        .where(messages.c.id.in_(ids), messages.c.client.is_not(None))
        .distinct()
    ).scalars()
    connection.execute(sa.delete(kept_answers).where(kept_answers.c.client.in_(list(clients))))
    connection.execute(sa.delete(sightings).where(sightings.c.message.in_(ids)))
    gone = connection.execute(sa.delete(messages).where(messages.c.id.in_(ids))).rowcount
    return int(gone)
