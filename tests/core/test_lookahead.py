"""How long a client's findings last: the departures that change nothing are checked past, and
nothing an owner is told changes before the instant given."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.core import detectors
from monitor.core.due import TICK, bounds, next_change
from monitor.core.facts import gather
from monitor.core.lookahead import lasting
from tests.core.records import answered_weekly, every, history
from tests.core.test_due import T0, _client, _state, mail, thresholds


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(
    records=mail(),
    limits=thresholds,
    offset=st.floats(0.0, 1.0),
    hours=st.integers(1, 24 * 40),
    checks=st.integers(0, 30),
    fractions=st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3),
)
def test_no_finding_changes_before_the_checked_instant(
    records, limits, offset, hours, checks, fractions
) -> None:
    client = _client(records, limits, None, frozenset(), [])
    now = T0 - timedelta(days=3) + (records[-1].date - T0 + timedelta(days=240)) * offset
    horizon = now + timedelta(hours=hours)

    due = lasting(client, now, horizon=horizon, checks=checks)

    assert due > now
    assert due >= next_change(client, now)
    expected = _state(client, now)
    # Every instant a message leaves a window before it, where a finding could change, and
    # instants between.
    moments = {due - TICK, *(now + (due - now) * f for f in fractions)}
    at = now
    while at < due:
        facts = gather(client, at)
        leaving = bounds(client, facts, detectors.levels(facts, limits))[1]
        moments.add(leaving)
        at = leaving
    for moment in moments:
        if now <= moment < due:
            assert _state(client, moment) == expected, (now, moment, due)


def test_a_message_leaving_the_cadence_window_does_not_wake_a_steady_client() -> None:
    """GIVEN Acme has sent its figures every Monday for a year, each answered, WHEN a Monday's
    evaluation looks ten days ahead, THEN the figures that leave the cadence's 180 days on
    Saturday change nothing, and the client is not woken for them."""
    mail = answered_weekly("Mon 2025-06-02 10:00", 53)
    client = history(*mail)
    now = mail[52].date + timedelta(hours=6)
    horizon = now + timedelta(days=10)

    departs = next_change(client, now)
    due = lasting(client, now, horizon=horizon)

    assert departs < horizon  # a message leaves a window on Saturday
    assert due > departs
    assert _state(client, departs) == _state(client, now)


def test_no_check_is_made_past_the_budget() -> None:
    """With no checks allowed, the client is due at the first departure, as before."""
    weekly = every(7, "Mon 2025-06-02 10:00", 53, needs_reply=False)
    client = history(*weekly)
    now = weekly[-1].date + timedelta(hours=6)

    assert lasting(client, now, horizon=now + timedelta(days=3), checks=0) == next_change(
        client, now
    )
