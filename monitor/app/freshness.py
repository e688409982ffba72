"""Whether the stored alerts reflect the stored mail (``relmon alerts``' heading)."""

from __future__ import annotations

from datetime import datetime

from monitor.app.evaluation import in_batches, recent
from monitor.app.rows import AlertsFreshness
from monitor.app.runtime import Runtime
from monitor.store.alerting import evaluation_lag


def alerts_freshness(runtime: Runtime, as_of: datetime, client: str | None) -> AlertsFreshness:
    """Whether alerts were evaluated since the newest mail was stored; when not, how many
    conditions would fire now (what ``relmon health`` lists), evaluated without storing or
    sending anything."""
    evaluated, stored = evaluation_lag(runtime.store.engine)
    stale = stored is not None and (evaluated is None or evaluated < stored)
    would_fire = None
    if stale:
        chosen = [c for c in runtime.config.clients if client is None or c.name == client]
        would_fire = sum(
            len(evaluation.report(name, as_of).firing)
            for evaluation in in_batches(runtime, as_of, chosen, since=recent(as_of))
            for name in evaluation.histories
        )
    return {
        "at": evaluated,
        "newest_mail_stored_at": stored,
        "stale": stale,
        "would_fire": would_fire,
    }


__all__ = ["alerts_freshness"]
