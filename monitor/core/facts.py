"""Everything the detectors, health and pattern read about one client at ``now``: its facts.

:func:`gather` runs the fact builders in order, each a pure function of the client's
:class:`~monitor.core.history.ClientHistory` at ``now`` and the facts before it:

1. :func:`away`: who on the client's side is away (pausing the silence and check-in clocks),
   and whether the owner is (pausing our reply clock);
2. :func:`gap_facts`: reply gaps both ways, what awaits our reply, chasers;
3. :func:`clocks`: the client's cadence, how long it has been silent, how long since we wrote;
4. :func:`~monitor.core.tone.friction` and :func:`~monitor.core.tone.pressure`: friction and
   pressure over their windows.

The tone (:func:`~monitor.core.tone.sentiment`) is worked out when first read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from functools import cached_property

from monitor.core import cadence as cadence_mod
from monitor.core import gaps as gaps_mod
from monitor.core import tone
from monitor.core.cadence import Cadence
from monitor.core.calendar import Interval
from monitor.core.gaps import Gap, Gaps, GapStats
from monitor.core.history import HISTORY_DAYS, ClientHistory, Window
from monitor.core.records import Record, dated_from
from monitor.core.tone import FrictionFacts, PressureFacts, SentimentSummary


@dataclass(frozen=True)
class Away:
    intervals: tuple[Interval, ...]  # when the client's main contacts are away: clocks paused
    until: date | None  # the client's contact is away until (and clocks are paused)
    owner_until: date | None  # the owner's own out-of-office: our reply clock is paused


@dataclass(frozen=True)
class GapFacts:
    """Reply gaps both ways over the window and their statistics, each worked out when first
    read: the findings read only our usual reply time, a report reads them all."""

    gaps: Gaps
    now: datetime
    #: The length of one of the team's working days (seconds), the unit working time is told in.
    working_day: float

    @cached_property
    def ours_30(self) -> GapStats:
        return gaps_mod.stats(self.gaps.ours_within(self.now - timedelta(days=30), self.now))

    @cached_property
    def ours_90(self) -> GapStats:
        return gaps_mod.stats(self.gaps.ours_within(self.now - timedelta(days=90), self.now))

    @cached_property
    def answered(self) -> tuple[Gap, ...]:
        """The client's replies to us; an open wait is "waiting on the client"."""
        return self.gaps.theirs_closed

    @cached_property
    def theirs_30(self) -> GapStats:
        return gaps_mod.stats(gaps_mod.window(self.answered, self.now, 30))

    @cached_property
    def theirs_90(self) -> GapStats:
        return gaps_mod.stats(gaps_mod.window(self.answered, self.now, 90))

    @cached_property
    def usual_90(self) -> tuple[float | None, int]:
        """Our usual reply time over 90 days, (median business seconds, replies): answered
        messages only, so that a message still waiting is judged against the norm and never
        part of it."""
        answered = self.gaps.ours_ended.within(self.now - timedelta(days=90), self.now)
        return gaps_mod.median_business(answered), len(answered)

    @cached_property
    def waiting(self) -> list[tuple[Record, float, float]]:
        """What awaits our reply: (message, business seconds, wall seconds), oldest first."""
        return [(g.start, g.business_seconds, g.wall_seconds) for g in self.gaps.awaiting]

    @cached_property
    def longest_wait(self) -> tuple[Record, float, float] | None:
        """The message that has waited longest for our reply, as in :attr:`waiting`: the
        oldest, the others measured only when read."""
        gap = self.gaps.ours_open.longest()
        return (gap.start, gap.business_seconds, gap.wall_seconds) if gap is not None else None

    def overdue(self, hours: float) -> int:
        """How many messages have waited at least ``hours`` of working time for our reply."""
        if "waiting" in self.__dict__:  # measured already
            return sum(1 for _, business, _ in self.waiting if business / 3600 >= hours)
        return self.gaps.ours_open.at_least(hours)

    @property
    def waiting_messages(self) -> tuple[Record, ...]:
        """The messages waiting for our reply, oldest first."""
        return self.gaps.ours_open.starts


@dataclass(frozen=True)
class Clocks:
    cadence: Cadence
    silent_days: float | None  # since the client last wrote, away time excluded; None: never
    quiet_days: float  # since we last wrote (or since the first message), away time excluded


@dataclass(frozen=True)
class ClientFacts:
    client: str
    now: datetime
    zone: tzinfo  # the owner's time zone: dates in explanations are the owner's dates
    window: Window
    first: Record | None  # the first counted message up to now, however long ago
    last_inbound: Record | None
    last_outbound: Record | None
    away: Away
    gaps: GapFacts
    clocks: Clocks
    friction: FrictionFacts
    pressure: PressureFacts

    @property
    def has_history(self) -> bool:
        return self.first is not None

    @cached_property
    def sentiment(self) -> SentimentSummary:
        """The tone over 30 and 90 days, worked out when first read: health and the report
        read it, no detector does (friction weighs tone over its own window)."""
        return tone.sentiment(self.window)


def _away_seconds(start: datetime, end: datetime, intervals: Iterable[Interval]) -> float:
    total = 0.0
    for low, high in intervals:
        a, b = max(low, start), min(high, end)
        if a < b:
            total += (b - a).total_seconds()
    return total


def _most_frequent(senders: Sequence[str]) -> str:
    """The sender of most of ``senders`` (in date order); of equals, the one who wrote last."""
    counts = Counter(senders)
    most = max(counts.values())
    tied = {sender for sender, count in counts.items() if count == most}
    return next(sender for sender in reversed(senders) if sender in tied)


def pauses_from(
    now: datetime, last_inbound: Record | None, last_outbound: Record | None
) -> datetime:
    """The earliest instant an away period may end and still pause something an evaluation at
    ``now`` measures: gaps begin in the window, silence and quiet at the last message each way.
    A period over before it pauses nothing then, nor later."""
    ends = [r.date for r in (last_inbound, last_outbound) if r is not None]
    return min([now - timedelta(days=HISTORY_DAYS), *ends])


def away(
    history: ClientHistory,
    window: Window,
    last_inbound: Record | None,
    last_outbound: Record | None,
) -> Away:
    """The client's contact (its latest or most frequent correspondent) pauses the silence and
    check-in clocks; the owner's own out-of-office pauses our reply clock."""
    now = window.now
    intervals: tuple[Interval, ...] = ()
    if history.client_away:  # the main contacts matter only to someone's stated absence
        since_90 = window.since(90)
        recent_senders = [r.sender for r in dated_from(window.inbound, since_90)]
        main_contacts: set[str] = set()
        if last_inbound is not None:
            main_contacts.add(last_inbound.sender)
        if recent_senders:
            main_contacts.add(_most_frequent(recent_senders))
        earliest = pauses_from(now, last_inbound, last_outbound)
        intervals = tuple(
            interval
            for interval, who in history.client_away
            if who in main_contacts and interval[1] > earliest
        )
    current = [high for low, high in intervals if low <= now < high]
    owner_until = max((high for low, high in history.owner_away if low <= now < high), default=None)
    return Away(
        intervals=intervals,
        until=max(current).date() if current else None,
        owner_until=owner_until.date() if owner_until else None,
    )


def gap_facts(history: ClientHistory, window: Window, away: Away) -> GapFacts:
    """Reply gaps both ways over the window, with their 30- and 90-day statistics."""
    ctx, now = history.context, window.now
    if history.gap_tracker is not None:  # the same gaps, walked again only where mail changed
        gaps = history.gap_tracker.at(now - timedelta(days=HISTORY_DAYS), now, away.intervals)
    else:
        gaps = gaps_mod.compute(
            window.counted,  # noise never opens, closes or chases a gap
            now,
            ours=ctx.ours,
            theirs=ctx.theirs,
            owner_away=history.owner_away,
            client_away=list(away.intervals),
        )
    return GapFacts(gaps=gaps, now=now, working_day=ctx.ours.day_seconds())


def _days_since(moment: datetime, now: datetime, pauses: Sequence[Interval]) -> float:
    paused = _away_seconds(moment, now, pauses)
    return max(0.0, ((now - moment).total_seconds() - paused) / 86400)


def clocks(
    history: ClientHistory,
    window: Window,
    away: Away,
    *,
    first: Record | None,
    last_inbound: Record | None,
    last_outbound: Record | None,
) -> Clocks:
    """The client's cadence and the two clocks measured against it: its silence and ours."""
    ctx, now = history.context, window.now
    learned = cadence_mod.learn(
        window.inbound,
        now,
        ctx.theirs.zone,
        configured_days=ctx.cadence_days,
        gaps=history.contact_gaps(now - timedelta(days=cadence_mod.LEARNING_DAYS), now),
    )
    silent_days = None
    if last_inbound is not None:
        silent_days = _days_since(last_inbound.date, now, away.intervals)
    quiet_days = 0.0
    if last_outbound is not None:
        quiet_days = _days_since(last_outbound.date, now, away.intervals)
    elif first is not None:
        quiet_days = (now - first.date).total_seconds() / 86400
    return Clocks(cadence=learned, silent_days=silent_days, quiet_days=quiet_days)


def gather(history: ClientHistory, now: datetime) -> ClientFacts:
    """Every fact about one client at ``now``, from the records dated up to ``now``."""
    window = history.at(now)
    first = history.first_counted(now)
    last_inbound = history.last_inbound(now)
    last_outbound = history.last_outbound(now)
    away_facts = away(history, window, last_inbound, last_outbound)
    gaps = gap_facts(history, window, away_facts)
    return ClientFacts(
        client=history.context.name,
        now=now,
        zone=history.context.reader_zone,
        window=window,
        first=first,
        last_inbound=last_inbound,
        last_outbound=last_outbound,
        away=away_facts,
        gaps=gaps,
        clocks=clocks(
            history,
            window,
            away_facts,
            first=first,
            last_inbound=last_inbound,
            last_outbound=last_outbound,
        ),
        friction=tone.friction(window, history),
        pressure=tone.pressure(window, history.context, gaps.gaps.chasers),
    )
