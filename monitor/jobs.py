"""Units of work shared by the CLI and the daemon. Dependencies are passed in; ``now`` too."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import structlog

from monitor.clock import iso, zone
from monitor.config import Account, Config
from monitor.core.model import Message, Quarantined
from monitor.core.records import Record
from monitor.errors import AuthError, ConfigError, FolderError, IngestError, TransientError
from monitor.runtime import Runtime
from monitor.sources.local import LocalFolder, discover, read_folder
from monitor.sources.pipeline import excluded, from_raw
from monitor.sources.report import AccountCheck, AccountSync, FolderSync
from monitor.store.messages import Item, SaveResult, rethread, save_items
from monitor.store.sources import record_attempt

logger = structlog.get_logger()
BATCH = 500


@dataclass
class FolderReport:
    account: str
    folder: str
    kind: str
    read: int = 0
    new: int = 0
    known: int = 0
    quarantined: int = 0
    excluded: int = 0
    seconds: float = 0.0
    skipped: str | None = None  # why the whole folder was skipped

    def as_dict(self) -> dict[str, object]:
        return {
            "account": self.account, "folder": self.folder, "kind": self.kind, "read": self.read,
            "new": self.new, "known": self.known, "quarantined": self.quarantined,
            "excluded": self.excluded, "seconds": round(self.seconds, 3), "skipped": self.skipped,
        }


@dataclass
class IngestReport:
    folders: list[FolderReport] = field(default_factory=list)
    seconds: float = 0.0
    rethreaded: int = 0

    def total(self, name: str) -> int:
        return sum(int(getattr(f, name)) for f in self.folders)


def _save(runtime: Runtime, report: FolderReport, items: list[Item], now: datetime) -> None:
    with runtime.store.engine.begin() as connection:
        result: SaveResult = save_items(
            connection, account=report.account, folder=report.folder, items=items, directory=runtime.directory, now=now
        )
    report.new += result.new
    report.known += result.known
    report.quarantined += result.quarantined


def ingest_folder(
    runtime: Runtime,
    folder: LocalFolder,
    *,
    account: str,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> FolderReport:
    report = FolderReport(account=account, folder=folder.name, kind=folder.kind)
    started = time.perf_counter()
    privacy = runtime.config.privacy
    if privacy.excluded_folder(folder.name):
        report.skipped = "excluded by privacy.exclude_folders"
        return report
    batch: list[Item] = []
    for local in read_folder(folder):
        report.read += 1
        where = f"{account}/{folder.name}/{local.location}"
        if local.raw is None:
            result: Message | Quarantined = Quarantined("unreadable_file", local.error or "cannot read the file")
        else:
            result = from_raw(local.raw, analyzer=runtime.analyzer, privacy=privacy, delivered_at=local.delivered_at, where=where)
        size = len(local.raw) if local.raw is not None else 0
        local.raw = None  # let a large message go before the next one is read
        if isinstance(result, Message) and excluded(result, privacy):
            report.excluded += 1
        else:
            batch.append(Item(location=local.location, result=result, size=size))
        if len(batch) >= BATCH:
            _save(runtime, report, batch, now)
            batch = []
        if progress is not None:
            progress(1)
    if batch:
        _save(runtime, report, batch, now)
    report.seconds = time.perf_counter() - started
    logger.info("folder_ingested", **report.as_dict())
    return report


def ingest_paths(
    runtime: Runtime,
    paths: Iterable[Path],
    *,
    account: str,
    now: datetime,
    on_folders: Callable[[list[LocalFolder]], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Ingest maildir trees, mbox files and message files; returns counts per folder."""
    started = time.perf_counter()
    folders: list[LocalFolder] = []
    for path in paths:
        folders.extend(discover(Path(path)))
    if on_folders is not None:
        on_folders(folders)
    report = IngestReport()
    for folder in folders:
        report.folders.append(ingest_folder(runtime, folder, account=account, now=now, progress=progress))
    report.rethreaded = rethread(runtime.store.engine)
    report.seconds = time.perf_counter() - started
    return report


# --------------------------------------------------------------------------- sync


def _sync_local(runtime: Runtime, account: Account, *, now: datetime, should_stop: Callable[[], bool] = lambda: False) -> AccountSync:
    """A configured maildir or mbox account: an ingest of its path, reported like a sync."""
    result = AccountSync(account=account.name, kind=account.kind)
    if account.path is None:  # pragma: no cover - the configuration requires it
        raise FolderError(f"account {account.name!r} has no path")
    folders = [f for f in discover(account.path) if account.wants_folder(f.name)]
    for folder in folders:
        if should_stop():
            break
        report = ingest_folder(runtime, folder, account=account.name, now=now)
        result.folders.append(
            FolderSync(
                account=account.name, folder=folder.name, new=report.new, known=report.known,
                quarantined=report.quarantined, excluded=report.excluded, seconds=report.seconds,
            )
        )
    return result


SourceSync = Callable[..., AccountSync]


def source_for(kind: str) -> SourceSync:
    """The sync function of an account kind (imported late: each pulls in its protocol library)."""
    if kind == "imap":
        from monitor.sources.imap import sync_imap

        return sync_imap
    if kind == "graph":
        from monitor.sources.graph import sync_graph

        return sync_graph
    return _sync_local


def _classify(err: BaseException) -> str:
    if isinstance(err, AuthError):
        return "auth"
    if isinstance(err, FolderError | IngestError):
        return "folder"
    if isinstance(err, ConfigError):
        return "config"
    if isinstance(err, TransientError | OSError | TimeoutError):
        return "transient"
    return "internal"


def sync_account(
    runtime: Runtime,
    account: Account,
    *,
    now: datetime,
    should_stop: Callable[[], bool] = lambda: False,
) -> AccountSync:
    """One sync pass over one account. Never raises for a source failure: the failure is
    recorded (and escalated to the operator after repeated authentication failures) and
    reported, so one account failing never stops the others."""
    started = time.perf_counter()
    structlog.contextvars.bind_contextvars(account=account.name)
    try:
        result = source_for(account.kind)(runtime, account, now=now, should_stop=should_stop)
    except Exception as err:
        kind = _classify(err)
        result = AccountSync(account=account.name, kind=account.kind, error=str(err) or type(err).__name__, error_kind=kind)
        if kind == "internal":
            logger.exception("account_sync_crashed", kind=account.kind)
        else:
            logger.warning("account_sync_failed", error_kind=kind, error=result.error)
    finally:
        structlog.contextvars.unbind_contextvars("account")
    if result.error_kind is None:
        rethread(runtime.store.engine)
    health, escalated = record_attempt(
        runtime.store.engine, account.name, now=now, error_kind=result.error_kind, error=result.error,
        escalate_after=account.failures_before_alert if result.error_kind == "auth" else account.failures_before_alert * 4,
    )
    result.escalated = escalated
    if escalated:
        logger.error(
            "account_needs_attention", account=account.name, failures=health.consecutive_failures,
            error_kind=result.error_kind, error=result.error,
        )
    result.seconds = time.perf_counter() - started
    logger.info(
        "account_synced", account=account.name, kind=account.kind, seconds=round(result.seconds, 3),
        **{n: result.total(n) for n in ("new", "known", "changed", "expunged", "quarantined")},
        error_kind=result.error_kind,
    )
    return result


def sync_all(runtime: Runtime, *, now: datetime, only: str | None = None, should_stop: Callable[[], bool] = lambda: False) -> list[AccountSync]:
    """One pass over every configured account (or the one named)."""
    results = []
    for account in runtime.config.accounts:
        if only is not None and account.name != only:
            continue
        if should_stop():
            break
        results.append(sync_account(runtime, account, now=now, should_stop=should_stop))
    return results


def check_account(runtime: Runtime, account: Account) -> AccountCheck:
    """``relmon accounts test``: log in, list the folders a sync would read, say what is wrong."""
    try:
        if account.kind == "imap":
            from monitor.sources.imap import check_imap

            return check_imap(runtime, account)
        if account.kind == "graph":
            from monitor.sources.graph import check_graph

            return check_graph(runtime, account)
        if account.path is None or not account.path.exists():
            return AccountCheck(account.name, account.kind, False, f"path {account.path} does not exist")
        folders = [f.name for f in discover(account.path) if account.wants_folder(f.name)]
        return AccountCheck(account.name, account.kind, True, f"{len(folders)} folders at {account.path}", folders=folders)
    except Exception as err:  # noqa: BLE001 - the check reports, it does not crash
        return AccountCheck(account.name, account.kind, False, f"{_classify(err)} error: {err}")


# --------------------------------------------------------------------------- alerts


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
    tz = zone(config.owner_zone(owner))
    local = now.astimezone(tz)
    minutes = local.hour * 60 + local.minute
    start, end = quiet
    inside = start <= minutes < end if start < end else (minutes >= start or minutes < end)
    if not inside:
        return now
    day = local.date() if minutes < end else local.date() + timedelta(days=1)
    return datetime.combine(day, clock_time(end // 60, end % 60), tzinfo=tz).astimezone(UTC)


def _evidence(records: Sequence[Record]) -> list[dict[str, object]]:
    return [{"key": r.key, "date": iso(r.date), "from": r.sender, "subject": r.subject} for r in records[:10]]


def evaluate_alerts(runtime: Runtime, *, now: datetime) -> AlertsReport:
    """Evaluate every client (and account) and apply the alert lifecycle; one transaction per
    client, so an alert, its events and the emails they cause are written together."""
    from monitor.alerts import render
    from monitor.alerts.store import Condition, Notification, apply
    from monitor.core.analysis import analyse, day_ends
    from monitor.core.detectors import Severity
    from monitor.core.health import COMMON_ADVICE
    from monitor.evaluation import prepare
    from monitor.store.sources import account_health

    config = runtime.config
    result = AlertsReport()
    evaluation = prepare(runtime, now)
    sender = config.alerts.sender
    for client in config.clients:
        history = evaluation.histories[client.name]
        report = analyse(history, now)
        tz = zone(config.owner_zone(client.owner))

        def renderer(note: Notification, history: Any = history, report: Any = report, tz: Any = tz, owner: str = client.owner) -> Any:
            if sender is None:
                return None
            trend = tuple(analyse(history, day).health.score for day in day_ends(now, 30, tz))
            evidence = tuple(
                render.EvidenceLine(datetime.fromisoformat(str(e["date"]).replace("Z", "+00:00")), str(e["from"]), str(e["subject"]))
                for e in note.alert.evidence
            )
            mail = render.AlertMail(
                alert_id=note.alert.id, event_id=note.event_id, client=note.alert.client or "", kind=note.alert.kind,
                severity=(note.event.severity or note.alert.severity).value, event=note.event.kind.value,
                explanation=note.alert.explanation, evidence=evidence, figures=note.alert.figures,
                pattern=report.pattern.pattern.value, advice=report.pattern.advice, common_advice=COMMON_ADVICE,
                health=report.health.score, trend=trend, components=report.health.components,
            )
            recipients = [owner]
            message = render.alert_email(
                mail, sender=sender, sender_name=config.alerts.sender_name, recipients=recipients,
                cc=[a for a in config.alerts.copy_to if a != owner], when=now, tz=tz, first=note.first,
            )
            return message, recipients + [a for a in config.alerts.copy_to if a != owner], _quiet_until(config, owner, now)

        conditions = [
            Condition(
                kind=finding.kind.value, owner=client.owner, severity=finding.severity, explanation=finding.explanation,
                figures=finding.figures, evidence=_evidence(finding.evidence),
                pattern=report.pattern.pattern.value, advice=report.pattern.advice,
            )
            for finding in report.findings
        ]
        with runtime.store.engine.begin() as connection:
            happened = apply(
                connection, conditions, client=client.name, account=None, now=now,
                cooldown=timedelta(days=client.thresholds.cooldown_days), render=renderer,
            )
        for stored, event in happened:
            result.events.append({"alert": stored.id, "client": client.name, "kind": stored.kind, "event": event.kind.value, "severity": event.severity.value if event.severity else None})

    # Operator alerts: an account whose credentials stopped working.
    operators = list(config.alerts.operator)
    health = {h.account: h for h in account_health(runtime.store.engine)}
    for account in config.accounts:
        state = health.get(account.name)
        failing = state is not None and state.escalated_at is not None
        explanation = (
            f"{state.consecutive_failures} consecutive {state.last_error_kind or ''} failures since "
            f"{iso(state.last_success) or 'the start'}; last error: {state.last_error}"
            if failing and state is not None else f"account {account.name} works"
        )

        def operator_renderer(note: Notification, account_name: str = account.name, text: str = explanation) -> Any:
            if sender is None or not operators:
                return None
            message = render.operator_email(
                account=account_name, explanation=text, alert_id=note.alert.id, event_id=note.event_id,
                recipients=operators, sender=sender, sender_name=config.alerts.sender_name, when=now, first=note.first,
            )
            return message, operators, now

        condition = Condition(
            kind="account", owner=", ".join(operators) or "operator", severity=Severity.CRITICAL if failing else None,
            explanation=explanation, figures={"failures": state.consecutive_failures if state else 0}, evidence=[],
        )
        with runtime.store.engine.begin() as connection:
            happened = apply(connection, [condition], client=None, account=account.name, now=now, cooldown=timedelta(hours=1), render=operator_renderer)
        for stored, event in happened:
            result.events.append({"alert": stored.id, "account": account.name, "kind": "account", "event": event.kind.value, "severity": event.severity.value if event.severity else None})
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
        tz = zone(config.owner_zone(owner))
        local = now.astimezone(tz)
        if local.hour < config.alerts.digest_hour:
            continue
        day = local.date()
        with runtime.store.engine.begin() as connection:
            if connection.execute(sa.select(digests.c.owner).where(digests.c.owner == owner, digests.c.day == day)).first():
                continue
            pending = connection.execute(
                sa.select(alerts, alert_events.c.id.label("event_id"))
                .join(alert_events, alert_events.c.alert == alerts.c.id)
                .where(
                    alerts.c.owner == owner, alerts.c.client.is_not(None),
                    alerts.c.state.in_([State.OPEN.value, State.NOTIFIED.value]), alerts.c.severity == "warning",
                    alert_events.c.route == "digest", alert_events.c.digest.is_(None),
                )
                .order_by(alerts.c.id)
            ).all()
            by_alert = {row.id: row for row in pending}
            outbox_id = None
            if by_alert and sender is not None:
                entries = [
                    render.DigestEntry(row.id, row.client, row.kind, row.severity, row.explanation, row.opened_at)
                    for row in by_alert.values()
                ]
                message = render.digest_email(
                    entries, owner=owner, day=day.isoformat(), sender=sender, sender_name=config.alerts.sender_name,
                    cc=[a for a in config.alerts.copy_to if a != owner], when=now, tz=tz,
                )
                recipients = [owner] + [a for a in config.alerts.copy_to if a != owner]
                outbox_id = enqueue(connection, message, kind="digest", recipients=recipients, now=now, not_before=now)
                connection.execute(
                    sa.update(alert_events)
                    .where(alert_events.c.alert.in_(list(by_alert)), alert_events.c.route == "digest", alert_events.c.digest.is_(None))
                    .values(digest=outbox_id)
                )
                queued += 1
            connection.execute(insert_ignoring_conflicts(connection, digests), [{"owner": owner, "day": day, "outbox": outbox_id, "created_at": now}])
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
    report = dispatch(runtime.store.engine, transport, sender=runtime.config.alerts.sender, now=now, max_attempts=runtime.config.alerts.max_attempts)
    result.sent, result.retried, result.failed, result.delivery = report.sent, report.retried, report.failed, report.stopped
    return result


def send_alerts(runtime: Runtime, *, now: datetime, transport: Any = None) -> AlertsReport:
    """`relmon alerts send`: evaluate, queue due digests, deliver — once."""
    from monitor.faults import crash_point

    result = evaluate_alerts(runtime, now=now)
    result.digests = send_digests(runtime, now=now)
    crash_point("alerts-committed")
    delivered = deliver(runtime, now=now, transport=transport)
    result.sent, result.retried, result.failed, result.delivery = delivered.sent, delivered.retried, delivered.failed, delivered.delivery
    return result
