"""The analysis view of a stored message: what the measures need, nothing more."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from monitor.core.model import Direction


@dataclass(frozen=True, slots=True)
class Record:
    key: str
    date: dt.datetime  # aware UTC
    direction: Direction
    client: str | None
    thread: str
    sender: str
    subject: str = ""
    noise: str | None = None
    needs_reply: bool = False
    recipients: frozenset[str] = field(default_factory=frozenset)  # To and Cc addresses
    cc_only: bool = False  # inbound with us only in Cc: for our information, no reply expected
    # Why an inbound message waits for no reply from us although it asks for something:
    # "not_addressed_to_us", "cc_only", "to_a_list" (monitor.core.addressing); None: it may.
    reply_reason: str | None = None
    sentiment: float | None = None
    impoliteness: float | None = None  # P(among the least polite quarter); None = unscored
    tone: float | None = None  # sentiment with work words at no valence; None = unscored
    curtness: float | None = None
    courtesy: bool | None = None  # greets or thanks
    friction_evidence: str | None = None  # the strongest curt cue ("you need to") or its excerpt
    language: str | None = None
    friction: tuple[str, ...] = ()
    pressure: tuple[str, ...] = ()
    basics: tuple[str, ...] = ()
    questions: int = 0
    own_chars: int = 0
    away_until: dt.date | None = None
    evidence: tuple[tuple[int, float, str | None], ...] = ()
    # The stored row's revision: a new number whenever the row changes (0: not stored, or not
    # changed since revisions began). Not a measure: it tells kept results from stale ones.
    revision: int = 0

    @property
    def waits_for_us(self) -> bool:
        """An inbound message that asks for something and is addressed to one of us."""
        return self.needs_reply and not self.cc_only and self.reply_reason is None

    @property
    def counts(self) -> bool:
        """Whether the message counts in measures at all: client mail that is not noise."""
        return self.noise is None and self.direction in (Direction.INBOUND, Direction.OUTBOUND)
