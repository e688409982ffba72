"""The daemon's refresh job: the clients whose kept answers grew old, evaluated again.

``relmon health`` shows a client as of its last evaluation for at most
:data:`~monitor.app.kept.REFRESH` (:mod:`monitor.app.due`). Evaluating such a client again
changes none of its findings, only its figures (waits, silent days) and the wording of a firing
alert, so it is done here, a few clients every :data:`~monitor.app.kept.REFRESH_EVERY`, and not
in the pass that follows a sync: new mail's alerts never wait for it. A client whose mail
changed since its last evaluation is left to that pass.
"""

from __future__ import annotations

import threading
from datetime import datetime

from monitor.app import alerting
from monitor.app.due import Pass
from monitor.app.runtime import Runtime
from monitor.daemon.replicas import Replicas
from monitor.log import get_logger

logger = get_logger(__name__)


def refresh_answers(
    runtime: Runtime, now: datetime, replicas: Replicas | None, evaluating: threading.Lock
) -> int:
    """Refresh at ``now`` on the replica that evaluates (fenced by its lease), unless a pass runs
    (``evaluating`` held): the next run comes soon. The number of clients refreshed."""
    fence = replicas.evaluation_lease if replicas is not None else None
    if replicas is not None and fence is None:
        return 0
    if not evaluating.acquire(blocking=False):
        return 0
    try:
        result = alerting.evaluate_alerts(runtime, now=now, lease=fence, which=Pass.REFRESH)
    finally:
        evaluating.release()
    if result.evaluated:
        logger.info("answers_refreshed", clients=result.evaluated)
    return result.evaluated


__all__ = ["refresh_answers"]
