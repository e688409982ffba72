"""Sending again the emails relmon gave up on (``relmon alerts retry``).

An email is given up when the mail server refuses it for good (a 5xx answer: relaying denied,
authentication required) or after its tries ran out. Its alerts stay open, and nothing sends it
again by itself: what failed it needs fixing first. Once it is, a retry puts it back in the
outbox, as it was written (the same recipients), to go at once or at the end of its first
recipient's quiet hours; the delivery still leaves out an alert email whose alerts were handled
meanwhile. Never sent again:

- an email the receiver may already have taken as often as relmon ever sends one (it took the
  message and dropped the connection before answering): sending it again would be one more copy;
- without naming it, an email given up over :data:`RECENT` ago: after a long outage, a week of
  old digests would arrive at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.alerts.outbox import UNCONFIRMED_AT_MOST
from monitor.app.notifications import quiet_until
from monitor.app.runtime import Runtime
from monitor.clock import as_utc
from monitor.store import outbox as outbox_rows

#: Given up at most this long ago: sent again by ``retry --all``; older ones only when named.
RECENT = timedelta(days=7)


@dataclass(frozen=True)
class Requeued:
    ident: int
    subject: str
    recipients: tuple[str, ...]
    due: datetime


@dataclass
class RetryResult:
    queued: list[Requeued] = field(default_factory=list)
    left: list[tuple[int, str]] = field(default_factory=list)  # (id, why it was not queued)


def retry_given_up(runtime: Runtime, ids: Sequence[int] | None, now: datetime) -> RetryResult:
    """Put the given-up emails of ``ids`` (None: every recent one) back in the outbox."""
    result = RetryResult()
    found = outbox_rows.given_up(runtime.store.engine, ids)
    due: dict[int, datetime] = {}
    for row in found:
        given_up_at = as_utc(row.last_attempt_at or row.created_at)
        if row.unconfirmed >= UNCONFIRMED_AT_MOST:
            why = f"the receiver may already have taken it {row.unconfirmed} times"
            result.left.append((row.id, why))
        elif ids is None and now - given_up_at > RECENT:
            result.left.append((row.id, f"given up over {RECENT.days} days ago: name it"))
        else:
            owner = row.recipients[0] if row.recipients else ""
            due[row.id] = quiet_until(runtime.config, owner, now)
    requeued = set(outbox_rows.requeue(runtime.store.engine, due))
    for row in found:
        if row.id in requeued:
            result.queued.append(Requeued(row.id, row.subject, tuple(row.recipients), due[row.id]))
    missing = set(ids or ()) - {row.id for row in found}
    result.left += [(ident, "not given up") for ident in sorted(missing)]
    return result
