"""Opening relmon on a store (what every command does first) reads the store's settings without
waiting for a sync that is writing a batch."""

from __future__ import annotations

import sqlite3
import threading

from monitor.app.runtime import Runtime
from tests.factories import team_config


def test_a_question_opens_the_store_while_a_sync_is_writing(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'relmon.db'}"
    Runtime.open(team_config(url)).close()  # migrated and attributed once
    writer = sqlite3.connect(tmp_path / "relmon.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a sync's batch holds the write lock
    opened = threading.Event()

    def ask() -> None:
        Runtime.open(team_config(url)).close()
        opened.set()

    asking = threading.Thread(target=ask, daemon=True)
    asking.start()
    in_time = opened.wait(5)
    writer.execute("COMMIT")
    asking.join(40)
    writer.close()

    assert in_time, "opening waited for the writer's transaction"
