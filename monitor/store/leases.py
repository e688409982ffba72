"""Leases: how several ``relmon run`` replicas on one PostgreSQL share the work, with no other
coordinator than the database.

A lease is a row naming a piece of work (``account:NAME``, ``evaluation``), its holder, a
generation and an expiry. Every time is the database server's (``clock_timestamp()``), never a
replica's, so replicas whose clocks disagree still agree on who holds what.

- :func:`take` gets a lease that is free, released or expired, or that this replica held
  before (a restart under the same name), in one conditional statement: of two replicas
  asking at once, one gets it. Every take increments the generation.
- :func:`renew` extends a lease only while it is still this holder's, at this generation and
  unexpired; a lease that lapsed is never quietly renewed, it must be taken again (with a new
  generation), so whatever was running under the old one is fenced off.
- :func:`hold` is the fence: called inside a transaction just before it commits, it locks the
  lease row and raises :class:`~monitor.errors.LeaseLost` unless the row still shows this
  holder and generation unexpired. The caller's transaction then rolls back. Because the row is
  locked until the commit, a take-over waits for that commit instead of overlapping it.

These statements are PostgreSQL's. On SQLite one process does all the work and no lease is
ever taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from monitor.clock import as_utc
from monitor.errors import LeaseLost
from monitor.store.schema import replicas

#: The lease of the evaluation, the digests, the weekly reports and the purge: one replica.
EVALUATION = "evaluation"
ACCOUNT_PREFIX = "account:"
#: How long a heartbeat waits for a lease row locked by another replica's commit before it
#: gives up until the next beat (a replica stopped mid-commit must not stall the others).
LOCK_WAIT_MS = 2000


def account_lease(account: str) -> str:
    return ACCOUNT_PREFIX + account


@dataclass(frozen=True)
class Lease:
    """A lease as its holder knows it."""

    name: str
    holder: str
    generation: int
    expires_at: datetime
    seconds: float  # how long each take or renewal lasts


@dataclass(frozen=True)
class LeaseRow:
    """A lease as the database shows it, for ``relmon status``."""

    name: str
    holder: str | None
    generation: int
    acquired_at: datetime
    expires_at: datetime
    live: bool  # held and not expired


@dataclass(frozen=True)
class ReplicaRow:
    id: str
    started_at: datetime
    seen_at: datetime
    expires_at: datetime
    live: bool


_TAKE = sa.text(
    """
    INSERT INTO leases AS l (name, holder, generation, acquired_at, expires_at)
    VALUES (:name, :holder, 1, clock_timestamp(),
            clock_timestamp() + make_interval(secs => :seconds))
    ON CONFLICT (name) DO UPDATE
        SET holder = EXCLUDED.holder,
            generation = l.generation + 1,
            acquired_at = EXCLUDED.acquired_at,
            expires_at = EXCLUDED.expires_at
        WHERE l.holder IS NULL
           OR l.expires_at <= clock_timestamp()
           OR l.holder = EXCLUDED.holder
    RETURNING generation, expires_at
    """
)

_RENEW = sa.text(
    """
    UPDATE leases
       SET expires_at = clock_timestamp() + make_interval(secs => :seconds)
     WHERE name = :name AND holder = :holder AND generation = :generation
       AND expires_at > clock_timestamp()
    RETURNING expires_at
    """
)

_RELEASE = sa.text(
    """
    UPDATE leases SET holder = NULL, expires_at = clock_timestamp()
     WHERE name = :name AND holder = :holder AND generation = :generation
    """
)

_HOLD = sa.text(
    """
    SELECT 1 FROM leases
     WHERE name = :name AND holder = :holder AND generation = :generation
       AND expires_at > clock_timestamp()
       FOR UPDATE
    """
)


def _lock_wait(connection: sa.Connection) -> None:
    connection.execute(
        sa.text("SELECT set_config('lock_timeout', :wait, true)"), {"wait": f"{LOCK_WAIT_MS}ms"}
    )


def _lock_not_available(err: sa.exc.OperationalError) -> bool:
    return getattr(err.orig, "sqlstate", None) == "55P03"


def take(engine: sa.Engine, name: str, holder: str, seconds: float) -> Lease | None:
    """The lease for ``holder`` for ``seconds``, if it is free, released, expired or already
    this holder's; None if another replica holds it (or was committing under it just now)."""
    try:
        with engine.begin() as connection:
            _lock_wait(connection)
            row = connection.execute(
                _TAKE, {"name": name, "holder": holder, "seconds": seconds}
            ).first()
    except sa.exc.OperationalError as err:
        if _lock_not_available(err):
            return None
        raise
    if row is None:
        return None
    return Lease(name, holder, int(row.generation), as_utc(row.expires_at), seconds)


def renew(engine: sa.Engine, lease: Lease) -> Lease | None:
    """The lease extended by its ``seconds`` from now; None if it was lost (expired, or taken
    over). A renewal that finds the row locked by a commit keeps the lease as it was."""
    try:
        with engine.begin() as connection:
            _lock_wait(connection)
            expires = connection.execute(_RENEW, _key(lease) | {"seconds": lease.seconds}).scalar()
    except sa.exc.OperationalError as err:
        if _lock_not_available(err):
            return lease
        raise
    if expires is None:
        return None
    return Lease(lease.name, lease.holder, lease.generation, as_utc(expires), lease.seconds)


def release(engine: sa.Engine, lease: Lease) -> bool:
    """Give the lease up at once (a clean stop, a fairer share); True if it was still held."""
    with engine.begin() as connection:
        return bool(connection.execute(_RELEASE, _key(lease)).rowcount)


def hold(connection: sa.Connection, lease: Lease) -> None:
    """The fence, inside the caller's transaction and just before its commit: raise
    :class:`LeaseLost` (the caller's transaction then rolls back) unless the lease is still
    held by its holder at its generation. The row stays locked until the commit, so no other
    replica can take it over between this check and the commit."""
    if connection.execute(_HOLD, _key(lease)).first() is None:
        raise LeaseLost(lease.name)


def bound_transaction(connection: sa.Connection, lease: Lease) -> None:
    """Let the server end this transaction if its client stops talking for a lease's length:
    a replica frozen mid-batch (stopped, swapped out) must not keep rows locked that the
    replica taking over needs. Its commit then fails, and nothing of the batch is kept. The
    server does not apply this bound in every state a frozen client leaves behind: the other
    replicas end such a transaction too (:func:`monitor.store.sessions.end_lapsed_sessions`)."""
    connection.execute(
        sa.text("SELECT set_config('idle_in_transaction_session_timeout', :limit, true)"),
        {"limit": f"{int(lease.seconds * 1000)}ms"},
    )


def _key(lease: Lease) -> dict[str, object]:
    return {"name": lease.name, "holder": lease.holder, "generation": lease.generation}


# ---------------------------------------------------------------------- replicas


def heartbeat(engine: sa.Engine, replica: str, seconds: float, instance: str | None = None) -> bool:
    """Say this replica is alive for another ``seconds``; forget replicas gone for a day.
    ``instance``: this process's own token. Whether the row was this process's to renew: False
    when another process that is still alive runs under the same replica id (two replicas
    given one ``[replicas] id``), which must then take no work. A process restarted under its
    old id takes the row over once its predecessor's heartbeat has lapsed."""
    with engine.begin() as connection:
        mine = connection.execute(
            sa.text(
                """
                INSERT INTO replicas (id, instance, started_at, seen_at, expires_at)
                VALUES (:id, :instance, clock_timestamp(), clock_timestamp(),
                        clock_timestamp() + make_interval(secs => :seconds))
                ON CONFLICT (id) DO UPDATE
                    SET seen_at = EXCLUDED.seen_at, expires_at = EXCLUDED.expires_at,
                        instance = EXCLUDED.instance,
                        started_at = CASE WHEN replicas.instance IS NOT DISTINCT FROM
                                                EXCLUDED.instance
                                          THEN replicas.started_at ELSE EXCLUDED.started_at END
                    WHERE replicas.instance IS NOT DISTINCT FROM EXCLUDED.instance
                       OR replicas.instance IS NULL OR EXCLUDED.instance IS NULL
                       OR replicas.expires_at <= clock_timestamp()
                RETURNING id
                """
            ),
            {"id": replica, "instance": instance, "seconds": seconds},
        ).first()
        connection.execute(
            sa.text("DELETE FROM replicas WHERE expires_at < clock_timestamp() - interval '1 day'")
        )
    return mine is not None


def leave(engine: sa.Engine, replica: str, instance: str | None = None) -> None:
    """This replica stops: the others share its work out at their next heartbeat. Only its
    own row goes (not that of another process under the same id)."""
    gone = sa.delete(replicas).where(replicas.c.id == replica)
    if instance is not None:
        gone = gone.where(sa.or_(replicas.c.instance.is_(None), replicas.c.instance == instance))
    with engine.begin() as connection:
        connection.execute(gone)


def live_replicas(engine: sa.Engine) -> list[str]:
    with engine.connect() as connection:
        return list(
            connection.execute(
                sa.text("SELECT id FROM replicas WHERE expires_at > clock_timestamp() ORDER BY id")
            ).scalars()
        )


def held_by_others(engine: sa.Engine, holder: str) -> set[str]:
    """The names of the leases another replica holds now."""
    with engine.connect() as connection:
        return set(
            connection.execute(
                sa.text(
                    "SELECT name FROM leases WHERE holder IS NOT NULL AND holder <> :holder"
                    " AND expires_at > clock_timestamp()"
                ),
                {"holder": holder},
            ).scalars()
        )


def next_foreign_expiry(engine: sa.Engine, holder: str) -> float | None:
    """Seconds until the first lease another replica holds expires (None: none held). A live
    replica renews long before; one this close to expiry has most likely died."""
    with engine.connect() as connection:
        value = connection.execute(
            sa.text(
                "SELECT extract(epoch FROM min(expires_at) - clock_timestamp()) FROM leases"
                " WHERE holder IS NOT NULL AND holder <> :holder"
                " AND expires_at > clock_timestamp()"
            ),
            {"holder": holder},
        ).scalar()
    return None if value is None else float(value)


def mail_mark(engine: sa.Engine) -> int:
    """A number that grows whenever any replica stores a new message (the newest id)."""
    with engine.connect() as connection:
        value = connection.execute(sa.text("SELECT max(id) FROM messages")).scalar()
    return int(value or 0)


def lease_rows(connection: sa.Connection) -> list[LeaseRow]:
    rows = connection.execute(
        sa.text(
            "SELECT name, holder, generation, acquired_at, expires_at,"
            " holder IS NOT NULL AND expires_at > clock_timestamp() AS live"
            " FROM leases ORDER BY name"
        )
    ).all()
    return [
        LeaseRow(
            name=r.name,
            holder=r.holder,
            generation=int(r.generation),
            acquired_at=as_utc(r.acquired_at),
            expires_at=as_utc(r.expires_at),
            live=bool(r.live),
        )
        for r in rows
    ]


def replica_rows(connection: sa.Connection) -> list[ReplicaRow]:
    rows = connection.execute(
        sa.text(
            "SELECT id, started_at, seen_at, expires_at, expires_at > clock_timestamp() AS live"
            " FROM replicas ORDER BY id"
        )
    ).all()
    return [
        ReplicaRow(
            id=r.id,
            started_at=as_utc(r.started_at),
            seen_at=as_utc(r.seen_at),
            expires_at=as_utc(r.expires_at),
            live=bool(r.live),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class LeaseState:
    """Who holds what, as the database sees it at ``now`` (its own clock)."""

    now: datetime
    replicas: list[ReplicaRow]
    leases: list[LeaseRow]


def lease_state(engine: sa.Engine) -> LeaseState:
    with engine.connect() as connection:
        now = connection.execute(sa.text("SELECT clock_timestamp()")).scalar_one()
        return LeaseState(as_utc(now), replica_rows(connection), lease_rows(connection))
