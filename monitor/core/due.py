"""When a client's findings can next change without new mail: the instant its evaluation is due.

:func:`next_change` returns an instant ``D`` after ``now`` such that, with the same records, every
finding keeps its kind, severity and firing state at every instant from ``now`` up to, not
including, ``D``. An evaluation can leave a client alone until then unless its records, its
configuration or the owner's away periods change. ``D`` may come early, never late.

Without new mail a finding changes for one of three reasons, each giving candidates for ``D``:

- **a message arrives in the records**: a message dated after ``now`` counts from its own date;
- **a message leaves a window**: a window of ``X`` days holds a message until ``date + X`` and
  drops it a microsecond later. The windows a finding reads: every record's 210 days
  (:data:`~monitor.core.history.HISTORY_DAYS`), the cadence's 180 days, the main contact's 90,
  the friction window (30), the friction norm's recent run (14 and 42 days) and its norm (the
  90 days before those 42), the micromanagement window (14) and its baseline (180 before it);
- **a clock crosses a threshold**: the working time a client message has waited (walked over the
  team's calendar, the owner's away periods excluded), the days the client has been silent and
  the days since we wrote (bounded as if no one were away: a pause only delays them), the end of
  a contact's away period, and the micromanagement baseline, which thins out as the span it is
  read over grows.

Two findings stop moving on their own, which keeps ``D`` days ahead for a quiet client: friction
reads only mail of the last six weeks (or its window, if longer), so once the client's latest
message is older than that, or none of those messages has a cue, reads curt or brings in a new
contact, it stays calm until new mail; and micromanagement points only fall without new mail,
so a calm client below the points threshold stays calm.

Window arithmetic is exact for ``now`` in UTC (or any fixed offset), as the shells pass it; for a
``now`` in a zone with daylight saving, ``D`` is taken three hours earlier. Pure: records and
``now`` in, an instant out.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, time, timedelta, timezone

from monitor.core import cadence as cadence_mod
from monitor.core import detectors
from monitor.core import friction_norm as norm_mod
from monitor.core.calendar import BusinessCalendar, Interval, merge_pauses
from monitor.core.detectors import Kind, Levels, Severity, Thresholds
from monitor.core.detectors.base import paused
from monitor.core.facts import ClientFacts, gather, pauses_from
from monitor.core.history import HISTORY_DAYS, ClientHistory
from monitor.core.records import Record, by_date, dated_before, dated_from

#: The smallest step of time: a message leaves an ``X``-day window at ``date + X + TICK``.
TICK = timedelta(microseconds=1)
#: Taken off every crossing of a clock read as a float, so rounding never puts ``D`` late.
MARGIN = timedelta(seconds=1)
#: The furthest ``D`` goes: a client nothing can change for is looked at again after a year.
AHEAD = timedelta(days=366)
#: Taken off ``D`` when ``now`` is in a zone with daylight saving (window arithmetic on wall time).
DST_SKEW = timedelta(hours=3)
#: The micromanagement baseline is read over at most this many days before its window.
BASELINE_DAYS = 180.0


def next_change(
    history: ClientHistory, now: datetime, *, facts: ClientFacts | None = None
) -> datetime:
    """The first instant after ``now`` at which a finding's kind, severity or firing state may
    differ from ``now``'s, with the same records (``facts``: the client's facts at ``now``, when
    the caller has them already)."""
    facts = facts if facts is not None else gather(history, now)
    due = min(bounds(history, facts, detectors.levels(facts, history.context.thresholds)))
    if not isinstance(now.tzinfo, timezone):
        due -= DST_SKEW
    return max(due, now + TICK)


def bounds(history: ClientHistory, facts: ClientFacts, levels: Levels) -> tuple[datetime, datetime]:
    """What :func:`next_change` takes the earlier of, at ``facts.now`` with the findings'
    severities ``levels`` read from ``facts``: the first instant a clock, an arrival or an away
    period's end may change a finding, and the first instant a message leaves a window some
    finding reads (without the daylight-saving margin)."""
    now, thresholds = facts.now, history.context.thresholds
    clocks = [
        now + AHEAD,
        *_arrival(history, now),
        *_away_ends(facts),
        *_unanswered(history, facts, thresholds),
        *_silence(facts, thresholds),
        *_checkin(facts, thresholds),
    ]
    if _pressure_live(facts, levels[Kind.MICROMANAGEMENT], thresholds):
        clocks.extend(_baseline(facts, thresholds))
    return min(clocks), min(_departures(history, facts, levels), default=now + AHEAD)


# --------------------------------------------------------------------------- records and windows


def _arrival(history: ClientHistory, now: datetime) -> Iterator[datetime]:
    """The next message dated after ``now`` counts from its own date."""
    index = bisect.bisect_right(history.dates, now)
    if index < len(history.dates):
        yield history.dates[index]


def _friction_until(facts: ClientFacts, thresholds: Thresholds) -> datetime | None:
    """After this instant friction reads no message (none is recent enough) and stays calm."""
    last = facts.last_inbound
    if last is None:
        return None
    reach = max(thresholds.friction_window_days, norm_mod.RECENT_LONGEST, norm_mod.RECENT_DAYS)
    return last.date + timedelta(days=reach) + TICK


def _friction_calm(history: ClientHistory, facts: ClientFacts, levels: Levels) -> bool:
    """Whether friction stays calm whatever leaves its windows: none of the messages it reads
    has a cue, reads curt even for a client that usually greets (the most a norm can make of
    it), or brings in a new contact; then no points and no turn can arise from them."""
    thresholds = history.context.thresholds
    if levels[Kind.FRICTION] is not None or thresholds.friction_warning_points <= 0:
        return False
    reach = max(thresholds.friction_window_days, norm_mod.RECENT_LONGEST)
    for record in dated_from(facts.window.inbound, facts.now - timedelta(days=reach)):
        value = norm_mod.strength(record, courteous=True)
        if record.friction or (value is not None and value >= norm_mod.FRICTIONAL):
            return False
        addresses = (record.sender, *record.recipients)
        if any(history.first_seen.get(a) == record.date for a in addresses):
            return False
    return True


def _inbound_offsets(
    history: ClientHistory, facts: ClientFacts, levels: Levels
) -> tuple[list[int], list[int]]:
    """The windows (days) an inbound message leaves that may change a finding: those of every
    finding, and those of friction alone."""
    ctx, thresholds = history.context, history.context.thresholds
    offsets = [HISTORY_DAYS]  # awaiting replies, chasers, the baseline's first message
    if ctx.cadence_days is None:
        offsets.append(cadence_mod.LEARNING_DAYS)
    earliest = pauses_from(facts.now, facts.last_inbound, facts.last_outbound)
    if any(high > earliest for (_, high), _ in history.client_away):
        offsets.append(90)  # the most frequent sender of 90 days is a main contact
    if _pressure_live(facts, levels[Kind.MICROMANAGEMENT], thresholds):
        window = thresholds.micromanagement_window_days
        offsets.extend([window, window + int(BASELINE_DAYS)])
    friction = [
        norm_mod.RECENT_DAYS,
        thresholds.friction_window_days,
        norm_mod.RECENT_LONGEST,
        norm_mod.RECENT_LONGEST + norm_mod.NORM_DAYS,
    ]
    return sorted(set(offsets)), sorted(set(friction))


def _departures(history: ClientHistory, facts: ClientFacts, levels: Levels) -> Iterator[datetime]:
    """For each window some finding reads, the first instant a message leaves it: a
    microsecond after its date plus the window's days."""
    now = facts.now
    shared, friction = _inbound_offsets(history, facts, levels)
    friction_until = _friction_until(facts, history.context.thresholds)
    if friction_until is None or friction_until <= now or _friction_calm(history, facts, levels):
        friction = []  # friction stays calm until new mail
    for days in shared:
        if (when := _first_leaving(history.inbound, now, days)) is not None:
            yield when
    for days in friction:
        when = _first_leaving(history.inbound, now, days)
        if when is not None and when <= (friction_until or now):
            yield when
    if friction:
        yield from _history_before(facts, history.context.thresholds)


def _first_leaving(records: list[Record], now: datetime, days: int) -> datetime | None:
    """When the oldest of ``records`` (sorted by date, aware UTC) that a window of ``days`` days
    holds at ``now`` leaves it; ``None`` when the window holds none of them. The later ones
    leave after it: a message's date plus the same days."""
    span = timedelta(days=days)
    # In the window at ``now``: dated up to ``now`` and leaving after it (date + span + TICK
    # > now), counted in UTC as the dates are.
    index = bisect.bisect_right(records, now.astimezone(UTC) - span - TICK, key=by_date)
    if index == len(records) or records[index].date > now:
        return None
    return records[index].date + span + TICK


def _history_before(facts: ClientFacts, thresholds: Thresholds) -> Iterator[datetime]:
    """A new senior contact is only news against mail from before the friction window: when the
    first such mail appears, or the last leaves the 210 days."""
    window = facts.window
    cut = window.since(thresholds.friction_window_days)
    before = dated_before(window.counted, cut)
    if before:
        yield before[-1].date + timedelta(days=HISTORY_DAYS) + TICK
    elif window.counted:
        yield window.counted[0].date + timedelta(days=thresholds.friction_window_days) + TICK


def _away_ends(facts: ClientFacts) -> Iterator[datetime]:
    """A main contact's current away period ends (and with it the pause of silence and
    check-in); the pause also ends once ``now``'s own date is past the return date."""
    now = facts.now
    for low, high in facts.away.intervals:
        if low <= now < high:
            yield high
    if facts.away.until is not None:
        yield datetime.combine(facts.away.until + timedelta(days=1), time(0), tzinfo=now.tzinfo)


# --------------------------------------------------------------------------- clocks


def _next_threshold(value: float, thresholds: Iterable[float]) -> float | None:
    """The lowest threshold ``value`` has not reached yet."""
    ahead = [t for t in thresholds if value < t]
    return min(ahead) if ahead else None


def _unanswered(
    history: ClientHistory, facts: ClientFacts, thresholds: Thresholds
) -> Iterator[datetime]:
    """Every waiting message gains the same working time from ``now`` on, so the oldest one's
    next threshold is reached after the working time still missing, walked on the calendar."""
    longest = facts.gaps.longest_wait
    if longest is None:
        return
    oldest = longest[1]
    target = _next_threshold(
        oldest / 3600,
        (thresholds.unanswered_warning_hours, thresholds.unanswered_critical_hours),
    )
    if target is None:
        return
    # Walk to a second of working time short of the threshold: the wait read at any earlier
    # instant is then at least a second below it, whatever the rounding of either sum.
    limit = facts.now + AHEAD
    needed = target * 3600 - oldest - MARGIN.total_seconds()
    reached = working_crossing(history.context.ours, facts.now, needed, history.owner_away, limit)
    yield reached if reached is not None else limit


def _days_ahead(
    facts: ClientFacts, value: float, thresholds: Iterable[float]
) -> Iterator[datetime]:
    """A clock counting days at most as fast as time passes reaches its next threshold no
    sooner than that many days ahead."""
    target = _next_threshold(value, thresholds)
    if target is not None:
        yield facts.now + timedelta(days=target - value) - MARGIN


def _silence(facts: ClientFacts, thresholds: Thresholds) -> Iterator[datetime]:
    cadence = facts.clocks.cadence.days
    if facts.last_inbound is None or cadence is None or paused(facts.away.until, facts.now):
        return
    floor = thresholds.silence_min_days
    yield from _days_ahead(
        facts,
        facts.clocks.silent_days or 0.0,
        (
            max(floor, thresholds.silence_warning_ratio * cadence),
            max(floor, thresholds.silence_critical_ratio * cadence),
        ),
    )


def _checkin(facts: ClientFacts, thresholds: Thresholds) -> Iterator[datetime]:
    if not facts.has_history or paused(facts.away.until, facts.now):
        return
    yield from _days_ahead(
        facts,
        facts.clocks.quiet_days,
        (thresholds.checkin_warning_days, thresholds.checkin_critical_days),
    )


def _pressure_live(facts: ClientFacts, severity: Severity | None, thresholds: Thresholds) -> bool:
    """Whether micromanagement may still change without new mail: its points (chasers, status
    requests, after-hours mail in its window) only fall as mail leaves the window, so a calm
    client below every points threshold stays calm."""
    lowest = min(
        thresholds.micromanagement_warning_points, thresholds.micromanagement_critical_points
    )
    return severity is not None or facts.pressure.points() >= lowest


def _baseline(facts: ClientFacts, thresholds: Thresholds) -> Iterator[datetime]:
    """The baseline exists once the mail before the window spans three windows; until it spans
    :data:`BASELINE_DAYS` it is that mail spread over a growing span, so it falls and the ratio
    rises until it reaches a threshold whose points are met."""
    pressure, window = facts.pressure, thresholds.micromanagement_window_days
    start = facts.now - timedelta(days=window)
    earlier = dated_before(facts.window.inbound, start)
    if not earlier:
        return
    first = earlier[0].date
    span = (start - first).total_seconds() / 86400
    if span < 3 * window:
        yield first + timedelta(days=4 * window) - MARGIN
        return
    if span >= BASELINE_DAYS:
        return  # read over a fixed span: it moves only as mail leaves it
    levels = (
        (thresholds.micromanagement_warning_ratio, thresholds.micromanagement_warning_points),
        (thresholds.micromanagement_critical_ratio, thresholds.micromanagement_critical_points),
    )
    ratio = pressure.ratio or 0.0
    for needed_ratio, needed_points in levels:
        if pressure.points() < needed_points or ratio >= needed_ratio or needed_ratio <= 0:
            continue
        baseline = _baseline_reaching(len(pressure.inbound), needed_ratio)
        if baseline is None:
            continue
        days = len(earlier) * window / baseline
        if days < BASELINE_DAYS:
            yield first + timedelta(days=window + days) - MARGIN


def _baseline_reaching(count: int, ratio: float) -> float | None:
    """The highest unrounded baseline at which ``count`` messages may read as ``ratio`` times
    it: the baseline is rounded to a tenth and never taken below one message."""
    highest = count / ratio
    if highest < 1.0:
        return None  # the ratio never exceeds the count itself
    # A baseline rounds to at most ``tenth`` only once it is below ``tenth`` + 0.05.
    tenth = math.floor(highest * 10 + 1e-9) / 10
    return tenth + 0.05 + 1e-6


# --------------------------------------------------------------------------- working time


def _unpaused(low: datetime, high: datetime, pauses: Sequence[Interval]) -> Iterator[Interval]:
    """[low, high) without the (merged, sorted) ``pauses``."""
    for begin, finish in pauses:
        if finish <= low or begin >= high:
            continue
        if begin > low:
            yield low, begin
        low = max(low, finish)
        if low >= high:
            return
    if low < high:
        yield low, high


def working_crossing(
    calendar: BusinessCalendar,
    start: datetime,
    needed: float,
    pauses: Sequence[Interval],
    limit: datetime,
) -> datetime | None:
    """The instant by which ``needed`` working seconds of ``calendar`` have passed since
    ``start``, not counting ``pauses``; ``None`` when that is not before ``limit``."""
    if needed <= 0:
        return start
    merged = merge_pauses(pauses)
    done = 0.0
    for low, high in calendar.intervals(start, limit):
        for a, b in _unpaused(low, high, merged):
            length, remaining = (b - a).total_seconds(), needed - done
            # A crossing at the very end of an interval must not slip to the next one by the
            # rounding of the running sum.
            if length >= remaining - 1e-6:
                return a + timedelta(seconds=max(0.0, min(length, remaining)))
            done += length
    return None
