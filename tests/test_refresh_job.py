"""The refresh of answers grown old is the daemon's own job: the pass that follows new mail
evaluates only the clients that changed, woke or are due, so their alerts never wait for the
refreshes, and the refresh job evaluates only clients whose mail is as it was."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from monitor.app import alerting, views
from monitor.app.alerting import evaluate_alerts
from monitor.app.due import Pass, refresh_after
from monitor.app.kept import REFRESH
from monitor.daemon.refresh import refresh_answers
from monitor.store import evaluated
from tests.scenario import Scenario
from tests.test_evaluated_clients import (
    ACME,
    FALKENBERG,
    FIRST,
    _evaluated_clients,
    _falkenberg_asks,
    evaluated_at_first,
)

#: Past both clients' refresh instants (each within REFRESH of its evaluation).
LATER = FIRST + REFRESH + timedelta(minutes=10)


@pytest.fixture
def portfolio(store_url, analyzer):
    """Acme writes weekly and is answered; Falkenberg has written nothing yet. Both were
    evaluated at FIRST, and nothing in their findings can change for the next six hours."""
    s = evaluated_at_first(store_url, analyzer)
    yield s
    s.close()


def _refresh_instants(s: Scenario) -> dict[str, bool]:
    state = evaluated.read(s.runtime.store.engine)
    return {
        name: row.due_at == row.evaluated_at + refresh_after(name) for name, row in state.items()
    }


def test_the_pass_after_new_mail_evaluates_the_changed_client_and_leaves_the_refresh_to_its_job(
    portfolio, monkeypatch
) -> None:
    assert _refresh_instants(portfolio) == {ACME: True, FALKENBERG: True}  # stored as computed
    _falkenberg_asks(portfolio, "2026-06-17 18:05")
    passes = _evaluated_clients(monkeypatch)

    after_mail = evaluate_alerts(portfolio.runtime, now=LATER, which=Pass.CHANGES)
    refreshed = evaluate_alerts(portfolio.runtime, now=LATER, which=Pass.REFRESH)
    evaluate_alerts(portfolio.runtime, now=LATER + timedelta(minutes=5), which=Pass.CHANGES)
    evaluate_alerts(portfolio.runtime, now=LATER + timedelta(minutes=5), which=Pass.REFRESH)
    state = evaluated.read(portfolio.runtime.store.engine)

    assert passes == [[FALKENBERG], [ACME], [], []]
    assert (after_mail.evaluated, refreshed.evaluated) == (1, 1)
    assert {name: row.evaluated_at for name, row in state.items()} == {
        ACME: LATER,
        FALKENBERG: LATER,
    }


def test_the_refresh_job_leaves_a_client_whose_mail_changed_to_the_pass(
    portfolio, monkeypatch
) -> None:
    """Falkenberg's refresh instant has come, but its first mail came too: half of a sync
    (the request stored, our reply not yet) must not be evaluated by a refresh."""
    _falkenberg_asks(portfolio, "2026-06-17 18:05")
    passes = _evaluated_clients(monkeypatch)

    evaluate_alerts(portfolio.runtime, now=LATER, which=Pass.REFRESH)

    assert passes == [[ACME]]


def test_a_command_run_once_evaluates_the_changed_and_the_refreshed_clients(
    portfolio, monkeypatch
) -> None:
    _falkenberg_asks(portfolio, "2026-06-17 18:05")
    passes = _evaluated_clients(monkeypatch)

    evaluate_alerts(portfolio.runtime, now=LATER)

    assert passes == [[ACME, FALKENBERG]]


def test_a_refreshed_client_is_shown_as_of_its_refresh(portfolio) -> None:
    evaluate_alerts(portfolio.runtime, now=LATER, which=Pass.REFRESH)

    rows = views.health(portfolio.runtime, LATER + timedelta(minutes=1), latest=True)

    assert {row["name"]: row["as_of"] for row in rows} == {ACME: LATER, FALKENBERG: LATER}


def test_a_refresh_evaluates_no_account_and_does_not_mark_the_alerts_evaluated(
    portfolio, monkeypatch
) -> None:
    accounts: list[str] = []
    real = alerting._evaluate_account

    def counting(runtime, name, *rest):  # type: ignore[no-untyped-def]
        accounts.append(name)
        return real(runtime, name, *rest)

    monkeypatch.setattr(alerting, "_evaluate_account", counting)
    marked: list[object] = []
    monkeypatch.setattr(alerting, "mark_evaluated", lambda connection, now: marked.append(now))

    evaluate_alerts(portfolio.runtime, now=LATER, which=Pass.REFRESH)
    assert (accounts, marked) == ([], [])
    evaluate_alerts(portfolio.runtime, now=LATER, which=Pass.CHANGES)
    assert marked == [LATER]


class _Replica:
    """A replica that does not hold the evaluation's lease."""

    evaluation_lease = None


def test_the_refresh_job_waits_for_a_running_pass_and_runs_only_where_the_evaluation_runs(
    portfolio,
) -> None:
    evaluating = threading.Lock()
    with evaluating:  # a pass runs
        assert refresh_answers(portfolio.runtime, LATER, None, evaluating) == 0
    assert refresh_answers(portfolio.runtime, LATER, _Replica(), evaluating) == 0  # type: ignore[arg-type]
    assert not evaluating.locked()

    assert refresh_answers(portfolio.runtime, LATER, None, evaluating) == 2
    assert refresh_answers(portfolio.runtime, LATER, None, evaluating) == 0  # both fresh now
