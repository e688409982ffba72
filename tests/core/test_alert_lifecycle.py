"""The alert lifecycle: open, notify once, worsen, acknowledge, snooze, resolve, cool down."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from monitor.core.alerts import (
    AlertView,
    EventKind,
    State,
    acknowledge,
    acknowledged_already,
    hand_over,
    notified,
    resolve,
    snooze,
    step,
    wakes,
)
from monitor.core.detectors import Severity

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
COOLDOWN = timedelta(days=7)
DAY = timedelta(days=1)


def test_a_condition_opens_one_alert_and_notifies_once() -> None:
    alert, events = step(None, Severity.WARNING, T0, cooldown=COOLDOWN)
    assert alert is not None
    alert = notified(alert, T0)
    again, more = step(alert, Severity.WARNING, T0 + DAY, cooldown=COOLDOWN)

    assert [(e.kind, e.severity, e.notify) for e in events] == [
        (EventKind.OPENED, Severity.WARNING, True)
    ]
    assert more == ()
    assert again is not None and again.state is State.NOTIFIED


def test_warning_to_critical_notifies_again_even_when_acknowledged() -> None:
    alert, _ = step(None, Severity.WARNING, T0, cooldown=COOLDOWN)
    assert alert is not None
    alert = acknowledge(notified(alert, T0), T0 + DAY)

    worse, events = step(alert, Severity.CRITICAL, T0 + 2 * DAY, cooldown=COOLDOWN)

    assert [(e.kind, e.notify) for e in events] == [(EventKind.WORSENED, True)]
    assert worse is not None and (worse.state, worse.severity) == (State.OPEN, Severity.CRITICAL)


def test_improving_is_recorded_quietly() -> None:
    alert, _ = step(None, Severity.CRITICAL, T0, cooldown=COOLDOWN)

    better, events = step(alert, Severity.WARNING, T0 + DAY, cooldown=COOLDOWN)

    assert [(e.kind, e.notify) for e in events] == [(EventKind.IMPROVED, False)]
    assert better is not None and better.severity is Severity.WARNING


def test_an_acknowledged_critical_alert_flickering_back_to_critical_does_not_notify_again() -> None:
    """GIVEN a critical alert its owner was told of and acknowledged
    WHEN its condition eases to a warning and returns to critical, twice
    THEN the rises are recorded and the alert stays acknowledged: nothing worse than what
    the owner knows has happened."""
    alert, _ = step(None, Severity.CRITICAL, T0, cooldown=COOLDOWN)
    assert alert is not None
    alert = acknowledge(notified(alert, T0), T0 + DAY)
    told = []

    for day in range(2, 6):
        severity = Severity.WARNING if day % 2 == 0 else Severity.CRITICAL
        moved, events = step(alert, severity, T0 + day * DAY, cooldown=COOLDOWN)
        assert moved is not None
        alert = moved
        told += [(e.kind, e.severity) for e in events if e.notify]

    assert told == []
    assert (alert.state, alert.severity) == (State.ACKNOWLEDGED, Severity.CRITICAL)


def test_after_a_snooze_ends_at_a_warning_a_return_to_critical_notifies() -> None:
    """GIVEN a critical alert snoozed by its owner, whose snooze ends while it is a warning
    (the owner is reminded of a warning)
    WHEN it becomes critical again
    THEN the owner hears of it."""
    alert, _ = step(None, Severity.CRITICAL, T0, cooldown=COOLDOWN)
    assert alert is not None
    alert = snooze(notified(alert, T0), T0 + 3 * DAY, T0 + DAY)
    woke, _ = step(alert, Severity.WARNING, T0 + 4 * DAY, cooldown=COOLDOWN)
    assert woke is not None

    worse, events = step(
        notified(woke, T0 + 4 * DAY), Severity.CRITICAL, T0 + 5 * DAY, cooldown=COOLDOWN
    )

    assert [(e.kind, e.notify) for e in events] == [(EventKind.WORSENED, True)]
    assert worse is not None and worse.state is State.OPEN


def test_acknowledging_an_alert_that_worsened_while_snoozed_is_not_undone_by_the_next_pass() -> (
    None
):
    """GIVEN a warning snoozed by its owner, which turns critical while snoozed (quietly)
    WHEN the owner acknowledges it, having seen it critical, and it stays critical
    THEN it stays acknowledged, and nobody is mailed."""
    alert, _ = step(None, Severity.WARNING, T0, cooldown=COOLDOWN)
    assert alert is not None
    alert = snooze(notified(alert, T0), T0 + 5 * DAY, T0 + DAY)
    worse, quiet = step(alert, Severity.CRITICAL, T0 + 2 * DAY, cooldown=COOLDOWN)
    assert worse is not None and quiet == ()
    seen = acknowledge(worse, T0 + 2 * DAY)

    after, events = step(seen, Severity.CRITICAL, T0 + 3 * DAY, cooldown=COOLDOWN)

    assert events == ()
    assert after is not None and after.state is State.ACKNOWLEDGED


def test_a_snoozed_alert_stays_quiet_until_its_time_then_notifies() -> None:
    alert, _ = step(None, Severity.WARNING, T0, cooldown=COOLDOWN)
    assert alert is not None
    alert = snooze(notified(alert, T0), T0 + 3 * DAY, T0 + DAY)

    during, quiet = step(alert, Severity.CRITICAL, T0 + 2 * DAY, cooldown=COOLDOWN)
    after, woke = step(during, Severity.CRITICAL, T0 + 3 * DAY, cooldown=COOLDOWN)

    assert quiet == ()
    assert during is not None and during.state is State.SNOOZED
    assert [(e.kind, e.severity, e.notify) for e in woke] == [
        (EventKind.SNOOZE_ENDED, Severity.CRITICAL, True)
    ]
    assert after is not None and after.state is State.OPEN


def test_a_resolved_alert_reopens_only_after_the_cooldown() -> None:
    alert, _ = step(None, Severity.WARNING, T0, cooldown=COOLDOWN)
    resolved, events = step(alert, None, T0 + DAY, cooldown=COOLDOWN)
    flicker, quiet = step(resolved, Severity.WARNING, T0 + 3 * DAY, cooldown=COOLDOWN)
    later, reopened = step(flicker, Severity.WARNING, T0 + 9 * DAY, cooldown=COOLDOWN)

    assert [(e.kind, e.notify) for e in events] == [(EventKind.RESOLVED, False)]
    assert quiet == () and flicker is not None and flicker.state is State.RESOLVED
    assert [(e.kind, e.notify) for e in reopened] == [(EventKind.REOPENED, True)]
    assert later is not None and later.opened_at == T0 + 9 * DAY


def test_resolving_by_hand_starts_the_cooldown() -> None:
    alert, _ = step(None, Severity.CRITICAL, T0, cooldown=COOLDOWN)
    assert alert is not None
    done = resolve(alert, T0 + DAY)

    still, events = step(done, Severity.CRITICAL, T0 + 2 * DAY, cooldown=COOLDOWN)

    assert events == () and still is not None and still.state is State.RESOLVED


def test_a_resolved_alert_cannot_be_acknowledged_or_snoozed() -> None:
    alert, _ = step(None, Severity.WARNING, T0, cooldown=COOLDOWN)
    assert alert is not None
    done = resolve(alert, T0)

    with pytest.raises(ValueError, match="resolved"):
        acknowledge(done, T0)
    with pytest.raises(ValueError, match="resolved"):
        snooze(done, T0 + DAY, T0)


def test_with_the_same_findings_an_alert_moves_only_when_a_snooze_ends_or_a_cooldown_passes() -> (
    None
):
    alert, _ = step(None, Severity.WARNING, T0, cooldown=COOLDOWN)
    assert alert is not None
    snoozed = snooze(notified(alert, T0), T0 + 3 * DAY, T0 + DAY)
    resolved = resolve(notified(alert, T0), T0 + DAY)

    for held in (snoozed, resolved):
        woke = wakes(held, Severity.WARNING, cooldown=COOLDOWN)
        assert woke is not None
        quiet = step(held, Severity.WARNING, woke - timedelta(microseconds=1), cooldown=COOLDOWN)
        assert quiet[1] == ()
        assert [e.notify for e in step(held, Severity.WARNING, woke, cooldown=COOLDOWN)[1]] == [
            True
        ]
    assert wakes(notified(alert, T0), Severity.WARNING, cooldown=COOLDOWN) is None
    assert wakes(snoozed, None, cooldown=COOLDOWN) is None


def test_a_snoozed_alert_handed_to_a_new_owner_opens_for_them_at_its_severity() -> None:
    """The old owner's snooze was theirs: the new owner is told now, of what holds now."""
    alert, _ = step(None, Severity.WARNING, T0, cooldown=COOLDOWN)
    assert alert is not None
    alert, _ = step(notified(alert, T0), Severity.CRITICAL, T0 + DAY, cooldown=COOLDOWN)
    assert alert is not None
    alert = snooze(acknowledge(notified(alert, T0 + DAY), T0 + DAY), T0 + 10 * DAY, T0 + DAY)

    handed, events = hand_over(alert, T0 + 2 * DAY)

    assert handed.state is State.OPEN and handed.snoozed_until is None
    assert handed.severity is Severity.CRITICAL and handed.told is Severity.CRITICAL
    assert [(e.kind, e.severity, e.notify) for e in events] == [
        (EventKind.HANDED_OVER, Severity.CRITICAL, True)
    ]


def test_a_resolved_alert_is_not_handed_over() -> None:
    alert, _ = step(None, Severity.WARNING, T0, cooldown=COOLDOWN)
    assert alert is not None
    with pytest.raises(ValueError, match="resolved"):
        hand_over(resolve(alert, T0 + DAY), T0 + 2 * DAY)


def test_acknowledging_again_matters_only_for_a_severity_beyond_the_one_seen() -> None:
    """An alert stored before the highest severity told was kept has none (its severity
    stands for it): acknowledged at warning, it is acknowledged already; once critical, not."""
    stored = AlertView(State.ACKNOWLEDGED, Severity.WARNING, opened_at=T0, changed_at=T0)
    worse = AlertView(
        State.ACKNOWLEDGED, Severity.CRITICAL, opened_at=T0, changed_at=T0, peak=Severity.WARNING
    )

    assert acknowledged_already(stored)
    assert not acknowledged_already(worse)
    assert acknowledged_already(acknowledge(worse, T0 + DAY))
    assert not acknowledged_already(replace(stored, state=State.NOTIFIED))
