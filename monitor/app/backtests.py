"""``relmon backtest``: the stored history replayed day by day with today's thresholds."""

from __future__ import annotations

from datetime import datetime, timedelta

from monitor.app.evaluation import in_batches
from monitor.app.rows import BacktestClient
from monitor.app.rows import BacktestResult as BacktestDoc
from monitor.app.runtime import Runtime
from monitor.core.analysis import day_ends
from monitor.core.backtest import BacktestResult, Fired
from monitor.core.backtest import run as run_backtest
from monitor.core.detectors import KINDS
from monitor.store.queries import first_mail


def backtest(runtime: Runtime, as_of: datetime, since: datetime | None) -> BacktestDoc:
    """Replay the stored history day by day with the current thresholds."""
    tz = runtime.config.team.tz
    names = [c.name for c in runtime.config.clients]
    first = first_mail(runtime.store.engine, as_of, names) or as_of
    start = since or max(first, as_of - timedelta(days=365))
    count = max(1, (as_of.astimezone(tz).date() - start.astimezone(tz).date()).days + 1)
    days = day_ends(as_of, count, tz)
    found: dict[str, list[Fired]] = {}
    for evaluation in in_batches(runtime, as_of):  # memory bounded by clients, not the store
        for one in run_backtest(list(evaluation.histories.values()), days).fired:
            found.setdefault(one.client, []).append(one)
    everything = BacktestResult(
        days[0], days[-1], len(days), [f for v in found.values() for f in v]
    )
    clients: list[BacktestClient] = []
    for name in names:
        fired = found.get(name, [])
        clients.append(
            {
                "name": name,
                "alerts": {kind.value: sum(1 for f in fired if f.kind is kind) for kind in KINDS},
                "fired": [
                    {
                        "date": f.day.astimezone(tz).date(),
                        "kind": f.kind.value,
                        "severity": f.severity.value,
                        "event": f.event.value,
                        "explanation": f.explanation,
                    }
                    for f in fired
                ],
            }
        )
    return {
        "since": days[0],
        "until": days[-1],
        "days": len(days),
        "clients": clients,
        "totals": {
            "alerts": len(everything.fired),
            "per_client_per_month": round(everything.per_client_month(len(clients)), 2),
        },
    }
