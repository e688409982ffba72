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
recorded as applied only at the end, so a run cut short starts over the next time.

Before that check, the rules themselves are recorded in the store, and every batch written
from then on keeps out what they cover, whatever configuration its writer holds: a replica
not reloaded yet, or a sync under way at a reload, stores nothing the new rules exclude. On
PostgreSQL the recording waits for the batches being written (each holds a shared lock while
it writes), so every batch is either written before it, and checked, or filtered after it.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from monitor.config import Privacy
from monitor.log import get_logger
from monitor.store.conversations import one_at_a_time, release_threads
from monitor.store.db import reading
from monitor.store.meta import get_meta, in_turn, set_meta
from monitor.store.schema import kept_answers, messages, sightings

logger = get_logger(__name__)

EXCLUSIONS = "privacy_exclusions"  # meta: the fingerprint of the exclusions last applied
RULES = "privacy_exclusion_rules"  # meta: those exclusions (JSON), which every writer applies
SLICE = 5000


def _rules_text(privacy: Privacy, graph_accounts: frozenset[str]) -> str:
    return json.dumps(
        {
            "addresses": sorted(privacy.exclude_addresses),
            "subjects": sorted(privacy.exclude_subjects),
            "folders": sorted(privacy.exclude_folders),
            "graph": sorted(graph_accounts),
        }
    )


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _covered(row: Any, privacy: Privacy) -> bool:
    """Whether reading this message now would keep it out (the same rule as for new mail)."""
    people = [row.from_addr, *(a for a, *_ in row.to_addrs), *(a for a, *_ in row.cc_addrs)]
    return privacy.excluded_mail(people, row.subject or "") is not None


@dataclass(frozen=True)
class Rules:
    """The exclusions recorded in the store: what a batch keeps out, whoever writes it."""

    privacy: Privacy
    graph: frozenset[str]

    def keep_out(self, account: str, folder: str, row: dict[str, Any]) -> bool:
        """Whether a message about to be stored at this place is one they exclude."""
        if _excluded_place(self.privacy, account, folder, self.graph):
            return True
        people = [row["from_addr"], *(a for a, *_ in row["to_addrs"])]
        people += [a for a, *_ in row["cc_addrs"]]
        return self.privacy.excluded_mail(people, row["subject"] or "") is not None


def rules_in_force(connection: sa.Connection) -> Rules | None:
    """The exclusions recorded in the store, for a batch about to be written (None: none). On
    PostgreSQL the batch's transaction holds the rules' lock shared from here: new rules are
    recorded only once it has committed."""
    in_turn(connection, RULES, shared=True)
    text = get_meta(connection, RULES)
    return _parsed(text) if text else None


@functools.lru_cache(maxsize=4)
def _parsed(text: str) -> Rules | None:
    found = json.loads(text)
    privacy = Privacy(
        exclude_folders=tuple(found["folders"]),
        exclude_addresses=tuple(found["addresses"]),
        exclude_subjects=tuple(found["subjects"]),
    )
    if not (privacy.exclude_folders or privacy.exclude_addresses or privacy.exclude_subjects):
        return None
    return Rules(privacy, frozenset(found["graph"]))


def _record_rules(engine: sa.Engine, text: str) -> None:
    """From this commit on, every batch keeps out what these rules cover; on PostgreSQL, once
    the batches being written now have committed."""
    with engine.begin() as connection:
        in_turn(connection, RULES)
        set_meta(connection, RULES, text)


def follow_exclusions(
    engine: sa.Engine, privacy: Privacy, graph_accounts: frozenset[str] = frozenset()
) -> int | None:
    """Apply the exclusions to the stored mail when they changed; the messages removed, or
    None when nothing was due. ``graph_accounts``: the Microsoft Graph accounts, whose places
    are named ``mailbox/folder`` and excluded by either name, as their sync excludes them."""
    text = _rules_text(privacy, graph_accounts)
    wanted = _fingerprint(text)
    nothing = not (privacy.exclude_addresses or privacy.exclude_subjects or privacy.exclude_folders)
    with reading(engine) as connection:
        applied = get_meta(connection, EXCLUSIONS)
    if applied == wanted or (applied is None and nothing):
        return None  # (a store never given any needs no write: it may be a read-only copy)
    _record_rules(engine, text)
    removed = 0 if nothing else _apply(engine, privacy, graph_accounts)
    with engine.begin() as connection:
        set_meta(connection, EXCLUSIONS, wanted)
    if removed:
        logger.info("excluded_mail_removed", messages=removed, reason="privacy exclusions changed")
    return removed


def _apply(engine: sa.Engine, privacy: Privacy, graph_accounts: frozenset[str]) -> int:
    removed, after = 0, 0
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
                .where(messages.c.id > after)
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
