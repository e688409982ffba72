"""Who is asking, and whether to believe them: passwords, signed sessions, CSRF tokens, the
sign-in rate limit, the reverse proxies we trust, and the headers every response carries.

Nothing here decides what a person may see; :mod:`monitor.web.access` does.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "relmon_session"
#: The header a reverse proxy proves itself with when ``[web] proxy_secret`` is set.
PROXY_SECRET_HEADER = b"x-relmon-proxy-secret"

#: No inline script or style, nothing from elsewhere, never inside a frame.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)

_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash with the library's recommended cost."""
    return _HASHER.hash(password)


def check_password(hashed: str | None, password: str) -> bool:
    """Whether ``password`` matches; a member without a hash still pays for one check, so the
    answer's timing does not tell who has a password."""
    try:
        return _HASHER.verify(hashed or _DUMMY, password) and hashed is not None
    except (VerificationError, InvalidHashError):
        return False


_DUMMY = _HASHER.hash(secrets.token_hex(16))


def password_stamp(hashed: str) -> str:
    """What a session remembers of the password it was signed in with: a new password (``relmon
    web passwd``) ends every session signed in with the old one. A digest of the stored hash,
    which tells nothing of the password."""
    return hashlib.sha256(hashed.encode()).hexdigest()[:24]


@dataclass
class Session:
    """What the cookie carries: who signed in (None: nobody yet), the stamp of the password
    they signed in with, and the CSRF token."""

    user: str | None = None
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    changed: bool = False
    stamp: str | None = None
    #: What the last action did, said once on the next page: ("done" or "problem", text). Kept
    #: in the signed cookie, not the address, so no link can make a page say anything.
    notice: tuple[str, str] | None = None

    def check(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(self.csrf, token)


class Sessions:
    """Sessions in a signed, time-limited cookie: nothing to forge. A session signed out is
    remembered (by its CSRF token, until its cookie would have expired) so a copy of the old
    cookie no longer signs anyone in; kept in memory, as one process serves the dashboard."""

    def __init__(self, key: str, max_age: timedelta) -> None:
        self._signer = URLSafeTimedSerializer(key, salt="relmon-web-session")
        self.max_age = max_age
        self._ended: dict[str, float] = {}  # CSRF token of a signed-out session: when it ended

    def end(self, session: Session) -> None:
        """Sign ``session`` out for good: its cookie, replayed, is a stranger's."""
        now = time.monotonic()
        horizon = now - self.max_age.total_seconds()
        self._ended = {t: at for t, at in self._ended.items() if at > horizon}
        self._ended[session.csrf] = now

    def load(self, cookie: str | None) -> Session:
        if cookie:
            try:
                data = self._signer.loads(cookie, max_age=int(self.max_age.total_seconds()))
            except BadSignature:
                data = None
            if (
                isinstance(data, dict)
                and isinstance(data.get("c"), str)
                and data["c"] not in self._ended
            ):
                user, stamp, notice = data.get("u"), data.get("p"), data.get("n")
                return Session(
                    user=user if isinstance(user, str) else None,
                    csrf=data["c"],
                    stamp=stamp if isinstance(stamp, str) else None,
                    notice=(str(notice[0]), str(notice[1]))
                    if isinstance(notice, list) and len(notice) == 2
                    else None,
                )
        return Session(changed=True)

    def dump(self, session: Session) -> str:
        return self._signer.dumps(
            {"u": session.user, "c": session.csrf, "p": session.stamp, "n": session.notice}
        )


class SignInLimit:
    """At most ``attempts`` failed sign-ins per address in ``window``; then refuse until the
    oldest failure leaves the window. Kept in memory: one process serves the dashboard."""

    def __init__(self, attempts: int, window: timedelta = timedelta(minutes=15)) -> None:
        self.attempts, self.window = attempts, window
        self._failures: dict[str, deque[datetime]] = {}

    def _recent(self, address: str, now: datetime) -> deque[datetime]:
        failures = self._failures.setdefault(address, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def blocked(self, address: str, now: datetime) -> bool:
        return len(self._recent(address, now)) >= self.attempts

    def failed(self, address: str, now: datetime) -> None:
        self._recent(address, now).append(now)
        if len(self._failures) > 10_000:  # forget the quiet ones rather than grow without bound
            for key in [k for k, v in self._failures.items() if not v][:5_000]:
                del self._failures[key]

    def succeeded(self, address: str) -> None:
        self._failures.pop(address, None)


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(values: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(v, strict=False) for v in values)


def _within(host: str | None, trusted: tuple[Network, ...]) -> bool:
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in trusted)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


class TrustedProxies:
    """Believe ``X-Forwarded-For``/``-Proto`` and the single sign-on header only from the
    configured proxies; from anyone else they are ignored, so a client cannot claim another
    address (and escape the rate limit) or another identity."""

    def __init__(
        self,
        app: ASGIApp,
        trusted: tuple[Network, ...],
        sso_header: str | None,
        proxy_secret: str | None = None,
    ) -> None:
        self.app, self.trusted = app, trusted
        self.sso = sso_header.lower().encode() if sso_header else None
        self.secret = proxy_secret.encode() if proxy_secret is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = dict(scope)
            peer = scope.get("client")
            via_proxy = _within(peer[0] if peer else None, self.trusted) and self._proven(scope)
            state: dict[str, Any] = dict(scope.get("state") or {})
            state["sso_user"] = None
            if via_proxy:
                self._forwarded(scope, peer)
                if self.sso is not None:
                    state["sso_user"] = _header(scope, self.sso)
            scope["state"] = state
        await self.app(scope, receive, send)

    def _proven(self, scope: Scope) -> bool:
        """With a proxy secret, a request is the proxy's only when it carries the secret."""
        if self.secret is None:
            return True
        given = (_header(scope, PROXY_SECRET_HEADER) or "").encode("latin-1")
        return hmac.compare_digest(given, self.secret)

    def _forwarded(self, scope: Scope, peer: tuple[str, int] | None) -> None:
        chain = [h.strip() for h in (_header(scope, b"x-forwarded-for") or "").split(",")]
        # The nearest address that is not one of our proxies is the client.
        for host in reversed([h for h in chain if h]):
            if not _within(host, self.trusted):
                scope["client"] = (host, 0)
                break
        proto = (_header(scope, b"x-forwarded-proto") or "").split(",")[0].strip().lower()
        if proto in ("http", "https"):
            scope["scheme"] = proto


class SecurityHeaders:
    """The same protective headers on every response, pages and errors alike."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", ()), *HEADERS]
                if https:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class SessionCookies:
    """Load the session from its cookie into ``scope["state"]["session"]``; write the cookie
    back when the session changed: HttpOnly, SameSite=Lax, and Secure over HTTPS."""

    def __init__(self, app: ASGIApp, sessions: Sessions) -> None:
        self.app, self.sessions = app, sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session = self.sessions.load(_cookie(scope))
        state: dict[str, Any] = dict(scope.get("state") or {})
        state["session"] = session
        scope = {**scope, "state": state}
        secure = "; Secure" if scope.get("scheme") == "https" else ""

        async def with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and session.changed:
                value = (
                    f"{COOKIE}={self.sessions.dump(session)}; Path=/; "
                    f"Max-Age={int(self.sessions.max_age.total_seconds())}; HttpOnly; "
                    f"SameSite=Lax{secure}"
                )
                headers = [*message.get("headers", ()), (b"set-cookie", value.encode())]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_cookie)


def _cookie(scope: Scope) -> str | None:
    raw = _header(scope, b"cookie") or ""
    for part in raw.split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE:
            return value
    return None
