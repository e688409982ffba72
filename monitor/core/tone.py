"""The client's tone, the friction it is building and the pressure it puts on us, at ``now``.

Three fact builders over the inbound mail of one :class:`~monitor.core.history.Window`:

- :func:`sentiment`: the client's mean tone over 30 and 90 days, its trend and the sentences
  that moved it most;
- :func:`friction`: escalation words, pointed reminders and questions, negative messages and
  new senior people copied in, over the friction window, against the client's usual tone;
- :func:`pressure`: inbound volume against the client's own baseline, chasers, status
  requests and after-hours mail, over the micromanagement window.
"""

from __future__ import annotations

import bisect
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from monitor.core import friction_norm
from monitor.core.friction_norm import NormFacts
from monitor.core.gaps import Chaser
from monitor.core.history import HISTORY_DAYS, ClientContext, ClientHistory, Window
from monitor.core.records import Record, by_date, dated_between, dated_from, dated_within, utc
from monitor.core.sentiment import NEGATIVE_MESSAGE

_SENIOR_LOCAL = re.compile(
    r"(?:^|[._-])(?:ceo|cfo|coo|cto|cio|cmo|md|vp|svp|evp|chief|director|head|president|partner|board|"
    r"gf|geschaeftsfuehrer|geschaeftsfuehrung|vorstand|dg|pdg|toimitusjohtaja|zongjingli)(?:$|[._-])",
    re.IGNORECASE,
)


def mean(values: Sequence[float]) -> float | None:
    return round(statistics.fmean(values), 3) if values else None


# --------------------------------------------------------------------------- sentiment


@dataclass(frozen=True)
class SentimentSummary:
    mean_30: float | None
    scored_30: int
    mean_90: float | None
    scored_90: int
    unscored_30: int  # client messages in a language VADER does not read
    trend: float | None  # 30-day mean minus the mean of the 90 days before
    evidence: tuple[
        tuple[Record, int, float, str | None], ...
    ]  # (message, sentence, compound, text)


def _tones(records: list[Record]) -> list[float]:
    return [t for r in records if (t := r.business_tone) is not None]


def sentiment(window: Window) -> SentimentSummary:
    """The client's tone over 30 days (and 90), its trend, and the sentences that moved it."""
    inbound = window.inbound
    since_30, since_90 = window.since(30), window.since(90)
    inbound_30 = dated_from(inbound, since_30)
    scored_30 = [r for r in inbound_30 if r.business_tone is not None]
    scored_90 = [r for r in dated_from(inbound, since_90) if r.business_tone is not None]
    before = [
        r
        for r in dated_between(inbound, since_30 - timedelta(days=90), since_30)
        if r.business_tone is not None
    ]
    mean_30 = mean(_tones(scored_30))
    mean_before = mean(_tones(before))
    moving = sorted(
        ((r, index, compound, text) for r in scored_30 for index, compound, text in r.evidence),
        key=lambda item: item[2],
    )
    return SentimentSummary(
        mean_30=mean_30,
        scored_30=len(scored_30),
        mean_90=mean(_tones(scored_90)),
        scored_90=len(scored_90),
        unscored_30=sum(1 for r in inbound_30 if r.business_tone is None),
        trend=round(mean_30 - mean_before, 3)
        if mean_30 is not None and mean_before is not None
        else None,
        evidence=tuple(item for item in moving if item[2] < 0)[:3]
        + tuple(item for item in reversed(moving) if item[2] > 0)[:2],
    )


# --------------------------------------------------------------------------- friction


@dataclass(frozen=True)
class FrictionFacts:
    window_days: int
    messages: int  # inbound messages in the window
    sentiment_now: float | None  # mean over the window (scored messages)
    sentiment_usual: float | None  # mean over the 180 days before the window
    escalation: tuple[tuple[Record, tuple[str, ...]], ...]  # messages with escalation words
    pressure_phrases: tuple[tuple[Record, tuple[str, ...]], ...]
    challenges: tuple[tuple[Record, tuple[str, ...]], ...]  # pointed questions ("why did you …")
    negative: tuple[Record, ...]  # messages with sentiment ≤ NEGATIVE_MESSAGE (−0.3)
    senior_copied: tuple[tuple[Record, str], ...]  # (message, new senior address)
    #: The recent messages against the client's own 90-day norm (monitor/core/friction_norm.py)
    norm: NormFacts | None = None

    def points(self) -> float:
        score = (
            2.0 * len(self.escalation)
            + 1.0 * len(self.pressure_phrases)
            + 1.0 * len(self.challenges)
        )
        score += 2.0 * len(self.senior_copied)
        # Negative tone is not counted here as a number of messages, nor a drop in the mean
        # tone: a technical client writes many negative-sounding questions, and a count knows
        # nothing of its volume or its usual tone. Tone enters each message's friction strength,
        # judged against the client's own norm (friction_norm.py).
        return score

    def contributing(self) -> set[str]:
        return {r.key for r in self.records()}

    def records(self) -> list[Record]:
        """Every message that adds to the points, once each, in date order."""
        cued = [*self.escalation, *self.pressure_phrases, *self.challenges, *self.senior_copied]
        norm = self.norm.records() if self.norm is not None else []
        unique = {r.key: r for r in [*(r for r, _ in cued), *self.negative, *norm]}
        return sorted(unique.values(), key=lambda r: r.date)


def _with_cues(
    records: Sequence[Record], category: str
) -> tuple[tuple[Record, tuple[str, ...]], ...]:
    """The records with friction cues of ``category``, each with those cues."""
    prefix = f"{category}:"
    found = (
        (r, tuple(c for c in r.friction if c.startswith(prefix))) for r in records if r.friction
    )
    return tuple((r, cues) for r, cues in found if cues)


def _senior_copied(
    history: ClientHistory, since: datetime, until: datetime
) -> list[tuple[Record, str]]:
    """Client-side addresses first seen in the client's messages from ``since`` to ``until``
    that look senior (by title or local part)."""
    return [
        (record, address)
        for record, address in history.newcomers(since, until)
        if any(c.startswith("senior:") for c in record.friction)
        or _SENIOR_LOCAL.search(address.split("@")[0])
    ]


@dataclass(frozen=True)
class Marks:
    """Of a client's counted inbound messages (by date), the few the friction and pressure facts
    read of each window, picked out once: a backtest or a trend reads a window every day, and
    most messages in it add nothing (no cues, no negative tone, no politeness score)."""

    #: Per category of friction cues (:data:`CUED`), the messages with some, with those cues.
    cues: dict[str, list[tuple[Record, tuple[str, ...]]]]
    negative: list[Record]  # negative business mail that reads curt (or is unscored)
    status: list[Record]  # with status requests
    polite: list[Record]  # scored by the politeness model

    @classmethod
    def of(cls, inbound: Sequence[Record]) -> Marks:
        cued = [r for r in inbound if r.friction]
        return cls(
            cues={category: list(_with_cues(cued, category)) for category in CUED},
            negative=[r for r in inbound if _negative(r)],
            status=[r for r in inbound if r.pressure],
            polite=[r for r in inbound if r.impoliteness is not None],
        )

    def cued(
        self, category: str, since: datetime, until: datetime
    ) -> list[tuple[Record, tuple[str, ...]]]:
        """The messages dated from ``since`` to ``until`` with cues of ``category``."""
        found = self.cues[category]
        low = bisect.bisect_left(found, utc(since), key=_dated)
        return found[low : bisect.bisect_right(found, utc(until), lo=low, key=_dated)]


#: The categories of friction cues the friction facts count.
CUED = ("escalation", "pressure_phrase", "challenge")


def _dated(item: tuple[Record, tuple[str, ...]]) -> datetime:
    return item[0].date


def marks(history: ClientHistory) -> Marks:
    """The history's :class:`Marks`, picked out when first asked for."""
    found = history.marks
    if found is None:
        found = history.marks = Marks.of(history.inbound)
    return found


def friction(window: Window, history: ClientHistory) -> FrictionFacts:
    """Friction cues over the friction window, judged against the client's tone before it."""
    window_days = history.context.thresholds.friction_window_days
    now = window.now
    window_start = now - timedelta(days=window_days)
    inbound = window.inbound
    # The window's messages from ``window_start`` on, as the history's marks cut them (at
    # instants in UTC, the records' zone, converted once for every cut).
    low, high = utc(max(window_start, window.since(HISTORY_DAYS))), utc(now)
    marked = marks(history)
    norm = friction_norm.assess(inbound, now, scored=marked.polite)
    # A contact is only "new" against history from before the window.
    first = window.first_counted()
    history_before = first is not None and first.date < window_start
    senior = _senior_copied(history, window_start, now) if history_before else []
    return FrictionFacts(
        window_days=window_days,
        messages=len(inbound) - bisect.bisect_left(inbound, utc(window_start), key=by_date),
        sentiment_now=history.mean_sentiment(low, high, included=True),
        sentiment_usual=history.mean_sentiment(window.since(HISTORY_DAYS), window_start),
        # Escalation words and pointed questions count from messages that read curt for this
        # client: sharper than its own usual top, which a client that always writes tersely
        # has raised ("why did you …?" is how it asks). Only a message with cues can count:
        # the others are not judged at all (most of a busy client's month, every day of a
        # backtest).
        escalation=_curt(marked.cued("escalation", low, high), norm.usual_top),
        pressure_phrases=tuple(marked.cued("pressure_phrase", low, high)),
        challenges=_curt(marked.cued("challenge", low, high), norm.usual_top),
        # Negative tone read as business mail, in messages that also read as curt or impolite:
        # a technical question about an error is not a negative message, however many come.
        negative=tuple(dated_within(marked.negative, low, high)),
        senior_copied=tuple(senior),
        norm=norm,
    )


def _curt(
    cued: list[tuple[Record, tuple[str, ...]]], usual_top: float
) -> tuple[tuple[Record, tuple[str, ...]], ...]:
    """Those of the ``cued`` messages that do not read polite for the client."""
    return tuple(item for item in cued if not friction_norm.reads_polite(item[0], usual_top))


def _negative(record: Record) -> bool:
    """Negative tone read as business mail, in a message that also reads curt or impolite."""
    tone = record.business_tone
    return tone is not None and tone <= NEGATIVE_MESSAGE and _curt_or_unscored(record)


def _curt_or_unscored(record: Record) -> bool:
    value = friction_norm.strength(record)
    return value is None or value >= friction_norm.FRICTIONAL


# --------------------------------------------------------------------------- pressure


@dataclass(frozen=True)
class PressureFacts:
    window_days: int
    inbound: tuple[Record, ...]  # inbound messages in the window
    baseline: float | None  # usual inbound messages per window, from the client's own history
    chasers: tuple[Record, ...]
    status_requests: tuple[tuple[Record, tuple[str, ...]], ...]
    #: Whether an instant is in the client's working hours (None: every message counts as in
    #: hours); read only when the after-hours messages are.
    working: Callable[[datetime], bool] | None = field(default=None, compare=False, repr=False)

    @cached_property
    def after_hours(self) -> tuple[Record, ...]:
        """The messages in the window written outside the client's working hours, worked out
        when first read: most days the volume alone keeps micromanagement calm."""
        working = self.working
        return tuple(r for r in self.inbound if not working(r.date)) if working else ()

    @property
    def ratio(self) -> float | None:
        if self.baseline is None:
            return None
        return len(self.inbound) / max(self.baseline, 1.0)

    def points(self) -> float:
        return len(self.chasers) + len(self.status_requests) + 0.5 * len(self.after_hours)


def _chased(chaser: Chaser) -> datetime:
    return chaser.record.date


def pressure(window: Window, context: ClientContext, chasers: Sequence[Chaser]) -> PressureFacts:
    """Inbound volume over the micromanagement window against the client's own baseline (the
    same window's worth of its mail over up to 180 days before, once three windows are known),
    with the chasers, status requests and after-hours messages in the window."""
    window_days = context.thresholds.micromanagement_window_days
    pressure_start = window.now - timedelta(days=window_days)
    inbound = window.inbound
    cut = utc(pressure_start)
    start = bisect.bisect_left(inbound, cut, key=by_date)  # the window's first
    in_window = tuple(inbound[start:])
    # The window's status requests, as the history's marks cut them.
    status = marks(window.history).status
    since, now = utc(max(pressure_start, window.since(HISTORY_DAYS))), utc(window.now)
    baseline = None
    if start:  # mail before the window: its first message and how many since
        span = min(180.0, (pressure_start - inbound[0].date).total_seconds() / 86400)
        if span >= 3 * window_days:
            first = bisect.bisect_left(
                inbound, utc(pressure_start - timedelta(days=span)), hi=start, key=by_date
            )
            baseline = (start - first) / span * window_days
    return PressureFacts(
        window_days=window_days,
        inbound=in_window,
        baseline=round(baseline, 1) if baseline is not None else None,
        chasers=tuple(c.record for c in chasers[bisect.bisect_left(chasers, cut, key=_chased) :]),
        status_requests=tuple((r, r.pressure) for r in dated_within(status, since, now)),
        working=context.theirs.is_working,
    )
