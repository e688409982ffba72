"""Alerts: evaluate conditions, notify through the channels, deliver the outbox.

For every client, in one transaction: the lifecycle runs (:func:`monitor.alerts.store.apply`),
and each transition that notifies at once is rendered by every channel and written to the
outbox; warnings wait for the owner's digest. :func:`deliver` (any process) sends due rows.

Any number of processes may evaluate and deliver at once on one database (docs/delivery.md):
a client's evaluation holds its alerts' rows, so a second one waits and repeats nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from monitor.alerts.channel import Channel, OperatorNote
from monitor.alerts.email_channel import EMAIL, EmailChannel
from monitor.alerts.outbox import dispatch
from monitor.alerts.render import EVIDENCE_SHOWN, EVIDENCE_TOTAL
from monitor.alerts.store import Condition, Route, Transition, apply, latest
from monitor.app.channels import channels_for, enqueue_all
from monitor.app.digests import send_digests
from monitor.app.due import Pass, record_evaluated, to_evaluate
from monitor.app.evaluation import batches, prepare, recent
from monitor.app.firstrun import dry_run, enqueue_summary, held_back, summary_entry
from monitor.app.kept import DEFAULT_TIMELINE, keep_evaluated
from monitor.app.notifications import ClientFacts, alert_note, evidence_keys
from monitor.app.runtime import Runtime
from monitor.app.views import TREND_DAYS
from monitor.app.weekly import send_weekly_reports
from monitor.clock import iso
from monitor.config import Client, Config
from monitor.core.analysis import ClientHistory, ClientReport
from monitor.core.detectors import Severity
from monitor.core.records import Record
from monitor.errors import LeaseLost
from monitor.faults import crash_point
from monitor.log import get_logger
from monitor.store.alerting import (
    adopt_earlier_evaluations,
    first_evaluation,
    mark_evaluated,
    never_evaluated,
    sender_names,
)
from monitor.store.alerts import carry
from monitor.store.leases import Lease, hold
from monitor.store.sources import AccountHealth, account_health

__all__ = ["AlertsReport", "deliver", "evaluate_alerts", "send_alerts", "send_digests"]

NOT_CONFIGURED = "alert emails are not configured ([alerts] from and [smtp])"

logger = get_logger(__name__)


@dataclass
class AlertsReport:
    events: list[dict[str, object]] = field(default_factory=list)  # transitions that happened
    evaluated: int = 0  # clients read and analysed (those that changed or were due)
    digests: int = 0
    weekly: int = 0  # weekly portfolio reports queued
    sent: int = 0
    retried: int = 0
    failed: int = 0
    superseded: int = 0  # not sent: the owner handled the alerts first
    held: list[dict[str, object]] = field(default_factory=list)  # a dry run's would-be emails
    delivery: str | None = None  # why nothing was delivered (not configured, server unreachable)


def _evidence(records: Sequence[Record]) -> list[dict[str, object]]:  # EVIDENCE_SHOWN of them
    return [
        {"key": r.key, "date": iso(r.date), "from": r.sender, "subject": r.subject}
        for r in records[:EVIDENCE_SHOWN]
    ]


def _conditions(report: ClientReport, owner: str) -> list[Condition]:
    return [
        Condition(
            kind=finding.kind.value,
            owner=owner,
            severity=finding.severity,
            explanation=finding.explanation,
            figures={**finding.figures, EVIDENCE_TOTAL: len(finding.evidence)},
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


def _notify(
    connection: sa.Connection,
    transitions: Sequence[Transition],
    facts: ClientFacts,
    config: Config,
    channels: Sequence[Channel],
    now: datetime,
) -> None:
    """Queue what a client's transitions tell its owner now: one email for all of them (two
    alerts turning critical together are one email, not two in the same minute), and each
    alert on its own to the other channels."""
    immediate = [t for t in transitions if t.route is Route.IMMEDIATE]
    if not immediate:
        return
    names = sender_names(connection, evidence_keys(immediate))
    notes = [alert_note(t, facts, config, names) for t in immediate]
    for channel in channels:
        if isinstance(channel, EmailChannel):
            rows = enqueue_all(
                connection, [channel.client_alerts(notes)], now=now, alert=immediate[0].alert.id
            )
            carry(connection, [t.event_id for t in immediate], rows[0])
            continue
        for transition, note in zip(immediate, notes, strict=True):
            enqueue_all(connection, [channel.alert(note)], now=now, alert=transition.alert.id)


def _apply_client(
    connection: sa.Connection, config: Config, client: Client, report: ClientReport, now: datetime
) -> list[Transition]:
    def person(address: str) -> str:
        """A member by their address, whichever of their aliases names them."""
        member = config.member(address.casefold())
        return (member.address if member is not None else address).casefold()

    return apply(
        connection,
        _conditions(report, client.owner),
        client=client.name,
        account=None,
        now=now,
        cooldown=timedelta(days=client.thresholds.cooldown_days),
        same_owner=lambda a, b: person(a) == person(b),
    )


def _evaluate_client(
    runtime: Runtime,
    client: Client,
    history: ClientHistory,
    report: ClientReport,
    channels: Sequence[Channel],
    now: datetime,
) -> list[dict[str, object]]:
    """One client's lifecycle and the notifications it causes, in one transaction."""
    config = runtime.config
    facts = ClientFacts.kept_by(runtime, client, history, report, now)
    with _transaction(runtime) as connection:
        happened = _apply_client(connection, config, client, report, now)
        _notify(connection, happened, facts, config, channels, now)
    return [_event(t, ("client", client.name)) for t in happened]


def _evaluate_new(
    runtime: Runtime,
    owner: str,
    clients: Sequence[Client],
    reports: Mapping[str, ClientReport],
    email: EmailChannel | None,
    now: datetime,
) -> list[dict[str, object]]:
    """The first evaluation of an owner's new clients, and their one summary, in one
    transaction: the alerts are recorded, and the summary carries them instead of an email
    each. A client another process is evaluating for the first time is left to it."""
    events: list[dict[str, object]] = []
    entries = []
    with _transaction(runtime) as connection:
        for client in clients:
            if not first_evaluation(connection, client.name, now):
                continue
            report = reports[client.name]
            happened = _apply_client(connection, runtime.config, client, report, now)
            active = [a for a in latest(connection, client=client.name).values() if a.state.active]
            entries.append((summary_entry(client.name, active), happened))
            events += [_event(t, ("client", client.name)) for t in happened]
        if entries and email is not None:
            watched = {c.name for c in runtime.config.clients if c.owner == owner}
            enqueue_summary(
                connection,
                email,
                runtime.config,
                owner=owner,
                entries=entries,
                now=now,
                also=bool(watched - {c.name for c in clients}),
            )
    return events


def _evaluate_clients(
    runtime: Runtime,
    histories: Mapping[str, ClientHistory],
    reports: Mapping[str, ClientReport],
    now: datetime,
) -> list[dict[str, object]]:
    """Every client: the new ones (never evaluated) summarised per owner, the others alerting."""
    config = runtime.config
    channels = channels_for(config, delivering=False)
    email = next((c for c in channels if isinstance(c, EmailChannel)), None)
    names = [c.name for c in config.clients]
    new: set[str] = set()
    # The summary is an email: without one (webhooks only), a first run alerts as any other
    # evaluation does, rather than record alerts that nothing would ever deliver.
    if config.alerts.first_run == "summary" and email is not None:
        with _transaction(runtime) as connection:
            adopt_earlier_evaluations(connection, names, now)
        new = never_evaluated(runtime.store.engine, names)
    events: list[dict[str, object]] = []
    owners: dict[str, list[Client]] = {}
    for client in (c for c in config.clients if c.name in histories):
        if client.name in new:
            owners.setdefault(client.owner, []).append(client)
        else:
            history, report = histories[client.name], reports[client.name]
            events += _evaluate_client(runtime, client, history, report, channels, now)
    for owner, clients in owners.items():
        events += _evaluate_new(runtime, owner, clients, reports, email, now)
    return events


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
    with _transaction(runtime) as connection:
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
                opened_at=transition.alert.opened_at,
            )
            rendered = (channel.operator(note) for channel in channels)
            enqueue_all(connection, rendered, now=now, alert=transition.alert.id)
    return [_event(t, ("account", name)) for t in happened]


@contextmanager
def _transaction(runtime: Runtime) -> Iterator[sa.Connection]:
    """One client's (or account's) writes; fenced by the evaluation's lease when there is one."""
    with runtime.store.engine.begin() as connection:
        yield connection
        fence = _FENCE.get()
        if fence is not None:
            hold(connection, fence)  # LeaseLost: this transaction rolls back


#: The evaluation lease of the pass running in this thread (several replicas), else None.
_FENCE: ContextVar[Lease | None] = ContextVar("evaluation_fence", default=None)


def evaluate_alerts(
    runtime: Runtime, *, now: datetime, lease: Lease | None = None, which: Pass = Pass.ALL
) -> AlertsReport:
    """Evaluate the clients that need it (``which`` of them, and the accounts unless only
    refreshing) and apply the alert lifecycle; one transaction per client, so an alert, its
    events and the notifications they cause are written together.

    ``lease``: the evaluation's lease (several replicas). Every transaction checks it before it
    commits; a pass that finds it lost (another replica evaluates now) stops there, with the
    clients before committed and nothing of that client written, and says so in the log."""
    token = _FENCE.set(lease)
    try:
        return _evaluate_all(runtime, now, which)
    except LeaseLost:
        logger.warning("evaluation_lease_lost", generation=lease.generation if lease else None)
        return AlertsReport()
    finally:
        _FENCE.reset(token)


def _evaluate_all(runtime: Runtime, now: datetime, which: Pass) -> AlertsReport:
    result = AlertsReport()
    chosen, inputs = to_evaluate(runtime, now, which)  # the clients that changed or are due
    result.evaluated = len(chosen)
    since, away = recent(now, TREND_DAYS), inputs.away or {}  # the inputs read our away periods
    for batch in batches(chosen):  # memory bounded by clients, not by the store
        held = prepare(runtime, now, clients=batch, since=since, latest=DEFAULT_TIMELINE, away=away)
        for history in held.histories.values():  # the departures checked after the report
            history.follow()  # (monitor.core.lookahead) walk again only what they change
        reports = keep_evaluated(runtime, held, inputs)  # for `relmon health`, the emails
        result.events += _evaluate_clients(runtime, held.histories, reports, now)
        record_evaluated(runtime, held, reports, inputs, lambda: _transaction(runtime))
    if which is Pass.REFRESH:  # the accounts, and whether the alerts reflect the mail: a pass's
        return result
    channels = channels_for(runtime.config, delivering=False)
    health = {h.account: h for h in account_health(runtime.store.engine)}
    for account in runtime.config.accounts:
        state = health.get(account.name)
        result.events += _evaluate_account(runtime, account.name, state, channels, now)
    with _transaction(runtime) as connection:
        mark_evaluated(connection, now)
    return result


def deliver(
    runtime: Runtime,
    *,
    now: datetime,
    channels: Sequence[Channel] | None = None,
    only: Sequence[int] | None = None,
) -> AlertsReport:
    """Send what is due in the outbox (``only`` these rows, when given, whatever a dry run
    holds: a test email), through every channel that can send."""
    if only is None:
        until = dry_run(runtime.config, runtime.store.engine, now)
        if until is not None:
            held, why = held_back(runtime.config, runtime.store.engine, now, until)
            return AlertsReport(held=held, delivery=why)
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
        only=only,
    )
    result.sent, result.retried, result.failed = report.sent, report.retried, report.failed
    result.superseded = report.superseded
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
    for name in ("sent", "retried", "failed", "delivery", "superseded", "held"):
        setattr(result, name, getattr(delivered, name))
    return result
