"""An IMAP account's settings: server, security, and a password or an OAuth 2 token."""

from __future__ import annotations

from pathlib import Path

from monitor.config.microsoft import parse_microsoft
from monitor.config.model import ImapSettings, MicrosoftAuth
from monitor.config.reading import Problems, Table, choice, file_path
from monitor.config.secrets import Secret

IMAP_SECURITY = ("tls", "starttls", "plain")
#: How each ``security`` is said to a person.
SECURITY_NAMES = {"tls": "TLS", "starttls": "STARTTLS", "plain": "plaintext (insecure)"}
IMAP_AUTH = ("password", "xoauth2")
OAUTH_PROVIDERS = ("microsoft", "command")
DEFAULT_OAUTH_SCOPE = "https://outlook.office.com/IMAP.AccessAsUser.All"


def parse_imap(table: Table, base: Path | None, problems: Problems) -> ImapSettings | None:
    where = table.where
    host = table.text("host", required=True) or ""
    security = choice(table, "security", IMAP_SECURITY, "tls")
    insecure = table.flag("insecure", False)
    if security == "plain" and not insecure:
        problems.add(
            f"{where}.security",
            "plaintext IMAP sends the password unencrypted; set insecure = true to allow it",
        )
    port = table.integer("port", 993 if security == "tls" else 143, minimum=1)
    username = table.text("username", required=True) or ""
    auth = choice(table, "auth", IMAP_AUTH, "password")
    password: Secret | None = None
    provider = command = scope = None
    microsoft: MicrosoftAuth | None = None
    if auth == "password":
        password = table.secret("password", base)
    else:
        provider = choice(table, "oauth_provider", OAUTH_PROVIDERS, "microsoft")
        if provider == "command":
            command = table.text("token_command", required=True)
        else:
            microsoft = parse_microsoft(table, base, problems, confidential=False)
        scope = table.text("oauth_scope", DEFAULT_OAUTH_SCOPE)
    settings = ImapSettings(
        host=host,
        port=port,
        security=security,
        username=username,
        auth=auth,
        password=password,
        oauth_provider=provider,
        token_command=command,
        oauth_scope=scope,
        microsoft=microsoft,
        ca_file=file_path(table, "ca_file", base),
        timeout_seconds=table.number("timeout_seconds", 60.0, minimum=1.0),
        idle=table.flag("idle", True),
        poll_seconds=table.integer("poll_seconds", 300, minimum=10),
        batch_size=table.integer("batch_size", 500, minimum=1),
        max_text_bytes=table.integer("max_text_bytes", 256 * 1024, minimum=1024),
    )
    return settings if host and username else None


def server_of(imap: ImapSettings) -> str:
    """Where an IMAP account connects, and how: "imap.example.com:993 over TLS"."""
    return f"{imap.host}:{imap.port} over {SECURITY_NAMES[imap.security]}"
