"""``relmon alerts`` and its subcommands: list, ack, snooze, resolve, send, test-email, go-live
(and retry, :mod:`monitor.cli.alerts_retry`)."""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.markup import escape

from monitor.cli.common import (
    App,
    console,
    emit_json,
    fail_cleanly,
    json_option,
    named_client,
    pass_app,
    short_date,
)
from monitor.cli.completion import complete_alert_id, complete_client
from monitor.cli.render import indented, severity_style, table
from monitor.clock import parse_duration
from monitor.core.detectors.base import counted

if TYPE_CHECKING:
    from monitor.alerts.store import Action, StoredAlert
    from monitor.app.rows import AlertsFreshness


def _row(alert: StoredAlert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "client": alert.client,
        "account": alert.account,
        "kind": alert.kind,
        "owner": alert.owner,
        "state": alert.state.value,
        "severity": alert.severity.value,
        "opened_at": alert.opened_at,
        "changed_at": alert.changed_at,
        "resolved_at": alert.resolved_at,
        "snoozed_until": alert.snoozed_until,
        "explanation": alert.explanation,
        "figures": alert.figures,
        "evidence": alert.evidence,
        "pattern": alert.pattern,
        "advice": alert.advice,
    }


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no user database in some containers
        return "cli"


@click.group("alerts", invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="Include resolved alerts.")
@click.option("--client", help="Only this client's alerts.", shell_complete=complete_client)
@json_option
@pass_app
@click.pass_context
@fail_cleanly
def alerts_group(
    ctx: click.Context, app: App, show_all: bool, client: str | None, as_json: bool
) -> None:
    """Alerts: open ones by default, with their state and why they fired.

    Also lists emails that could not be delivered. `relmon alerts send` evaluates and
    delivers; the daemon does this on its own schedule. When mail was stored since the last
    evaluation, says so and how many conditions would fire now (nothing is sent).

    \b
    Example:
        relmon alerts
        relmon alerts --all --client "Halden Marine" --json
    """
    if ctx.invoked_subcommand is not None:
        return
    from monitor.alerts.outbox import problems
    from monitor.alerts.store import events_of, listing
    from monitor.app.freshness import alerts_freshness

    runtime = app.runtime()
    name = named_client(runtime.config, client).name if client is not None else None
    stored = listing(runtime.store.engine, include_resolved=show_all, client=name)
    delivery = problems(runtime.store.engine)
    freshness = alerts_freshness(runtime, app.now, name)
    if as_json:
        rows = [{**_row(a), "events": events_of(runtime.store.engine, a.id)} for a in stored]
        emit_json(
            {
                "schema": "relmon/alerts/v1",
                "alerts": rows,
                "outbox": delivery,
                "evaluated": freshness,
            }
        )
        return
    out = console()
    if freshness["stale"] and not stored:
        out.print(_not_raised_yet(freshness))
    else:
        _print_alerts(out, stored, runtime.config.team.tz, show_all=show_all)
        if freshness["stale"]:
            out.print(f"[yellow]Not up to date:[/yellow] {_not_raised_yet(freshness)}")
    _print_delivery(out, delivery)


def _not_raised_yet(freshness: AlertsFreshness) -> str:
    """Why the stored alerts lag the mail, and what would fire now."""
    never = freshness["at"] is None
    head = (
        "No alerts raised yet"
        if never
        else "Alerts were last evaluated before the newest mail was stored"
    )
    count = freshness["would_fire"] or 0
    fire = f"{count} condition{'s' if count != 1 else ''} would fire now"
    return (
        f"{head}: alerts are raised by `relmon run` or `relmon alerts send` "
        f"({fire}; see `relmon health`)."
    )


def _print_alerts(out: Console, stored: list[StoredAlert], tz: tzinfo, *, show_all: bool) -> None:
    """The alerts as a table, or a line saying there are none."""
    if not stored:
        out.print("No open alerts." if not show_all else "No alerts.")
        return
    if out.width < WIDE:
        _print_alert_blocks(out, stored, tz)
        return
    grid = table(
        ("id", "client", "kind", "severity", "state", "since", "explanation"),
        overflow="fold",
    )
    for alert in stored:
        grid.add_row(
            str(alert.id),
            alert.client or f"account {alert.account}",
            alert.kind,
            f"[{severity_style(alert.severity.value)}]{alert.severity.value}[/]",
            _state(alert, tz),
            short_date(alert.opened_at, tz),
            alert.explanation,
        )
    out.print(grid)


#: Below this width the explanation column of a table would be too narrow to read: each alert
#: is printed as a heading line and its explanation wrapped beneath.
WIDE = 120


def _state(alert: StoredAlert, tz: tzinfo) -> str:
    until = f" until {short_date(alert.snoozed_until, tz)}" if alert.snoozed_until else ""
    return alert.state.value + until


def _print_alert_blocks(out: Console, stored: list[StoredAlert], tz: tzinfo) -> None:
    for alert in stored:
        style = severity_style(alert.severity.value)
        out.print(
            f"[bold]{alert.id}[/bold]  {escape(alert.client or f'account {alert.account}')}  "
            f"{alert.kind}  [{style}]{alert.severity.value}[/]  {_state(alert, tz)}  "
            f"since {short_date(alert.opened_at, tz)}"
        )
        indented(out, escape(alert.explanation), indent=4)


def _print_delivery(out: Console, delivery: Mapping[str, object]) -> None:
    """Emails waiting to be sent and those that could not be delivered."""
    if delivery["pending"]:
        pending = delivery["pending"]
        assert isinstance(pending, int)
        reason, retried = delivery.get("waiting_reason"), delivery.get("waiting_retried")
        why = f" {retried} of them after a failed try: {escape(str(reason))}" if reason else ""
        out.print(f"{counted(pending, 'email')} waiting to be sent.{why}")
    failed = delivery["failed"]
    assert isinstance(failed, list)
    for item in failed:
        out.print(
            f"[red]undelivered[/red] #{item['id']} {escape(repr(item['subject']))} to "
            f"{escape(', '.join(item['recipients']))}: {escape(str(item['error']))}"
        )
    if failed:
        ids = " ".join(str(item["id"]) for item in failed[:3])
        one = len(failed) == 1
        out.print(
            f"Once what failed {'it' if one else 'them'} is fixed, relmon alerts retry {ids} "
            f"sends {'it' if one else 'them (or --all)'} again."
        )


def _act(app: App, alert_id: int, action: Action, until: datetime | None = None) -> None:
    from monitor.alerts.model import AlreadyAcknowledged
    from monitor.alerts.store import act

    runtime = app.runtime()
    try:
        alert = act(runtime.store.engine, alert_id, action, app.now, by=_who(), until=until)
    except KeyError:
        raise click.ClickException(f"no alert {alert_id}") from None
    except AlreadyAcknowledged as err:  # what was asked for holds: nothing to change
        click.echo(f"{err}: nothing changed")
        return
    except ValueError as err:
        raise click.ClickException(str(err)) from err
    suffix = (
        f" until {short_date(alert.snoozed_until, runtime.config.team.tz)}"
        if alert.snoozed_until
        else ""
    )
    click.echo(
        f"alert {alert.id} ({alert.client or alert.account}, {alert.kind}) is now {alert.state.value}{suffix}"
    )


@alerts_group.command("ack")
@click.argument("alert_id", type=int, shell_complete=complete_alert_id)
@pass_app
@fail_cleanly
def ack(app: App, alert_id: int) -> None:
    """Acknowledge an alert: no more reminders unless it gets worse.

    \b
    Example:
        relmon alerts ack 12
    """
    from monitor.alerts.store import Action

    _act(app, alert_id, Action.ACK)


@alerts_group.command("snooze")
@click.argument("alert_id", type=int, shell_complete=complete_alert_id)
@click.argument("duration")
@pass_app
@fail_cleanly
def snooze(app: App, alert_id: int, duration: str) -> None:
    """Silence an alert for a while (e.g. 3d, 12h, 2w); it reminds again afterwards if still true.

    \b
    Example:
        relmon alerts snooze 12 3d
    """
    try:
        span = parse_duration(duration)
    except ValueError as err:
        raise click.BadParameter(str(err)) from err
    from monitor.alerts.store import Action

    _act(app, alert_id, Action.SNOOZE, until=app.now + span)


@alerts_group.command("resolve")
@click.argument("alert_id", type=int, shell_complete=complete_alert_id)
@pass_app
@fail_cleanly
def resolve(app: App, alert_id: int) -> None:
    """Close an alert by hand; it re-opens only after the cool-down if the condition returns.

    \b
    Example:
        relmon alerts resolve 12
    """
    from monitor.alerts.store import Action

    _act(app, alert_id, Action.RESOLVE)


@alerts_group.command("send")
@json_option
@pass_app
@fail_cleanly
def send(app: App, as_json: bool) -> None:
    """Evaluate every client now, queue due digests and weekly reports, and deliver what is due — once.

    \b
    Example:
        relmon alerts send
    """
    from monitor.app.alerting import send_alerts

    result = send_alerts(app.runtime(), now=app.now)
    if as_json:
        emit_json(
            {
                "schema": "relmon/alerts-send/v1",
                "events": result.events,
                "digests": result.digests,
                "weekly": result.weekly,
                "sent": result.sent,
                "retried": result.retried,
                "failed": result.failed,
                "superseded": result.superseded,
                "held": result.held,
                "delivery": result.delivery,
            }
        )
    else:
        for event in result.events:
            who = event.get("client") or f"account {event.get('account')}"
            click.echo(
                f"alert {event['alert']}: {who} {event['kind']} {event['event']} ({event['severity'] or 'cleared'})"
            )
        click.echo(
            f"{counted(result.digests, 'digest')} and {counted(result.weekly, 'weekly report')} queued; {counted(result.sent, 'email')} sent, {result.retried} to retry, {result.failed} failed"
        )
        for held in result.held:
            recipients = ", ".join(map(str, held["recipients"]))  # type: ignore[call-overload]
            click.echo(f"would send: {held['subject']} -> {recipients}")
        if result.superseded:
            click.echo(f"{result.superseded} not sent: their alerts were handled first")
        if result.delivery:
            click.echo(f"not delivered: {result.delivery}")
    if result.failed:
        raise SystemExit(1)


@alerts_group.command("test-email")
@click.argument("address")
@pass_app
@fail_cleanly
def test_email(app: App, address: str) -> None:
    """Send a test email through the configured SMTP server, now.

    \b
    Example:
        relmon alerts test-email alice.marsh@northwind-advisory.example
    """
    from monitor.alerts.channel import OutboxKind
    from monitor.alerts.email_channel import outgoing
    from monitor.alerts.render import test_email as build
    from monitor.alerts.store import enqueue
    from monitor.app.alerting import deliver
    from monitor.core.addresses import normalise_address

    runtime = app.runtime()
    sender = runtime.config.alerts.sender
    if sender is None or runtime.config.alerts.smtp is None:
        raise click.ClickException(
            "alert emails are not configured: set [alerts] from and [smtp] in the configuration"
        )
    try:
        recipient = normalise_address(address)
    except ValueError as err:
        raise click.BadParameter(str(err)) from err
    message = build(
        recipient=recipient,
        sender=sender,
        sender_name=runtime.config.alerts.sender_name,
        when=app.now,
    )
    item = outgoing(message, kind=OutboxKind.TEST, recipients=[recipient], not_before=app.now)
    with runtime.store.engine.begin() as connection:
        row = enqueue(connection, item, now=app.now)
    # Only the test email: the rest of the outbox keeps its own time, checks and dry run.
    result = deliver(runtime, now=app.now, only=[row])
    if result.sent:
        click.echo(f"sent a test email to {recipient}")
    else:
        raise click.ClickException(
            f"the test email was not delivered: {result.delivery or 'see relmon alerts for the error'}"
        )


@alerts_group.command("go-live")
@pass_app
@fail_cleanly
def go_live(app: App) -> None:
    """End the dry run: from now on alerts are sent, starting with what is waiting.

    \b
    Example:
        relmon alerts go-live
    """
    from monitor.store.alerting import go_live as record

    since = record(app.runtime().store.engine, app.now)
    click.echo(f"alerts are live since {since.isoformat()}; relmon alerts send delivers them")


def register(cli: click.Group) -> None:
    from monitor.cli.alerts_retry import retry

    alerts_group.add_command(retry)
    cli.add_command(alerts_group)
