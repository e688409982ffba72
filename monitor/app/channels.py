"""The configured channels, in the order their rows are written: email first, then webhooks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa

from monitor.alerts.channel import Channel, Outgoing
from monitor.alerts.email_channel import email_channel
from monitor.alerts.smtp import Transport
from monitor.alerts.store import enqueue
from monitor.config import Config


def channels_for(
    config: Config, *, delivering: bool, transport: Transport | None = None
) -> list[Channel]:
    """Every channel the configuration names. Secrets (the SMTP password, webhook keys) are
    read only when ``delivering``: rendering needs none, and evaluation must not fail on one."""
    found: list[Channel] = []
    email = email_channel(config, delivering=delivering, transport=transport)
    if email is not None:
        found.append(email)
    if config.webhooks:  # an HTTP client is loaded only where a webhook is configured
        from monitor.alerts.webhook import webhook_channels

        found.extend(webhook_channels(config.webhooks, delivering=delivering))
    return found


def enqueue_all(
    connection: sa.Connection,
    rendered: Iterable[Outgoing | None],
    *,
    now: datetime,
    alert: int | None = None,
) -> Sequence[int]:
    """Write each channel's rendering of one notification to the outbox; their row ids."""
    return [
        enqueue(connection, item, now=now, alert=alert) for item in rendered if item is not None
    ]
