"""Microsoft identity platform through msal, shared by Graph and IMAP XOAUTH2.

One msal application per (authority, client, kind of client) and one persistent token cache per
process. The cache lives in the state directory (``microsoft-token-cache.json``), readable by
its owner only, and is written atomically (temporary file, fsync, rename) and only when msal
says it changed. Another process (``relmon accounts login`` while the daemon runs) may rewrite
it: the file is read again whenever it changed on disk.

A delegated sign-in is tied to a relmon account by name in ``microsoft-sign-ins.json`` beside
the cache, because one app registration may sign in several people.

msal answers failures with dictionaries; here they become typed errors carrying the AADSTS code
and a plain-language hint::

    AuthError
    └── MicrosoftSignInError       the identity platform refused: a person must act
                                   (consent, secret, sign-in again); counted and escalated
    TransientError
    └── MicrosoftUnavailable       the sign-in service could not be reached or was busy

msal itself remembers a failed (HTTP 400) token response for 60 seconds and answers the same
request from memory in that time; that is harmless for a daemon polling every few minutes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msal
import requests
import structlog

from monitor.config import Account, MicrosoftAuth, state_directory
from monitor.errors import AuthError, ConfigError, TransientError

logger = structlog.get_logger()

TOKEN_CACHE_FILE = "microsoft-token-cache.json"  # noqa: S105 - a file name, not a secret
SIGN_INS_FILE = "microsoft-sign-ins.json"
GRAPH_RESOURCE = "https://graph.microsoft.com"
#: Delegated IMAP on Exchange Online (the IMAP source's default scope).
IMAP_DELEGATED_SCOPE = "https://outlook.office.com/IMAP.AccessAsUser.All"

# Hosts msal knows; any other authority host (a national cloud msal does not list, a test
# authority) is used as given, without asking login.microsoftonline.com about it.
_KNOWN_AUTHORITY_HOSTS = frozenset(
    {
        "login.microsoftonline.com",
        "login.windows.net",
        "login.microsoft.com",
        "sts.windows.net",
        "login.microsoftonline.us",
        "login.usgovcloudapi.net",
        "login.chinacloudapi.cn",
        "login.partner.microsoftonline.cn",
    }
)


# --------------------------------------------------------------------------- errors


class MicrosoftSignInError(AuthError):
    """The Microsoft identity platform refused to give relmon a token."""

    def __init__(
        self, account_name: str, *, error: str, code: int | None, description: str, hint: str
    ) -> None:
        self.account_name = account_name
        self.error = error
        self.code = code
        self.description = description
        self.hint = hint
        label = f"{error} (AADSTS{code})" if code is not None else error
        super().__init__(f"account {account_name!r}: Microsoft sign-in failed: {label}: {hint}")

    @property
    def aadsts(self) -> str | None:
        return None if self.code is None else f"AADSTS{self.code}"


class MicrosoftUnavailable(TransientError):
    """The sign-in service could not be reached, timed out or said it was busy."""


_SIGN_IN_AGAIN = (
    "the stored sign-in is no longer valid; run `relmon accounts login {account}` again"
)

# AADSTS codes: https://learn.microsoft.com/entra/identity-platform/reference-error-codes
_HINTS: dict[int, str] = {
    65001: (
        "the app has not been granted the permission it asks for: an administrator must grant "
        "admin consent (Entra ID > App registrations > API permissions > Grant admin consent), "
        "or the user must consent at sign-in"
    ),
    65004: "the user declined to consent to the app's permissions; sign in again and accept",
    7000218: (
        'public client flows are disabled for this app registration: turn on "Allow public '
        'client flows" under Authentication (the device-code sign-in needs it)'
    ),
    7000222: (
        "the app's client secret has expired: create a new secret in the app registration "
        "(Certificates & secrets) and put it where client_secret_file/_env points"
    ),
    7000215: (
        "the client secret is wrong: use the secret's Value (shown once when it is created), "
        "not its Secret ID"
    ),
    700027: (
        "the certificate is not accepted: upload its public part to the app registration "
        "(Certificates & secrets) and check certificate_thumbprint"
    ),
    700024: "the client assertion is outside its validity period: check this machine's clock",
    700016: "no such application in this tenant: check client_id and tenant_id",
    90002: "no such tenant: check tenant_id (a tenant GUID or verified domain)",
    900023: "the tenant id is not valid: check tenant_id",
    70011: "the requested scope is not valid for this app",
    70008: _SIGN_IN_AGAIN,
    700082: _SIGN_IN_AGAIN,
    700084: _SIGN_IN_AGAIN,
    50173: _SIGN_IN_AGAIN + " (the password was changed or the session revoked)",
    50076: _SIGN_IN_AGAIN + " (multi-factor authentication is now required)",
    50079: _SIGN_IN_AGAIN + " (multi-factor authentication enrolment is required)",
    50078: _SIGN_IN_AGAIN + " (multi-factor authentication has expired)",
    50057: "the user account is disabled in Entra ID",
    50053: "the account is locked after too many failed sign-ins; wait and try again",
    53003: "a Conditional Access policy blocked the sign-in; ask your Entra ID administrator",
    7000112: "the application is disabled in this tenant",
}
_ERROR_HINTS: dict[str, str] = {
    "invalid_grant": _SIGN_IN_AGAIN,
    "interaction_required": _SIGN_IN_AGAIN,
    "invalid_client": "the client credentials were refused: check the client secret or certificate",
    "unauthorized_client": "this app registration may not use this sign-in flow",
    "authorization_declined": "the sign-in was declined on the verification page",
    "expired_token": "the code was not entered in time; run the login again",
    "bad_verification_code": "the device code was not recognised; run the login again",
    "invalid_scope": "the requested scope is not valid for this app",
    "invalid_request": "the sign-in request was refused",
}
_TRANSIENT_ERRORS = frozenset({"temporarily_unavailable", "server_error", "slow_down"})
_AADSTS = re.compile(r"AADSTS(\d+)")


def error_from_result(
    result: Mapping[str, Any], account_name: str
) -> MicrosoftSignInError | MicrosoftUnavailable:
    """A typed error from an msal error dictionary (never includes a token)."""
    error = str(result.get("error") or "unknown_error")
    description = str(result.get("error_description") or "")
    codes = result.get("error_codes")
    code: int | None = None
    if isinstance(codes, list) and codes and isinstance(codes[0], int):
        code = codes[0]
    else:
        found = _AADSTS.search(description)
        code = int(found.group(1)) if found else None
    # Entra descriptions end with trace and correlation ids on later lines; the first line is
    # the useful one, and it never contains a secret.
    first_line = description.strip().splitlines()[0][:300] if description.strip() else ""
    if error in _TRANSIENT_ERRORS:
        return MicrosoftUnavailable(
            f"account {account_name!r}: the Microsoft sign-in service is busy ({error}); will retry"
            + (f": {first_line}" if first_line else "")
        )
    hint = _HINTS.get(code) if code is not None else None
    hint = (
        hint or _ERROR_HINTS.get(error) or (first_line or "the sign-in service refused the request")
    )
    return MicrosoftSignInError(
        account_name,
        error=error,
        code=code,
        description=first_line,
        hint=hint.format(account=account_name),
    )


# --------------------------------------------------------------------------- files


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - some filesystems do not open directories
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def write_private(path: Path, text: str) -> None:
    """Write ``text`` atomically to ``path`` with owner-only permissions: a temporary file in
    the same directory, fsync, rename over the old file, fsync the directory. A crash leaves
    either the old file or the new one, never a truncated one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # also when an old temporary file was left with other bits
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def _stat_key(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


class TokenCacheFile:
    """msal's serializable cache, persisted to one file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.cache = msal.SerializableTokenCache()
        self.lock = threading.RLock()
        self._seen: tuple[int, int, int] | None = None
        self.reload_if_changed()

    def reload_if_changed(self) -> None:
        """Read the file again if another process rewrote it since we last read or wrote it."""
        with self.lock:
            current = _stat_key(self.path)
            if current == self._seen:
                return
            if current is None:
                self.cache.deserialize(None)
                self._seen = None
                return
            mode = self.path.stat().st_mode & 0o777
            if mode & 0o077:
                # Someone loosened the permissions (a copy, a restore): tighten them again.
                self.path.chmod(0o600)
                logger.warning("token_cache_permissions_fixed", path=str(self.path), mode=oct(mode))
            text = self.path.read_text(encoding="utf-8")
            try:
                self.cache.deserialize(text or None)
            except ValueError:
                # A damaged cache only costs a new sign-in; never crash over it.
                logger.warning("token_cache_unreadable", path=str(self.path))
                self.cache.deserialize(None)
            self._seen = _stat_key(self.path)

    def save_if_changed(self) -> None:
        with self.lock:
            if not self.cache.has_state_changed:
                return
            write_private(self.path, self.cache.serialize())
            self._seen = _stat_key(self.path)


@dataclass(frozen=True)
class SignIn:
    """Which Entra ID account a relmon account signed in as."""

    account: str
    home_account_id: str
    username: str
    authority: str
    client_id: str
    signed_in_at: str


def _sign_ins_path() -> Path:
    return state_directory() / SIGN_INS_FILE


def read_sign_ins() -> dict[str, SignIn]:
    path = _sign_ins_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        logger.warning("sign_ins_unreadable", path=str(path))
        return {}
    found: dict[str, SignIn] = {}
    for name, entry in (data.get("accounts") or {}).items():
        try:
            found[name] = SignIn(
                account=name,
                **{
                    k: str(entry[k])
                    for k in (
                        "home_account_id",
                        "username",
                        "authority",
                        "client_id",
                        "signed_in_at",
                    )
                },
            )
        except (KeyError, TypeError):
            continue
    return found


def _record_sign_in(sign_in: SignIn) -> None:
    entries = read_sign_ins()
    entries[sign_in.account] = sign_in
    document = {
        "accounts": {
            name: {
                "home_account_id": s.home_account_id,
                "username": s.username,
                "authority": s.authority,
                "client_id": s.client_id,
                "signed_in_at": s.signed_in_at,
            }
            for name, s in sorted(entries.items())
        }
    }
    write_private(_sign_ins_path(), json.dumps(document, indent=2) + "\n")


# --------------------------------------------------------------------------- HTTP


class PinnedSession(requests.Session):
    """A requests session whose ``verify`` setting wins over ``REQUESTS_CA_BUNDLE`` and
    ``CURL_CA_BUNDLE``. requests lets those variables replace a session's CA file, so a CA
    configured for the sign-in service or Graph (a TLS-inspecting proxy, a test service) would
    be silently ignored on machines that set them; proxies from the environment still apply."""

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> Any:
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if self.verify is not True:
            settings["verify"] = self.verify
        return settings


def http_session(ca_file: Path | None) -> requests.Session:
    session = PinnedSession()
    if ca_file is not None:
        session.verify = str(ca_file)
    return session


# --------------------------------------------------------------------------- applications


class _Registry:
    """The process's token caches and msal applications."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.caches: dict[Path, TokenCacheFile] = {}
        self.apps: dict[tuple[str, str, bool, str], Any] = {}
        self.app_locks: dict[tuple[str, str, bool, str], threading.Lock] = {}


_registry = _Registry()


def forget() -> None:
    """Drop this process's applications and cache (after the state directory moved; tests)."""
    global _registry
    _registry = _Registry()


def token_cache() -> TokenCacheFile:
    """The process's one persistent token cache (in the state directory)."""
    path = state_directory() / TOKEN_CACHE_FILE
    registry = _registry
    with registry.lock:
        cache = registry.caches.get(path)
        if cache is None:
            cache = registry.caches[path] = TokenCacheFile(path)
        return cache


def _private_key_and_certificate(pem: str) -> tuple[str, str | None]:
    key = re.search(
        r"-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----.+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----",
        pem,
        re.S,
    )
    cert = re.search(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", pem, re.S)
    if key is None:
        raise ConfigError(
            [
                "certificate_file/_env: no PEM private key found (expected the private key, optionally followed by its certificate)"
            ]
        )
    return key.group(0), cert.group(0) if cert else None


def _client_credential(microsoft: MicrosoftAuth) -> tuple[Any, str]:
    """msal's client_credential and a fingerprint of it (a rotated secret builds a new app)."""
    if microsoft.client_secret is not None:
        secret = microsoft.client_secret.reveal()
        return secret, hashlib.sha256(secret.encode()).hexdigest()
    if microsoft.certificate is not None:
        key, certificate = _private_key_and_certificate(microsoft.certificate.reveal())
        thumbprint = (
            (microsoft.certificate_thumbprint or "").replace(":", "").replace(" ", "").upper()
        )
        if certificate is not None:
            from cryptography import x509
            from cryptography.hazmat.primitives import hashes

            actual = (
                x509.load_pem_x509_certificate(certificate.encode())
                .fingerprint(hashes.SHA1())  # noqa: S303 - the thumbprint Entra ID shows is SHA-1
                .hex()
                .upper()
            )
            if thumbprint != actual:
                raise ConfigError(
                    [
                        f"certificate_thumbprint: {thumbprint} does not match the certificate in certificate_file ({actual})"
                    ]
                )
        # With the certificate at hand msal signs with PS256 and names the key by its SHA-256
        # thumbprint; a bare key falls back to the SHA-1 thumbprint Entra ID displays.
        credential = (
            {"private_key": key, "public_certificate": certificate}
            if certificate
            else {"private_key": key, "thumbprint": thumbprint}
        )
        return credential, hashlib.sha256((key + thumbprint).encode()).hexdigest()
    raise ConfigError(["app-only access needs client_secret_file/_env or certificate_file/_env"])


def _instance_discovery(microsoft: MicrosoftAuth) -> bool | None:
    host = (urlsplit(microsoft.authority_host).hostname or "").lower()
    return None if host in _KNOWN_AUTHORITY_HOSTS else False


def application(
    microsoft: MicrosoftAuth, *, confidential: bool, account_name: str, timeout: float = 60.0
) -> tuple[Any, threading.Lock]:
    """The process's msal application for this authority and client (built on first use)."""
    credential: Any = None
    fingerprint = ""
    if confidential:
        credential, fingerprint = _client_credential(microsoft)
    key = (microsoft.authority.lower(), microsoft.client_id, confidential, fingerprint)
    registry = _registry
    with registry.lock:
        app = registry.apps.get(key)
        if app is not None:
            return app, registry.app_locks[key]
    cache = token_cache()
    options: dict[str, Any] = {
        "authority": microsoft.authority,
        "token_cache": cache.cache,
        "http_client": http_session(microsoft.ca_file),
        "timeout": timeout,
        "instance_discovery": _instance_discovery(microsoft),
    }
    try:
        if confidential:
            app = msal.ConfidentialClientApplication(
                microsoft.client_id, client_credential=credential, **options
            )
        else:
            app = msal.PublicClientApplication(microsoft.client_id, **options)
    except requests.RequestException as err:
        raise MicrosoftUnavailable(
            f"account {account_name!r}: cannot reach the Microsoft sign-in service at {microsoft.authority_host}: {type(err).__name__}"
        ) from err
    except ValueError as err:
        # msal could not read the tenant's OpenID configuration: a wrong tenant or host.
        raise MicrosoftSignInError(
            account_name,
            error="invalid_authority",
            code=None,
            description=str(err)[:300],
            hint=f"the authority {microsoft.authority} answered no OpenID configuration: check tenant_id and authority_host",
        ) from err
    with registry.lock:
        registry.apps.setdefault(key, app)
        registry.app_locks.setdefault(key, threading.Lock())
        return registry.apps[key], registry.app_locks[key]


def default_scopes(resource: str, *, delegated: bool) -> list[str]:
    """Graph scopes: ``/.default`` (the application permissions granted) for app-only,
    ``Mail.Read`` for a delegated sign-in. ``resource`` is the Graph origin, so national
    clouds (graph.microsoft.us, microsoftgraph.chinacloudapi.cn) get their own."""
    resource = resource.rstrip("/")
    return [f"{resource}/Mail.Read"] if delegated else [f"{resource}/.default"]


def acquire_token(
    microsoft: MicrosoftAuth, *, scopes: Sequence[str], delegated: bool, account_name: str
) -> str:
    """An access token for ``scopes``: app-only (client credentials, from msal's cache while it
    is valid) or, when ``delegated``, from the refresh token stored by ``relmon accounts login``.

    Raises :class:`MicrosoftSignInError` (an :class:`AuthError`) when a person must act and
    :class:`MicrosoftUnavailable` (a :class:`TransientError`) when the service cannot be reached.
    """
    cache = token_cache()
    app, app_lock = application(microsoft, confidential=not delegated, account_name=account_name)
    with app_lock, cache.lock:
        cache.reload_if_changed()
        try:
            if delegated:
                result = _silent(app, microsoft, scopes=scopes, account_name=account_name)
            else:
                result = app.acquire_token_for_client(list(scopes))
        except requests.RequestException as err:
            raise MicrosoftUnavailable(
                f"account {account_name!r}: cannot reach the Microsoft sign-in service at {microsoft.authority_host}: {type(err).__name__}"
            ) from err
        finally:
            cache.save_if_changed()
    if "access_token" not in result:
        raise error_from_result(result, account_name)
    logger.debug(
        "microsoft_token",
        account=account_name,
        source=result.get("token_source"),
        delegated=delegated,
    )
    return str(result["access_token"])


def _silent(
    app: Any, microsoft: MicrosoftAuth, *, scopes: Sequence[str], account_name: str
) -> dict[str, Any]:
    sign_in = read_sign_ins().get(account_name)
    not_signed_in = {
        "error": "not_signed_in",
        "error_description": f"no stored sign-in; run `relmon accounts login {account_name}`",
    }
    if (
        sign_in is None
        or sign_in.client_id != microsoft.client_id
        or sign_in.authority.lower() != microsoft.authority.lower()
    ):
        return not_signed_in
    accounts = [
        a for a in app.get_accounts() if a.get("home_account_id") == sign_in.home_account_id
    ]
    if not accounts:
        return not_signed_in
    result = app.acquire_token_silent_with_error(list(scopes), account=accounts[0])
    if result is None:
        return {
            "error": "invalid_grant",
            "error_description": "no refresh token is stored for this sign-in",
        }
    return dict(result)


def drop_token(microsoft: MicrosoftAuth, token: str) -> None:
    """Forget an access token the resource server rejected (HTTP 401), so that the next
    :func:`acquire_token` gets a new one instead of msal's cached copy."""
    cache = token_cache()
    with cache.lock:
        cache.reload_if_changed()
        rejected = list(
            cache.cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN, query={"secret": token})
        )
        for entry in rejected:
            cache.cache.remove_at(entry)
        cache.save_if_changed()
    if rejected:
        logger.info("microsoft_token_dropped", client_id=microsoft.client_id)


# --------------------------------------------------------------------------- device code


def _delegated_settings(account: Account) -> tuple[MicrosoftAuth, list[str]]:
    if account.kind == "graph" and account.graph is not None:
        if account.graph.auth != "delegated":
            raise ConfigError(
                [
                    f'account {account.name!r} uses app-only access (auth = "app"); it needs no sign-in'
                ]
            )
        resource = "{0.scheme}://{0.netloc}".format(urlsplit(account.graph.graph_url))
        return account.graph.microsoft, default_scopes(resource, delegated=True)
    if account.kind == "imap" and account.imap is not None and account.imap.microsoft is not None:
        return account.imap.microsoft, [account.imap.oauth_scope or IMAP_DELEGATED_SCOPE]
    raise ConfigError(
        [
            f'account {account.name!r} does not sign in with Microsoft (only delegated Graph accounts and IMAP accounts with oauth_provider = "microsoft" do)'
        ]
    )


def login_device_code(account: Account, *, echo: Callable[[str], None]) -> str:
    """Device-code sign-in for a delegated account; returns the signed-in user's name.

    Prints Microsoft's instruction (a URL and a code), waits while the person signs in on any
    device, then stores the tokens in the cache and ties the sign-in to this account.
    """
    microsoft, scopes = _delegated_settings(account)
    cache = token_cache()
    app, app_lock = application(microsoft, confidential=False, account_name=account.name)
    try:
        with app_lock:
            flow = app.initiate_device_flow(scopes=scopes)
    except requests.RequestException as err:
        raise MicrosoftUnavailable(
            f"account {account.name!r}: cannot reach the Microsoft sign-in service at {microsoft.authority_host}: {type(err).__name__}"
        ) from err
    if "user_code" not in flow:
        raise error_from_result(flow, account.name)
    echo(
        str(
            flow.get("message")
            or f"Open {flow.get('verification_uri')} and enter the code {flow['user_code']}"
        )
    )
    # Polling holds no lock: the daemon may refresh other accounts' tokens meanwhile.
    try:
        result = app.acquire_token_by_device_flow(flow)
    except requests.RequestException as err:
        raise MicrosoftUnavailable(
            f"account {account.name!r}: lost the Microsoft sign-in service while waiting: {type(err).__name__}"
        ) from err
    if "access_token" not in result:
        raise error_from_result(result, account.name)
    claims = result.get("id_token_claims") or {}
    username = str(
        claims.get("preferred_username") or claims.get("upn") or claims.get("email") or ""
    )
    with app_lock, cache.lock:
        cache.save_if_changed()
        accounts = app.get_accounts(username=username) if username else []
        if not accounts:
            accounts = app.get_accounts()
    if not accounts:
        raise MicrosoftSignInError(
            account.name,
            error="no_account",
            code=None,
            description="",
            hint="the sign-in returned no account; make sure the app may request the openid and profile scopes",
        )
    home_account_id = str(accounts[0]["home_account_id"])
    username = username or str(accounts[0].get("username") or "")
    _record_sign_in(
        SignIn(
            account=account.name,
            home_account_id=home_account_id,
            username=username,
            authority=microsoft.authority,
            client_id=microsoft.client_id,
            signed_in_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
    )
    expected = account.address or (account.imap.username if account.imap else None)
    if expected and username and expected.casefold() != username.casefold():
        echo(
            f"note: signed in as {username}, but the account's address is {expected}; "
            "relmon reads the mailbox of the person who signed in"
        )
    logger.info("microsoft_signed_in", account=account.name, username=username)
    return username
