"""The normalised message and the vocabulary of DESIGN.md as types."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from monitor.core.slotstate import tuple_state


class Direction(StrEnum):
    INBOUND = "inbound"  # client -> us
    OUTBOUND = "outbound"  # us -> client (the client among To/Cc)
    INTERNAL = "internal"  # us -> us only
    OTHER = "other"  # anything else: unassigned correspondents, client to client


class Noise(StrEnum):
    """Why a message is noise. Noise is stored and flagged; it never counts in any measure."""

    AUTO_REPLY = "auto_reply"  # out-of-office, acknowledgements, RFC 3834 auto-replies
    BULK = "bulk"  # newsletters and list mail
    DELIVERY_REPORT = "delivery_report"  # bounces, delay notices
    READ_RECEIPT = "read_receipt"
    CALENDAR_REPLY = "calendar_reply"  # accepted / declined / tentative
    OWN_ALERT = "own_alert"  # relmon's own alert emails found in a monitored mailbox
    ALERT_REPLY = (
        "alert_reply"  # an owner's reply to a relmon alert email: internal, not client mail
    )


class DateProblem(StrEnum):
    MISSING = "missing"
    UNPARSEABLE = "unparseable"
    IMPLAUSIBLE = "implausible"


@tuple_state
@dataclass(frozen=True, slots=True)
class Mailbox:
    """One address from a header, lower-cased, with its decoded display name."""

    address: str
    name: str = ""

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>" if self.name else self.address


@tuple_state
@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of own text that moved the message's sentiment, by position; its text is kept
    only when snippets are enabled."""

    index: int
    compound: float
    text: str | None = None


@tuple_state
@dataclass(frozen=True, slots=True)
class TextFeatures:
    """Everything relmon derives from a message's own text. The text itself is not kept."""

    language: str | None = None
    own_chars: int = 0
    sentiment: float | None = None  # VADER compound, sentence by sentence; None = unscored
    # P(people rate it among the least polite quarter), monitor/core/politeness.py; None = unscored
    impoliteness: float | None = None
    # VADER with work words ("error", "fails") at no valence: the tone relmon measures; None = unscored
    tone: float | None = None
    curtness: float | None = None  # 0–1: orders, bare questions, shouting; None = unscored
    courtesy: bool | None = None  # it greets or thanks; None = unscored
    friction_evidence: str | None = None  # the strongest curt cue's term: "you need to"
    friction_excerpt: str | None = None  # the text from that cue on: kept only with snippets
    sentences: int = 0
    evidence: tuple[Sentence, ...] = ()
    friction: tuple[str, ...] = ()  # cue ids matched, e.g. "escalation:unacceptable"
    pressure: tuple[str, ...] = ()  # cue ids matched, e.g. "status:any update"
    basics: tuple[str, ...] = ()  # questions about basics, e.g. "basics:can you explain"
    questions: int = 0
    closing_only: bool = False  # a short closing such as "thanks!" that needs no reply
    away_until: date | None = None  # return date stated by an out-of-office reply


@tuple_state
@dataclass(frozen=True, slots=True)
class Message:
    """A message normalised from its source: independent of configuration.

    Who it belongs to (direction, client) is decided separately by :mod:`monitor.core.addresses`,
    so adding a client later re-attributes stored messages without re-reading them.
    """

    key: str  # identity: the Message-ID, or a stable content hash when there is none
    message_id: str | None
    date: datetime  # aware UTC
    sender: Mailbox | None
    to: tuple[Mailbox, ...] = ()
    cc: tuple[Mailbox, ...] = ()
    subject: str = ""
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    date_problem: DateProblem | None = None
    noise: Noise | None = None
    noise_reason: str | None = None
    needs_reply: bool = True  # before direction: only inbound messages can need our reply
    has_attachments: bool = False
    size: int = 0
    text: TextFeatures = field(default_factory=TextFeatures)
    gm_thread: str | None = None  # Gmail X-GM-THRID
    conversation_id: str | None = None  # Microsoft Graph conversationId
    notes: tuple[str, ...] = ()  # what was odd but survivable while parsing
    snippet: str | None = None  # only with privacy.store_snippets
    #: A reply to a relmon alert email: its command ("ack", "snooze:SECONDS", "resolve"), read
    #: from the first line of the own text (monitor.core.replycommand); None for other mail.
    reply_command: str | None = None
    #: Received and Authentication-Results fields, top first, bounded: read to tell whether our
    #: own server vouches for the sender (see :mod:`monitor.core.provenance`); never stored.
    trace: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    @property
    def participants(self) -> frozenset[str]:
        found = {m.address for m in (*self.to, *self.cc)}
        if self.sender is not None:
            found.add(self.sender.address)
        return frozenset(found)


@tuple_state
@dataclass(frozen=True, slots=True)
class Quarantined:
    """A message that could not be read, with a specific reason. Stored, never silently dropped."""

    reason: str  # short stable code, e.g. "no_header_section"
    detail: str  # one sentence a person can act on
    key: str | None = None  # a content hash, so the same broken file is recorded once
