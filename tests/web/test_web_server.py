"""The dashboard served by uvicorn beside the daemon (``[web] enabled``), on a real socket."""

from __future__ import annotations

import signal
import socket
import time
import urllib.error
import urllib.request

import pytest

from monitor.web.server import start
from tests.servers.relmon import RelmonProcess
from tests.web.conftest import web_config


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


@pytest.mark.slow
def test_relmon_run_serves_the_dashboard_when_the_web_section_enables_it(
    demo_store, tmp_path, relmon_processes
):
    port = _free_port()
    web = f'enabled = true\nlisten = "127.0.0.1:{port}"\n'
    daemon = RelmonProcess(web_config(demo_store, tmp_path, web))
    relmon_processes.append(daemon.start())

    daemon.wait_for("web_listening", timeout=60)
    to_login = daemon.wait_until(lambda: _get(f"http://127.0.0.1:{port}/alerts"), "the dashboard")
    daemon.signal(signal.SIGTERM)

    assert to_login.startswith("/login?next=")
    assert daemon.wait(timeout=20) == 0


def _get(url: str) -> str | None:
    """Where the dashboard sends a visitor who has not signed in, once it answers."""

    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        urllib.request.build_opener(Stay).open(url, timeout=2)
    except urllib.error.HTTPError as err:
        return err.headers.get("location")
    except OSError:
        return None
    return None
