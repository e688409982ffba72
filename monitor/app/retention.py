"""The nightly retention purge, with what the alerts' lifecycle still needs kept."""

from __future__ import annotations

from datetime import datetime, timedelta

from monitor.app.runtime import Runtime
from monitor.log import get_logger
from monitor.store.retention import purge_before

logger = get_logger()


def purge_expired(runtime: Runtime, now: datetime) -> dict[str, int] | None:
    """Delete mail older than ``privacy.retention_days`` and what relmon wrote about it (None
    when it keeps everything). A resolved alert stays while the longest cool-down of any
    client still holds its condition back, however short the retention: purged, the same
    condition would open a new alert at once and mail its owner again."""
    config = runtime.config
    days = config.privacy.retention_days
    if not days:
        return None
    cooling = max((c.thresholds.cooldown_days for c in config.clients), default=0.0)
    purged = purge_before(
        runtime.store.engine,
        now - timedelta(days=days),
        cooling_since=now - timedelta(days=cooling),
    )
    logger.info("retention_purged", retention_days=days, **purged)
    return purged
