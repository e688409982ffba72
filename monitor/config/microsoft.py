"""An Entra ID (Azure AD) app registration, as IMAP (XOAUTH2) and Graph accounts name it."""

from __future__ import annotations

from pathlib import Path

from monitor.config.model import MicrosoftAuth
from monitor.config.reading import Problems, Table, file_path
from monitor.config.secrets import Secret

DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
#: Keys only app-only (confidential) access uses; delegated access accepts and refuses them.
_CREDENTIAL_KEYS = (
    "client_secret",
    "client_secret_file",
    "client_secret_env",
    "certificate_file",
    "certificate_env",
    "certificate_thumbprint",
)


def parse_microsoft(
    table: Table, base: Path | None, problems: Problems, *, confidential: bool
) -> MicrosoftAuth | None:
    """The app registration; ``confidential`` (app-only access) needs a secret or certificate."""
    tenant = table.text("tenant_id", required=True) or ""
    client = table.text("client_id", required=True) or ""
    secret: Secret | None = None
    certificate: Secret | None = None
    thumbprint: str | None = None
    if confidential:
        secret, certificate, thumbprint = _credentials(table, base, problems)
    else:
        _no_credentials(table, problems)
    authority_host = table.text("authority_host", DEFAULT_AUTHORITY) or DEFAULT_AUTHORITY
    if not authority_host.startswith("https://"):
        problems.add(
            f"{table.where}.authority_host", "must be an https:// URL (msal refuses anything else)"
        )
    if tenant in ("common", "organizations", "consumers") and confidential:
        problems.add(
            f"{table.where}.tenant_id",
            f"{tenant!r} is not a tenant; app-only access needs your tenant id or domain",
        )
    if not tenant or not client:
        return None
    return MicrosoftAuth(
        tenant_id=tenant,
        client_id=client,
        authority_host=authority_host,
        client_secret=secret,
        certificate=certificate,
        certificate_thumbprint=thumbprint,
        ca_file=file_path(table, "authority_ca_file", base),
    )


def _credentials(
    table: Table, base: Path | None, problems: Problems
) -> tuple[Secret | None, Secret | None, str | None]:
    """App-only access: a client secret or a certificate (with its thumbprint), not both."""
    secret = certificate = None
    thumbprint = None
    has_secret = (
        table.has("client_secret_file")
        or table.has("client_secret_env")
        or table.has("client_secret")
    )
    has_certificate = table.has("certificate_file") or table.has("certificate_env")
    if has_secret:
        secret = table.secret("client_secret", base)
    if has_certificate:
        certificate = table.secret("certificate", base)
        thumbprint = table.text("certificate_thumbprint", required=True)
    if not has_secret and not has_certificate:
        problems.add(
            table.where,
            "app-only access needs client_secret_file/_env or certificate_file/_env",
        )
    elif has_secret and has_certificate:
        problems.add(table.where, "give either a client secret or a certificate, not both")
    return secret, certificate, thumbprint


def _no_credentials(table: Table, problems: Problems) -> None:
    """Delegated (device-code) access signs a user in; a client secret here is a mistake."""
    table.used.update(_CREDENTIAL_KEYS)
    for key in ("client_secret_file", "client_secret_env", "certificate_file"):
        if table.has(key):
            problems.add(
                f"{table.where}.{key}", "delegated (device-code) access uses no client secret"
            )
