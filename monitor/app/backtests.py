"""``relmon backtest``: the stored history replayed day by day with today's thresholds."""

from __future__ import annotations

from datetime import datetime, timedelta

from monitor.app.evaluation import prepare
from monitor.app.rows import BacktestClient, BacktestResult
from monitor.app.runtime import Runtime
from monitor.core.analysis import day_ends
from monitor.core.backtest import run as run_backtest
from monitor.core.detectors import KINDS


def backtest(runtime: Runtime, as_of: datetime, since: datetime | None) -> BacktestResult:
    """Replay the stored history day by day with the current thresholds."""
    evaluation = prepare(runtime, as_of)
    tz = runtime.config.team.tz
    first = min(
        (h.records[0].date for h in evaluation.histories.values() if h.records), default=as_of
    )
    start = since or max(first, as_of - timedelta(days=365))
    count = max(1, (as_of.astimezone(tz).date() - start.astimezone(tz).date()).days + 1)
    days = day_ends(as_of, count, tz)
    result = run_backtest(list(evaluation.histories.values()), days)
    clients: list[BacktestClient] = []
    for name in evaluation.histories:
        fired = [f for f in result.fired if f.client == name]
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
            "alerts": len(result.fired),
            "per_client_per_month": round(result.per_client_month(len(clients)), 2),
        },
    }
