"""``[daemon]``: how often ``relmon run`` evaluates, delivers and purges; where metrics listen."""

from __future__ import annotations

import re

from monitor.config.model import Daemon
from monitor.config.reading import Problems, Table

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
