"""A real HTTP receiver for the webhook channel: stdlib ``http.server`` on a loopback port.

It does what the documentation asks of a receiver: checks the signature over timestamp and
body, refuses a stale timestamp, and drops a request whose ``Idempotency-Key`` it has already
processed (answering 200, so relmon stops sending it).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from monitor.alerts.webhook import verify
from tests.servers import free_port


@dataclass
class Request:
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class WebhookServer:
    secret: bytes = b"s3cret-webhook-key"
    port: int = field(default_factory=free_port)
    clock: datetime = field(default_factory=lambda: datetime.now(UTC))  # the receiver's "now"
    answers: list[int] = field(default_factory=list)  # forced statuses for the next requests
    requests: list[Request] = field(default_factory=list)  # every request, with the answer
    processed: list[dict] = field(default_factory=list)  # bodies accepted once each
    _seen: set[str] = field(default_factory=set)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/relmon"

    def _handle(self, headers: dict[str, str], body: bytes) -> int:
        if self.answers:
            return self.answers.pop(0)
        signed = verify(
            self.secret,
            headers.get("X-Relmon-Timestamp", ""),
            body,
            headers.get("X-Relmon-Signature", ""),
            now=self.clock,
        )
        if not signed:
            return 401
        key = headers["Idempotency-Key"]
        if key not in self._seen:  # a duplicate is acknowledged, not processed again
            self._seen.add(key)
            self.processed.append(json.loads(body))
        return 200

    def start(self) -> WebhookServer:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = dict(self.headers.items())
                status = receiver._handle(headers, body)
                receiver.requests.append(Request(headers, body, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def config(self, secret_file: str, name: str = "ops-chat") -> str:
        return (
            f'\n[[webhooks]]\nname = "{name}"\nurl = "{self.url}"\n'
            f'secret_file = "{secret_file}"\ntimeout_seconds = 5\n'
        )


@pytest.fixture
def webhook_server() -> Iterator[WebhookServer]:
    server = WebhookServer().start()
    try:
        yield server
    finally:
        server.stop()
