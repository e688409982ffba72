"""Owners' replies to alert emails: which wait to be judged, where each was seen, what came of
each (once per reply), and which outcomes no email has confirmed yet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from monitor.store.alerting import owner_list
from monitor.store.bulk import insert_ignoring_conflicts
from monitor.store.schema import alerts, messages, reply_actions, sightings

#: The one outcome that is judged again: the reply has not been seen in the owner's Sent folder
#: yet (another account's copy was read first).
UNPROVEN = "unproven"
APPLIED = "applied"


@dataclass(frozen=True)
class ReplyCandidate:
    """A stored reply to an alert email, with a command, not yet judged for good."""

    key: str
    sender: str
    in_reply_to: tuple[str, ...]
    date: datetime
    command: str
    judged: str | None  # None: never judged; UNPROVEN: judged before, to be judged again
    places: tuple[tuple[str, str, bool], ...]  # (account, folder, a Sent place) of each sighting


def candidates(connection: sa.Connection, since: datetime) -> list[ReplyCandidate]:
    """Replies with a command dated after ``since`` that have no final outcome yet."""
    query = (
        sa.select(
            messages.c.id,
            messages.c.key,
            messages.c.from_addr,
            messages.c.in_reply_to,
            messages.c.date,
            messages.c.reply_command,
            reply_actions.c.outcome,
        )
        .outerjoin(reply_actions, reply_actions.c.key == messages.c.key)
        .where(
            messages.c.reply_command.is_not(None),
            messages.c.date >= since,
            sa.or_(reply_actions.c.outcome.is_(None), reply_actions.c.outcome == UNPROVEN),
        )
        .order_by(messages.c.date, messages.c.id)
    )
    found = connection.execute(query).all()
    places: dict[int, list[tuple[str, str, bool]]] = {row.id: [] for row in found}
    if places:
        seen = sa.select(
            sightings.c.message, sightings.c.account, sightings.c.folder, sightings.c.sent
        ).where(sightings.c.message.in_(list(places)))
        for message, account, folder, sent in connection.execute(seen):
            places[message].append((account, folder, bool(sent)))
    return [
        ReplyCandidate(
            key=row.key,
            sender=row.from_addr,
            in_reply_to=tuple(row.in_reply_to or ()),
            date=row.date,
            command=row.reply_command,
            judged=row.outcome,
            places=tuple(places[row.id]),
        )
        for row in found
    ]


def record(connection: sa.Connection, candidate: ReplyCandidate, values: dict[str, Any]) -> bool:
    """Write a reply's outcome, once: False when another process judged it first (the caller
    then does nothing). A reply judged unproven before is updated only while still unproven."""
    if candidate.judged is None:
        insert = insert_ignoring_conflicts(connection, reply_actions).values(
            key=candidate.key, command=candidate.command, **values
        )
        return connection.execute(insert.returning(reply_actions.c.key)).first() is not None
    changed = connection.execute(
        sa.update(reply_actions)
        .where(reply_actions.c.key == candidate.key, reply_actions.c.outcome == UNPROVEN)
        .values(**values)
    )
    return changed.rowcount == 1


@dataclass(frozen=True)
class AppliedReply:
    """A reply that acted on alerts, for the email that confirms it."""

    key: str
    alert_id: int  # the email's first alert, which its Message-ID names
    client: str
    kind: str
    command: str
    at: datetime
    acted: tuple[tuple[int, str], ...] = ()  # (id, kind) of every alert it acted on, by id


#: How an alert's event says an owner acted by replying: "alice@… (by reply)".
BY_REPLY = " (by reply)"


def acted_text(ids: Sequence[int]) -> str:
    """How ``reply_actions.acted`` holds the alerts a reply acted on."""
    return ",".join(str(ident) for ident in sorted(ids))


def _acted_ids(text: str | None, alert: int) -> list[int]:
    found = [int(part) for part in (text or "").split(",") if part.strip().isdigit()]
    return found or [alert]


def unconfirmed(connection: sa.Connection, owners: Sequence[str]) -> list[AppliedReply]:
    """The replies of an owner (any of ``owners``, one person's addresses) that acted and that
    no email has confirmed yet, oldest first."""
    query = (
        sa.select(
            reply_actions.c.key,
            reply_actions.c.alert,
            reply_actions.c.command,
            reply_actions.c.at,
            reply_actions.c.acted,
            alerts.c.client,
            alerts.c.kind,
        )
        .join(alerts, alerts.c.id == reply_actions.c.alert)
        .where(
            reply_actions.c.owner.in_(owner_list(owners)),
            reply_actions.c.outcome == APPLIED,
            reply_actions.c.confirmed_in.is_(None),
        )
        .order_by(reply_actions.c.at, reply_actions.c.key)
    )
    rows = connection.execute(query).all()
    acted = {row.key: _acted_ids(row.acted, row.alert) for row in rows}
    wanted = sorted({ident for ids in acted.values() for ident in ids})
    kinds: dict[int, str] = {}
    if wanted:
        kinds_query = sa.select(alerts.c.id, alerts.c.kind).where(alerts.c.id.in_(wanted))
        kinds = {row.id: row.kind for row in connection.execute(kinds_query)}
    return [
        AppliedReply(
            row.key,
            row.alert,
            row.client or "",
            row.kind,
            row.command,
            row.at,
            tuple((ident, kinds[ident]) for ident in acted[row.key] if ident in kinds),
        )
        for row in rows
    ]


def confirm(connection: sa.Connection, keys: Sequence[str], outbox_id: int) -> None:
    """The email in outbox row ``outbox_id`` confirms these replies to their owner."""
    if keys:
        connection.execute(
            sa.update(reply_actions)
            .where(reply_actions.c.key.in_(list(keys)))
            .values(confirmed_in=outbox_id)
        )


def outcomes(engine: sa.Engine) -> list[sa.Row[Any]]:
    """Every recorded reply outcome, oldest first (for tests and `relmon alerts --json`)."""
    with engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(reply_actions).order_by(reply_actions.c.at, reply_actions.c.key)
            )
        )
