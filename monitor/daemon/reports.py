"""The daemon's digests job: each owner's daily digest and weekly report, when due.

With several replicas only the one holding the evaluation's lease queues them, and each owner's
digest or report commits only while that lease still holds (the lease is read once, before
anything is decided): a replica that was paused past its lease and resumes queues nothing.
"""

from __future__ import annotations

from datetime import datetime

from monitor.app.digests import send_digests
from monitor.app.runtime import Runtime
from monitor.daemon.replicas import Replicas
from monitor.errors import LeaseLost
from monitor.log import get_logger

logger = get_logger(__name__)


def send_reports(runtime: Runtime, now: datetime, replicas: Replicas | None) -> int:
    """Queue the digests and weekly reports due at ``now``; how many were queued."""
    from monitor.app.weekly import send_weekly_reports

    fence = replicas.evaluation_lease if replicas is not None else None
    if replicas is not None and fence is None:
        return 0
    queued = 0
    try:
        queued += send_digests(runtime, now=now, lease=fence)
        # The weekly report is due at a local time too; the same five-minute check serves it.
        queued += send_weekly_reports(runtime, now=now, lease=fence)
    except LeaseLost:
        logger.warning("evaluation_lease_lost", job="digests", queued=queued)
    return queued


__all__ = ["send_reports"]
