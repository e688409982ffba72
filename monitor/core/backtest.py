"""Replay history day by day with the current thresholds: which alerts would have fired, when.

Each day's end (team time) is evaluated as if it were ``now``, with only the messages dated up
to then, and the alert lifecycle (cool-downs, one alert per kind, re-notification on worsening)
is applied as the daemon would, assuming every notification went out and nobody acknowledged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.core import alerts
from monitor.core.detectors import DETECTORS, KINDS, Kind, Severity, levels
from monitor.core.facts import gather
from monitor.core.history import ClientHistory


@dataclass(frozen=True)
class Fired:
    client: str
    kind: Kind
    day: datetime
    severity: Severity
    event: alerts.EventKind
    explanation: str


@dataclass
class BacktestResult:
    since: datetime
    until: datetime
    days: int
    fired: list[Fired] = field(default_factory=list)

    def count(self, client: str, kind: Kind) -> int:
        return sum(1 for f in self.fired if f.client == client and f.kind is kind)

    def per_client_month(self, clients: int) -> float:
        months = max(self.days / 30.44, 1e-9)
        return len(self.fired) / max(clients, 1) / months


def run(
    histories: Sequence[ClientHistory],
    days: Sequence[datetime],
    *,
    cooldown_days: dict[str, float] | None = None,
) -> BacktestResult:
    """Replay ``days`` (ascending end-of-day instants) for every client history."""
    result = BacktestResult(since=days[0], until=days[-1], days=len(days))
    for history in histories:
        history.follow()  # day after day: each day's gaps redo only what that day changed
        client = history.context.name
        cooldown = timedelta(
            days=(cooldown_days or {}).get(client, history.context.thresholds.cooldown_days)
        )
        thresholds = history.context.thresholds
        state: dict[Kind, alerts.AlertView | None] = dict.fromkeys(KINDS)
        for day in days:
            facts = gather(history, day)
            # Only the severities move the alerts: a finding's words are written only for
            # the notifications it sends.
            for kind, severity in levels(facts, thresholds).items():
                view, events = alerts.step(state[kind], severity, day, cooldown=cooldown)
                for event in events:
                    if event.notify and event.severity is not None:
                        explanation = DETECTORS[kind].detect(facts, thresholds).explanation
                        result.fired.append(
                            Fired(client, kind, day, event.severity, event.kind, explanation)
                        )
                if view is not None and view.state is alerts.State.OPEN:
                    view = alerts.notified(view, day)
                state[kind] = view
    result.fired.sort(key=lambda f: (f.day, f.client, f.kind.value))
    return result
