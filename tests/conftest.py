"""Shared fixtures: the text analyzer (built once), stores on SQLite and PostgreSQL, corpora."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.core.text import TextAnalyzer
from monitor.store import Store

# Fake Entra ID and Graph services for the Microsoft 365 tests; a real SMTP server for alert
# delivery; a private Dovecot for IMAP; `relmon run` as a subprocess.
pytest_plugins = [
    "tests.fakes.fixtures",
    "tests.servers.smtp",
    "tests.servers.webhook",
    "tests.servers.dovecot",
    "tests.servers.relmon",
]

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The public corpora sit beside the checkout (../shared/data); RELMON_CORPORA overrides.
CORPORA = Path(os.environ.get("RELMON_CORPORA", ROOT.parent / "shared" / "data"))
PG_URL = os.environ.get("RELMON_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def analyzer() -> TextAnalyzer:
    return TextAnalyzer.load()


def corpus(name: str) -> Path:
    """A corpus folder, or a skip with the reason when the corpora are not beside the checkout."""
    path = CORPORA / name
    if not path.exists():
        pytest.skip(f"public corpus {name!r} not found at {path} (set RELMON_CORPORA)")
    return path


def _pg_reachable() -> bool:
    try:
        engine = sa.create_engine(PG_URL)
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        engine.dispose()
        return True
    except sa.exc.OperationalError:
        return False


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The PostgreSQL server for store tests; started if CI finds it stopped."""
    if _pg_reachable():
        return PG_URL
    if IN_CI:
        versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
        if versions:
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"],
                check=False,
            )
        if _pg_reachable():
            return PG_URL
        pytest.fail(f"PostgreSQL is not reachable at {PG_URL}")
    pytest.skip(f"PostgreSQL not reachable at {PG_URL} (set RELMON_TEST_PG_URL)")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file, or a private schema in PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'relmon.db'}"
        return
    base = request.getfixturevalue("postgres_url")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = Store.open(store_url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def store_scenario(tmp_path_factory: pytest.TempPathFactory, analyzer: TextAnalyzer):  # type: ignore[no-untyped-def]
    """A Scenario on a store of its own. A hypothesis test's examples share it (a
    function-scoped fixture is set up once for all of them): each empties what it needs empty."""
    from tests.scenario import Scenario

    s = Scenario(tmp_path_factory.mktemp("store"), analyzer)
    yield s
    s.close()
