"""Microsoft identity platform through msal (placeholder: being built; see the Graph issue)."""

from __future__ import annotations

from collections.abc import Callable

from monitor.config import Account
from monitor.errors import AuthError


def login_device_code(account: Account, *, echo: Callable[[str], None]) -> str:
    raise AuthError(f"account {account.name!r}: Microsoft sign-in is not available in this version")
