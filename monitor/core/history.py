"""A client's records prepared once for many evaluations, and the window of them seen at ``now``.

The CLI, the daemon and the backtest build a :class:`ClientHistory` once and then analyse it at
any number of instants; :meth:`ClientHistory.at` cuts the records one instant looks at.

An evaluation at ``now`` reads the records of the :data:`HISTORY_DAYS` before it, and of the
mail before those only a few facts: the first and the last message each way, whether there
were at least a few, when each of the client's addresses first appeared and the out-of-office
periods still running. So a history that is only analysed at recent instants (the daemon's
pass, ``relmon health``, ``relmon client``) holds the records from some instant on, and
:class:`Before` stands for everything older: the work of a question grows with the window, not
with the years of mail a client has.
"""

from __future__ import annotations

import bisect
import itertools
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cached_property
from typing import TYPE_CHECKING

from monitor.core.cadence import ContactRuns
from monitor.core.calendar import BusinessCalendar, Interval
from monitor.core.detectors import Thresholds
from monitor.core.gap_tracker import GapTracker
from monitor.core.model import Direction
from monitor.core.records import Record, by_date, dated_within, utc

if TYPE_CHECKING:
    from monitor.core.tone import Marks

HISTORY_DAYS = 210  # the most any measure looks back (cadence 180 + friction window 30)
#: A history must know whether the client wrote at least this many counted messages in all
#: (fewer: too little history for a health score).
ENOUGH_MAIL = 3


def _always_client(_address: str) -> bool:
    return True


@dataclass(frozen=True)
class ClientContext:
    name: str
    owner: str
    ours: BusinessCalendar  # the team's calendar: our side of reply gaps
    theirs: BusinessCalendar  # the client's calendar: its side, after hours
    thresholds: Thresholds = field(default_factory=Thresholds)
    cadence_days: float | None = None  # configured instead of learned
    is_client_address: Callable[[str], bool] = _always_client
    #: The owner's time zone: the dates in the owner's alerts are the owner's dates (the team's
    #: zone when the owner has none of their own).
    owner_zone: tzinfo | None = None

    @property
    def reader_zone(self) -> tzinfo:
        return self.owner_zone if self.owner_zone is not None else self.ours.zone


@dataclass(frozen=True)
class Before:
    """What a history that holds the records from ``since`` on knows of the client's older
    mail (none of which any window of an instant it is analysed at reads)."""

    since: datetime
    #: Counted messages (client mail, not noise) dated before ``since``, up to ENOUGH_MAIL.
    counted: int = 0
    #: The first and the last counted message each way dated before ``since``.
    first_inbound: Record | None = None
    first_outbound: Record | None = None
    last_inbound: Record | None = None
    last_outbound: Record | None = None
    #: The client's out-of-office replies dated before ``since`` whose return is after it.
    away: tuple[Record, ...] = ()
    #: The addresses (sender, To and Cc) of counted messages dated before ``since``, each group
    #: with the date it first occurs (client-side or not: the history tells them apart).
    addresses: tuple[tuple[frozenset[str], datetime], ...] = ()
    #: The newest records dated before ``since`` (noise included), oldest first: up to
    #: ``latest_kept`` of them, or all there are when fewer.
    latest: tuple[Record, ...] = ()
    latest_kept: int = 0
    #: Every record dated before ``since`` (noise included) as its number, the sum and the
    #: highest of its revisions: what a trend day's fingerprint reads of them.
    count: int = 0
    revisions: int = 0
    newest: int = 0


@dataclass(frozen=True, eq=False)
class Window:
    """The records one evaluation at ``now`` looks at: the last :data:`HISTORY_DAYS`. The
    client's messages are taken at once (every measure reads them); the rest when first read."""

    now: datetime
    inbound: list[Record]  # counted, by date
    history: ClientHistory

    def since(self, days: int) -> datetime:
        return self.now - timedelta(days=days)

    @cached_property
    def records(self) -> list[Record]:
        """Counted and noise, by date."""
        return self.history.window(self.since(HISTORY_DAYS), self.now)

    @cached_property
    def counted(self) -> list[Record]:
        """Client mail that is not noise, by date."""
        return dated_within(self.history.counted, self.since(HISTORY_DAYS), self.now)

    @cached_property
    def outbound(self) -> list[Record]:
        """Counted, by date."""
        return dated_within(self.history.outbound, self.since(HISTORY_DAYS), self.now)

    def first_counted(self) -> Record | None:
        """The window's first counted message, either way."""
        counted = self.history.counted
        index = bisect.bisect_left(counted, utc(self.since(HISTORY_DAYS)), key=by_date)
        first = counted[index] if index < len(counted) else None
        return first if first is not None and first.date <= self.now else None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Window):
            return NotImplemented
        return (self.now, self.records, self.counted, self.inbound, self.outbound) == (
            other.now,
            other.records,
            other.counted,
            other.inbound,
            other.outbound,
        )

    __hash__ = None  # type: ignore[assignment]


_by_date_and_key = operator.attrgetter("date", "key")


def _arrived(arrival: tuple[Record, str]) -> datetime:
    return arrival[0].date


@dataclass
class ClientHistory:
    """A client's records prepared once for many evaluations (the CLI, the daemon, a backtest)."""

    context: ClientContext
    records: list[Record]  # counted and noise, sorted by date
    dates: list[datetime]
    first_seen: dict[str, datetime]  # client-side address -> first message it appears in
    client_away: list[tuple[Interval, str]]  # (away interval, the contact's address)
    owner_away: list[Interval]
    inbound: list[Record] = field(default_factory=list)  # counted inbound, by date
    outbound: list[Record] = field(default_factory=list)  # counted outbound, by date
    counted: list[Record] = field(default_factory=list)  # counted both ways, by date
    #: The client's mail before the records held (None: they are all of it).
    before: Before | None = None
    #: The client's contact days: each run of ``inbound`` written on one day (in the client's
    #: zone) as the index of its first message and the day, worked out when first asked for
    #: (see :meth:`contact_days`).
    contact_runs: ContactRuns | None = field(default=None, compare=False, repr=False)
    #: Set by :meth:`follow`: the reply gaps of one instant after another, walked again only
    #: where the window's mail changed (a backtest, a trend).
    gap_tracker: GapTracker | None = field(default=None, compare=False, repr=False)
    #: Every (client message, client-side address first seen in it), in date order, worked
    #: out when first asked for (see :meth:`newcomers`).
    arrivals: list[tuple[Record, str]] | None = field(default=None, compare=False, repr=False)
    #: The dates of the client's scored messages and the running sums of their sentiments,
    #: exact in whole parts of the last number, worked out when first asked for (see
    #: :meth:`mean_sentiment`).
    scored: tuple[list[datetime], list[int], int] | None = field(
        default=None, compare=False, repr=False
    )
    #: The client's messages the friction and pressure facts read, picked out when first
    #: asked for (see :func:`~monitor.core.tone.marks`).
    marks: Marks | None = field(default=None, compare=False, repr=False)

    @classmethod
    def build(
        cls,
        context: ClientContext,
        records: Iterable[Record],
        owner_away: Sequence[Interval] = (),
        before: Before | None = None,
    ) -> ClientHistory:
        ordered = sorted(
            (r for r in records if r.client in (None, context.name)), key=_by_date_and_key
        )
        if before is not None and ordered and ordered[0].date < before.since:
            raise ValueError(f"a record dated {ordered[0].date} is before {before.since}")
        first_seen: dict[str, datetime] = {}
        for addresses, first in sorted(before.addresses, key=lambda a: a[1]) if before else ():
            for address in sorted(addresses):
                if context.is_client_address(address):
                    first_seen.setdefault(address, first)
        away: list[tuple[Interval, str]] = []
        known = set(first_seen)  # every address met so far, the client's or not
        for record in [*(before.away if before else ()), *ordered]:
            if record.counts:
                for address in (record.sender, *record.recipients):
                    if address not in known:
                        known.add(address)
                        if context.is_client_address(address):
                            first_seen[address] = record.date
            if (
                record.noise == "auto_reply"
                and record.away_until is not None
                and record.direction is Direction.INBOUND
            ):
                back = datetime.combine(record.away_until, time(0), tzinfo=context.theirs.zone)
                if back > record.date:
                    away.append(((record.date, back), record.sender))
        counted = [r for r in ordered if r.counts]
        return cls(
            context=context,
            records=ordered,
            dates=[r.date for r in ordered],
            first_seen=first_seen,
            client_away=away,
            owner_away=sorted(owner_away),
            inbound=[r for r in counted if r.direction is Direction.INBOUND],
            outbound=[r for r in counted if r.direction is Direction.OUTBOUND],
            counted=counted,
            before=before,
        )

    def follow(self) -> ClientHistory:
        """Prepare this history for evaluations at many instants, one after another (a backtest,
        a trend): each instant's reply gaps redo only the conversations whose mail in the window
        changed since the instant before. The answers are the same."""
        if self.gap_tracker is None:
            self.gap_tracker = GapTracker(
                self.counted,
                ours=self.context.ours,
                theirs=self.context.theirs,
                owner_away=self.owner_away,
            )
        return self

    def contact_days(self, since: datetime, until: datetime) -> list[date]:
        """The days the client wrote (in its zone) from ``since`` to ``until``, both included:
        :func:`~monitor.core.cadence.contact_days` of its counted inbound mail, each message's
        day worked out once however many instants ask."""
        return self._contacts().days_of(*self._inbound_within(since, until))

    def contact_gaps(self, since: datetime, until: datetime) -> list[float]:
        """The gaps (days) between consecutive :meth:`contact_days`, each worked out once."""
        return self._contacts().gaps_of(*self._inbound_within(since, until))

    def _contacts(self) -> ContactRuns:
        runs = self.contact_runs
        if runs is None:
            runs = self.contact_runs = ContactRuns.of(self.inbound, self.context.theirs.zone)
        return runs

    def _inbound_within(self, since: datetime, until: datetime) -> tuple[int, int]:
        low = bisect.bisect_left(self.inbound, utc(since), key=by_date)
        return low, bisect.bisect_right(self.inbound, utc(until), lo=low, key=by_date)

    def newcomers(self, since: datetime, until: datetime) -> list[tuple[Record, str]]:
        """The client's messages (counted inbound) dated from ``since`` to ``until`` with each
        client-side address first seen in them (in date order, the addresses of one message
        sorted)."""
        arrivals = self.arrivals
        if arrivals is None:
            arrivals = self.arrivals = []
            for record in self.inbound:
                for address in sorted(record.recipients | {record.sender}):
                    first_seen = self.first_seen.get(address)
                    if (
                        first_seen is not None
                        and first_seen >= record.date
                        and self.context.is_client_address(address)
                    ):
                        arrivals.append((record, address))
        low = bisect.bisect_left(arrivals, utc(since), key=_arrived)
        return arrivals[low : bisect.bisect_right(arrivals, utc(until), lo=low, key=_arrived)]

    def mean_sentiment(
        self, since: datetime, before: datetime, *, included: bool = False
    ) -> float | None:
        """The mean tone (:attr:`~monitor.core.records.Record.business_tone`) of the client's
        scored messages dated from ``since`` up to ``before`` (excluded, unless ``included``),
        rounded to three places as
        :func:`~monitor.core.tone.mean` gives it; ``None`` without any. The same number, to the
        last bit, in constant time: a trend or a backtest asks again every day of half a year's
        messages."""
        scored = self.scored
        if scored is None:
            # Every finite float is a whole number of some power of two's parts: counted in
            # the smallest part any of them needs, sentiments add up exactly.
            kept = [
                (r.date, tone.as_integer_ratio())
                for r in self.inbound
                if (tone := r.business_tone) is not None
            ]
            part = max((d for _, (_, d) in kept), default=1)
            sums = [0, *itertools.accumulate(n * (part // d) for _, (n, d) in kept)]
            scored = self.scored = ([d for d, _ in kept], sums, part)
        dates, sums, part = scored
        low = bisect.bisect_left(dates, utc(since))
        cut = bisect.bisect_right if included else bisect.bisect_left
        high = cut(dates, utc(before), lo=low)
        if high == low:
            return None
        # An integer divided by an integer is rounded once, as math.fsum rounds its sum
        # (statistics.fmean is that sum over the count).
        total = (sums[high] - sums[low]) / part
        return round(total / (high - low), 3)

    def _covered(self, now: datetime) -> None:
        """Refuse an evaluation at ``now`` that would read records this history does not hold."""
        if self.before is not None and now - timedelta(days=HISTORY_DAYS) < self.before.since:
            raise ValueError(
                f"{self.context.name}: the records held begin {self.before.since}, too late "
                f"for an evaluation at {now}"
            )

    @staticmethod
    def _last(records: list[Record], now: datetime) -> Record | None:
        index = bisect.bisect_right(records, utc(now), key=by_date)
        return records[index - 1] if index else None

    def last_inbound(self, now: datetime) -> Record | None:
        """The client's latest message up to ``now``, however long ago."""
        self._covered(now)
        found = self._last(self.inbound, now)
        return found if found is not None or self.before is None else self.before.last_inbound

    def last_outbound(self, now: datetime) -> Record | None:
        self._covered(now)
        found = self._last(self.outbound, now)
        return found if found is not None or self.before is None else self.before.last_outbound

    def enough_mail(self, now: datetime) -> bool:
        """Whether the client's mail (both ways, noise excluded) dated up to ``now`` holds at
        least :data:`ENOUGH_MAIL` messages."""
        self._covered(now)
        now = utc(now)
        held = bisect.bisect_right(self.inbound, now, key=by_date) + bisect.bisect_right(
            self.outbound, now, key=by_date
        )
        return held + (self.before.counted if self.before else 0) >= ENOUGH_MAIL

    def first_counted(self, now: datetime) -> Record | None:
        self._covered(now)
        older = (self.before.first_inbound, self.before.first_outbound) if self.before else ()
        first = [r for r in older if r is not None]
        if not first:
            first = [r for r in (self.inbound[:1] + self.outbound[:1]) if r.date <= now]
        return min(first, key=by_date) if first else None

    def latest(self, since: datetime, until: datetime, count: int) -> list[Record]:
        """The newest ``count`` records (noise included) dated from ``since`` to ``until``,
        oldest first, however much of the mail the history holds."""
        found = self.window(since, until)[-count:] if count > 0 else []
        need, before = count - len(found), self.before
        if need <= 0 or before is None or before.since <= since:
            return found
        complete = len(before.latest) < before.latest_kept  # every older record is known
        if not complete and need > before.latest_kept:
            raise ValueError(
                f"{self.context.name}: {count} latest records asked for, "
                f"{before.latest_kept} kept from before {before.since}"
            )
        older = [r for r in before.latest if since <= r.date <= until]
        return older[-need:] + found

    def window(self, since: datetime, until: datetime) -> list[Record]:
        low = bisect.bisect_left(self.dates, utc(since))
        high = bisect.bisect_right(self.dates, utc(until))
        return self.records[low:high]

    def at(self, now: datetime) -> Window:
        """The records an evaluation at ``now`` looks at."""
        self._covered(now)
        since = now - timedelta(days=HISTORY_DAYS)
        return Window(now=now, inbound=dated_within(self.inbound, since, now), history=self)
