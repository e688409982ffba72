"""`relmon sync` on PostgreSQL, where `relmon run` replicas may be syncing the same accounts:
it takes an account's lease as a replica does, and leaves alone an account a replica holds."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.app.runtime import Runtime
from monitor.app.sync import _Renewal, sync_all
from monitor.sources.report import ErrorKind
from monitor.store import leases, sink
from monitor.store.schema import messages
from tests.factories import email as raw_email
from tests.factories import team_config

pytestmark = pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)

NOW = datetime(2026, 6, 3, 9, 0, tzinfo=UTC)


def _mailbox(tmp_path: Path) -> Path:
    folder = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (folder / sub).mkdir(parents=True)
    for n, subject in enumerate(("Q3 roadmap review", "Leeds pilot: dock schedule")):
        message = raw_email(subject=subject, message_id=f"pilot-{n}@acme-logistics.example")
        (folder / "new" / f"1780000000.{n}.mail").write_bytes(message)
    return folder


def _runtime(store_url: str, tmp_path: Path) -> Runtime:
    account = (
        f'\n[[accounts]]\nname = "alice-mail"\nkind = "maildir"\npath = "{_mailbox(tmp_path)}"\n'
    )
    return Runtime.open(team_config(store_url, account))


def _stored(runtime: Runtime) -> int:
    with runtime.store.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(messages)).scalar())


def test_sync_leaves_an_account_a_running_replica_holds_to_it(store_url, tmp_path) -> None:
    runtime = _runtime(store_url, tmp_path)
    engine = runtime.store.engine
    held = leases.take(engine, leases.account_lease("alice-mail"), "north:4711", 30)
    assert held is not None

    [busy] = sync_all(runtime, now=NOW)
    stored_while_held = _stored(runtime)
    leases.release(engine, held)
    [done] = sync_all(runtime, now=NOW)
    state = {row.name: row for row in leases.lease_state(engine).leases}
    stored = _stored(runtime)
    runtime.close()

    assert busy.error_kind is ErrorKind.TRANSIENT
    assert (
        busy.error is not None and "a running relmon replica is syncing this account" in busy.error
    )
    assert stored_while_held == 0
    assert done.error is None and done.total("new") == 2 and stored == 2
    lease = state["account:alice-mail"]
    assert lease.generation == held.generation + 1  # the pass took the lease itself …
    assert lease.holder is None and not lease.live  # … and gave it back when done


def test_a_pass_whose_lease_is_taken_over_commits_nothing_after(store_url, tmp_path) -> None:
    runtime = _runtime(store_url, tmp_path)
    engine = runtime.store.engine
    name = leases.account_lease("alice-mail")

    def taken_over(connection: sa.Connection, lease: leases.Lease) -> None:
        # Another replica took the account while this pass was fetching (its lease lapsed).
        with engine.begin() as other:
            other.execute(
                sa.text(
                    "UPDATE leases SET holder = 'south:99', generation = generation + 1"
                    " WHERE name = :n"
                ),
                {"n": name},
            )
        real_hold(connection, lease)

    real_hold = sink.hold
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sink, "hold", taken_over)
        [lost] = sync_all(runtime, now=NOW)
    stored = _stored(runtime)
    holder = {row.name: row.holder for row in leases.lease_state(engine).leases}[name]
    runtime.close()

    assert lost.error is not None and "took this account over during the pass" in lost.error
    assert stored == 0
    assert holder == "south:99"


def test_a_sync_names_its_sessions_after_its_lease_so_a_replica_can_end_them(
    store_url, tmp_path
) -> None:
    from monitor.app.sync import _holder
    from monitor.store.sessions import session_name

    runtime = _runtime(store_url, tmp_path)
    [done] = sync_all(runtime, now=NOW)
    with runtime.store.engine.connect() as connection:
        named = connection.execute(sa.text("SELECT current_setting('application_name')")).scalar()
    runtime.close()

    assert done.error is None
    # The name end_lapsed_sessions looks for once this process's lease has lapsed.
    assert named == session_name(_holder())


def test_a_renewal_the_database_refuses_once_is_tried_again_and_the_lease_kept(
    store_url, monkeypatch
) -> None:
    """A network blip or a restarting server during one renewal must not let a long import's
    lease lapse, nor end the import as if a replica had taken the account over."""
    runtime = Runtime.open(team_config(store_url))
    engine = runtime.store.engine
    lease = leases.take(engine, "account:alice-mail", "sync:host:1", 1.2)
    assert lease is not None
    real, calls = leases.renew, []

    def dropped_once(engine: sa.Engine, lease: leases.Lease) -> leases.Lease | None:
        calls.append(lease.generation)
        if len(calls) == 1:
            raise sa.exc.OperationalError("UPDATE leases", {}, Exception("connection reset"))
        return real(engine, lease)

    monkeypatch.setattr(leases, "renew", dropped_once)
    with _Renewal(engine, lease) as renewal:
        time.sleep(3.0)  # two and a half lease lengths
        with engine.begin() as connection:
            leases.hold(connection, renewal.lease)  # raises LeaseLost if it lapsed
        lost = renewal.lost
    runtime.close()

    assert len(calls) >= 3 and not lost
