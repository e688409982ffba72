"""An open alert is handed over only to another person: not when the same owner is named by
another of their addresses, nor when an account alert's list of operators changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from monitor.alerts.model import Action
from monitor.alerts.store import act, apply, latest
from monitor.core.detectors import Severity
from monitor.store import Store
from tests.store.test_one_open_alert import waiting

MONDAY = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
ALICE = "alice.marsh@northwind-advisory.example"
ALICE_ALIAS = "a.marsh@northwind-advisory.example"


def _events(store: Store, condition, *, client, account, day: int, same_owner=None) -> list[str]:
    extra = {"same_owner": same_owner} if same_owner is not None else {}
    with store.engine.begin() as connection:
        happened = apply(
            connection,
            [condition],
            client=client,
            account=account,
            now=MONDAY + timedelta(days=day),
            cooldown=timedelta(days=7),
            **extra,
        )
    return [t.event.kind.value for t in happened if t.route is not None]


def test_an_owner_named_by_an_alias_is_the_same_person(store: Store) -> None:
    def same(first: str, second: str) -> bool:
        return {first, second} <= {ALICE, ALICE_ALIAS} or first == second

    told = _events(store, waiting(Severity.CRITICAL), client="Acme", account=None, day=0)
    aliased = replace(waiting(Severity.CRITICAL), owner=ALICE_ALIAS)
    again = _events(store, aliased, client="Acme", account=None, day=1, same_owner=same)
    other = replace(waiting(Severity.CRITICAL), owner="ben.okafor@northwind-advisory.example")
    handed = _events(store, other, client="Acme", account=None, day=2, same_owner=same)

    assert told == ["opened"] and again == [] and handed == ["handed_over"]


def test_an_account_alert_is_not_handed_over_when_the_operators_change(store: Store) -> None:
    """Two operators listed the other way round, then a third added: nobody is mailed again
    about an alert they were told of and acknowledged."""
    ops = replace(waiting(Severity.CRITICAL), kind="account", owner="it@x.example, ops@x.example")
    opened = _events(store, ops, client=None, account="alice-imap", day=0)
    with store.engine.connect() as connection:
        (alert,) = latest(connection, account="alice-imap").values()
    act(store.engine, alert.id, Action.ACK, MONDAY + timedelta(hours=1), by="it")

    reordered = _events(
        store,
        replace(ops, owner="ops@x.example, it@x.example"),
        client=None,
        account="alice-imap",
        day=1,
    )
    grown = _events(
        store,
        replace(ops, owner="ops@x.example, it@x.example, sec@x.example"),
        client=None,
        account="alice-imap",
        day=2,
    )

    assert opened == ["opened"] and reordered == [] and grown == []
