"""``relmon accounts login``: the device-code sign-in of a delegated account."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from monitor.config import Account, MicrosoftAuth
from monitor.errors import ConfigError
from monitor.log import get_logger
from monitor.sources.msauth.apps import (
    IMAP_DELEGATED_SCOPE,
    application,
    default_scopes,
    token_cache,
)
from monitor.sources.msauth.errors import (
    MicrosoftSignInError,
    MicrosoftUnavailable,
    error_from_result,
)
from monitor.sources.msauth.files import SignIn, record_sign_in

# Log lines keep the name they had before the package was split.
logger = get_logger("monitor.sources.msauth")


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
    result = _device_flow(app, app_lock, microsoft, scopes, account.name, echo)
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
    record_sign_in(
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


def _device_flow(
    app: Any,
    app_lock: threading.Lock,
    microsoft: MicrosoftAuth,
    scopes: list[str],
    account_name: str,
    echo: Callable[[str], None],
) -> dict[str, Any]:
    """Start the flow, show its instruction, wait for the sign-in; msal's successful result."""
    try:
        with app_lock:
            flow = app.initiate_device_flow(scopes=scopes)
    except requests.RequestException as err:
        raise MicrosoftUnavailable(
            f"account {account_name!r}: cannot reach the Microsoft sign-in service at {microsoft.authority_host}: {type(err).__name__}"
        ) from err
    if "user_code" not in flow:
        raise error_from_result(flow, account_name)
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
            f"account {account_name!r}: lost the Microsoft sign-in service while waiting: {type(err).__name__}"
        ) from err
    if "access_token" not in result:
        raise error_from_result(result, account_name)
    return dict(result)
