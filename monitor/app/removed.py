"""Clients taken out of the configuration: their open alerts cleared, what was kept for them
dropped.

An evaluation pass looks at the configured clients only, so an alert of a client removed from
the configuration would stay open (in ``relmon alerts``, on the dashboard) for good, and the
answers and trend days kept for it would stay in the store. The daemon's nightly job clears
those alerts as a condition that no longer holds clears (recorded, nobody mailed) and deletes
the rest. Without a cool-down: a client put back (an edit reverted) has its alerts open again
at the next evaluation. A client renamed in one edit keeps its alerts
(:mod:`monitor.store.alerting`); one renamed along with other changes has its old name's
alerts cleared here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from monitor.alerts.model import RETIRED, Condition
from monitor.alerts.store import apply, latest
from monitor.app.runtime import Runtime
from monitor.log import get_logger
from monitor.store import alerts as alert_rows
from monitor.store.alerting import clients_with_traces, drop_kept

logger = get_logger()


def retire_removed_clients(runtime: Runtime, now: datetime) -> list[str]:
    """Clear the open alerts of clients no longer configured and drop what was kept for them;
    the clients' names. Their resolved alerts stay, as history (the retention purge ends it)."""
    engine = runtime.store.engine
    configured = {client.name for client in runtime.config.clients}
    gone = sorted(clients_with_traces(engine) - configured)
    for client in gone:
        with engine.begin() as connection:
            stored = latest(connection, client=client, lock=True).values()
            active = [a for a in stored if a.state.active]
            cleared = [Condition(a.kind, a.owner, None, RETIRED, {}, []) for a in active]
            apply(connection, cleared, client=client, account=None, now=now, cooldown=timedelta(0))
            for alert in active:  # the alert itself says why it cleared (events go)
                alert_rows.update(connection, alert.id, {"explanation": RETIRED})
            drop_kept(connection, [client])
    if gone:
        logger.info("removed_clients_retired", clients=len(gone))
    return gone
