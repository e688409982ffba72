"""Source bookkeeping: where each folder's sync stopped, and each account's connection health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from monitor.core.sanitise import clean_text
from monitor.sources.sink import FolderState as FolderState  # re-exported
from monitor.store.bulk import chunks, insert_ignoring_conflicts
from monitor.store.leases import Lease, hold
from monitor.store.schema import account_state, folder_state, quarantine, sightings


def get_folder_state(connection: sa.Connection, account: str, folder: str) -> FolderState | None:
    row = connection.execute(
        sa.select(folder_state).where(
            folder_state.c.account == account, folder_state.c.folder == folder
        )
    ).first()
    if row is None:
        return None
    return FolderState(
        account=row.account,
        folder=row.folder,
        uidvalidity=row.uidvalidity,
        last_uid=row.last_uid,
        highestmodseq=row.highestmodseq,
        delta_link=row.delta_link,
        exists_count=row.exists_count,
        synced_at=row.synced_at,
    )


def folder_states(connection: sa.Connection, account: str) -> list[FolderState]:
    rows = connection.execute(
        sa.select(folder_state.c.folder).where(folder_state.c.account == account)
    ).scalars()
    return [
        state
        for folder in rows
        if (state := get_folder_state(connection, account, folder)) is not None
    ]


def put_folder_state(connection: sa.Connection, state: FolderState) -> None:
    """Write a folder's state; call it in the transaction that stored the messages it covers."""
    values: dict[str, Any] = {
        "uidvalidity": state.uidvalidity,
        "last_uid": state.last_uid,
        "highestmodseq": state.highestmodseq,
        "delta_link": state.delta_link,
        "exists_count": state.exists_count,
        "synced_at": state.synced_at,
    }
    updated = connection.execute(
        sa.update(folder_state)
        .where(folder_state.c.account == state.account, folder_state.c.folder == state.folder)
        .values(**values)
    ).rowcount
    if not updated:
        connection.execute(
            insert_ignoring_conflicts(connection, folder_state),
            [{"account": state.account, "folder": state.folder, **values}],
        )


def mark_expunged(
    connection: sa.Connection, account: str, folder: str, locations: list[str], now: datetime
) -> int:
    """Record that these messages were deleted on the server. History keeps them."""
    return _set_expunged(connection, account, folder, locations, now)


def _set_expunged(
    connection: sa.Connection,
    account: str,
    folder: str,
    locations: list[str],
    when: datetime | None,
) -> int:
    """Set (a time) or clear (None) the expunged mark of these sightings; returns how many changed."""
    changed = 0
    already = (
        sightings.c.expunged_at.is_(None)
        if when is not None
        else sightings.c.expunged_at.is_not(None)
    )
    for chunk in chunks(locations):
        changed += connection.execute(
            sa.update(sightings)
            .where(
                sightings.c.account == account,
                sightings.c.folder == folder,
                sightings.c.location.in_(chunk),
                already,
            )
            .values(expunged_at=when)
        ).rowcount
    return changed


def live_locations(
    connection: sa.Connection, account: str, folder: str, prefix: str = ""
) -> set[str]:
    """Locations in a folder not yet marked expunged (optionally those starting with ``prefix``)."""
    query = sa.select(sightings.c.location).where(
        sightings.c.account == account,
        sightings.c.folder == folder,
        sightings.c.expunged_at.is_(None),
    )
    if prefix:
        query = query.where(sightings.c.location.startswith(prefix))
    return set(connection.execute(query).scalars())


def _recorded(many: bool) -> sa.CompoundSelect[Any]:
    """The folder's recorded locations among those asked for, from both tables in one
    statement: stored (expunged or not) or quarantined."""
    selects = []
    for table in (sightings, quarantine):
        asked = (
            table.c.location.in_(sa.bindparam("locations", expanding=True))
            if many
            else table.c.location == sa.bindparam("location")
        )
        selects.append(
            sa.select(table.c.location).where(
                table.c.account == sa.bindparam("account"),
                table.c.folder == sa.bindparam("folder"),
                asked,
            )
        )
    return sa.union_all(*selects)


#: A local folder asks about one location before it reads each message: one statement, built
#: once, without an expanding IN (that alone took most of a millisecond a message).
_RECORDED_ONE = _recorded(many=False)
_RECORDED_MANY = _recorded(many=True)


def known_locations(
    connection: sa.Connection, account: str, folder: str, locations: list[str]
) -> set[str]:
    """Which of ``locations`` this folder has recorded before: stored (expunged or not) or
    quarantined. A source that receives only changed properties of a message (a Graph delta
    update) needs to know whether it has the message itself."""
    names = {"account": account, "folder": folder}
    if len(locations) == 1:
        query = connection.execute(_RECORDED_ONE, {**names, "location": locations[0]})
        return set(query.scalars())
    found: set[str] = set()
    for chunk in chunks(locations):
        found.update(connection.execute(_RECORDED_MANY, {**names, "locations": chunk}).scalars())
    return found


def recorded_any(connection: sa.Connection, account: str, folder: str) -> bool:
    """Whether this folder has recorded any location, stored or quarantined."""
    for table in (sightings, quarantine):
        query = sa.select(table.c.location).where(
            table.c.account == account, table.c.folder == folder
        )
        if connection.execute(query.limit(1)).first() is not None:
            return True
    return False


def revive_sightings(
    connection: sa.Connection, account: str, folder: str, locations: list[str]
) -> int:
    """Clear the expunged mark of messages that are back (restored from Deleted Items)."""
    return _set_expunged(connection, account, folder, locations, None)


@dataclass(frozen=True)
class AccountHealth:
    account: str
    consecutive_failures: int
    last_error_kind: str | None
    last_error: str | None
    last_attempt: datetime | None
    last_success: datetime | None
    escalated_at: datetime | None


def record_attempt(
    engine: sa.Engine,
    account: str,
    *,
    now: datetime,
    error_kind: str | None = None,
    error: str | None = None,
    escalate_after: int = 3,
    lease: Lease | None = None,
) -> tuple[AccountHealth, bool]:
    """Record a sync attempt; returns the new health and whether this attempt escalated.

    Authentication failures escalate to an operator-visible error after ``escalate_after``
    consecutive failures, once; a success resets the count and clears the escalation.
    With the account's ``lease`` (several replicas) the record is fenced like the sync's
    batches: a replica that lost the account records nothing (:class:`~monitor.errors.LeaseLost`).
    """
    with engine.begin() as connection:
        row = connection.execute(
            sa.select(account_state).where(account_state.c.account == account)
        ).first()
        failures = 0 if row is None else row.consecutive_failures
        escalated_at = None if row is None else row.escalated_at
        last_success = None if row is None else row.last_success
        newly_escalated = False
        if error_kind is None:
            failures, escalated_at, last_success = 0, None, now
        else:
            failures += 1
            if escalated_at is None and failures >= escalate_after:
                escalated_at = now
                newly_escalated = True
        values = {
            "consecutive_failures": failures,
            "last_error_kind": error_kind,
            "last_error": clean_text(error or "")[:2000] or None,
            "last_attempt": now,
            "last_success": last_success,
            "escalated_at": escalated_at,
        }
        if row is None:
            connection.execute(sa.insert(account_state).values(account=account, **values))
        else:
            connection.execute(
                sa.update(account_state).where(account_state.c.account == account).values(**values)
            )
        if lease is not None:
            hold(connection, lease)  # last: the lease row is locked only until the commit
    return AccountHealth(account=account, **values), newly_escalated  # type: ignore[arg-type]


def account_health(engine: sa.Engine) -> list[AccountHealth]:
    with engine.connect() as connection:
        return [
            AccountHealth(
                account=row.account,
                consecutive_failures=row.consecutive_failures,
                last_error_kind=row.last_error_kind,
                last_error=row.last_error,
                last_attempt=row.last_attempt,
                last_success=row.last_success,
                escalated_at=row.escalated_at,
            )
            for row in connection.execute(
                sa.select(account_state).order_by(account_state.c.account)
            )
        ]
