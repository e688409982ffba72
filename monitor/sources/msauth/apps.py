"""The process's msal applications and token cache, and the tokens they give."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msal
import requests

from monitor.config import MicrosoftAuth, state_directory
from monitor.errors import ConfigError
from monitor.log import get_logger
from monitor.sources.msauth.errors import (
    MicrosoftSignInError,
    MicrosoftUnavailable,
    error_from_result,
)
from monitor.sources.msauth.files import TOKEN_CACHE_FILE, TokenCacheFile, read_sign_ins

# Log lines keep the name they had before the package was split.
logger = get_logger("monitor.sources.msauth")

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
