"""The dashboard's pages and forms: who is signed in, what they may see, what they may do.

Every page is built from data cached per minute and per store version (:class:`PageCache`),
then filtered for the person asking: a consultant sees the clients they own, a lead sees all.
A client, alert or page someone may not see answers 404, exactly as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from monitor.alerts.model import Action, AlreadyAcknowledged
from monitor.alerts.store import act, get
from monitor.app.dashboard import (
    ClientYear,
    PortfolioEntry,
    client_by_slug,
    client_slug,
    client_year,
    open_alerts,
    portfolio_figures,
    with_alerts,
)
from monitor.app.runtime import Runtime
from monitor.clock import parse_duration
from monitor.config.model import Member
from monitor.log import get_logger
from monitor.store import web as web_store
from monitor.web import charts
from monitor.web.cache import ClientFigures, PageCache, Refreshing
from monitor.web.filters import template_filters
from monitor.web.security import Session, Sessions, SignInLimit, check_password, password_stamp

logger = get_logger()
NOT_FOUND = HTTPException(404)


class Pages:
    def __init__(
        self,
        runtime: Runtime,
        clock: Callable[[], datetime],
        limit: SignInLimit,
        sessions: Sessions,
        acting: Callable[[], datetime] | None = None,
    ) -> None:
        self.runtime, self.config, self.clock, self.limit = runtime, runtime.config, clock, limit
        self.sessions = sessions
        self.acting = acting or clock  # the time of what people do, not of what pages show
        engine = runtime.store.engine
        # Behind a proxy that serves the dashboard below a path (base_url
        # "https://intranet.example/relmon"), links and redirects carry that path.
        self.root = urlsplit(self.config.web.base_url or "").path.rstrip("/")
        self.cache = PageCache(clock, lambda: web_store.version(engine))
        self.figures = Refreshing(
            ClientFigures(
                [c.name for c in self.config.clients],
                self._figures,
                lambda: web_store.client_versions(engine),
            ),
            clock,
            lambda: web_store.mail_version(engine),
            max_age=timedelta(minutes=1),
        )
        self._rendered: dict[tuple[str, str, str], tuple[object, bytes]] = {}
        self._rows: dict[object, str] = {}
        self._rows_of = -1
        self.env = Environment(
            loader=PackageLoader("monitor.web", "templates"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(template_filters(self.config.team.tz))

    # ------------------------------------------------------------------ plumbing

    def _figures(self, now: datetime, names: list[str]) -> dict[str, PortfolioEntry]:
        clients = [c for c in self.config.clients if c.name in set(names)]
        return {e.row["name"]: e for e in portfolio_figures(self.runtime, now, clients)}

    def exception_handlers(self) -> Mapping[Any, Callable[..., Any]]:
        return {404: self._not_found, 403: self._forbidden}

    def _not_found(self, request: Request, exc: Exception) -> Response:
        return self._page(request, "error.html", {"title": "Not found"}, status=404)

    def _forbidden(self, request: Request, exc: Exception) -> Response:
        detail = getattr(exc, "detail", "Refused")
        return self._page(request, "error.html", {"title": detail}, status=403)

    def _session(self, request: Request) -> Session:
        session: Session = request.state.session
        return session

    def user(self, request: Request) -> Member | None:
        """Who is asking: the single sign-on header from a trusted proxy, else the session, while
        the password it was signed in with is still the member's."""
        sso = request.state.sso_user
        if sso:
            return self.config.member(sso.strip().casefold())
        session = self._session(request)
        if session.user is None:
            return None
        known = getattr(request.state, "password_stamp", None)
        if known is None:
            hashed = web_store.password_hash(self.runtime.store.engine, session.user)
            known = request.state.password_stamp = password_stamp(hashed) if hashed else ""
        return self.config.member(session.user) if known == session.stamp else None

    def visible(self, member: Member) -> set[str]:
        if member.role == "lead":
            return {c.name for c in self.config.clients}
        return {c.name for c in self.config.clients if member.is_me(c.owner)}

    def _page(
        self, request: Request, template: str, context: dict[str, Any], status: int = 200
    ) -> HTMLResponse:
        user = self.user(request) if hasattr(request.state, "session") else None
        html = self.env.get_template(template).render(
            request=request,
            user=user,
            csrf=self._session(request).csrf if hasattr(request.state, "session") else "",
            team=self.config.team.name,
            root=self.root,
            **context,
        )
        return HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})

    def _redirect(self, path: str) -> RedirectResponse:
        """To a page of ours, under ``base_url``'s path when a proxy serves us below one."""
        return RedirectResponse(self.root + path, status_code=303)

    def _signed_in(self, request: Request) -> Member | RedirectResponse:
        member = self.user(request)
        if member is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return self._redirect("/login?" + urlencode({"next": target}))
        return member

    async def _form(self, request: Request) -> dict[str, str]:
        """The posted form, refused (403) without this session's CSRF token."""
        form = await request.form()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        if not self._session(request).check(fields.get("csrf")):
            raise HTTPException(403, "This form has expired: reload the page and try again.")
        return fields

    # ------------------------------------------------------------------ sign-in

    def login_form(self, request: Request) -> Response:
        if self.user(request) is not None:
            return self._redirect("/")
        return self._page(request, "login.html", {"next": _local(request.query_params.get("next"))})

    async def login(self, request: Request) -> Response:
        fields = await self._form(request)
        now, where = self.acting(), request.client.host if request.client else "unknown"
        target = _local(fields.get("next"))
        if self.limit.blocked(where, now):
            logger.warning("web.sign_in_limited", peer=where)
            context = {"next": target, "error": "Too many attempts: wait a quarter of an hour."}
            return self._page(request, "login.html", context, status=429)
        address = fields.get("email", "").strip().casefold()
        member = self.config.member(address) if address else None
        hashed = (
            await run_in_threadpool(
                web_store.password_hash, self.runtime.store.engine, member.address
            )
            if member is not None
            else None
        )
        ok = await run_in_threadpool(check_password, hashed, fields.get("password", ""))
        if member is None or not ok:
            self.limit.failed(where, now)
            logger.info("web.sign_in_refused", peer=where)
            context = {"next": target, "error": "Unknown address or wrong password."}
            return self._page(request, "login.html", context, status=401)
        self.limit.succeeded(where)
        session = self._session(request)
        session.user, session.csrf, session.changed = member.address, Session().csrf, True
        session.stamp = password_stamp(hashed) if hashed else None
        logger.info("web.signed_in", user=member.address)
        return self._redirect(target)

    async def logout(self, request: Request) -> Response:
        await self._form(request)
        session = self._session(request)
        self.sessions.end(session)
        session.user, session.csrf, session.changed = None, Session().csrf, True
        return self._redirect("/login")

    def healthz(self, request: Request) -> Response:
        web_store.version(self.runtime.store.engine)
        return PlainTextResponse("ok")

    # ------------------------------------------------------------------ pages

    def portfolio(self, request: Request) -> Response:
        member = self._signed_in(request)
        if isinstance(member, Response):
            return member
        every = self.figures.ready()
        if every is None:  # the first build since start is still running: say so, look again
            context = {"title": "Portfolio", "clients": len(self.config.clients)}
            return self._page(request, "preparing.html", context)
        # The same page for the same person, figures and store is served as rendered before.
        key = (member.address, self._session(request).csrf, request.url.query)
        stamp = (self.figures.generation, web_store.version(self.runtime.store.engine))
        kept = self._rendered.get(key)
        if kept is not None and kept[0] == stamp:
            return HTMLResponse(kept[1], headers={"cache-control": "no-store"})
        visible = self.visible(member)
        mine = with_alerts(
            [e for e in every if e.row["name"] in visible], open_alerts(self.runtime)
        )
        query = request.query_params
        context = {
            "title": "Portfolio",
            "rows": [self._row(e) for e in _filtered(mine, query)],
            "total": len(mine),
            "owners": sorted({e.row["owner"] for e in mine}),
            "patterns": sorted({e.row["pattern"]["name"] for e in mine}),
            "kinds": sorted({a.kind for e in mine for a in e.alerts}),
            "query": query,
            "now": self.figures.built_at(),
        }
        response = self._page(request, "portfolio.html", context)
        if len(self._rendered) > 512:
            self._rendered.clear()
        self._rendered[key] = (stamp, bytes(response.body))
        return response

    def _row(self, entry: PortfolioEntry) -> str:
        """One client's portfolio row, rendered once per build of the figures and state of
        its alerts: after an alert changes, only that client's row is rendered again."""
        if self._rows_of != self.figures.generation or len(self._rows) > 20_000:
            self._rows, self._rows_of = {}, self.figures.generation
        key = (entry.row["name"], tuple((a.id, a.state, a.severity) for a in entry.alerts))
        html = self._rows.get(key)
        if html is None:
            template = self.env.get_template("portfolio_row.html")
            html = self._rows[key] = template.render(
                e=entry, spark=charts.sparkline, root=self.root
            )
        return html

    def client(self, request: Request) -> Response:
        member = self._signed_in(request)
        if isinstance(member, Response):
            return member
        found = client_by_slug(self.config.clients, request.path_params["slug"])
        if found is None or found.name not in self.visible(member):
            raise NOT_FOUND
        year: ClientYear = self.cache.get(
            f"client:{found.name}", lambda now: client_year(self.runtime, found, now)
        )
        context = {
            "title": found.name,
            "year": year,
            "panels": charts.timeline(year),
            "snippets": self.config.privacy.store_snippets,
        }
        return self._page(request, "client.html", context)

    def alerts(self, request: Request) -> Response:
        member = self._signed_in(request)
        if isinstance(member, Response):
            return member
        now = self.clock()
        stored = web_store.alerts_since(self.runtime.store.engine, now - timedelta(days=30))
        visible = self.visible(member)
        rows = [
            r
            for r in stored
            if (r.client in visible) or (r.client is None and member.role == "lead")
        ]
        context = {
            "title": "Alerts",
            "open": [r for r in rows if r.state != "resolved"],
            "recent": [r for r in rows if r.state == "resolved"],
            "slug": client_slug,
            **self._notice(request),
        }
        return self._page(request, "alerts.html", context)

    async def act(self, request: Request) -> Response:
        member = self._signed_in(request)
        if isinstance(member, Response):
            return member
        fields = await self._form(request)
        alert_id = int(request.path_params["alert_id"])
        engine = self.runtime.store.engine
        found = await run_in_threadpool(_alert, engine, alert_id)
        allowed = found is not None and (
            found.client in self.visible(member) or (found.client is None and member.role == "lead")
        )
        if not allowed:
            raise NOT_FOUND
        action, now = fields.get("action", ""), self.acting()
        try:
            chosen = _action(action)
            until = (
                now + parse_duration(fields.get("duration") or "3d")
                if chosen is Action.SNOOZE
                else None
            )
            done = await run_in_threadpool(
                act, engine, alert_id, chosen, now, by=f"web:{member.address}", until=until
            )
        except AlreadyAcknowledged:  # another click, or a colleague, acknowledged it first
            return self._told(request, "done", f"Alert {alert_id} was already acknowledged.")
        except ValueError as err:  # said on the alerts page, with the alerts still there
            return self._told(request, "problem", f"Alert {alert_id} was not changed: {err}")
        logger.info("web.alert_acted", alert=alert_id, action=chosen.value, user=member.address)
        subject = done.client or f"account {done.account}"
        message = f"Alert {done.id} ({subject}, {done.kind}) is now {done.state.value}."
        return self._told(request, "done", message)

    def _told(self, request: Request, kind: str, text: str) -> RedirectResponse:
        """Back to the alerts page, which says ``text`` once."""
        session = self._session(request)
        session.notice, session.changed = (kind, text), True
        return self._redirect("/alerts")

    def _notice(self, request: Request) -> dict[str, str | None]:
        """What the last action said, for this page only."""
        session = self._session(request)
        kind, text = session.notice or (None, None)
        if session.notice is not None:
            session.notice, session.changed = None, True
        return {
            "message": text if kind == "done" else None,
            "problem": text if kind == "problem" else None,
        }

    def operations(self, request: Request) -> Response:
        member = self._signed_in(request)
        if isinstance(member, Response):
            return member
        if member.role != "lead":
            raise NOT_FOUND
        from monitor.alerts.outbox import problems
        from monitor.store.sources import account_health

        engine = self.runtime.store.engine
        health = {h.account: h for h in account_health(engine)}
        context = {
            "title": "Operations",
            "accounts": [(a, health.get(a.name)) for a in self.config.accounts],
            "synced": web_store.folder_syncs(engine),
            "outbox": problems(engine),
            "waiting": web_store.outbox_waiting(engine),
            "quarantine": web_store.quarantined(engine),
            "now": self.clock(),
        }
        return self._page(request, "operations.html", context)


def _alert(engine: Any, alert_id: int) -> Any:
    with engine.connect() as connection:
        return get(connection, alert_id)


def _local(target: str | None) -> str:
    """Only a path on this site: never an open redirect to somewhere else."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _filtered(entries: list[PortfolioEntry], query: Mapping[str, str]) -> list[PortfolioEntry]:
    owner, pattern, kind = query.get("owner"), query.get("pattern"), query.get("kind")
    text = (query.get("q") or "").strip().casefold()
    return [
        e
        for e in entries
        if (not owner or e.row["owner"] == owner)
        and (not pattern or e.row["pattern"]["name"] == pattern)
        and (not kind or any(a.kind == kind for a in e.alerts))
        and (not text or text in e.row["name"].casefold())
    ]


def _action(name: str) -> Action:
    try:
        return Action(name)
    except ValueError:
        known = ", ".join(a.value for a in Action)
        raise ValueError(f"{name!r} is not an action; choose one of {known}") from None
