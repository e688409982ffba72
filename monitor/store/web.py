"""What the dashboard reads and writes beyond the views: passwords, its signing key, the
store's version (for caching pages), the outbox queue, quarantine and alert histories."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from monitor.store.db import reading
from monitor.store.schema import (
    UTCDateTime,
    alert_events,
    alerts,
    folder_state,
    messages,
    meta,
    outbox,
    quarantine,
    web_users,
)

Row = sa.Row[Any]
_KEY = "web_session_key"


def password_hash(engine: sa.Engine, address: str) -> str | None:
    with reading(engine) as connection:
        found = connection.execute(
            sa.select(web_users.c.password_hash).where(web_users.c.address == address)
        ).scalar()
    return str(found) if found is not None else None


def set_password_hash(engine: sa.Engine, address: str, hashed: str, now: datetime) -> None:
    with engine.begin() as connection:
        changed = connection.execute(
            sa.update(web_users)
            .where(web_users.c.address == address)
            .values(password_hash=hashed, changed_at=now)
        ).rowcount
        if not changed:
            connection.execute(
                sa.insert(web_users).values(address=address, password_hash=hashed, changed_at=now)
            )


def signing_key(engine: sa.Engine) -> str:
    """The key that signs session cookies when ``[web] secret`` is not given: made once and
    kept in the store, so every process serving the dashboard accepts the same sessions."""
    with engine.begin() as connection:
        found = connection.execute(sa.select(meta.c.value).where(meta.c.name == _KEY)).scalar()
        if found is not None:
            return str(found)
    try:
        with engine.begin() as connection:
            connection.execute(sa.insert(meta).values(name=_KEY, value=secrets.token_hex(32)))
    except sa.exc.IntegrityError:
        pass  # another process made it first: read theirs
    with reading(engine) as connection:
        return str(connection.execute(sa.select(meta.c.value).where(meta.c.name == _KEY)).scalar())


def version(engine: sa.Engine) -> tuple[int, ...]:
    """Changes whenever new mail, an alert event, a delivery or a sync is recorded: pages
    built from an older version are stale."""
    with reading(engine) as connection:
        row = connection.execute(
            sa.select(
                sa.select(sa.func.coalesce(sa.func.max(messages.c.id), 0)).scalar_subquery(),
                sa.select(sa.func.coalesce(sa.func.max(alert_events.c.id), 0)).scalar_subquery(),
                sa.select(sa.func.count()).select_from(alerts).scalar_subquery(),
            )
        ).one()
    return tuple(int(value) for value in row)


def mail_version(engine: sa.Engine) -> int:
    """The newest message's id: changes whenever a message is stored. (A purge deletes old
    mail only; figures expire on their own within minutes.) Read from the primary key's end,
    so it costs nothing however much mail is stored."""
    with reading(engine) as connection:
        return int(connection.execute(sa.select(sa.func.max(messages.c.id))).scalar() or 0)


def client_versions(engine: sa.Engine) -> dict[str, tuple[int, int]]:
    """Per client, what changes when one of its messages is stored or purged."""
    query = sa.select(messages.c.client, sa.func.max(messages.c.id), sa.func.count()).group_by(
        messages.c.client
    )
    with reading(engine) as connection:
        return {
            str(client): (int(newest), int(count))
            for client, newest, count in connection.execute(query)
            if client is not None
        }


def alerts_since(engine: sa.Engine, since: datetime) -> list[Row]:
    """Alerts open now, or changed since ``since``: newest first."""
    with reading(engine) as connection:
        return list(
            connection.execute(
                sa.select(alerts)
                .where(sa.or_(alerts.c.state != "resolved", alerts.c.changed_at >= since))
                .order_by(alerts.c.changed_at.desc(), alerts.c.id.desc())
            )
        )


def outbox_waiting(engine: sa.Engine, limit: int = 50) -> list[Row]:
    """Notifications not yet sent (waiting, retrying or being sent), oldest first."""
    query = (
        sa.select(
            outbox.c.id,
            outbox.c.channel,
            outbox.c.kind,
            outbox.c.subject,
            outbox.c.recipients,
            outbox.c.state,
            outbox.c.attempts,
            outbox.c.not_before,
            outbox.c.last_error,
            outbox.c.created_at,
        )
        .where(outbox.c.state.in_(("pending", "sending")))
        .order_by(outbox.c.id)
        .limit(limit)
    )
    with reading(engine) as connection:
        return list(connection.execute(query))


def quarantined(engine: sa.Engine, limit: int = 100) -> list[Row]:
    query = (
        sa.select(
            quarantine.c.account,
            quarantine.c.folder,
            quarantine.c.location,
            quarantine.c.reason,
            quarantine.c.detail,
            quarantine.c.first_seen,
        )
        .order_by(quarantine.c.id.desc())
        .limit(limit)
    )
    with reading(engine) as connection:
        return list(connection.execute(query))


def folder_syncs(engine: sa.Engine) -> dict[str, datetime | None]:
    """Per account, the oldest of its folders' last sync: how far behind it may be."""
    query = sa.select(
        folder_state.c.account, sa.func.min(folder_state.c.synced_at, type_=UTCDateTime)
    ).group_by(folder_state.c.account)
    with reading(engine) as connection:
        return {str(account): at for account, at in connection.execute(query)}
