"""Reply gaps at a run of instants, each day redoing only the conversations whose mail changed.

A backtest (or a trend) evaluates one client at hundreds of instants, each over the records of
its own window (:data:`~monitor.core.history.HISTORY_DAYS`). From one instant to the next the
window gains the mail that arrived and drops the mail that grew too old; every other
conversation pairs the same way as before. :class:`GapTracker` keeps each conversation's
pairing (:func:`~monitor.core.gaps.walk`) for the records of the window it was last walked
over, and takes up only those the window's move changed: a conversation that only gained later
mail is walked on from where its walk stopped; one that lost its first messages at a point
where none of its waits was open keeps the pairs after them; any other is walked again. The
waits are measured when first read (a detector reads only the oldest one still open). Its
:class:`~monitor.core.gaps.Gaps` are those :func:`~monitor.core.gaps.compute` gives for the
same window, gap for gap and in the same order (a property test holds it to that).

Instants may come in any order: a step back or a jump walks more conversations, never gives
another answer. A tracker belongs to one history and is not shared between threads.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from monitor.core.calendar import BusinessCalendar, Interval
from monitor.core.gaps import Chaser, EndedWaits, Gaps, Measured, OpenWaits, Walk, order, walk
from monitor.core.records import Record, by_date, utc

_Key = tuple[datetime, str]
T = TypeVar("T")


@dataclass
class _Sorted(Generic[T]):
    """Items kept in the order of their keys (unique), with the keys beside them for bisection."""

    keys: list[_Key] = field(default_factory=list)
    items: list[T] = field(default_factory=list)

    def add(self, key: _Key, item: T) -> None:
        index = bisect.bisect_left(self.keys, key)
        self.keys.insert(index, key)
        self.items.insert(index, item)

    def remove(self, key: _Key) -> None:
        index = bisect.bisect_left(self.keys, key)
        del self.keys[index]
        del self.items[index]


class _Open:
    """The wait still open in each conversation that has one, and the messages that started
    them kept in date order (a busy client's waits change every day; sorting them all again
    at each change cost more than the rest of its gaps)."""

    def __init__(self) -> None:
        self._by_thread: dict[str, Record] = {}
        self._starts: _Sorted[Record] = _Sorted()
        self._ordered: tuple[Record, ...] | None = None

    def put(self, thread: str, record: Record) -> None:
        self.drop(thread)
        self._by_thread[thread] = record
        self._starts.add(order(record), record)
        self._ordered = None

    def drop(self, thread: str) -> None:
        record = self._by_thread.pop(thread, None)
        if record is not None:
            self._starts.remove(order(record))
            self._ordered = None

    def ordered(self) -> tuple[Record, ...]:
        if self._ordered is None:
            self._ordered = tuple(self._starts.items)
        return self._ordered


@dataclass
class _Thread:
    records: list[Record]  # the conversation's counted records, in date order
    walked: Walk | None = None  # their pairing over the window last walked
    span: tuple[int, int] = (0, 0)  # the slice of ``records`` last walked


class GapTracker:
    """The reply gaps of one client's counted records (``counted``, sorted by date and key) at
    instant after instant, each over the records dated from ``since`` to ``now``."""

    def __init__(
        self,
        counted: list[Record],
        *,
        ours: BusinessCalendar,
        theirs: BusinessCalendar,
        owner_away: Sequence[Interval],
    ) -> None:
        self._counted = counted
        self._dates = [r.date for r in counted]
        self._ours, self._theirs, self._owner_away = ours, theirs, owner_away
        self._threads: dict[str, _Thread] = {}
        for record in counted:
            self._threads.setdefault(record.thread, _Thread(records=[])).records.append(record)
        self._span = (0, 0)  # the slice of ``counted`` the conversations were last walked over
        self._closed_ours: _Sorted[tuple[Record, Record]] = _Sorted()
        self._closed_theirs: _Sorted[tuple[Record, Record]] = _Sorted()
        self._chasers: _Sorted[Chaser] = _Sorted()
        self._open_ours = _Open()
        self._open_theirs = _Open()
        self._client_away: tuple[Interval, ...] = ()
        # Each closed gap measured once when first read (most never are), by the keys of its
        # two messages: the client's again once its absences change.
        self._measured_ours: Measured = {}
        self._measured_theirs: Measured = {}

    def at(self, since: datetime, now: datetime, client_away: Sequence[Interval]) -> Gaps:
        """The gaps :func:`~monitor.core.gaps.compute` gives for the records dated from
        ``since`` to ``now``, with the client's contacts away over ``client_away``."""
        since, until = utc(since), utc(now)  # the cuts only: ``now`` measures the waits
        low = bisect.bisect_left(self._dates, since)
        span = (low, bisect.bisect_right(self._dates, until, lo=low))
        for thread in self._moved(span):
            self._walk(self._threads[thread], since, until)
        self._span = span
        away = tuple(client_away)
        if away != self._client_away:  # the client's waits are measured again
            self._client_away, self._measured_theirs = away, {}
        owner_away = tuple(self._owner_away)
        return Gaps(
            ours_ended=EndedWaits(
                tuple(self._closed_ours.items), self._ours, owner_away, self._measured_ours
            ),
            ours_open=OpenWaits(self._open_ours.ordered(), now, self._ours, owner_away),
            theirs_ended=EndedWaits(
                tuple(self._closed_theirs.items), self._theirs, away, self._measured_theirs
            ),
            theirs_open=OpenWaits(self._open_theirs.ordered(), now, self._theirs, away),
            chasers=tuple(self._chasers.items),
        )

    def _moved(self, span: tuple[int, int]) -> set[str]:
        """The conversations with a record that the window gained or dropped."""
        (low0, high0), (low1, high1) = self._span, span
        if high0 <= low1 or high1 <= low0:  # no record in common: all of both windows
            edges = [(low0, high0), (low1, high1)]
        else:
            edges = [(min(low0, low1), max(low0, low1)), (min(high0, high1), max(high0, high1))]
        return {self._counted[i].thread for low, high in edges for i in range(low, high)}

    def _walk(self, thread: _Thread, since: datetime, now: datetime) -> None:
        records = thread.records
        low = bisect.bisect_left(records, since, key=by_date)
        high = bisect.bisect_right(records, now, lo=low, key=by_date)
        walked, (low0, high0) = thread.walked, thread.span
        if walked is not None and low0 < low < high0 <= high:
            walked = self._cut(thread, walked, records[low0:low])
        if walked is not None and low == thread.span[0] and high >= high0:
            # Only later mail: the walk goes on from where it stopped, as a walk over all of
            # them would (the pairs before stay as they were).
            counts = len(walked.ours), len(walked.theirs), len(walked.chasers)
            waiting = walked.waiting_for_us, walked.waiting_for_them
            thread.span = (low, high)
            self._add(thread, walk(records[high0:high], walked), counts, waiting)
            return
        self._forget(thread)
        if low == high:
            return
        thread.span = (low, high)
        thread.walked = walk(records[low:high])
        self._add(thread, thread.walked, (0, 0, 0), (None, None))

    def _cut(self, thread: _Thread, walked: Walk, dropped: list[Record]) -> Walk | None:
        """The walk of ``thread`` without its ``dropped`` first records, where no wait was
        open after them: the walk over the rest pairs them as it did. ``None``: walk it again."""
        before = walk(dropped)
        if before.waiting_for_us is not None or before.waiting_for_them is not None:
            return None
        self._remove_closed(before)
        del walked.ours[: len(before.ours)]
        del walked.theirs[: len(before.theirs)]
        del walked.chasers[: len(before.chasers)]
        thread.span = (thread.span[0] + len(dropped), thread.span[1])
        return walked

    def _add(
        self,
        thread: _Thread,
        walked: Walk,
        counts: tuple[int, int, int],
        waiting: tuple[Record | None, Record | None],
    ) -> None:
        """Keep what ``walked`` found after its first ``counts`` (gaps ours and theirs,
        chasers), and its waits still open where they are not those ``waiting`` before."""
        ours, theirs, chasers = counts
        for pair in walked.ours[ours:]:
            self._closed_ours.add(order(pair[0]), pair)
        for pair in walked.theirs[theirs:]:
            self._closed_theirs.add(order(pair[0]), pair)
        for chaser in walked.chasers[chasers:]:
            self._chasers.add(order(chaser.record), chaser)
        name = thread.records[0].thread
        for now, before, kept in (
            (walked.waiting_for_us, waiting[0], self._open_ours),
            (walked.waiting_for_them, waiting[1], self._open_theirs),
        ):
            if now is not before:
                if now is None:
                    kept.drop(name)
                else:
                    kept.put(name, now)

    def _remove_closed(self, walked: Walk) -> None:
        """Take the closed gaps and chasers ``walked`` found out of those kept."""
        for start, _ in walked.ours:
            self._closed_ours.remove(order(start))
        for start, _ in walked.theirs:
            self._closed_theirs.remove(order(start))
        for chaser in walked.chasers:
            self._chasers.remove(order(chaser.record))

    def _forget(self, thread: _Thread) -> None:
        walked, thread.walked = thread.walked, None
        if walked is None:
            return
        self._remove_closed(walked)
        name = thread.records[0].thread
        self._open_ours.drop(name)
        self._open_theirs.drop(name)


__all__ = ["GapTracker"]
