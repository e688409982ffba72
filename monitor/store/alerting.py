"""Queries the application's alerting needs beyond the lifecycle itself: digests, away replies."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from monitor.core.alerts import State
from monitor.store.bulk import insert_ignoring_conflicts
from monitor.store.db import reading
from monitor.store.kept_tables import day_health, evaluated_clients, kept_answers
from monitor.store.meta import get_meta, set_meta
from monitor.store.schema import alert_events, alerts, digests, messages, meta

_EVALUATED = "alerts_evaluated_at"  # meta: when alerts were last evaluated
_DIGEST = "digest"  # alert_events.route of warnings that wait for the daily digest


@dataclass(frozen=True)
class PendingWarning:
    """An owner's active warning whose transition no digest has carried yet."""

    alert_id: int
    client: str
    kind: str
    severity: str
    explanation: str
    opened_at: datetime


def claim_digest(connection: sa.Connection, owner: str, day: date, now: datetime) -> bool:
    """Take the owner's digest for ``day``, once: False when it was made already (sent, or
    skipped with nothing to say) or another process is making it. The day's row is written
    first, so a second process trying at the same moment waits here for the first to commit
    and then finds it done, and a restart never makes a second digest."""
    insert = insert_ignoring_conflicts(connection, digests).values(
        owner=owner, day=day, outbox=None, created_at=now
    )
    return connection.execute(insert.returning(digests.c.owner)).first() is not None


def owner_list(owners: Sequence[str]) -> list[str]:
    """Owners' addresses as a list; one address alone is one owner, not its letters."""
    return [owners] if isinstance(owners, str) else list(owners)


def pending_warnings(connection: sa.Connection, owners: Sequence[str]) -> list[PendingWarning]:
    """The open or notified warnings of an owner (any of ``owners``, one person's addresses)
    with digest-routed events not yet carried, by id."""
    rows = connection.execute(
        sa.select(alerts)
        .join(alert_events, alert_events.c.alert == alerts.c.id)
        .where(
            alerts.c.owner.in_(owner_list(owners)),
            alerts.c.client.is_not(None),
            alerts.c.state.in_([State.OPEN.value, State.NOTIFIED.value]),
            alerts.c.severity == "warning",
            alert_events.c.route == _DIGEST,
            alert_events.c.digest.is_(None),
        )
        .order_by(alerts.c.id)
    ).all()
    found: dict[int, PendingWarning] = {}
    for row in rows:
        found[row.id] = PendingWarning(
            row.id, row.client, row.kind, row.severity, row.explanation, row.opened_at
        )
    return list(found.values())


def link_digest(connection: sa.Connection, alert_ids: Sequence[int], outbox_id: int) -> None:
    """The digest in outbox row ``outbox_id`` carries these alerts' waiting events."""
    connection.execute(
        sa.update(alert_events)
        .where(
            alert_events.c.alert.in_(list(alert_ids)),
            alert_events.c.route == _DIGEST,
            alert_events.c.digest.is_(None),
        )
        .values(digest=outbox_id)
    )


def record_digest(connection: sa.Connection, owner: str, day: date, outbox_id: int) -> None:
    """The owner's digest for ``day`` (claimed in this transaction) is in outbox row
    ``outbox_id``."""
    connection.execute(
        sa.update(digests)
        .where(digests.c.owner == owner, digests.c.day == day)
        .values(outbox=outbox_id)
    )


def away_replies(engine: sa.Engine, as_of: datetime) -> list[tuple[str, datetime, date]]:
    """(sender, sent, back on) of every stored out-of-office reply that states its return date.

    Read from the index of dated replies (migration 0022), the automatic ones picked here: on
    the condition on ``noise`` too, SQLite would walk every automatic reply instead."""
    query = sa.select(
        messages.c.from_addr, messages.c.date, messages.c.away_until, messages.c.noise
    ).where(messages.c.away_until.is_not(None), messages.c.date <= as_of)
    with reading(engine) as connection:
        rows = connection.execute(query).all()
    return [(row[0], row[1], row[2]) for row in rows if row[3] == "auto_reply"]


def mark_evaluated(connection: sa.Connection, now: datetime) -> None:
    """Remember that every client's alerts were evaluated at ``now`` (in the caller's
    transaction, which an evaluation's lease fences)."""
    set_meta(connection, _EVALUATED, now.isoformat())


def evaluation_lag(engine: sa.Engine) -> tuple[datetime | None, datetime | None]:
    """(when alerts were last evaluated, when the newest message was stored); None: never."""
    with reading(engine) as connection:
        evaluated = get_meta(connection, _EVALUATED)
        stored = connection.execute(sa.select(sa.func.max(messages.c.first_seen))).scalar()
    return (datetime.fromisoformat(evaluated) if evaluated else None), stored


_STARTED = "alerts_started_at"  # meta: the installation's first evaluation
_LIVE = "alerts_live_at"  # meta: when `relmon alerts go-live` ended the dry run


def _claim_meta(connection: sa.Connection, name: str, value: str) -> bool:
    """Write a meta row once; True for the one process that wrote it."""
    insert = insert_ignoring_conflicts(connection, meta).values(name=name, value=value)
    return connection.execute(insert.returning(meta.c.name)).first() is not None


def _first_evaluated(client: str) -> str:
    return "client_first_evaluated:" + hashlib.sha256(client.encode()).hexdigest()[:32]


def first_evaluation(connection: sa.Connection, client: str, now: datetime) -> bool:
    """True exactly once per client, for the evaluation that first sees it (in this
    transaction): a second process evaluating the same new client at once waits here for the
    first to commit, then finds it seen."""
    return _claim_meta(connection, _first_evaluated(client), now.isoformat())


def adopt_earlier_evaluations(
    connection: sa.Connection, clients: Sequence[str], now: datetime
) -> None:
    """A store whose alerts were evaluated before first evaluations were recorded per client
    (an upgrade): its clients are not new, so they are recorded as evaluated, once (in the
    caller's transaction, which an evaluation's lease fences)."""
    if get_meta(connection, _EVALUATED) is None:
        return
    recorded = connection.execute(
        sa.select(meta.c.name).where(meta.c.name.like("client_first_evaluated:%")).limit(1)
    ).first()
    if recorded is None:
        for client in clients:
            _claim_meta(connection, _first_evaluated(client), now.isoformat())


def never_evaluated(engine: sa.Engine, clients: Sequence[str]) -> set[str]:
    """The clients whose alerts have never been evaluated: neither recorded as evaluated nor
    holding an alert (a store from before the first evaluation was recorded)."""
    names = {_first_evaluated(client): client for client in clients}
    with reading(engine) as connection:
        seen = connection.execute(sa.select(meta.c.name).where(meta.c.name.in_(list(names))))
        alerted = connection.execute(
            sa.select(alerts.c.client).where(alerts.c.client.in_(list(clients))).distinct()
        )
        return set(clients) - {names[row.name] for row in seen} - set(alerted.scalars())


def delivery_started(engine: sa.Engine, now: datetime) -> tuple[datetime, datetime | None]:
    """(the installation's first evaluation, recorded at ``now`` if this is it; when it went
    live, None while it has not)."""
    with engine.begin() as connection:
        _claim_meta(connection, _STARTED, now.isoformat())
        started = get_meta(connection, _STARTED)
        live = get_meta(connection, _LIVE)
    assert started is not None
    return datetime.fromisoformat(started), (datetime.fromisoformat(live) if live else None)


def go_live(engine: sa.Engine, now: datetime) -> datetime:
    """End the dry run: notifications are sent from now on. Idempotent: the first time holds."""
    with engine.begin() as connection:
        _claim_meta(connection, _LIVE, now.isoformat())
        live = get_meta(connection, _LIVE)
    assert live is not None
    return datetime.fromisoformat(live)


def sender_names(connection: sa.Connection, keys: Sequence[str]) -> dict[str, str]:
    """The display name each of these stored messages came from, by message key (names that
    are empty are left out)."""
    if not keys:
        return {}
    query = sa.select(messages.c.key, messages.c.from_name).where(messages.c.key.in_(list(keys)))
    return {str(row.key): str(row.from_name) for row in connection.execute(query) if row.from_name}


def rename_clients(connection: sa.Connection, renaming: dict[str, str]) -> int:
    """Clients renamed in the configuration (old name to new) keep what relmon knows of them:
    their alerts, open ones with their state (an acknowledgement, a snooze), and having been
    evaluated before, so a corrected typo is not a new client with new alerts and a first-run
    summary. Swaps and chains (A→B with B→C) move as they are named. An alert a client that
    keeps its name already holds open under the new name (one of that name removed earlier)
    stays, and the renamed client's alert of that kind is left under the old name. What was
    kept for the old names (answers, trend days) is dropped: computed again under the new.
    Returns the alerts renamed."""
    found = connection.execute(
        sa.select(alerts.c.id, alerts.c.client, alerts.c.kind, alerts.c.state).where(
            alerts.c.client.in_(sorted(renaming))
        )
    ).all()
    held = sorted(set(renaming.values()) - set(renaming))  # new names no renamed client had
    taken = {
        (row.client, row.kind)
        for row in connection.execute(
            sa.select(alerts.c.client, alerts.c.kind).where(
                alerts.c.client.in_(held), alerts.c.state != State.RESOLVED.value
            )
        )
    }
    moving = [
        row
        for row in found
        if row.state == State.RESOLVED.value or (renaming[row.client], row.kind) not in taken
    ]
    # Through a name no client has, so that a swap never meets the one-open-alert index.
    for row in moving:
        parked = f"relmon:renaming:{row.id}"
        connection.execute(sa.update(alerts).where(alerts.c.id == row.id).values(client=parked))
    for row in moving:
        new = renaming[row.client]
        connection.execute(sa.update(alerts).where(alerts.c.id == row.id).values(client=new))
    marks = {old: get_meta(connection, _first_evaluated(old)) for old in renaming}
    for old, new in renaming.items():
        if marks[old] is not None:
            _claim_meta(connection, _first_evaluated(new), str(marks[old]))
    drop_kept(connection, list(renaming))
    return len(moving)


#: What is kept per client besides its mail and alerts: answers, trend days, evaluation marks.
_KEPT = (kept_answers, day_health, evaluated_clients)


def drop_kept(connection: sa.Connection, clients: Sequence[str]) -> None:
    """Forget what was kept for these clients (it is computed again when next asked)."""
    for table in _KEPT:
        connection.execute(sa.delete(table).where(table.c.client.in_(sorted(clients))))


def clients_with_traces(engine: sa.Engine) -> set[str]:
    """Every client name an alert still open, or something kept, is filed under."""
    with reading(engine) as connection:
        named = set(
            connection.execute(
                sa.select(alerts.c.client)
                .where(alerts.c.client.is_not(None), alerts.c.state != State.RESOLVED.value)
                .distinct()
            ).scalars()
        )
        for table in _KEPT:
            named.update(connection.execute(sa.select(table.c.client).distinct()).scalars())
    return named
