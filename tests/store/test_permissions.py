"""A SQLite store is readable by its owner only: mail metadata is as private as the mail."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
import structlog
import structlog.testing

from monitor.errors import StoreError
from monitor.store.db import Store


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def open_umask():
    """The umask of an interactive shell, not systemd's 0077: the files must not rely on it."""
    import os

    previous = os.umask(0o022)
    yield
    os.umask(previous)


def write_something(store: Store) -> None:
    with store.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS probe (x INTEGER)")
        connection.exec_driver_sql("INSERT INTO probe VALUES (1)")


def test_a_new_database_and_its_wal_files_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "state" / "relmon.db"
    store = Store.open(f"sqlite:///{path}")
    try:
        write_something(store)
        with store.engine.connect() as reader:
            reader.execute(sa.text("SELECT count(*) FROM probe")).scalar_one()
            wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
            assert wal.exists() and shm.exists()
            assert (mode(path), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
        assert mode(path.parent) == 0o700
    finally:
        store.close()


def test_database_files_left_readable_are_tightened_when_opened_with_a_log_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "relmon.db"
    Store.open(f"sqlite:///{path}").close()
    path.chmod(0o644)

    with structlog.testing.capture_logs() as logs:
        Store.open(f"sqlite:///{path}").close()

    assert mode(path) == 0o600
    assert [
        (e["event"], e["path"], e["was"]) for e in logs if e["event"] == "permissions_tightened"
    ] == [("permissions_tightened", str(path), "0o644")]


def test_the_state_directory_is_made_owner_only_but_a_chosen_folder_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state, chosen = tmp_path / "state", tmp_path / "shared-folder"
    state.mkdir(mode=0o755)
    chosen.mkdir(mode=0o755)
    monkeypatch.setenv("STATE_DIRECTORY", str(state))

    Store.open(f"sqlite:///{state / 'relmon.db'}").close()
    Store.open(f"sqlite:///{chosen / 'relmon.db'}").close()

    assert mode(state) == 0o700
    assert mode(chosen) == 0o755
    assert mode(chosen / "relmon.db") == 0o600


def test_messages_name_the_database_without_any_password() -> None:
    from monitor.store.db import safe_url

    shown = safe_url("postgresql://relmon:hunter2@db.internal/relmon?sslmode=require&PWD=hunter2")

    assert "hunter2" not in shown
    assert shown == "postgresql+psycopg://relmon:***@db.internal/relmon?PWD=***&sslmode=require"


def test_a_directory_given_as_the_database_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    """GIVEN a store.url that names a shared folder by mistake
    WHEN a store is opened there
    THEN it is refused with the setting named, and the folder keeps its permissions (made
    owner-only, it would lock everyone else out of it)."""
    shared = tmp_path / "team-share"
    shared.mkdir(mode=0o755)
    (shared / "notes.txt").write_text("kept")

    with pytest.raises(StoreError, match=r"store.url: .* is a directory, not a database file"):
        Store.open(f"sqlite:///{shared}")

    assert mode(shared) == 0o755
    assert (shared / "notes.txt").read_text() == "kept"


def test_a_database_that_cannot_be_created_names_the_setting(tmp_path: Path) -> None:
    """A database path under a plain file cannot be created: the error names store.url and
    the path, without a traceback."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")

    with pytest.raises(StoreError, match=r"store.url: cannot create or open the database"):
        Store.open(f"sqlite:///{blocker / 'relmon.db'}")
