"""SMTP delivery: implicit TLS, STARTTLS, or plain for a local relay.

Failures are sorted by what to do: a 5xx answer (unknown recipient, message refused) is
permanent and is not retried; a 4xx answer, a timeout or a refused connection is transient and
is retried with backoff; rejected credentials stop delivery with an operator-visible error.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from monitor.alerts.channel import DeliveryError
from monitor.config import Smtp

__all__ = ["DeliveryError", "SmtpTransport", "Transport"]


class Transport(Protocol):
    """The socket layer under the email channel: one message to its envelope recipients."""

    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> None: ...


def _code_error(code: int, text: bytes | str, what: str) -> DeliveryError:
    detail = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return DeliveryError(f"{what}: {code} {detail}".strip(), permanent=500 <= code < 600)


def _utf8(client: smtplib.SMTP, addresses: Sequence[str]) -> tuple[str, ...]:
    """The MAIL options an envelope needs: SMTPUTF8 for an address beyond ASCII
    ("jürgen@…"), which only a server that offers it takes (RFC 6531); a clear, permanent
    error otherwise."""
    if all(address.isascii() for address in addresses):
        return ()
    client.ehlo_or_helo_if_needed()
    if not client.has_extn("smtputf8"):
        raise DeliveryError(
            "an address is not plain ASCII and the SMTP server does not offer SMTPUTF8",
            permanent=True,
        )
    return ("SMTPUTF8",)


#: What ends a message's text in DATA (RFC 5321, 4.1.1.4). Once it has gone out the server may
#: have taken the message, even if its answer never arrives.
_END_OF_DATA = b"\r\n.\r\n"


class _Connection(smtplib.SMTP):
    """An SMTP connection that knows whether the whole message went out."""

    message_sent = False

    def send(self, s: Any) -> None:
        super().send(s)
        if isinstance(s, bytes) and s.endswith(_END_OF_DATA):
            self.message_sent = True


class _TlsConnection(smtplib.SMTP_SSL, _Connection):
    """The same over implicit TLS."""


def _lost(host: str, client: _Connection, err: Exception) -> DeliveryError:
    """A connection lost during the conversation; unconfirmed when the whole message had gone
    out (lost while the server was saying whether it took it)."""
    if client.message_sent:
        return DeliveryError(
            f"connection to {host} lost after the whole email was sent, before the server "
            f"answered: it may have been delivered ({err})",
            permanent=False,
            unconfirmed=True,
        )
    return DeliveryError(f"connection to {host} lost: {err}", permanent=False)


@dataclass
class SmtpTransport:
    settings: Smtp
    password: str | None = field(default=None, repr=False)  # never in a printed transport

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(
            cafile=str(self.settings.ca_file) if self.settings.ca_file else None
        )

    def _connect(self) -> _Connection:
        s = self.settings
        if s.security == "tls":
            client: _Connection = _TlsConnection(
                s.host, s.port, timeout=s.timeout_seconds, context=self._context()
            )
        else:
            client = _Connection(s.host, s.port, timeout=s.timeout_seconds)
            if s.security == "starttls":
                client.starttls(context=self._context())
        if s.username:
            client.login(s.username, self.password or "")
        return client

    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> None:
        try:
            client = self._connect()
        except smtplib.SMTPAuthenticationError as err:
            raise DeliveryError(
                f"SMTP server {self.settings.host} rejected the credentials: {err.smtp_code}",
                permanent=500 <= err.smtp_code < 600,
                stop=True,
            ) from err
        except smtplib.SMTPNotSupportedError as err:
            raise DeliveryError(
                f"SMTP server {self.settings.host}: {err}", permanent=True, stop=True
            ) from err
        except ssl.SSLError as err:
            raise DeliveryError(
                f"TLS with {self.settings.host} failed: {err.reason or err}",
                permanent=True,
                stop=True,
            ) from err
        except (OSError, smtplib.SMTPException) as err:
            raise DeliveryError(
                f"cannot reach SMTP server {self.settings.host}:{self.settings.port}: {err}",
                permanent=False,
                stop=True,
            ) from err
        try:
            refused = client.sendmail(
                sender, list(recipients), raw, _utf8(client, [sender, *recipients])
            )
            if refused:
                # Some recipients took it, some did not: what is refused is refused for good.
                listed = ", ".join(f"{address}: {code}" for address, (code, _) in refused.items())
                raise DeliveryError(f"some recipients refused: {listed}", permanent=True)
        except smtplib.SMTPRecipientsRefused as err:
            codes = [code for code, _ in err.recipients.values()]
            detail = ", ".join(
                f"{address}: {code} {text.decode('utf-8', 'replace')}"
                for address, (code, text) in err.recipients.items()
            )
            raise DeliveryError(
                f"recipients refused: {detail}", permanent=all(500 <= c < 600 for c in codes)
            ) from err
        except smtplib.SMTPSenderRefused as err:
            raise _code_error(err.smtp_code, err.smtp_error, "sender refused") from err
        except smtplib.SMTPDataError as err:
            raise _code_error(err.smtp_code, err.smtp_error, "message refused") from err
        except (TimeoutError, smtplib.SMTPServerDisconnected, OSError) as err:
            raise _lost(self.settings.host, client, err) from err
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()
