"""A real SMTP server for the tests: aiosmtpd on a free loopback port, keeping what it receives."""

from __future__ import annotations

import email
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.servers import free_port


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Inbox:
    """What the server received, and how it should answer."""

    messages: list[Received] = field(default_factory=list)
    reject: dict[str, str] = field(
        default_factory=dict
    )  # recipient -> SMTP reply, e.g. "550 5.1.1 …"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return self.reject[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                envelope.original_content or envelope.content,
            )
        )
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [str(m.message["Message-ID"]) for m in self.messages]


class SmtpServer:
    def __init__(
        self, port: int | None = None, *, credentials: tuple[str, str] | None = None
    ) -> None:
        self.port = port or free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None
        self.credentials = credentials  # when set, AUTH is required and must match
        self.logins: list[str] = []

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and self.credentials is not None
            and (auth_data.login.decode(), auth_data.password.decode()) == self.credentials
        )
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)

    def start(self) -> SmtpServer:
        extra = (
            {"authenticator": self._authenticate, "auth_required": True, "auth_require_tls": False}
            if self.credentials
            else {}
        )
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **extra)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def config(
        self, extra: str = "", *, password_file: str | None = None, steady: bool = True
    ) -> str:
        """The [alerts] and [smtp] tables that send through this server; ``steady``: as after
        the first day (no dry run, no first-run summary)."""
        auth = ""
        if self.credentials is not None:
            # A test server on loopback without TLS: the login is declared insecure on purpose.
            auth = (
                f'username = "{self.credentials[0]}"\npassword_file = "{password_file}"\n'
                "insecure = true\n"
            )
        return (
            '\n[alerts]\nfrom = "relmon@northwind-advisory.example"\noperator = ["it@northwind-advisory.example"]\n'
            # Steady state: these tests are about delivery, not about the first run.
            + ('dry_run = false\nfirst_run = "alerts"\n' if steady else "")
            + extra
            + f'\n[smtp]\nhost = "127.0.0.1"\nport = {self.port}\nsecurity = "plain"\ntimeout_seconds = 5\n'
            + auth
        )


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()
