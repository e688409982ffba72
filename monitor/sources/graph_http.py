"""HTTP to Microsoft Graph: tokens, throttling, retries, and Graph's errors as typed errors.

What the service asks of a client, and what this module does about it:

- At most 4 concurrent requests per app and mailbox (Outlook service limits): a gate per
  mailbox admits ``max_concurrency`` (≤ 4) requests at a time.
- 429 and 503 carry ``Retry-After``: the whole mailbox waits that long (other mailboxes go on);
  without the header, exponential backoff with jitter. Network errors, timeouts and other 5xx
  are retried with backoff too. Retries are bounded; then the folder fails for this pass.
- 401: the access token expired or was revoked early. The rejected token is dropped from
  msal's cache, a new one acquired, and the request retried once; a second 401 is an
  authentication failure of the account.
- ``Prefer: IdType="ImmutableId"`` applies only to the request that carries it, so every
  request carries it (page links included); otherwise ids change when a message is moved.
- The bearer token is sent only to the configured Graph host: a page link pointing anywhere
  else is refused.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from monitor.config import Account, GraphSettings
from monitor.errors import AuthError, SourceError, TransientError
from monitor.log import get_logger
from monitor.sources import msauth

logger = get_logger()

#: Every request prefers immutable ids (see the module docstring).
IMMUTABLE_IDS = 'IdType="ImmutableId"'
TEXT_BODIES = 'outlook.body-content-type="text"'
_RESET_CODES = re.compile(r"^(syncstate\w*|resyncrequired|errorsyncfoldernotfound)$", re.IGNORECASE)


# --------------------------------------------------------------------------- errors


class GraphError(SourceError):
    """Graph answered with an error status."""

    def __init__(self, message: str, *, status: int, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class GraphForbidden(GraphError):
    """403: the app may not read this mailbox (access policy, RBAC scope, missing permission)."""


class GraphNotFound(GraphError):
    """404: no such mailbox, folder or message."""


class DeltaReset(GraphError):
    """410 Gone or a syncState* error: the delta token is void; read the folder again."""


class Stopped(Exception):
    """The sync was asked to stop (shutdown, or another folder hit an account-wide failure)."""


# --------------------------------------------------------------------------- policy


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6  # tries per request, the first included
    base_seconds: float = 1.0  # first backoff step when the server names no wait
    max_backoff_seconds: float = 60.0
    max_retry_after_seconds: float = 300.0  # a longer Retry-After ends the pass for that folder

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: half fixed, half random, so waits never collapse
        to zero and retries from several folders spread out."""
        ceiling = min(self.max_backoff_seconds, self.base_seconds * 2.0 ** max(0, attempt - 1))
        return float(ceiling / 2 + random.uniform(0, ceiling / 2))


DEFAULT_RETRY = RetryPolicy()


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def wait_seconds(seconds: float, should_stop: Callable[[], bool]) -> None:
    """Sleep in short steps; raise :class:`Stopped` as soon as asked to stop."""
    deadline = time.monotonic() + seconds
    while True:
        if should_stop():
            raise Stopped
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        time.sleep(min(remaining, 0.2))


class MailboxGate:
    """Admits a bounded number of concurrent requests to one mailbox, and holds all of them
    back while the service has asked this mailbox to wait."""

    def __init__(self, limit: int) -> None:
        self.slots = threading.BoundedSemaphore(limit)
        self._lock = threading.Lock()
        self._not_before = 0.0  # time.monotonic()

    def hold_off(self, seconds: float) -> None:
        with self._lock:
            self._not_before = max(self._not_before, time.monotonic() + seconds)

    def wait_turn(self, should_stop: Callable[[], bool]) -> None:
        while True:
            with self._lock:
                remaining = self._not_before - time.monotonic()
            if remaining <= 0:
                return
            wait_seconds(remaining, should_stop)


# --------------------------------------------------------------------------- tokens


class TokenSource:
    """Access tokens for one Graph account, refreshed once when Graph rejects one."""

    def __init__(self, account: Account, settings: GraphSettings) -> None:
        self.account = account
        self.settings = settings
        self.delegated = settings.auth == "delegated"
        self.scopes = msauth.default_scopes(origin(settings.graph_url), delegated=self.delegated)
        self._lock = threading.Lock()

    def token(self) -> str:
        return msauth.acquire_token(
            self.settings.microsoft,
            scopes=self.scopes,
            delegated=self.delegated,
            account_name=self.account.name,
        )

    def refresh(self, rejected: str) -> str:
        """A token other than ``rejected``: drop it from the cache, acquire again. Several
        folders may see the same 401 at once; the first refreshes, the rest reuse its token."""
        with self._lock:
            msauth.drop_token(self.settings.microsoft, rejected)
            return self.token()


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# --------------------------------------------------------------------------- client


@dataclass
class GraphClient:
    """GET requests to Graph for one account, shared by the folders being synced."""

    account: Account
    settings: GraphSettings
    tokens: TokenSource
    should_stop: Callable[[], bool] = lambda: False
    policy: RetryPolicy = DEFAULT_RETRY
    session: requests.Session = field(init=False)
    _gates: dict[str, MailboxGate] = field(init=False, default_factory=dict)
    _gates_lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    _token: str | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        self.session = msauth.http_session(self.settings.ca_file)
        self.session.headers["Accept"] = "application/json"
        self._origin = origin(self.settings.graph_url)
        self.requests = 0

    def close(self) -> None:
        self.session.close()

    # paths ------------------------------------------------------------------

    def mailbox_path(self, mailbox: str) -> str:
        """``/me`` for a delegated account, ``/users/{address}`` for app-only access."""
        if self.settings.auth == "delegated":
            return f"{self.settings.graph_url}/me"
        return f"{self.settings.graph_url}/users/{quote(mailbox, safe='@.')}"

    def gate(self, mailbox: str) -> MailboxGate:
        with self._gates_lock:
            gate = self._gates.get(mailbox)
            if gate is None:
                gate = self._gates[mailbox] = MailboxGate(
                    max(1, min(4, self.settings.max_concurrency))
                )
            return gate

    def current_token(self) -> str:
        if self._token is None:
            self._token = self.tokens.token()
        return self._token

    # requests ---------------------------------------------------------------

    def get(self, url: str, *, mailbox: str, prefer: Iterable[str] = ()) -> dict[str, Any]:
        """GET ``url`` (a Graph URL or a page link Graph returned) and return its JSON."""
        if origin(url) != self._origin:
            # A page link naming another host would receive our bearer token.
            raise SourceError(
                f"refusing to follow a Graph link to {origin(url)} (expected {self._origin})"
            )
        preferences = [IMMUTABLE_IDS, *prefer]
        gate = self.gate(mailbox)
        attempt = 0
        refreshed = False
        while True:
            attempt += 1
            gate.wait_turn(self.should_stop)
            token = self.current_token()
            headers = {"Authorization": f"Bearer {token}", "Prefer": ", ".join(preferences)}
            response = self._send(url, headers, gate, mailbox=mailbox, attempt=attempt)
            if response is None:
                continue  # a network error, waited out
            status = response.status_code
            if status == 200:
                return _json_of(response, mailbox)
            code, message = _error_of(response)
            if status == 401:
                if refreshed:
                    raise AuthError(
                        f"account {self.account.name!r}: Graph rejected a freshly issued token ({code or 401}: {message}); "
                        "check that the app registration has the Mail.Read permission with admin consent"
                    )
                logger.info("graph_token_rejected", mailbox=mailbox, code=code)
                self._token = self.tokens.refresh(token)
                refreshed = True
                attempt -= 1  # the refresh is not a retry of a failing server
                continue
            if status in (429, 503) or status >= 500:
                self._wait_to_retry(response, gate, mailbox=mailbox, code=code, attempt=attempt)
                continue
            raise _status_error(mailbox, status, code, message)

    def _send(
        self, url: str, headers: dict[str, str], gate: MailboxGate, *, mailbox: str, attempt: int
    ) -> requests.Response | None:
        """One request through the mailbox's gate; ``None`` after waiting out a network error."""
        try:
            with gate.slots:
                if self.should_stop():
                    raise Stopped
                self.requests += 1
                return self.session.get(url, headers=headers, timeout=self.settings.timeout_seconds)
        except (requests.ConnectionError, requests.Timeout) as err:
            if attempt >= self.policy.attempts:
                raise TransientError(
                    f"mailbox {mailbox}: Graph unreachable after {attempt} tries: {type(err).__name__}"
                ) from err
            delay = self.policy.backoff(attempt)
            logger.info(
                "graph_retry",
                mailbox=mailbox,
                reason=type(err).__name__,
                wait=round(delay, 2),
                attempt=attempt,
            )
            wait_seconds(delay, self.should_stop)
            return None
        except requests.RequestException as err:  # TLS errors, invalid URLs: no point retrying
            raise TransientError(
                f"mailbox {mailbox}: Graph request failed: {type(err).__name__}: {err}"
            ) from err

    def _wait_to_retry(
        self,
        response: requests.Response,
        gate: MailboxGate,
        *,
        mailbox: str,
        code: str | None,
        attempt: int,
    ) -> None:
        """Wait as a throttled or failing server asks, or give up when that is too long."""
        status = response.status_code
        told = retry_after_seconds(response.headers.get("Retry-After"))
        delay = told if told is not None else self.policy.backoff(attempt)
        if attempt >= self.policy.attempts or delay > self.policy.max_retry_after_seconds:
            raise TransientError(
                f"mailbox {mailbox}: Graph {'throttled' if status == 429 else 'unavailable'} "
                f"({status} {code or ''}) after {attempt} tries; next pass will retry".replace(
                    " )", ")"
                )
            )
        if status in (429, 503):
            gate.hold_off(delay)  # every request to this mailbox waits, not just this one
        logger.info(
            "graph_retry",
            mailbox=mailbox,
            status=status,
            code=code,
            wait=round(delay, 2),
            retry_after=told is not None,
            attempt=attempt,
        )
        wait_seconds(delay, self.should_stop)

    def pages(
        self, url: str, *, mailbox: str, prefer: Iterable[str] = ()
    ) -> Iterable[Mapping[str, Any]]:
        """Every item of a collection, following ``@odata.nextLink``."""
        preferences = list(prefer)
        next_url: str | None = url
        while next_url:
            page = self.get(next_url, mailbox=mailbox, prefer=preferences)
            yield from (v for v in page.get("value") or [] if isinstance(v, Mapping))
            link = page.get("@odata.nextLink")
            next_url = link if isinstance(link, str) else None


def _json_of(response: requests.Response, mailbox: str) -> dict[str, Any]:
    """The JSON object of a 200 answer."""
    try:
        body = response.json()
    except ValueError as err:
        raise TransientError(f"mailbox {mailbox}: Graph answered 200 without JSON") from err
    if not isinstance(body, dict):
        raise TransientError(f"mailbox {mailbox}: Graph answered an unexpected JSON document")
    return body


def _status_error(mailbox: str, status: int, code: str | None, message: str) -> GraphError:
    """The typed error for a status that is not retried."""
    text = f"mailbox {mailbox}: Graph {status} {code or ''}: {message}".replace(" :", ":")
    if status == 410 or (400 <= status < 500 and code and _RESET_CODES.match(code)):
        return DeltaReset(text, status=status, code=code)
    if status == 403:
        return GraphForbidden(text, status=status, code=code)
    if status == 404:
        return GraphNotFound(text, status=status, code=code)
    return GraphError(text, status=status, code=code)


def _error_of(response: requests.Response) -> tuple[str | None, str]:
    """Graph's ``{"error": {"code", "message"}}``, shortened; never raises."""
    try:
        body = response.json()
    except ValueError:
        return None, (response.reason or "")[:200]
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code = error.get("code")
        return (str(code) if code else None), str(error.get("message") or "")[:300]
    return None, (response.reason or "")[:200]
