"""The seam between alerts and the ways people hear about them.

A :class:`Channel` does two things at two different times. While an evaluation's transaction is
open, it *renders* a notification into an :class:`Outgoing` row for the outbox (an email, a JSON
body), so the transition and what it causes are committed together. Later, from the outbox and
possibly in another process, it *sends* a claimed :class:`OutboxItem`. Between the two, the
outbox owns claims, retries with backoff, and the row's identity, the same for every channel:
a row is enqueued once per identity, and a re-delivery after a crash carries the same identity.

Email over SMTP (:mod:`monitor.alerts.email_channel`) is the first channel, the signed webhook
(:mod:`monitor.alerts.webhook`) the second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Protocol

from monitor.alerts.render import AlertMail, DigestEntry


class OutboxKind(StrEnum):
    """What an outbox row carries."""

    ALERT = "alert"  # a client alert, sent at once
    OPERATOR = "operator"  # an account whose credentials stopped working
    DIGEST = "digest"  # an owner's daily digest of warnings
    TEST = "test"  # `relmon alerts test-email`
    WEEKLY = "weekly"  # an owner's weekly portfolio report
    SUMMARY = "summary"  # the first evaluation of new clients: one per owner


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker until ``claimed_until``
    SENT = "sent"
    FAILED = "failed"  # given up: a permanent error, or too many attempts
    SUPERSEDED = "superseded"  # not sent: its alerts were handled before it could be


class DeliveryError(Exception):
    """A send that failed; ``permanent`` ones are not retried, ``stop`` ends the channel's run,
    ``unconfirmed`` ones failed after the receiver had the whole message (it may have it)."""

    def __init__(
        self, message: str, *, permanent: bool, stop: bool = False, unconfirmed: bool = False
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.stop = stop  # nothing else can be delivered through this channel either
        self.unconfirmed = unconfirmed


@dataclass(frozen=True)
class AlertNote:
    """A client alert's transition that should reach its owner now."""

    content: AlertMail
    owner: str
    when: datetime
    tz: tzinfo  # the owner's zone, for the dates in the text
    first: bool  # the alert's first notification (an email's thread root)
    not_before: datetime  # the end of the owner's quiet hours, or now


@dataclass(frozen=True)
class DigestNote:
    """An owner's daily digest of warnings."""

    entries: tuple[DigestEntry, ...]
    owner: str
    day: str  # the owner's local date, ISO
    when: datetime
    tz: tzinfo
    done: tuple[str, ...] = ()  # the owner's replies that acted on alerts, confirmed here


@dataclass(frozen=True)
class OperatorNote:
    """An account whose credentials stopped working, for the operators."""

    account: str
    explanation: str
    alert_id: int
    event_id: int
    operators: tuple[str, ...]
    when: datetime
    first: bool
    opened_at: datetime | None = None


@dataclass(frozen=True)
class Outgoing:
    """A rendered notification, ready to be written to the outbox."""

    channel: str
    identity: str  # unique across the outbox: an email's Message-ID, a webhook's idempotency key
    kind: OutboxKind
    recipients: tuple[str, ...]
    subject: str
    payload: bytes
    not_before: datetime


@dataclass(frozen=True)
class OutboxItem:
    """A claimed outbox row, handed to its channel to send."""

    id: int
    channel: str
    identity: str
    kind: OutboxKind
    recipients: Sequence[str]
    subject: str
    payload: bytes
    attempts: int  # before this one
    alert: int | None = None  # the alert it notifies of (not for digests)
    #: Attempts before this one that failed after the receiver had the whole message.
    unconfirmed: int = 0


class Channel(Protocol):
    """A way to reach people: render a notification for the outbox, send an outbox row.

    Rendering returns ``None`` when the channel has nothing to say to anyone about it (email
    with no operator addresses). ``send`` raises :class:`DeliveryError` for anything that went
    wrong; any other exception is a bug or a crash, and the row's claim expires.
    """

    @property
    def name(self) -> str: ...

    @property
    def deliverable(self) -> bool:
        """Whether this process can send (email renders without SMTP, e.g. in the demo)."""
        ...

    def alert(self, note: AlertNote) -> Outgoing | None: ...

    def digest(self, note: DigestNote) -> Outgoing | None: ...

    def operator(self, note: OperatorNote) -> Outgoing | None: ...

    def send(self, item: OutboxItem, *, now: datetime) -> None: ...
