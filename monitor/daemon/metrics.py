"""Prometheus metrics and a health check, on a loopback address of the operator's choosing.

``GET /metrics``: the metrics below. ``GET /healthz``: 200 when the database answers and the
scheduler runs, 503 otherwise, with a one-line reason.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import sqlalchemy as sa
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

if TYPE_CHECKING:
    from monitor.app.runtime import Runtime
    from monitor.daemon.jobs import Scheduler
    from monitor.daemon.replicas import Replicas


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.last_sync = Gauge(
            "relmon_last_successful_sync_timestamp_seconds",
            "When each account last synced without error.",
            ["account"],
            registry=r,
        )
        self.sync_lag = Gauge(
            "relmon_sync_lag_seconds",
            "Seconds since each account last synced without error.",
            ["account"],
            registry=r,
        )
        self.ingested = Counter(
            "relmon_messages_ingested_total",
            "Messages stored for the first time.",
            ["account"],
            registry=r,
        )
        self.errors = Counter(
            "relmon_errors_total",
            "Errors by kind (auth, transient, folder, config, internal, job, delivery).",
            ["kind"],
            registry=r,
        )
        self.open_alerts = Gauge(
            "relmon_open_alerts",
            "Alerts not resolved, by kind and severity.",
            ["kind", "severity"],
            registry=r,
        )
        self.outbox_depth = Gauge("relmon_outbox_depth", "Emails waiting to be sent.", registry=r)
        self.outbox_failed = Gauge("relmon_outbox_failed", "Emails given up on.", registry=r)
        self.job_seconds = Histogram(
            "relmon_job_duration_seconds",
            "How long each job run took.",
            ["job"],
            registry=r,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
        )

    def render(self) -> bytes:
        return bytes(generate_latest(self.registry))


def serve(
    metrics: Metrics, address: str, healthy: Callable[[], tuple[bool, str]]
) -> ThreadingHTTPServer:
    """Start the HTTP endpoint on ``host:port`` in a daemon thread; returns the server."""
    host, _, port = address.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] == "/metrics":
                body, status, kind = metrics.render(), 200, CONTENT_TYPE_LATEST
            elif self.path.split("?")[0] == "/healthz":
                ok, reason = healthy()
                body, status, kind = (
                    (reason + "\n").encode(),
                    200 if ok else 503,
                    "text/plain; charset=utf-8",
                )
            else:
                body, status, kind = b"not found\n", 404, "text/plain; charset=utf-8"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return  # scrapes every few seconds are not worth a log line each

    server = ThreadingHTTPServer((host, int(port)), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server


def record_alerts(metrics: Metrics, engine: sa.Engine) -> None:
    """The open alerts by kind and severity, and the outbox's depth and failures."""
    from monitor.alerts.outbox import problems
    from monitor.store.status import open_alert_counts

    counts = open_alert_counts(engine)
    metrics.open_alerts.clear()
    for kind, severity, count in counts:
        metrics.open_alerts.labels(kind=kind, severity=severity).set(count)
    state = problems(engine)
    metrics.outbox_depth.set(float(str(state["pending"])))
    failed = state["failed"]
    metrics.outbox_failed.set(len(failed) if isinstance(failed, list) else 0)


def health_of(runtime: Runtime | None, scheduler: Scheduler | None) -> tuple[bool, str]:
    """``/healthz``: the scheduler runs and the database answers."""
    from monitor.store.status import ping

    if runtime is None or scheduler is None or not scheduler.running:
        return False, "scheduler not running"
    try:
        ping(runtime.store.engine)
    except Exception as err:  # noqa: BLE001 - reported, not raised
        return False, f"database does not answer: {type(err).__name__}"
    return True, "ok"


def status_of(
    runtime: Runtime | None, failures: Mapping[str, int], replicas: Replicas | None
) -> str:
    """systemd's STATUS=: accounts (held here), clients, failing accounts."""
    if runtime is None:
        return "starting"
    config = runtime.config
    failing = sorted(name for name, count in failures.items() if count and config.account(name))
    parts = [f"{len(config.accounts)} accounts", f"{len(config.clients)} clients"]
    if replicas is not None:
        parts[0] += f" ({len(replicas.held_accounts())} held here)"
    if failing:
        parts.append(f"failing: {', '.join(failing)}")
    return "; ".join(parts)
