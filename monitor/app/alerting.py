"""Alerts: evaluate conditions, notify through the channels, deliver the outbox.

For every client, in one transaction: the lifecycle runs (:func:`monitor.alerts.store.apply`),
and each transition that notifies at once is rendered by every channel and written to the
outbox. Warnings wait for the owner's digest (:mod:`monitor.app.digests`). Delivery is separate
and may run in another process: :func:`deliver` hands due outbox rows to their channels.

Any number of processes may evaluate and deliver at once on one database (docs/delivery.md):
a client's evaluation holds its alerts' rows, so a second one waits and repeats nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.alerts.channel import Channel, OperatorNote
from monitor.alerts.email_channel import EMAIL
from monitor.alerts.outbox import dispatch
from monitor.alerts.store import Condition, Route, Transition, apply
from monitor.app.channels import channels_for, enqueue_all
from monitor.app.digests import send_digests
from monitor.app.evaluation import prepare
from monitor.app.notifications import ClientFacts, alert_note
from monitor.app.runtime import Runtime
from monitor.app.weekly import send_weekly_reports
from monitor.clock import iso
from monitor.config import Client
from monitor.core.analysis import ClientHistory, ClientReport, analyse
from monitor.core.detectors import Severity
from monitor.core.records import Record
from monitor.faults import crash_point
from monitor.store.alerting import mark_evaluated
from monitor.store.sources import AccountHealth, account_health

__all__ = [
    "AlertsReport",
    "deliver",
    "evaluate_alerts",
    "send_alerts",
    "send_digests",
]

NOT_CONFIGURED = "alert emails are not configured ([alerts] from and [smtp])"


@dataclass
class AlertsReport:
    events: list[dict[str, object]] = field(default_factory=list)  # transitions that happened
    digests: int = 0
    weekly: int = 0  # weekly portfolio reports queued
    sent: int = 0
    retried: int = 0
    failed: int = 0
    delivery: str | None = None  # why nothing was delivered (not configured, server unreachable)


def _evidence(records: Sequence[Record]) -> list[dict[str, object]]:
    return [
        {"key": r.key, "date": iso(r.date), "from": r.sender, "subject": r.subject}
        for r in records[:10]
    ]


def _conditions(report: ClientReport, owner: str) -> list[Condition]:
    return [
        Condition(
            kind=finding.kind.value,
            owner=owner,
            severity=finding.severity,
            explanation=finding.explanation,
            figures=finding.figures,
            evidence=_evidence(finding.evidence),
            pattern=report.pattern.pattern.value,
            advice=report.pattern.advice,
        )
        for finding in report.findings
    ]


def _event(transition: Transition, subject: tuple[str, str]) -> dict[str, object]:
    """A transition as `relmon alerts send --json` lists it; ``subject`` is client or account."""
    severity = transition.event.severity
    return {
        "alert": transition.alert.id,
        subject[0]: subject[1],
        "kind": transition.alert.kind,
        "event": transition.event.kind.value,
        "severity": severity.value if severity else None,
    }


def _evaluate_client(
    runtime: Runtime,
    client: Client,
    history: ClientHistory,
    channels: Sequence[Channel],
    now: datetime,
) -> list[dict[str, object]]:
    """One client's lifecycle and the notifications it causes, in one transaction."""
    config = runtime.config
    report = analyse(history, now)
    facts = ClientFacts(history, report, client.owner, config.owner_tz(client.owner), now)
    with runtime.store.engine.begin() as connection:
        happened = apply(
            connection,
            _conditions(report, client.owner),
            client=client.name,
            account=None,
            now=now,
            cooldown=timedelta(days=client.thresholds.cooldown_days),
        )
        for transition in happened:
            if transition.route is Route.IMMEDIATE and channels:
                note = alert_note(transition, facts, config)
                rendered = (channel.alert(note) for channel in channels)
                enqueue_all(connection, rendered, now=now, alert=transition.alert.id)
    return [_event(t, ("client", client.name)) for t in happened]


def _account_condition(
    name: str, state: AccountHealth | None, operators: Sequence[str]
) -> Condition:
    """An account is critical once its failures were escalated (credentials stopped working)."""
    failing = state is not None and state.escalated_at is not None
    explanation = (
        f"{state.consecutive_failures} consecutive {state.last_error_kind or ''} failures since "
        f"{iso(state.last_success) or 'the start'}; last error: {state.last_error}"
        if failing and state is not None
        else f"account {name} works"
    )
    return Condition(
        kind="account",
        owner=", ".join(operators) or "operator",
        severity=Severity.CRITICAL if failing else None,
        explanation=explanation,
        figures={"failures": state.consecutive_failures if state else 0},
        evidence=[],
    )


def _evaluate_account(
    runtime: Runtime,
    name: str,
    state: AccountHealth | None,
    channels: Sequence[Channel],
    now: datetime,
) -> list[dict[str, object]]:
    """Operator alerts: an account whose credentials stopped working."""
    operators = tuple(runtime.config.alerts.operator)
    condition = _account_condition(name, state, operators)
    with runtime.store.engine.begin() as connection:
        happened = apply(
            connection, [condition], client=None, account=name, now=now, cooldown=timedelta(hours=1)
        )
        for transition in happened:
            if transition.route is not Route.IMMEDIATE:
                continue
            note = OperatorNote(
                account=name,
                explanation=condition.explanation,
                alert_id=transition.alert.id,
                event_id=transition.event_id,
                operators=operators,
                when=now,
                first=transition.first,
            )
            rendered = (channel.operator(note) for channel in channels)
            enqueue_all(connection, rendered, now=now, alert=transition.alert.id)
    return [_event(t, ("account", name)) for t in happened]


def evaluate_alerts(runtime: Runtime, *, now: datetime) -> AlertsReport:
    """Evaluate every client (and account) and apply the alert lifecycle; one transaction per
    client, so an alert, its events and the notifications they cause are written together."""
    config = runtime.config
    result = AlertsReport()
    channels = channels_for(config, delivering=False)
    evaluation = prepare(runtime, now)
    for client in config.clients:
        history = evaluation.histories[client.name]
        result.events += _evaluate_client(runtime, client, history, channels, now)
    health = {h.account: h for h in account_health(runtime.store.engine)}
    for account in config.accounts:
        state = health.get(account.name)
        result.events += _evaluate_account(runtime, account.name, state, channels, now)
    mark_evaluated(runtime.store.engine, now)
    return result


def deliver(
    runtime: Runtime, *, now: datetime, channels: Sequence[Channel] | None = None
) -> AlertsReport:
    """Send what is due in the outbox, through every channel that can send."""
    result = AlertsReport()
    configured = channels if channels is not None else channels_for(runtime.config, delivering=True)
    usable = {channel.name: channel for channel in configured if channel.deliverable}
    if not usable:
        result.delivery = NOT_CONFIGURED
        return result
    report = dispatch(
        runtime.store.engine,
        usable,
        now=now,
        max_attempts=runtime.config.alerts.max_attempts,
    )
    result.sent, result.retried, result.failed = report.sent, report.retried, report.failed
    # Webhooks went out; emails wait for [smtp] (they are listed by `relmon alerts`).
    email_waits = runtime.config.alerts.sender is not None and EMAIL not in usable
    result.delivery = report.stopped or (NOT_CONFIGURED if email_waits else None)
    return result


def send_alerts(
    runtime: Runtime, *, now: datetime, channels: Sequence[Channel] | None = None
) -> AlertsReport:
    """`relmon alerts send`: evaluate, queue due digests, deliver — once."""
    result = evaluate_alerts(runtime, now=now)
    result.digests = send_digests(runtime, now=now)
    result.weekly = send_weekly_reports(runtime, now=now)
    crash_point("alerts-committed")
    delivered = deliver(runtime, now=now, channels=channels)
    result.sent, result.retried, result.failed, result.delivery = (
        delivered.sent,
        delivered.retried,
        delivered.failed,
        delivered.delivery,
    )
    return result
