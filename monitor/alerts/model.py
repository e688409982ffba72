"""What the alert lifecycle stores and hands back: alerts, conditions, transitions, and the
names of routes, owner actions and recorded events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from monitor.alerts.render import JSONObject
from monitor.core.alerts import AlertView, Event, EventKind, State
from monitor.core.detectors import Severity


class Route(StrEnum):
    """Which way a notification goes: critical ones now, warnings in the owner's daily digest."""

    IMMEDIATE = "immediate"
    DIGEST = "digest"


class Action(StrEnum):
    """What an owner can do to an alert."""

    ACK = "ack"
    SNOOZE = "snooze"
    RESOLVE = "resolve"


class AlreadyAcknowledged(ValueError):
    """Acknowledging an alert acknowledged at the severity it has now: nothing to change. Said
    as a notice, not an error: two people, or one double click, acknowledging it at once."""


class Recorded(StrEnum):
    """Event rows that are not lifecycle transitions: what people and delivery did."""

    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    RESOLVED_BY_HAND = "resolved_by_hand"
    NOTIFIED = "notified"


@dataclass(frozen=True)
class StoredAlert:
    id: int
    client: str | None
    account: str | None
    kind: str
    owner: str
    state: State
    severity: Severity
    opened_at: datetime
    changed_at: datetime
    resolved_at: datetime | None
    snoozed_until: datetime | None
    explanation: str
    figures: JSONObject
    evidence: list[JSONObject]
    pattern: str | None
    advice: str | None
    peak: Severity | None = None

    @property
    def view(self) -> AlertView:
        return AlertView(
            state=self.state,
            severity=self.severity,
            opened_at=self.opened_at,
            changed_at=self.changed_at,
            resolved_at=self.resolved_at,
            snoozed_until=self.snoozed_until,
            peak=self.peak,
        )

    @classmethod
    def from_row(cls, row: Any) -> StoredAlert:
        return cls(
            id=row.id,
            client=row.client,
            account=row.account,
            kind=row.kind,
            owner=row.owner,
            state=State(row.state),
            severity=Severity(row.severity),
            opened_at=row.opened_at,
            changed_at=row.changed_at,
            resolved_at=row.resolved_at,
            snoozed_until=row.snoozed_until,
            explanation=row.explanation,
            figures=row.figures or {},
            evidence=row.evidence or [],
            pattern=row.pattern,
            advice=row.advice,
            peak=Severity(row.peak) if row.peak else None,
        )


#: How the nightly job clears the alerts of a client taken out of the configuration. Such a
#: clearing holds nothing back: put back, the client's conditions open again at once.
RETIRED = "the client is no longer in the configuration"


@dataclass(frozen=True)
class Condition:
    """What a detector says about one (client or account, kind) right now."""

    kind: str
    owner: str
    severity: Severity | None
    explanation: str
    figures: JSONObject
    evidence: list[JSONObject]
    pattern: str | None = None
    advice: str | None = None


@dataclass(frozen=True)
class Transition:
    """A lifecycle transition as recorded: the alert after it, the event and its row."""

    alert: StoredAlert
    event: Event
    event_id: int
    route: Route | None  # how the owner hears of it; ``None``: it is only recorded

    @property
    def first(self) -> bool:
        """The alert's first notification (an email's Message-ID is the thread root)."""
        return self.event.kind in (EventKind.OPENED, EventKind.REOPENED)
