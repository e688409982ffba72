"""Serving the dashboard with uvicorn: in the foreground (``relmon web``) or beside the daemon."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

import uvicorn

from monitor.app.runtime import Runtime
from monitor.clock import utcnow
from monitor.log import get_logger
from monitor.web.app import create_app

logger = get_logger()


def server(runtime: Runtime, listen: str, clock: Callable[[], datetime] = utcnow) -> uvicorn.Server:
    """A uvicorn server for the dashboard on ``host:port``.

    uvicorn's own forwarded-header handling is off: :class:`~monitor.web.security.TrustedProxies`
    applies ``[web] trusted_proxies`` itself, the same way in tests as in production."""
    host, _, port = listen.rpartition(":")
    config = uvicorn.Config(
        # What people do (act on an alert, sign in) happens now, whatever instant the pages show
        # (``relmon web --as-of``): a snooze from a page of last month would end at once.
        create_app(runtime, clock, warm=True, acting=utcnow),
        host=host.strip("[]") or "127.0.0.1",
        port=int(port),
        proxy_headers=False,
        server_header=False,
        access_log=False,
        log_config=None,
    )
    return uvicorn.Server(config)


def serve(runtime: Runtime, listen: str, clock: Callable[[], datetime] = utcnow) -> None:
    """Serve until interrupted (SIGINT/SIGTERM)."""
    logger.info("web_listening", address=listen)
    server(runtime, listen, clock).run()


def start(runtime: Runtime, listen: str) -> uvicorn.Server:
    """Serve in a daemon thread beside ``relmon run``; ``should_exit = True`` stops it."""
    found = server(runtime, listen)
    threading.Thread(target=found.run, name="relmon-web", daemon=True).start()
    logger.info("web_listening", address=listen)
    return found
