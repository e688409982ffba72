"""The dashboard served by uvicorn beside the daemon (``[web] enabled``), on a real socket."""

from __future__ import annotations

import socket
import time
import urllib.request

from monitor.web.server import start


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_dashboard_serves_in_a_thread_and_stops_when_told(runtime):
    port = _free_port()
    server = start(runtime, f"127.0.0.1:{port}")
    try:
        body, headers = None, {}
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                    body, headers = reply.read(), dict(reply.headers)
            except OSError:
                time.sleep(0.1)
    finally:
        server.should_exit = True

    assert body == b"ok"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "server" not in {k.lower() for k in headers}
