"""``[daemon]``: how often ``relmon run`` evaluates, delivers and purges; where metrics listen.
``[replicas]``: how several ``relmon run`` on one PostgreSQL share the work."""

from __future__ import annotations

import re

from monitor.config.model import Daemon, Replicas
from monitor.config.reading import Problems, Table

_REPLICA_ID = re.compile(r"^[\w.:@-]{1,200}$")
_HOST_PORT = re.compile(r"^(?:\[[0-9a-fA-F:]+\]|[\w.-]+):\d{1,5}$")


def parse_daemon(root: Table, problems: Problems) -> Daemon:
    daemon_t = root.table("daemon")
    metrics_address = daemon_t.text("metrics_address")
    if metrics_address and not _HOST_PORT.match(metrics_address):
        problems.add(
            "daemon.metrics_address",
            f'{metrics_address!r} is not host:port (e.g. "127.0.0.1:9310")',
        )
    purge_hour = daemon_t.integer("purge_hour", 3, minimum=0)
    if purge_hour > 23:
        problems.add("daemon.purge_hour", f"must be an hour of the day (0-23), got {purge_hour}")
    daemon = Daemon(
        evaluate_minutes=daemon_t.number("evaluate_minutes", 15.0, minimum=1.0),
        deliver_seconds=daemon_t.number("deliver_seconds", 30.0, minimum=1.0),
        sync_jitter=min(0.5, daemon_t.number("sync_jitter", 0.1, minimum=0.0)),
        purge_hour=min(purge_hour, 23),
        metrics_address=metrics_address or None,
        stop_seconds=daemon_t.number("stop_seconds", 8.0, minimum=1.0),
    )
    daemon_t.done()
    return daemon


def parse_replicas(root: Table, store_url: str, problems: Problems) -> Replicas:
    """``[replicas]``. Leases live in PostgreSQL; on SQLite one process does all the work, so
    the section is refused there rather than silently ignored."""
    if not root.has("replicas"):
        return Replicas()
    replicas_t = root.table("replicas")
    if store_url.startswith("sqlite"):
        problems.add(
            "replicas",
            "several replicas need a PostgreSQL store.url; with SQLite one `relmon run` does "
            "all the work (remove [replicas])",
        )
    lease_seconds = replicas_t.number("lease_seconds", 30.0, minimum=3.0)
    if lease_seconds > 3600:
        problems.add(
            "replicas.lease_seconds",
            f"must be at most 3600 (an hour without a sync is too long), got {lease_seconds:g}",
        )
        lease_seconds = 3600.0
    replica_id = replicas_t.text("id")
    if replica_id is not None and not _REPLICA_ID.match(replica_id):
        problems.add(
            "replicas.id",
            f"{replica_id!r} is not a replica name: 1-200 letters, digits and . _ : @ -",
        )
        replica_id = None
    replicas_t.done()
    return Replicas(lease_seconds=lease_seconds, id=replica_id or None)
