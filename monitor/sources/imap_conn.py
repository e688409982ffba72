"""Connecting and logging in to an IMAP server, and sorting its failures by what to do.

Every socket operation has a timeout (imapclient has none by default): connecting, the TLS
handshake, and every read and write after it. TLS is implicit by default, STARTTLS on request,
plaintext only when the configuration says ``insecure = true``. Certificates are always
verified, against the system's trust store or against ``ca_file`` when one is given.

Failures become the exceptions of :mod:`monitor.errors`:

- the server refused the credentials or the token → :class:`AuthError` (count, then escalate;
  never retried in a loop);
- the certificate cannot be verified, or the server cannot do what the configuration asks
  (no STARTTLS, no XOAUTH2) → :class:`ConfigError` (a person must act);
- timeouts, refused or cut connections, ``BYE`` → :class:`TransientError` (back off, retry).
"""

from __future__ import annotations

import contextlib
import imaplib
import random
import re
import shlex
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import CapabilityError, IMAPClientAbortError, IMAPClientError, LoginError
from imapclient.imapclient import SocketTimeout

from monitor.config import Account, ImapSettings
from monitor.errors import AuthError, ConfigError, SourceError, TransientError
from monitor.log import get_logger

logger = get_logger()

#: How long a connection attempt may take, at most (reads use ``timeout_seconds``).
CONNECT_TIMEOUT = 30.0
#: How long a ``token_command`` may run.
TOKEN_COMMAND_TIMEOUT = 60.0
GMAIL_SCOPE = "https://mail.google.com/"
MICROSOFT_SCOPE = "https://outlook.office.com/IMAP.AccessAsUser.All"


def tls_context(settings: ImapSettings) -> ssl.SSLContext:
    """A verifying TLS context: the system trust store, or only ``ca_file`` when given."""
    context = ssl.create_default_context(cafile=str(settings.ca_file) if settings.ca_file else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _where(account: Account) -> str:
    assert account.imap is not None
    return f"account {account.name!r} ({account.imap.host}:{account.imap.port})"


def network_error(account: Account, err: BaseException, doing: str) -> SourceError | ConfigError:
    """The right :mod:`monitor.errors` exception for a failure while ``doing`` something."""
    where = _where(account)
    if isinstance(err, SourceError):
        return err
    if isinstance(err, ssl.SSLCertVerificationError):
        hint = (
            " (set ca_file if the server uses a private certificate authority)"
            if account.imap and not account.imap.ca_file
            else ""
        )
        return ConfigError(
            [
                f"{where}: the server's certificate could not be verified: {err.verify_message or err.reason}{hint}"
            ]
        )
    if isinstance(err, TimeoutError | socket.timeout):
        return TransientError(f"{where}: timed out while {doing}")
    if isinstance(err, ConnectionRefusedError):
        return TransientError(f"{where}: connection refused while {doing}")
    if isinstance(err, socket.gaierror):
        return TransientError(f"{where}: cannot resolve the host name ({err.strerror})")
    if isinstance(err, ssl.SSLError):
        return TransientError(f"{where}: TLS failed while {doing}: {err.reason or err}")
    if isinstance(err, OSError):
        return TransientError(f"{where}: network error while {doing}: {err.strerror or err}")
    if isinstance(err, IMAPClientAbortError | imaplib.IMAP4.abort):
        return TransientError(f"{where}: the connection was lost while {doing}: {_short(err)}")
    if isinstance(err, IMAPClientError | imaplib.IMAP4.error):
        return TransientError(f"{where}: the server refused {doing}: {_short(err)}")
    return TransientError(f"{where}: {type(err).__name__} while {doing}: {_short(err)}")


def _short(err: BaseException) -> str:
    text = str(err).strip() or type(err).__name__
    # imapclient puts the server's bytes into its messages as b'…'.
    text = re.sub(r"\bb'([^']*)'", r"\1", text)
    return text[:300]


def token_from_command(account: Account) -> str:
    """Run ``token_command`` (without a shell; wrap it in ``sh -c '…'`` for pipes) and return
    the access token it prints. Its output is never logged."""
    assert account.imap is not None and account.imap.token_command
    try:
        argv = shlex.split(account.imap.token_command)
    except ValueError as err:
        raise ConfigError(
            [f"account {account.name!r}: token_command cannot be split into words: {err}"]
        ) from err
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            timeout=TOKEN_COMMAND_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError as err:
        raise ConfigError(
            [f"account {account.name!r}: token_command {argv[0]!r} not found"]
        ) from err
    except subprocess.TimeoutExpired as err:
        raise TransientError(
            f"account {account.name!r}: token_command did not finish within {TOKEN_COMMAND_TIMEOUT:.0f} s"
        ) from err
    token = done.stdout.decode("utf-8", "replace").strip()
    if done.returncode != 0 or not token:
        what = f"exited with status {done.returncode}" if done.returncode else "printed no token"
        # Its stderr may carry secrets; say where to look instead of copying it.
        raise AuthError(
            f"account {account.name!r}: token_command {what}; run it by hand to see why"
        )
    return token.splitlines()[-1].strip()


def access_token(account: Account) -> str:
    """An OAuth 2.0 access token for XOAUTH2, from msal or from the configured command."""
    settings = account.imap
    assert settings is not None
    if settings.oauth_provider == "command":
        return token_from_command(account)
    if settings.microsoft is None:
        raise ConfigError(
            [f"account {account.name!r}: xoauth2 with Microsoft needs tenant_id and client_id"]
        )
    from monitor.sources.msauth import acquire_token

    scope = settings.oauth_scope or MICROSOFT_SCOPE
    return acquire_token(
        settings.microsoft, scopes=[scope], delegated=True, account_name=account.name
    )


def xoauth2_initial_response(username: str, token: str) -> bytes:
    """The SASL XOAUTH2 initial client response (before base64), as Google and Microsoft
    document it: ``user=U ^A auth=Bearer T ^A ^A``."""
    return f"user={username}\x01auth=Bearer {token}\x01\x01".encode()


def connect(account: Account) -> IMAPClient:
    """Open a connection, secure it and log in. The caller logs out (see :func:`session`)."""
    settings = account.imap
    if settings is None:  # pragma: no cover - the configuration guarantees it
        raise ConfigError([f"account {account.name!r} has no IMAP settings"])
    timeout = SocketTimeout(
        connect=min(CONNECT_TIMEOUT, settings.timeout_seconds), read=settings.timeout_seconds
    )
    context = tls_context(settings) if settings.security != "plain" else None
    try:
        client = IMAPClient(
            settings.host,
            settings.port,
            ssl=settings.security == "tls",
            ssl_context=context,
            timeout=timeout,
        )
    except Exception as err:  # sorted into our exceptions
        raise network_error(account, err, "connecting") from err
    client.normalise_times = False  # aware datetimes, never naive local time
    try:
        if settings.security == "starttls":
            try:
                client.starttls(context)
            except CapabilityError as err:
                raise ConfigError(
                    [f'{_where(account)}: the server does not offer STARTTLS; use security = "tls"']
                ) from err
            except Exception as err:  # sorted into our exceptions
                raise network_error(account, err, "starting TLS") from err
        _login(client, account)
    except BaseException:
        _close(client)
        raise
    return client


def _login(client: IMAPClient, account: Account) -> None:
    settings = account.imap
    assert settings is not None
    try:
        if settings.auth == "xoauth2":
            if not client.has_capability("AUTH=XOAUTH2"):
                raise ConfigError([f"{_where(account)}: the server does not offer XOAUTH2 sign-in"])
            token = access_token(account)
            client.oauth2_login(settings.username, token)
        else:
            if settings.password is None:  # pragma: no cover - the configuration requires it
                raise ConfigError([f"account {account.name!r}: no password configured"])
            client.login(settings.username, settings.password.reveal())
    except LoginError as err:
        how = "OAuth token" if settings.auth == "xoauth2" else "username or password"
        raise AuthError(
            f"{_where(account)}: the server rejected the {how} for {settings.username}: {_short(err)}"
        ) from err
    except (SourceError, ConfigError):
        raise
    except Exception as err:  # sorted into our exceptions
        raise network_error(account, err, "logging in") from err


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - the connection may already be gone
        with contextlib.suppress(Exception):  # nothing more to do with a dead socket
            client.shutdown()


@contextmanager
def session(account: Account) -> Iterator[IMAPClient]:
    """A logged-in connection, logged out (or dropped) afterwards."""
    client = connect(account)
    try:
        yield client
    finally:
        _close(client)


@dataclass
class Backoff:
    """Exponential backoff with jitter: ``base·2ⁿ``, capped, each delay drawn from the upper
    half of its range so that many clients do not reconnect in step. Reset after a success."""

    base: float = 1.0
    cap: float = 300.0
    failures: int = 0
    rng: Callable[[], float] = field(default=random.random)

    def next_delay(self) -> float:
        ceiling = min(self.cap, self.base * (2 ** min(self.failures, 30)))
        self.failures += 1
        return float(ceiling * (0.5 + 0.5 * self.rng()))

    def reset(self) -> None:
        self.failures = 0


def capabilities(client: IMAPClient) -> set[str]:
    return {
        c.decode("ascii", "replace").upper() if isinstance(c, bytes) else str(c).upper()
        for c in client.capabilities()
    }


def enable_condstore(client: IMAPClient, caps: set[str]) -> bool:
    """Turn CONDSTORE on (so SELECT reports HIGHESTMODSEQ); False when the server lacks it."""
    return _enable(client, caps, "CONDSTORE")


def enable_qresync(client: IMAPClient, caps: set[str]) -> bool:
    """Turn QRESYNC on (expunges since a mod-sequence, :mod:`monitor.sources.imap_vanished`);
    False when the server lacks it. Before any folder is selected, as ENABLE must be."""
    return _enable(client, caps, "QRESYNC")


def _enable(client: IMAPClient, caps: set[str], extension: str) -> bool:
    if extension not in caps or "ENABLE" not in caps:
        return False
    try:
        enabled = client.enable(extension)
    except IMAPClientError:
        return False
    return any(
        (e.decode() if isinstance(e, bytes) else str(e)).upper() == extension for e in enabled
    )


def as_int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
