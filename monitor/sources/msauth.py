"""Microsoft identity platform through msal (placeholder: being built; see the Graph issue)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from monitor.config import Account, MicrosoftAuth
from monitor.errors import AuthError


def acquire_token(microsoft: MicrosoftAuth, *, scopes: Sequence[str], delegated: bool, account_name: str) -> str:
    """An access token for ``scopes``: app-only (client credentials) or, when ``delegated``, from
    the signed-in user's cached refresh token. Raises :class:`AuthError` when a person must act."""
    raise AuthError(f"account {account_name!r}: Microsoft sign-in is not available in this version")


def login_device_code(account: Account, *, echo: Callable[[str], None]) -> str:
    """Device-code sign-in for a delegated account; returns the signed-in user's name."""
    raise AuthError(f"account {account.name!r}: Microsoft sign-in is not available in this version")
