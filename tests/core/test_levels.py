"""A detector's severity alone is its finding's severity: what a backtest, a trend or a due
time reads without the words, and the alerts a backtest replays with it are the alerts, and the
explanations, that replaying every finding gives."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.core import alerts, detectors
from monitor.core.analysis import day_ends
from monitor.core.backtest import Fired
from monitor.core.backtest import run as backtest
from monitor.core.detectors import KINDS, Kind, Thresholds
from monitor.core.facts import gather
from monitor.core.history import ClientHistory
from monitor.core.records import Record
from tests.core.records import LONDON, findings_at
from tests.core.test_due import T0, _client, mail, thresholds


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(records=mail(), limits=thresholds, offset=st.floats(0.0, 1.0))
def test_every_detectors_severity_is_its_findings(
    records: list[Record], limits: Thresholds, offset: float
) -> None:
    client = _client(records, limits, None, frozenset(), [])
    now = T0 + (records[-1].date - T0 + timedelta(days=60)) * offset
    facts = gather(client, now)

    found = detectors.detect_all(facts, limits)

    assert detectors.levels(facts, limits) == {f.kind: f.severity for f in found}


def _replayed_finding_by_finding(
    client: ClientHistory, days: list[datetime], cooldown: timedelta
) -> list[Fired]:
    """The backtest as the daemon's lifecycle reads it, every finding written out each day."""
    fired: list[Fired] = []
    state: dict[Kind, alerts.AlertView | None] = dict.fromkeys(KINDS)
    for day in days:
        for finding in findings_at(client, day):
            view, events = alerts.step(
                state[finding.kind], finding.severity, day, cooldown=cooldown
            )
            fired.extend(
                Fired(
                    client.context.name, finding.kind, day, e.severity, e.kind, finding.explanation
                )
                for e in events
                if e.notify and e.severity is not None
            )
            if view is not None and view.state is alerts.State.OPEN:
                view = alerts.notified(view, day)
            state[finding.kind] = view
    return fired


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(records=mail(), limits=thresholds)
def test_a_backtest_fires_the_alerts_and_words_of_every_finding_replayed(
    records: list[Record], limits: Thresholds
) -> None:
    end = records[-1].date + timedelta(days=50)
    days = day_ends(end, (end - T0).days + 2, LONDON)
    expected = _replayed_finding_by_finding(
        _client(records, limits, None, frozenset(), []),
        days,
        timedelta(days=limits.cooldown_days),
    )

    result = backtest([_client(records, limits, None, frozenset(), [])], days)

    assert result.fired == sorted(expected, key=lambda f: (f.day, f.client, f.kind.value))
    assert all(f.explanation for f in result.fired)
