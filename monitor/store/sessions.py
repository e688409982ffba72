"""A replica's database sessions: named after the replica, bounded when idle in a transaction,
and ended by the others once the replica's heartbeat has lapsed.

A replica frozen inside a transaction (stopped, swapped out, its VM paused) keeps that
transaction's row locks, and a replica taking its accounts over then waits on them: the same
messages, the same meta rows. ``idle_in_transaction_session_timeout`` ends such a transaction
only while the server has armed its timer, and it does not in every state a frozen client can
leave behind: psycopg sends a multi-row statement (``executemany``) as a pipeline, whose Sync
is often followed by a Flush, and the Flush turns the timer off until the next statement (the
server then shows the session "idle in transaction" for ever); a client frozen halfway through
a pipeline, or while the server is sending it a result, leaves the session "active", which no
idle bound covers. So the bound is a first line only: at every heartbeat each live replica ends
the open transactions of the replicas whose heartbeat or lease has lapsed
(:func:`end_lapsed_sessions`) before taking their accounts, and a frozen replica's locks last no
longer than its lease.

PostgreSQL only, like the leases."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from monitor.log import get_logger

logger = get_logger()

#: The server keeps at most this many bytes of an ``application_name``.
_NAME_BYTES = 63

_END_SESSIONS = sa.text(
    """
    SELECT count(pg_terminate_backend(a.pid))
      FROM pg_stat_activity a
     WHERE a.application_name = :name
       AND a.backend_start < :lapsed_at
       AND a.xact_start IS NOT NULL
       AND a.datname = current_database()
       AND a.usename = current_user
       AND a.pid <> pg_backend_pid()
    """
)


def session_name(replica: str) -> str:
    """The ``application_name`` of ``replica``'s sessions, as ``pg_stat_activity`` shows it:
    ``relmon`` and the replica id, or (an id too long for the server's limit) a cut of the id
    and its digest, so that two replicas never share a name."""
    name = f"relmon {replica}"
    if len(name.encode()) <= _NAME_BYTES:
        return name
    digest = hashlib.blake2b(replica.encode(), digest_size=6).hexdigest()
    cut = name.encode()[: _NAME_BYTES - len(digest) - 1].decode(errors="ignore")
    return f"{cut}~{digest}"


def configure_sessions(engine: sa.Engine, *, replica: str, idle_seconds: float) -> None:
    """Every connection this engine opens from now on carries the replica's
    :func:`session_name`, and lets the server end a transaction whose client has not spoken for
    ``idle_seconds``. Connections already pooled are closed, so none escapes either."""
    name = session_name(replica)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT set_config('application_name', %s, false)", (name,))
        cursor.execute(f"SET idle_in_transaction_session_timeout = {int(idle_seconds * 1000)}")
        cursor.close()
        dbapi_connection.commit()

    engine.dispose()


_LAPSED = sa.text(
    """
    SELECT id, expires_at FROM replicas
     WHERE expires_at <= clock_timestamp() AND id <> :me
    UNION
    SELECT holder, expires_at FROM leases
     WHERE holder IS NOT NULL AND expires_at <= clock_timestamp() AND holder <> :me
    """
)


def end_lapsed_sessions(engine: sa.Engine, replica: str) -> int:
    """End the open transactions of every other replica that has let its heartbeat or one of
    its leases lapse (it is frozen or dead), so that the rows they lock are free again; returns
    how many sessions were ended. Only sessions opened before the lapse: a replica restarted
    under the same id keeps its new ones. A resumed replica finds its connections gone, and its
    leases too.

    A lease can lapse before its holder's heartbeat (a replica stopped between the two), and
    its account is taken over at once: its holder's transactions end then, not a beat later."""
    ended = 0
    with engine.begin() as connection:
        lapsed: list[tuple[str, datetime]] = [
            (r.id, r.expires_at) for r in connection.execute(_LAPSED, {"me": replica})
        ]
        for other, lapsed_at in lapsed:
            count = int(
                connection.execute(
                    _END_SESSIONS, {"name": session_name(other), "lapsed_at": lapsed_at}
                ).scalar_one()
            )
            if count:
                logger.warning(
                    "replica_sessions_ended", replica=replica, lapsed_replica=other, sessions=count
                )
            ended += count
    return ended
