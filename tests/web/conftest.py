"""The demo consultancy behind the dashboard: Alice and Ben are consultants, Chloe leads.

Alice owns Brightwater Energy, Halden Marine and Saaristo Design Oy; Ben owns Kestrel Retail
Group and Meridian Freight; Chloe owns Orchard Health Partners and Falkenberg Maschinenbau and,
as the lead, sees every client. The clock stands at the demo's own "now".
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from monitor.app.runtime import Runtime
from monitor.cli import cli
from monitor.config import load_config
from monitor.store.web import set_password_hash
from monitor.web.app import create_app
from monitor.web.security import hash_password

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
ALICE = "alice.marsh@northwind-advisory.example"
BEN = "ben.okafor@northwind-advisory.example"
CHLOE = "chloe.varga@northwind-advisory.example"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("web-demo")
    result = CliRunner().invoke(cli, ["demo", "--keep", str(directory)], catch_exceptions=False)
    assert result.exit_code == 0
    return directory


def web_config(source: Path, target: Path, web: str = "") -> Path:
    """A copy of the demo's database and configuration, Chloe made the lead, ``web`` added."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "relmon.db", target / "relmon.db")
    text = (source / "relmon.toml").read_text()
    text = text.replace(str(source / "relmon.db"), str(target / "relmon.db"))
    text = text.replace(
        f'address = "{CHLOE}"\ntimezone = "Europe/Berlin"',
        f'address = "{CHLOE}"\ntimezone = "Europe/Berlin"\nrole = "lead"',
    )
    path = target / "relmon.toml"
    path.write_text(text + "\n[web]\n" + web)
    return path


_HASH = hash_password(PASSWORD)


def open_runtime(path: Path) -> Runtime:
    runtime = Runtime.open(load_config(path))
    for address in (ALICE, BEN, CHLOE):
        set_password_hash(runtime.store.engine, address, _HASH, NOW)
    return runtime


@pytest.fixture(scope="module")
def runtime(demo_store, tmp_path_factory):
    opened = open_runtime(web_config(demo_store, tmp_path_factory.mktemp("web")))
    yield opened
    opened.close()


@pytest.fixture
def client(runtime):
    with TestClient(create_app(runtime, lambda: NOW), follow_redirects=False) as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    marker = 'name="csrf" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def sign_in(client: TestClient, address: str, password: str = PASSWORD):
    client.cookies.clear()  # whoever was signed in before
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"email": address, "password": password, "csrf": token})
