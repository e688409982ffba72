"""msal's error dictionaries as typed errors, with the AADSTS code and a plain-language hint."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from monitor.errors import AuthError, TransientError


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
