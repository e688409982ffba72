"""How long a client's findings last without new mail, the departures that change nothing
checked past.

:func:`~monitor.core.due.next_change` stops at the first instant a message leaves a window some
finding reads, since such a departure may change a finding. Nearly none does: a busy client has
a message leave one of its windows every few minutes, and on the 1,000,000-message bench store
one client in 369 had a finding change at any of the departures of the next six hours. So
:func:`lasting` checks them: it evaluates the findings at each departure in turn, and the client
is due at the first one where a finding's kind, severity or firing state differs from ``now``'s,
at the first instant a clock may change one, or at ``horizon``, whichever comes first.

Each check is an evaluation of the findings, so at most ``checks`` are made; the departure after
the last one checked is then the answer. Between two checked instants nothing changes, by the
rule of :func:`~monitor.core.due.next_change` applied at the earlier one, so the answer may come
early, never late. Pure: records and ``now`` in, an instant out.
"""

from __future__ import annotations

from datetime import datetime, timezone

from monitor.core import detectors
from monitor.core.due import TICK, bounds, next_change
from monitor.core.facts import ClientFacts, gather
from monitor.core.history import ClientHistory

#: The most departures an evaluation checks. The busiest client of the bench store (a message
#: every few minutes) then looks about an hour ahead; a quiet one reaches its horizon.
CHECKS = 24


def lasting(
    history: ClientHistory,
    now: datetime,
    *,
    horizon: datetime,
    facts: ClientFacts | None = None,
    checks: int = CHECKS,
) -> datetime:
    """The first instant after ``now`` at which a finding's kind, severity or firing state may
    differ from ``now``'s with the same records, departures up to ``horizon`` checked (at most
    ``checks`` of them): at ``horizon`` or later when none of them changes anything."""
    facts = facts if facts is not None else gather(history, now)
    if not isinstance(now.tzinfo, timezone):  # window arithmetic on wall time: no checks
        return next_change(history, now, facts=facts)
    thresholds = history.context.thresholds
    expected = detectors.levels(facts, thresholds)
    clock, leaving = bounds(history, facts, expected)
    while leaving < min(clock, horizon) and checks > 0:
        checks -= 1
        history.follow()  # instant after instant: gaps walked again only where mail changed
        facts = gather(history, leaving)
        levels = detectors.levels(facts, thresholds)
        if levels != expected:
            return leaving
        clock, leaving = bounds(history, facts, levels)
    return max(min(clock, leaving), now + TICK)


__all__ = ["CHECKS", "lasting"]
