"""Replicas sharing one PostgreSQL, one heartbeat at a time: the fair split of the accounts, the
take-over of a replica that stopped beating, the single evaluator, and a clean stop.

North, South and East are three `relmon run` replicas of one installation with nine accounts."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from structlog.testing import capture_logs

from monitor.daemon.replicas import Replicas
from monitor.store.leases import lease_state, take
from monitor.store.sources import record_attempt

pytestmark = pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)

ACCOUNTS = [f"mailbox-{n}" for n in range(1, 10)]


def replica(store, name: str, lease_seconds: float = 30, **hooks) -> Replicas:
    return Replicas(
        store.engine, replica_id=name, lease_seconds=lease_seconds, accounts=ACCOUNTS, **hooks
    )


def beat_all(*replicas: Replicas, rounds: int = 1) -> None:
    for _ in range(rounds):
        for one in replicas:
            one.beat()


def holders(store) -> dict[str, str | None]:
    return {r.name: r.holder for r in lease_state(store.engine).leases if r.live}


def test_three_replicas_started_together_take_three_accounts_each(store) -> None:
    north, south, east = (replica(store, n) for n in ("north", "south", "east"))

    beat_all(north, south, east, rounds=2)

    assert [len(r.held_accounts()) for r in (north, south, east)] == [3, 3, 3]
    assert sorted(a for r in (north, south, east) for a in r.held_accounts()) == ACCOUNTS
    assert sum(r.evaluates for r in (north, south, east)) == 1


def test_the_first_heartbeat_only_announces_the_replica(store) -> None:
    north = replica(store, "north")

    north.beat()

    assert north.held_accounts() == []
    assert holders(store) == {}


def test_a_replica_that_joins_later_gets_its_share_from_the_others(store) -> None:
    north, south = replica(store, "north"), replica(store, "south")
    beat_all(north, rounds=2)
    assert len(north.held_accounts()) == 9

    beat_all(south, north, south)

    assert len(north.held_accounts()) == 5  # ceil(9 / 2)
    assert len(south.held_accounts()) == 4
    assert sorted(north.held_accounts() + south.held_accounts()) == ACCOUNTS


def test_a_busy_account_is_not_released_for_fairness(store) -> None:
    north, south = replica(store, "north"), replica(store, "south")
    beat_all(north, rounds=2)
    busy = [a for a in ACCOUNTS if north.begin(a) is not None]
    assert len(busy) == 9

    beat_all(south, north)

    assert len(north.held_accounts()) == 9


def test_a_replica_that_stops_beating_loses_its_accounts_to_the_others_after_its_lease(
    store,
) -> None:
    north, south, east = (replica(store, n, lease_seconds=1.5) for n in ("north", "south", "east"))
    beat_all(north, south, east, rounds=2)
    easts = east.held_accounts()
    generations = {r.name: r.generation for r in lease_state(store.engine).leases}
    time.sleep(1.6)  # East is frozen: no heartbeat

    beat_all(north, south)

    assert sorted(north.held_accounts() + south.held_accounts()) == ACCOUNTS
    after = {r.name: r.generation for r in lease_state(store.engine).leases}
    assert all(after[f"account:{a}"] == generations[f"account:{a}"] + 1 for a in easts)
    with capture_logs() as logs:
        east.beat()  # East resumes: every lease it had is gone
    lost = sorted(e["lease"] for e in logs if e["event"] == "lease.lost")
    assert [name for name in lost if name.startswith("account:")] == sorted(
        f"account:{a}" for a in easts
    )


def test_a_taken_account_is_announced_and_a_lost_one_dropped(store) -> None:
    taken: list[str] = []
    dropped: list[str] = []
    north = replica(
        store, "north", lease_seconds=1.5, on_taken=taken.append, on_dropped=dropped.append
    )
    south = replica(store, "south", lease_seconds=1.5)
    beat_all(north, rounds=2)
    time.sleep(1.6)
    beat_all(south, rounds=2)

    north.beat()

    assert sorted(taken) == ACCOUNTS
    assert sorted(dropped) == ACCOUNTS


def test_a_clean_stop_leaves_the_accounts_to_the_others_at_once(store) -> None:
    north, south = replica(store, "north"), replica(store, "south")
    beat_all(north, south, rounds=2)

    north.release_all()
    south.beat()

    assert len(south.held_accounts()) == 9
    assert south.evaluates
    with store.engine.connect() as connection:
        ids = connection.execute(sa.text("SELECT id FROM replicas")).scalars().all()
    assert ids == ["south"]


def test_only_the_evaluation_holder_evaluates_and_not_before_every_accounts_first_pass(
    store,
) -> None:
    north, south = replica(store, "north"), replica(store, "south")
    beat_all(north, south, rounds=2)
    evaluator, other = (north, south) if north.evaluates else (south, north)
    before = evaluator.may_evaluate()
    for account in ACCOUNTS[:-1]:
        record_attempt(store.engine, account, now=datetime(2026, 12, 3, 8, tzinfo=UTC))
    # The last mailbox's password is wrong: its failed pass counts as its first.
    record_attempt(
        store.engine, ACCOUNTS[-1], now=datetime(2026, 12, 3, 8, tzinfo=UTC), error_kind="auth"
    )

    assert before is False
    assert evaluator.may_evaluate() is True
    assert other.may_evaluate() is False


def test_relmon_status_shows_which_replica_holds_each_account_and_until_when(
    store, store_url, tmp_path
) -> None:
    from click.testing import CliRunner

    from monitor.cli import cli
    from tests.factories import CONFIG

    north, south = replica(store, "north"), replica(store, "south")
    beat_all(north, south, rounds=2)
    south.release_all()
    config = tmp_path / "relmon.toml"
    config.write_text(CONFIG + f'\n[store]\nurl = "{store_url}"\n[replicas]\nlease_seconds = 30\n')

    shown = CliRunner().invoke(cli, ["--config", str(config), "status"])

    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert re.search(r"^  north  alive, heartbeat \d s ago$", shown.output, re.M)
    assert "south" not in shown.output.split("leases")[0]  # gone: it stopped cleanly
    for account in north.held_accounts():
        assert any(
            re.match(rf"  account:{account} +north  generation 1, expires in \d+ s$", line)
            for line in lines
        )
    assert any(
        re.match(r"  evaluation +north  generation 1, expires in (29|30) s$", line)
        for line in lines
    )
    assert any(re.match(r"  account:mailbox-9 +released  generation 1$", line) for line in lines)


def test_a_replica_beats_again_right_after_another_replicas_lease_runs_out(store) -> None:
    """A live replica renews its leases two heartbeats ahead; one about to run out belongs to a
    replica that stopped, and the next beat is brought forward to take its accounts over
    within a lease of its last renewal."""
    north, south = (
        replica(store, "north", lease_seconds=1.5),
        replica(store, "south", lease_seconds=1.5),
    )
    beat_all(north, south, rounds=2)
    while_north_renews = south.heartbeat()
    time.sleep(1.1)  # North stopped renewing

    beat = south.heartbeat()

    assert while_north_renews.again_in is None
    # Just after North's lease runs out (about 0.4 s from now, less on a busy machine), well
    # before the next regular beat (0.5 s).
    assert beat.again_in is not None and 0.0 < beat.again_in < 0.5


class _Killed(Exception):
    """The process died here."""


def test_a_replica_killed_mid_beat_counts_as_alive_no_longer_than_its_leases(
    store, monkeypatch
) -> None:
    """Killed while renewing, North must not still count as a live replica once its leases
    have run out: South would then take only a share of its accounts and wait a further beat
    for the rest."""
    north, south = replica(store, "north", lease_seconds=1.0), replica(store, "south")
    beat_all(north, rounds=2)
    assert len(north.held_accounts()) == 9
    time.sleep(0.4)

    def killed(*_args: object) -> None:
        raise _Killed

    monkeypatch.setattr("monitor.daemon.replicas.renew", killed)  # North's beat dies there
    with pytest.raises(_Killed):
        north.beat()
    monkeypatch.undo()
    time.sleep(0.7)  # North's leases, last renewed 1.1 s ago, have run out
    beat_all(south, rounds=2)

    assert sorted(south.held_accounts()) == ACCOUNTS


def test_an_account_removed_while_the_heartbeat_shares_is_given_up(store, monkeypatch) -> None:
    north = replica(store, "north")
    north.beat()
    real = take

    def reloaded_meanwhile(*args, **kwargs):  # type: ignore[no-untyped-def]
        if north.accounts == ACCOUNTS:
            north.set_accounts(ACCOUNTS[:-1])  # a reload removes the last account just now
        return real(*args, **kwargs)

    monkeypatch.setattr("monitor.daemon.replicas.take", reloaded_meanwhile)
    north.beat()  # takes its share from the list it read before the reload
    monkeypatch.undo()
    north.beat()

    assert north.held_accounts() == sorted(ACCOUNTS[:-1])
    assert f"account:{ACCOUNTS[-1]}" not in holders(store)


def test_a_second_replica_given_the_same_id_takes_no_work_and_says_why(store) -> None:
    """One configuration file mounted into two containers: both run as "north"."""
    north, twin = replica(store, "north"), replica(store, "north")
    beat_all(north, rounds=2)
    generations = {r.name: r.generation for r in lease_state(store.engine).leases}

    with capture_logs() as logs:
        beat_all(twin, north, twin, north, twin)

    assert twin.held_accounts() == [] and not twin.evaluates
    assert sorted(north.held_accounts()) == ACCOUNTS and north.evaluates
    assert {r.name: r.generation for r in lease_state(store.engine).leases} == generations
    refused = [e for e in logs if e["event"] == "replica_id_in_use"]
    assert len(refused) == 1 and "[replicas] id" in refused[0]["fix"]


def test_a_replica_restarted_under_its_id_takes_its_row_once_the_old_heartbeat_lapsed(
    store,
) -> None:
    before = replica(store, "north", lease_seconds=0.6)
    beat_all(before, rounds=2)  # then killed: no clean stop
    restarted = replica(store, "north", lease_seconds=0.6)

    restarted.beat()
    refused_while_alive = restarted.held_accounts()
    time.sleep(0.7)
    beat_all(restarted, rounds=2)

    assert refused_while_alive == []
    assert sorted(restarted.held_accounts()) == ACCOUNTS
