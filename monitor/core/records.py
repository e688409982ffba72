"""The analysis view of a stored message: what the measures need, nothing more."""

from __future__ import annotations

import bisect
import datetime as dt
import operator
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from itertools import repeat

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
    def business_tone(self) -> float | None:
        """The message's tone read as business mail ("error", "fails" at no valence): the
        client's tone everywhere it is measured; VADER's sentiment for a message stored before
        tone was kept. ``None``: unscored (a language VADER cannot read)."""
        return self.tone if self.tone is not None else self.sentiment

    @property
    def waits_for_us(self) -> bool:
        """An inbound message that asks for something and is addressed to one of us."""
        return self.needs_reply and not self.cc_only and self.reply_reason is None

    @property
    def counts(self) -> bool:
        """Whether the message counts in measures at all: client mail that is not noise."""
        return self.noise is None and self.direction in (Direction.INBOUND, Direction.OUTBOUND)


#: Each field's slot setter, in declaration order: :func:`record_of` fills them directly.
_SETTERS = tuple(getattr(Record, f.name).__set__ for f in fields(Record))
_new = object.__new__


def record_of(values: Sequence[object]) -> Record:
    """The record whose fields are ``values``, every one in declaration order: the record
    ``Record(*values)`` would make, in about 60% of its time (a store reads a year of records
    at a time, and a frozen dataclass sets each field through a call). The slots are filled by
    ``map``'s loop, in C: a loop of Python's over them took half as long again."""
    if len(values) != len(_SETTERS):
        raise ValueError(f"{len(values)} values for the {len(_SETTERS)} fields of a record")
    record = _new(Record)
    deque(map(operator.call, _SETTERS, repeat(record), values), maxlen=0)
    return record


# A client's records are held sorted by date, and most measures read those dated within some
# days of ``now``: the helpers below cut them by bisection, so a measure walks its own window's
# records, not the whole history held.


#: A record's date: the key records are cut by (a C attribute getter: a bisection calls it
#: a dozen times).
by_date: Callable[[Record], dt.datetime] = operator.attrgetter("date")


def utc(instant: dt.datetime) -> dt.datetime:
    """``instant`` as aware UTC, the zone of the records' dates: the same instant, so it cuts
    them at the same place, but compared with them field by field. An instant in another zone
    (a team's midnight) is converted at each of a bisection's dozen comparisons, about fifteen
    times the cost (a backtest cuts every client's records at every day's end). A naive
    instant is left as it is."""
    zone = instant.tzinfo
    return instant if zone is dt.UTC or zone is None else instant.astimezone(dt.UTC)


def dated_from(records: list[Record], instant: dt.datetime) -> list[Record]:
    """The records (sorted by date) dated at or after ``instant``."""
    return records[bisect.bisect_left(records, utc(instant), key=by_date) :]


def dated_before(records: list[Record], instant: dt.datetime) -> list[Record]:
    """The records (sorted by date) dated before ``instant``."""
    return records[: bisect.bisect_left(records, utc(instant), key=by_date)]


def dated_between(records: list[Record], since: dt.datetime, before: dt.datetime) -> list[Record]:
    """The records (sorted by date) dated at or after ``since`` and before ``before``."""
    low = bisect.bisect_left(records, utc(since), key=by_date)
    return records[low : bisect.bisect_left(records, utc(before), lo=low, key=by_date)]


def dated_within(records: list[Record], since: dt.datetime, until: dt.datetime) -> list[Record]:
    """The records (sorted by date) dated from ``since`` to ``until``, both included."""
    low = bisect.bisect_left(records, utc(since), key=by_date)
    return records[low : bisect.bisect_right(records, utc(until), lo=low, key=by_date)]
