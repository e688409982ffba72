"""Fixtures for the Microsoft 365 tests: a test CA, fake Entra ID, fake Graph, a state directory
and configurations pointing at them. Loaded by ``tests/conftest.py`` as a plugin."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.app.runtime import Runtime
from monitor.config import Config, load_config_text
from monitor.sources import graph, msauth
from monitor.sources.graph_http import RetryPolicy
from tests.factories import CONFIG
from tests.fakes.entra import TENANT, AppRegistration, FakeEntra
from tests.fakes.graph import FakeGraph, FakeMessage
from tests.fakes.tls import TestAuthority, make_authority

CLIENT_ID = "5f1d2c3b-8a7e-4f60-9b1c-2d3e4f5a6b7c"
ALICE = ("Alice Marsh", "alice.marsh@northwind-advisory.example")
BEN = ("Ben Okafor", "ben.okafor@northwind-advisory.example")
CHLOE = ("Chloe Varga", "chloe.varga@northwind-advisory.example")
DANA = ("Dana Whitfield", "dana.whitfield@acme-logistics.example")
RAJ = ("Raj Patel", "raj.patel@acme-logistics.example")


@pytest.fixture(scope="session")
def test_authority(tmp_path_factory: pytest.TempPathFactory) -> TestAuthority:
    return make_authority(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def relmon_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private state directory and a fresh msal registry (msal remembers failed token
    answers for 60 seconds; every test starts with new applications)."""
    state = tmp_path / "state"
    monkeypatch.setenv("STATE_DIRECTORY", str(state))
    msauth.forget()
    yield state
    msauth.forget()


@pytest.fixture
def entra(test_authority: TestAuthority, relmon_state: Path) -> Iterator[FakeEntra]:
    service = FakeEntra()
    service.register(AppRegistration(CLIENT_ID, secret="s3cr3t~" + secrets.token_urlsafe(12)))
    for name, address in (ALICE, BEN, CHLOE):
        service.add_user(address, name)
    service.start(test_authority)
    try:
        yield service
    finally:
        service.stop()


@pytest.fixture
def fake_graph(test_authority: TestAuthority, entra: FakeEntra) -> Iterator[FakeGraph]:
    service = FakeGraph(entra)
    for _, address in (ALICE, BEN, CHLOE):
        service.add_mailbox(address)
    service.start(test_authority)
    try:
        yield service
    finally:
        service.stop()


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> RetryPolicy:
    """Backoff in tens of milliseconds; Retry-After from the server is still honoured."""
    policy = RetryPolicy(
        attempts=4, base_seconds=0.05, max_backoff_seconds=0.2, max_retry_after_seconds=10
    )
    monkeypatch.setattr(graph, "RETRY", policy)
    return policy


@dataclass
class World:
    """The fakes plus a way to write relmon configurations that use them."""

    entra: FakeEntra
    graph: FakeGraph
    tls: TestAuthority
    directory: Path
    monkeypatch: pytest.MonkeyPatch

    @property
    def secret(self) -> str:
        secret = self.entra.apps[CLIENT_ID].secret
        assert secret is not None
        return secret

    def account_toml(
        self,
        *,
        name: str = "m365",
        auth: str = "app",
        mailboxes: tuple[str, ...] = (ALICE[1], BEN[1]),
        folders: tuple[str, ...] = ("inbox", "sentitems"),
        page_size: int = 5,
        address: str | None = None,
        extra: str = "",
    ) -> str:
        lines = [
            "[[accounts]]",
            f'name = "{name}"',
            'kind = "graph"',
            f'auth = "{auth}"',
            f'tenant_id = "{TENANT}"',
            f'client_id = "{CLIENT_ID}"',
            f'authority_host = "{self.entra.url}"',
            f'authority_ca_file = "{self.tls.ca_file}"',
            f'graph_url = "{self.graph.url}/v1.0"',
            f'ca_file = "{self.tls.ca_file}"',
            f"folders = [{', '.join(repr(f).replace(chr(39), chr(34)) for f in folders)}]",
            f"page_size = {page_size}",
            "timeout_seconds = 10",
        ]
        if auth == "app":
            self.monkeypatch.setenv("RELMON_TEST_GRAPH_SECRET", self.secret)
            lines.append('client_secret_env = "RELMON_TEST_GRAPH_SECRET"')
            lines.append(f"mailboxes = [{', '.join(chr(34) + m + chr(34) for m in mailboxes)}]")
        if address:
            lines.append(f'address = "{address}"')
        return "\n".join(lines) + "\n" + extra + "\n"

    def config(self, store_url: str, *accounts: str, privacy: str = "") -> Config:
        return load_config_text(
            CONFIG + "\n" + "\n".join(accounts) + f'\n[store]\nurl = "{store_url}"\n' + privacy
        )

    def runtime(self, config: Config, analyzer: object) -> Runtime:
        return Runtime.open(config, analyzer=analyzer)  # type: ignore[arg-type]


@pytest.fixture
def world(
    entra: FakeEntra,
    fake_graph: FakeGraph,
    test_authority: TestAuthority,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> World:
    return World(entra, fake_graph, test_authority, tmp_path, monkeypatch)


# --------------------------------------------------------------------------- mail

START = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)

CLIENT_ASKS = [
    "Could you send the revised rollout plan before Thursday's steering call?",
    "The warehouse team asked whether the scanner training can move to week 34.",
    "We still have not received the signed change request for the Leeds depot. Any update?",
    "Thanks for the workshop notes, they were very clear. Can we book the follow-up for next Tuesday?",
    "The board wants a one-page summary of the pilot costs by Friday. Is that feasible?",
    "Our finance team flagged the March invoice; the hours look higher than agreed.",
]


def client_message(
    number: int,
    *,
    frm: tuple[str, str] = DANA,
    to: tuple[str, str] = ALICE,
    subject: str | None = None,
    text: str | None = None,
    at: datetime | None = None,
    headers: list[tuple[str, str]] | None = None,
    message_id: str | None = None,
    **extra: object,
) -> FakeMessage:
    """A message from a client as it sits in a consultant's Inbox (with its internet headers)."""
    when = at or START + timedelta(hours=number * 7)
    body = (
        text
        or f"Hi {to[0].split()[0]},\n\n{CLIENT_ASKS[number % len(CLIENT_ASKS)]}\n\nBest regards,\n{frm[0]}"
    )
    mid = message_id or f"<{number:04d}.{secrets.token_hex(4)}@acme-logistics.example>"
    standard = [
        (
            "Received",
            f"from mail.acme-logistics.example by EUR03-VI1.mail.protection.outlook.com; {when.strftime('%a, %d %b %Y %H:%M:%S +0000')}",
        ),
        ("From", f"{frm[0]} <{frm[1]}>"),
        ("To", f"{to[0]} <{to[1]}>"),
        ("Subject", subject or f"Rollout question {number}"),
        ("Message-ID", mid),
        ("Content-Type", 'multipart/alternative; boundary="_000_AM0PR"'),
        ("MIME-Version", "1.0"),
    ]
    extra.setdefault("conversation_id", f"AAQkAGI1ZjM5{secrets.token_hex(10)}=")
    return FakeMessage(
        id="",
        internet_message_id=mid,
        subject=subject or f"Rollout question {number}",
        sender=frm,
        to=[to],
        sent=when - timedelta(seconds=20),
        received=when,
        text=body,
        headers=standard + (headers or []),
        **extra,  # type: ignore[arg-type]
    )


def sent_reply(
    original: FakeMessage, *, frm: tuple[str, str] = ALICE, text: str, at: datetime | None = None
) -> FakeMessage:
    """Our reply as Graph shows it in Sent Items: no internet headers; In-Reply-To and
    References only in the item's MAPI properties."""
    when = at or original.received + timedelta(hours=3)
    mid = f"<AM0PR03MB{secrets.token_hex(6).upper()}@AM0PR03MB.eurprd03.prod.outlook.com>"
    refs = [*original.references, original.internet_message_id]
    return FakeMessage(
        id="",
        internet_message_id=mid,
        subject="RE: " + original.subject,
        sender=frm,
        to=[original.sender],
        sent=when,
        received=when,
        text=f"{text}\n\nFrom: {original.sender[0]}\nSent: earlier\n\n{original.text}",
        unique_text=text,
        conversation_id=original.conversation_id,
        in_reply_to=original.internet_message_id,
        references=refs,
        headers=None,
    )
