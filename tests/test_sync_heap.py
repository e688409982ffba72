"""A sync pass's garbage collection looks only at what the pass made, and hands everything back
to the collector when the last pass ends."""

from __future__ import annotations

import gc
import threading
import weakref
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from monitor.app import sync
from monitor.app.heap import collecting_only_new_objects
from monitor.app.runtime import Runtime
from monitor.store.schema import messages
from tests.factories import email, team_config

NOW = datetime(2026, 6, 8, 9, 0, tzinfo=UTC)


class Cycle:
    """An object in a reference cycle: freed only by the garbage collector."""

    def __init__(self) -> None:
        self.me = self


def test_a_sync_pass_sets_aside_what_was_alive_before_it_and_hands_it_back(
    tmp_path: Path, analyzer, monkeypatch
) -> None:
    maildir = tmp_path / "alice"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1717830000.M1.host").write_bytes(
        email(subject="Rollout dates for the Lisbon warehouse", date=NOW)
    )
    config = team_config(
        f"sqlite:///{tmp_path / 'relmon.db'}",
        f'\n[[accounts]]\nname = "alice-archive"\nkind = "maildir"\npath = "{maildir}"\n',
    )
    runtime = Runtime.open(config, analyzer=analyzer)
    seen: list[int] = []
    real = sync.sync_source

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(gc.get_freeze_count())
        return real(*args, **kwargs)

    monkeypatch.setattr(sync, "sync_source", watched)
    assert gc.get_freeze_count() == 0

    result = sync.sync_account(runtime, config.accounts[0], now=NOW)

    assert result.error is None and result.total("new") == 1
    with runtime.store.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(messages)).scalar() == 1
    assert seen and seen[0] > 1000  # the modules, the analyzer, the engine: set aside
    assert gc.get_freeze_count() == 0  # and handed back
    runtime.close()


def test_a_cycle_made_before_a_pass_is_collected_once_the_pass_is_over() -> None:
    cycle = Cycle()
    gone = threading.Event()
    weakref.finalize(cycle, gone.set)
    with collecting_only_new_objects():
        del cycle
        gc.collect()
        assert not gone.is_set()  # set aside: the collector does not look at it
    gc.collect()
    assert gone.is_set()


def test_passes_in_several_threads_hand_back_once_the_last_one_ends() -> None:
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    during: list[int] = []

    def first() -> None:
        with collecting_only_new_objects():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        with collecting_only_new_objects():
            first_in.wait(5)
            second_in.set()
            first_out.wait(5)
            during.append(gc.get_freeze_count())

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert during and during[0] > 0  # the first pass ended; the second still runs set apart
    assert gc.get_freeze_count() == 0
