"""The alert lifecycle of DESIGN.md as one pure function.

    open ──notified──▶ notified ──ack──▶ acknowledged
      │                   │   └─snooze(until)──▶ snoozed ──until passes──▶ open (notifies again)
      └──────── condition clears ────────────────────────────────────▶ resolved
    resolved ──condition returns after the cool-down──▶ open (a new alert)

One alert per (client, kind). A worse severity (warning → critical) notifies again, even when
acknowledged, if the owner has not been told of it yet while this alert is open: a condition
that flickers critical → warning → critical notifies once, not at every rise (the alert keeps
the highest severity its owner was told of, its ``peak``). A milder one is recorded quietly.
A snoozed alert stays quiet until its time. A resolved alert re-opens only after a cool-down,
so a condition flickering at its threshold does not mail the owner every day. Transitions that never notify: resolving, improving, a worsening
while snoozed (it notifies when the snooze ends). An active alert whose client gets another
owner is handed over (:func:`hand_over`): it opens again for the new owner, who is told.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from monitor.core.detectors import Severity

#: The longest snooze, however it is asked for (a reply, the CLI, the dashboard).
MAX_SNOOZE = timedelta(days=90)


class State(StrEnum):
    OPEN = "open"  # firing, owner not told yet
    NOTIFIED = "notified"
    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"

    @property
    def active(self) -> bool:
        return self is not State.RESOLVED


class EventKind(StrEnum):
    OPENED = "opened"
    REOPENED = "reopened"
    WORSENED = "worsened"
    IMPROVED = "improved"
    SNOOZE_ENDED = "snooze_ended"
    HANDED_OVER = "handed_over"  # the client has another owner, who has not been told
    RESOLVED = "resolved"


@dataclass(frozen=True)
class AlertView:
    """What the lifecycle needs to know about a stored alert."""

    state: State
    severity: Severity
    opened_at: datetime
    changed_at: datetime
    resolved_at: datetime | None = None
    snoozed_until: datetime | None = None
    #: The highest severity the owner was told of since the alert opened (or since a snooze
    #: ended); ``None`` (alerts stored before it was kept): the severity.
    peak: Severity | None = None

    @property
    def told(self) -> Severity:
        return self.peak or self.severity


@dataclass(frozen=True)
class Event:
    kind: EventKind
    severity: Severity | None
    notify: bool  # the owner should hear about it


def step(
    alert: AlertView | None,
    severity: Severity | None,
    now: datetime,
    *,
    cooldown: timedelta,
) -> tuple[AlertView | None, tuple[Event, ...]]:
    """The new state of one (client, kind) alert given what the detector says now."""
    if alert is None or alert.state is State.RESOLVED:
        if severity is None:
            return alert, ()
        if (
            alert is not None
            and alert.resolved_at is not None
            and now - alert.resolved_at < cooldown
        ):
            return alert, ()  # still cooling down: stay quiet
        kind = EventKind.REOPENED if alert is not None else EventKind.OPENED
        return AlertView(State.OPEN, severity, opened_at=now, changed_at=now, peak=severity), (
            Event(kind, severity, notify=True),
        )

    if severity is None:
        resolved = replace(
            alert, state=State.RESOLVED, resolved_at=now, changed_at=now, snoozed_until=None
        )
        return resolved, (Event(EventKind.RESOLVED, None, notify=False),)

    if alert.state is State.SNOOZED:
        if alert.snoozed_until is not None and now < alert.snoozed_until:
            # Quiet until the snooze ends, but keep the severity current.
            return (
                (replace(alert, severity=severity, changed_at=now), ())
                if severity is not alert.severity
                else (alert, ())
            )
        woke = replace(
            alert,
            state=State.OPEN,
            severity=severity,
            snoozed_until=None,
            changed_at=now,
            peak=severity,
        )
        return woke, (Event(EventKind.SNOOZE_ENDED, severity, notify=True),)

    if severity.rank > alert.told.rank:
        worse = replace(alert, state=State.OPEN, severity=severity, changed_at=now, peak=severity)
        return worse, (Event(EventKind.WORSENED, severity, notify=True),)
    if severity.rank > alert.severity.rank:  # back to what the owner was told: recorded only
        return replace(alert, severity=severity, changed_at=now), (
            Event(EventKind.WORSENED, severity, notify=False),
        )
    if severity.rank < alert.severity.rank:
        return replace(alert, severity=severity, changed_at=now), (
            Event(EventKind.IMPROVED, severity, notify=False),
        )
    return alert, ()


def hand_over(alert: AlertView, now: datetime) -> tuple[AlertView, tuple[Event, ...]]:
    """The client of an active ``alert`` has a new owner: the new owner is told of it as if it
    had just opened. What the old owner did (acknowledged, snoozed) was the old owner's."""
    if not alert.state.active:
        raise ValueError("a resolved alert is not handed over")
    handed = replace(
        alert, state=State.OPEN, snoozed_until=None, changed_at=now, peak=alert.severity
    )
    return handed, (Event(EventKind.HANDED_OVER, alert.severity, notify=True),)


def wakes(
    alert: AlertView | None, severity: Severity | None, *, cooldown: timedelta
) -> datetime | None:
    """When :func:`step`, given the same ``severity`` again, acts on its own: a snooze ends, or
    a resolved alert's cool-down passes while its condition still holds. ``None``: only a change
    of severity moves the alert (what the detectors' findings say)."""
    if alert is None or severity is None:
        return None
    if alert.state is State.SNOOZED and alert.snoozed_until is not None:
        return alert.snoozed_until
    if alert.state is State.RESOLVED and alert.resolved_at is not None:
        return alert.resolved_at + cooldown
    return None


def notified(alert: AlertView, now: datetime) -> AlertView:
    """The notification went out (an owner's acknowledgement is kept)."""
    if alert.state is State.OPEN:
        return replace(alert, state=State.NOTIFIED, changed_at=now)
    return alert


def acknowledge(alert: AlertView, now: datetime) -> AlertView:
    """The owner has seen the alert at its severity of now (it may have worsened quietly while
    snoozed): only a severity beyond that notifies again."""
    if not alert.state.active:
        raise ValueError("a resolved alert cannot be acknowledged")
    seen = alert.severity if alert.severity.rank > alert.told.rank else alert.told
    return replace(alert, state=State.ACKNOWLEDGED, snoozed_until=None, changed_at=now, peak=seen)


def acknowledged_already(alert: AlertView) -> bool:
    """Acknowledging again would change nothing: the alert is acknowledged at the severity it
    has now (a severity beyond the one acknowledged is worth acknowledging again)."""
    return alert.state is State.ACKNOWLEDGED and alert.severity.rank <= alert.told.rank


def snooze(alert: AlertView, until: datetime, now: datetime) -> AlertView:
    """Quiet until ``until``, at most MAX_SNOOZE ahead: a snooze is a pause, and an alert still
    true after it reminds its owner (a critical one muted for years would be lost)."""
    if not alert.state.active:
        raise ValueError("a resolved alert cannot be snoozed")
    if until <= now:
        raise ValueError("snooze until a time in the future")
    if until - now > MAX_SNOOZE:
        raise ValueError(f"snooze for at most {MAX_SNOOZE.days} days")
    return replace(alert, state=State.SNOOZED, snoozed_until=until, changed_at=now)


def resolve(alert: AlertView, now: datetime) -> AlertView:
    """Resolved by hand; the cool-down then applies as for a condition that cleared."""
    return replace(alert, state=State.RESOLVED, resolved_at=now, snoozed_until=None, changed_at=now)
