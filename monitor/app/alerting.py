"""Alerts: evaluate conditions, render and enqueue notifications, send digests, deliver the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from typing import Any

import structlog

from monitor.app.runtime import Runtime
from monitor.clock import iso
from monitor.config import Config
from monitor.core.records import Record

logger = structlog.get_logger()
BATCH = 500


@dataclass
class AlertsReport:
    events: list[dict[str, object]] = field(default_factory=list)  # transitions that happened
    digests: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    delivery: str | None = None  # why nothing was delivered (not configured, server unreachable)


def _quiet_until(config: Config, owner: str, now: datetime) -> datetime:
    """When a critical alert may be delivered: now, or the end of the owner's quiet hours."""
    quiet = config.alerts.quiet_hours
    if quiet is None:
        return now
    tz = config.owner_tz(owner)
    local = now.astimezone(tz)
    minutes = local.hour * 60 + local.minute
    start, end = quiet
    inside = start <= minutes < end if start < end else (minutes >= start or minutes < end)
    if not inside:
        return now
    day = local.date() if minutes < end else local.date() + timedelta(days=1)
    return datetime.combine(day, clock_time(end // 60, end % 60), tzinfo=tz).astimezone(UTC)


def _evidence(records: Sequence[Record]) -> list[dict[str, object]]:
    return [
        {"key": r.key, "date": iso(r.date), "from": r.sender, "subject": r.subject}
        for r in records[:10]
    ]


def evaluate_alerts(runtime: Runtime, *, now: datetime) -> AlertsReport:
    """Evaluate every client (and account) and apply the alert lifecycle; one transaction per
    client, so an alert, its events and the emails they cause are written together."""
    from monitor.alerts import render
    from monitor.alerts.store import Condition, Notification, apply
    from monitor.app.evaluation import prepare
    from monitor.core.analysis import analyse, day_ends
    from monitor.core.detectors import Severity
    from monitor.core.health import COMMON_ADVICE
    from monitor.store.sources import account_health

    config = runtime.config
    result = AlertsReport()
    evaluation = prepare(runtime, now)
    sender = config.alerts.sender
    for client in config.clients:
        history = evaluation.histories[client.name]
        report = analyse(history, now)
        tz = config.owner_tz(client.owner)

        def renderer(
            note: Notification,
            history: Any = history,
            report: Any = report,
            tz: Any = tz,
            owner: str = client.owner,
        ) -> Any:
            if sender is None:
                return None
            trend = tuple(analyse(history, day).health.score for day in day_ends(now, 30, tz))
            evidence = tuple(
                render.EvidenceLine(
                    datetime.fromisoformat(str(e["date"]).replace("Z", "+00:00")),
                    str(e["from"]),
                    str(e["subject"]),
                )
                for e in note.alert.evidence
            )
            mail = render.AlertMail(
                alert_id=note.alert.id,
                event_id=note.event_id,
                client=note.alert.client or "",
                kind=note.alert.kind,
                severity=(note.event.severity or note.alert.severity).value,
                event=note.event.kind.value,
                explanation=note.alert.explanation,
                evidence=evidence,
                figures=note.alert.figures,
                pattern=report.pattern.pattern.value,
                advice=report.pattern.advice,
                common_advice=COMMON_ADVICE,
                health=report.health.score,
                trend=trend,
                components=report.health.components,
            )
            recipients = [owner]
            message = render.alert_email(
                mail,
                sender=sender,
                sender_name=config.alerts.sender_name,
                recipients=recipients,
                cc=[a for a in config.alerts.copy_to if a != owner],
                when=now,
                tz=tz,
                first=note.first,
            )
            return (
                message,
                recipients + [a for a in config.alerts.copy_to if a != owner],
                _quiet_until(config, owner, now),
            )

        conditions = [
            Condition(
                kind=finding.kind.value,
                owner=client.owner,
                severity=finding.severity,
                explanation=finding.explanation,
                figures=finding.figures,
                evidence=_evidence(finding.evidence),
                pattern=report.pattern.pattern.value,
                advice=report.pattern.advice,
            )
            for finding in report.findings
        ]
        with runtime.store.engine.begin() as connection:
            happened = apply(
                connection,
                conditions,
                client=client.name,
                account=None,
                now=now,
                cooldown=timedelta(days=client.thresholds.cooldown_days),
                render=renderer,
            )
        for stored, event in happened:
            result.events.append(
                {
                    "alert": stored.id,
                    "client": client.name,
                    "kind": stored.kind,
                    "event": event.kind.value,
                    "severity": event.severity.value if event.severity else None,
                }
            )

    # Operator alerts: an account whose credentials stopped working.
    operators = list(config.alerts.operator)
    health = {h.account: h for h in account_health(runtime.store.engine)}
    for account in config.accounts:
        state = health.get(account.name)
        failing = state is not None and state.escalated_at is not None
        explanation = (
            f"{state.consecutive_failures} consecutive {state.last_error_kind or ''} failures since "
            f"{iso(state.last_success) or 'the start'}; last error: {state.last_error}"
            if failing and state is not None
            else f"account {account.name} works"
        )

        def operator_renderer(
            note: Notification, account_name: str = account.name, text: str = explanation
        ) -> Any:
            if sender is None or not operators:
                return None
            message = render.operator_email(
                account=account_name,
                explanation=text,
                alert_id=note.alert.id,
                event_id=note.event_id,
                recipients=operators,
                sender=sender,
                sender_name=config.alerts.sender_name,
                when=now,
                first=note.first,
            )
            return message, operators, now

        condition = Condition(
            kind="account",
            owner=", ".join(operators) or "operator",
            severity=Severity.CRITICAL if failing else None,
            explanation=explanation,
            figures={"failures": state.consecutive_failures if state else 0},
            evidence=[],
        )
        with runtime.store.engine.begin() as connection:
            happened = apply(
                connection,
                [condition],
                client=None,
                account=account.name,
                now=now,
                cooldown=timedelta(hours=1),
                render=operator_renderer,
            )
        for stored, event in happened:
            result.events.append(
                {
                    "alert": stored.id,
                    "account": account.name,
                    "kind": "account",
                    "event": event.kind.value,
                    "severity": event.severity.value if event.severity else None,
                }
            )
    return result


def send_digests(runtime: Runtime, *, now: datetime) -> int:
    """Each owner's daily digest of warnings, at their local digest hour; once a day, skipped
    when there is nothing to say. Returns how many digests were queued."""
    import sqlalchemy as sa

    from monitor.alerts import render
    from monitor.alerts.store import enqueue
    from monitor.core.alerts import State
    from monitor.store.messages import insert_ignoring_conflicts
    from monitor.store.schema import alert_events, alerts, digests

    config = runtime.config
    sender = config.alerts.sender
    owners = sorted({c.owner for c in config.clients})
    queued = 0
    for owner in owners:
        tz = config.owner_tz(owner)
        local = now.astimezone(tz)
        if local.hour < config.alerts.digest_hour:
            continue
        day = local.date()
        with runtime.store.engine.begin() as connection:
            if connection.execute(
                sa.select(digests.c.owner).where(digests.c.owner == owner, digests.c.day == day)
            ).first():
                continue
            pending = connection.execute(
                sa.select(alerts, alert_events.c.id.label("event_id"))
                .join(alert_events, alert_events.c.alert == alerts.c.id)
                .where(
                    alerts.c.owner == owner,
                    alerts.c.client.is_not(None),
                    alerts.c.state.in_([State.OPEN.value, State.NOTIFIED.value]),
                    alerts.c.severity == "warning",
                    alert_events.c.route == "digest",
                    alert_events.c.digest.is_(None),
                )
                .order_by(alerts.c.id)
            ).all()
            by_alert = {row.id: row for row in pending}
            outbox_id = None
            if by_alert and sender is not None:
                entries = [
                    render.DigestEntry(
                        row.id, row.client, row.kind, row.severity, row.explanation, row.opened_at
                    )
                    for row in by_alert.values()
                ]
                message = render.digest_email(
                    entries,
                    owner=owner,
                    day=day.isoformat(),
                    sender=sender,
                    sender_name=config.alerts.sender_name,
                    cc=[a for a in config.alerts.copy_to if a != owner],
                    when=now,
                    tz=tz,
                )
                recipients = [owner] + [a for a in config.alerts.copy_to if a != owner]
                outbox_id = enqueue(
                    connection,
                    message,
                    kind="digest",
                    recipients=recipients,
                    now=now,
                    not_before=now,
                )
                connection.execute(
                    sa.update(alert_events)
                    .where(
                        alert_events.c.alert.in_(list(by_alert)),
                        alert_events.c.route == "digest",
                        alert_events.c.digest.is_(None),
                    )
                    .values(digest=outbox_id)
                )
                queued += 1
            connection.execute(
                insert_ignoring_conflicts(connection, digests),
                [{"owner": owner, "day": day, "outbox": outbox_id, "created_at": now}],
            )
    return queued


def transport_for(config: Config) -> Any:
    """The SMTP transport, or ``None`` when alert emails are not configured."""
    from monitor.alerts.smtp import SmtpTransport

    smtp = config.alerts.smtp
    if smtp is None or config.alerts.sender is None:
        return None
    password = smtp.password.reveal() if smtp.password is not None else None
    return SmtpTransport(smtp, password)


def deliver(runtime: Runtime, *, now: datetime, transport: Any = None) -> AlertsReport:
    """Send what is due in the outbox."""
    from monitor.alerts.outbox import dispatch

    result = AlertsReport()
    transport = transport or transport_for(runtime.config)
    if transport is None or runtime.config.alerts.sender is None:
        result.delivery = "alert emails are not configured ([alerts] from and [smtp])"
        return result
    report = dispatch(
        runtime.store.engine,
        transport,
        sender=runtime.config.alerts.sender,
        now=now,
        max_attempts=runtime.config.alerts.max_attempts,
    )
    result.sent, result.retried, result.failed, result.delivery = (
        report.sent,
        report.retried,
        report.failed,
        report.stopped,
    )
    return result


def send_alerts(runtime: Runtime, *, now: datetime, transport: Any = None) -> AlertsReport:
    """`relmon alerts send`: evaluate, queue due digests, deliver — once."""
    from monitor.faults import crash_point

    result = evaluate_alerts(runtime, now=now)
    result.digests = send_digests(runtime, now=now)
    crash_point("alerts-committed")
    delivered = deliver(runtime, now=now, transport=transport)
    result.sent, result.retried, result.failed, result.delivery = (
        delivered.sent,
        delivered.retried,
        delivered.failed,
        delivered.delivery,
    )
    return result
