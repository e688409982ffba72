"""``relmon web``: the dashboard as a Starlette application.

Layers, outermost first: :class:`~monitor.web.security.TrustedProxies` (believe forwarded
headers only from configured proxies), :class:`~monitor.web.security.SecurityHeaders`,
:class:`~monitor.web.security.SessionCookies`, then the routes in :mod:`monitor.web.pages`.
Handlers that read the store are plain functions, which Starlette runs in a thread pool.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from monitor.app.runtime import Runtime
from monitor.store.web import signing_key
from monitor.web.pages import Pages
from monitor.web.security import (
    SecurityHeaders,
    SessionCookies,
    Sessions,
    SignInLimit,
    TrustedProxies,
    networks,
)

HERE = Path(__file__).resolve().parent


def create_app(
    runtime: Runtime,
    clock: Callable[[], datetime],
    *,
    warm: bool = False,
    acting: Callable[[], datetime] | None = None,
) -> ASGIApp:
    """The dashboard over ``runtime``'s store; ``clock`` gives the instant its pages show (fixed
    in tests and with ``--as-of``), ``acting`` the time of what people do there (actions on
    alerts, sign-in attempts; ``clock`` when not given). ``warm`` builds the portfolio's
    figures in a thread at once, so the first person to look does not wait for them."""
    web = runtime.config.web
    key = web.secret.reveal() if web.secret is not None else signing_key(runtime.store.engine)
    sessions = Sessions(key, timedelta(hours=web.session_hours))
    pages = Pages(runtime, clock, SignInLimit(web.login_attempts), sessions, acting or clock)
    if warm:
        threading.Thread(target=pages.figures.refresh, name="relmon-web-warm", daemon=True).start()
    routes = [
        Route("/", pages.portfolio, name="portfolio"),
        Route("/login", pages.login_form, methods=["GET"], name="login"),
        Route("/login", pages.login, methods=["POST"]),
        Route("/logout", pages.logout, methods=["POST"], name="logout"),
        Route("/clients/{slug}", pages.client, name="client"),
        Route("/alerts", pages.alerts, name="alerts"),
        Route("/alerts/{alert_id:int}", pages.act, methods=["POST"], name="act"),
        Route("/operations", pages.operations, name="operations"),
        Route("/healthz", pages.healthz, name="healthz"),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers=pages.exception_handlers())
    return TrustedProxies(
        SecurityHeaders(SessionCookies(app, sessions)),
        networks(web.trusted_proxies),
        web.trusted_header,
        _proxy_secret(runtime),
    )


def _proxy_secret(runtime: Runtime) -> str | None:
    """``[web] proxy_secret``, refused when too short to prove anything: an empty one would let
    every request from a trusted address through as the proxy's."""
    from monitor.config.validation import MIN_PROXY_SECRET
    from monitor.errors import ConfigError

    configured = runtime.config.web.proxy_secret
    if configured is None:
        return None
    value = configured.reveal().strip()
    if len(value) < MIN_PROXY_SECRET:
        raise ConfigError(
            [f"{configured.key}: give at least {MIN_PROXY_SECRET} characters"],
            path=str(runtime.config.path) if runtime.config.path else None,
        )
    return value
