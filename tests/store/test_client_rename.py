"""A client renamed in the configuration keeps its alerts, unless its new name holds one open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.alerts.store import apply, listing
from monitor.core.detectors import Severity
from monitor.store import Store
from monitor.store.alerting import rename_clients
from tests.store.test_one_open_alert import waiting

MONDAY = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def _open(store: Store, client: str, severity: Severity) -> None:
    with store.engine.begin() as connection:
        apply(
            connection,
            [waiting(severity)],
            client=client,
            account=None,
            now=MONDAY,
            cooldown=timedelta(days=7),
        )


def test_an_alert_the_new_name_already_holds_open_is_not_doubled(store: Store) -> None:
    """ "Beta Ltd", removed from the configuration long ago, left an open alert; "Beta" is now
    renamed "Beta Ltd". The database allows one open alert per client and kind, so Beta's stays
    under its old name, and the rest of the renaming goes on."""
    _open(store, "Beta Ltd", Severity.WARNING)
    _open(store, "Beta", Severity.CRITICAL)
    _open(store, "Gamma", Severity.CRITICAL)

    with store.engine.begin() as connection:
        renamed = rename_clients(connection, {"Beta": "Beta Ltd", "Gamma": "Gamma GmbH"})
    held = {(a.client, a.severity.value) for a in listing(store.engine)}

    assert renamed == 1
    assert held == {("Beta Ltd", "warning"), ("Beta", "critical"), ("Gamma GmbH", "critical")}


def test_a_swap_and_a_chain_of_names_move_every_alert_to_its_client(store: Store) -> None:
    """Two clients' names swapped in one edit, and X→Y with Y→Z: each alert follows its
    client, none is left under a name nobody has, and the one-open-alert rule holds between."""
    _open(store, "Acme", Severity.CRITICAL)
    _open(store, "Beta", Severity.WARNING)
    _open(store, "X", Severity.CRITICAL)
    _open(store, "Y", Severity.WARNING)

    with store.engine.begin() as connection:
        renamed = rename_clients(connection, {"Acme": "Beta", "Beta": "Acme", "X": "Y", "Y": "Z"})
    held = {(a.client, a.severity.value) for a in listing(store.engine)}

    assert renamed == 4
    assert held == {
        ("Beta", "critical"),
        ("Acme", "warning"),
        ("Y", "critical"),
        ("Z", "warning"),
    }


def test_what_was_kept_for_the_old_name_goes_with_the_rename(store: Store) -> None:
    import sqlalchemy as sa

    from monitor.store.kept_tables import kept_answers

    with store.engine.begin() as connection:
        connection.execute(
            sa.insert(kept_answers).values(
                view="client/40",
                client="Acme",
                at=MONDAY,
                fingerprint="f",
                body='{"timeline": ["Invoice 4471 dispute"]}',
            )
        )
        rename_clients(connection, {"Acme": "Acme Ltd"})
        left = list(connection.execute(sa.select(kept_answers.c.client)).scalars())

    assert left == []
