"""``relmon health`` and ``relmon client NAME``."""

from __future__ import annotations

import sys
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from monitor.cli.common import (
    App,
    console,
    emit_json,
    fail_cleanly,
    named_client,
    no_clients_hint,
    pass_app,
    query_options,
    short_date,
)
from monitor.cli.health_table import TOO_LITTLE, health_table
from monitor.cli.health_view import CRITICAL_EXIT, print_health, wanted_owner
from monitor.cli.render import health_style, hours, severity_style, signed
from monitor.sparkline import sparkline

if TYPE_CHECKING:
    from monitor.app.rows import ClientDetail


@click.command("health")
@query_options
@click.option(
    "--owner",
    metavar="NAME",
    help="Only the clients this consultant owns (address, name or the part before @).",
)
@click.option("--mine", is_flag=True, help="Only my clients: the owner named by $RELMON_OWNER.")
@click.option(
    "--wide",
    is_flag=True,
    help="Every column at its full width, however wide the terminal (for `less -S`).",
)
@click.option(
    "--check",
    is_flag=True,
    help="Exit with status 3 when any client shown has a critical alert (for scripts and monitoring).",
)
@pass_app
@fail_cleanly
def health(
    app: App,
    as_json: bool,
    as_of: datetime | None,
    owner: str | None,
    mine: bool,
    wide: bool,
    check: bool,
) -> None:
    """How healthy is each client, worst first, and which alerts would be open.

    Health 0–100 from responsiveness, engagement, sentiment, pressure and balance, with a
    30-day trend; client messages awaiting our reply (working time, and calendar time in
    brackets); our median reply time over 30 days; the client's tone over 30 days; its
    pattern. A narrow terminal shows the most important columns and names the rest.

    Exit status: 0, or with --check 3 when a client shown has a critical alert.

    \b
    Example:
        relmon health
        relmon health --mine            # RELMON_OWNER=ben.okafor@northwind-advisory.example
        relmon health --owner chloe --check || echo "a client needs attention"
        relmon health --as-of 2026-09-30 --json
    """
    from monitor.app.views import health as health_rows

    when = as_of or app.now
    wanted = wanted_owner(app.config, owner, mine)
    rows = health_rows(app.runtime(), when)
    if wanted is not None:
        rows = [row for row in rows if wanted.owns(row["owner"])]
    if as_json:
        emit_json({"schema": "relmon/health/v1", "as_of": when, "clients": rows})
    elif not app.config.clients:
        click.echo(no_clients_hint(app.config))
    else:
        print_health(app.config, rows, when, wanted, wide=wide)
    if check and any(a["severity"] == "critical" for row in rows for a in row["alerts"]):
        sys.exit(CRITICAL_EXIT)


@click.command("client")
@click.argument("name")
@query_options
@click.option("--timeline", default=40, show_default=True, help="How many recent messages to list.")
@pass_app
@fail_cleanly
def client(app: App, name: str, as_json: bool, as_of: datetime | None, timeline: int) -> None:
    """One client in depth: the measures, a timeline of recent messages, why each alert fires.

    \b
    Example:
        relmon client "Acme Logistics"
        relmon client acme --as-of 2026-10-01 --json
    """
    from monitor.app.views import client_detail

    runtime = app.runtime()
    when = as_of or app.now
    data = client_detail(runtime, named_client(runtime.config, name).name, when, timeline=timeline)
    if as_json:
        emit_json({"schema": "relmon/client/v1", "as_of": when, "client": data})
        return
    print_client(data, app.config.team.tz, when)


def print_client(data: ClientDetail, tz: tzinfo, when: datetime) -> None:
    out = console()
    _print_summary(out, data, tz, when)
    _print_gaps_and_tone(out, data, tz)
    out.print()
    _print_alerts(out, data)
    out.print()
    out.print(_timeline_table(data, tz))


def _print_summary(out: Console, data: ClientDetail, tz: tzinfo, when: datetime) -> None:
    """The header, health, pattern and cadence lines."""
    score = data["health"]
    out.print(f"[bold]{data['name']}[/bold] — owner {data['owner']} — as of {short_date(when, tz)}")
    components = ", ".join(
        f"{k} {v if v is not None else '—'}" for k, v in data["components"].items()
    )
    out.print(
        f"Health [{health_style(score)}]{score if score is not None else TOO_LITTLE}[/] ({components})  {sparkline([p['health'] for p in data['trend']], 0, 100)}"
    )
    pattern = data["pattern"]
    out.print(f"Pattern: [bold]{pattern['name']}[/bold] ({'; '.join(pattern['reasons'])})")
    out.print(f"  {pattern['advice']}")
    out.print()
    cadence = data["cadence"]
    cadence_text = (
        f"every {cadence['days']:.0f} days ({cadence['source']})"
        if cadence["days"]
        else f"unknown ({cadence['samples']} gaps so far)"
    )
    out.print(
        f"Writes {cadence_text}; silent for {data['silent_days'] if data['silent_days'] is not None else '—'} days"
        + (f"; away until {data['away_until']}" if data["away_until"] else "")
    )


def _print_gaps_and_tone(out: Console, data: ClientDetail, tz: tzinfo) -> None:
    """Reply gaps both ways, then the tone with the sentences behind it."""
    gaps = (
        ("Our reply gap", data["reply_gap_30d"], data["reply_gap_90d"]),
        ("Client reply gap", data["client_reply_gap_30d"], data["client_reply_gap_90d"]),
    )
    for label, *windows in gaps:
        parts = []
        for days, stats in zip((30, 90), windows, strict=True):
            parts.append(
                f"{days}d median {hours(stats['median_business_hours'])} biz / {hours(stats['median_wall_hours'])} wall, p90 {hours(stats['p90_business_hours'])} biz (n={stats['count']})"
            )
        out.print(f"{label}: " + "; ".join(parts))
    sentiment = data["sentiment"]
    out.print(
        f"Tone: 30d {signed(sentiment['mean_30d'])} (n={sentiment['scored_30d']}, {sentiment['unscored_30d']} unscored), "
        f"90d {signed(sentiment['mean_90d'])}, trend {signed(sentiment['trend'])}"
    )
    evidence = data["sentiment_evidence"]
    for item in evidence:
        text = f": {escape(item['text'])}" if item["text"] else ""
        out.print(
            f"  {item['compound']:+.2f} in {item['message']['subject']!r} ({short_date(item['message']['date'], tz)}), sentence {item['sentence'] + 1}{text}"
        )
    if any(not item["text"] for item in evidence):  # said once, not on every sentence
        out.print(
            "  [dim](sentence text not stored; enable privacy.store_snippets to see it)[/dim]"
        )


def _print_alerts(out: Console, data: ClientDetail) -> None:
    out.print("[bold]Alerts[/bold]")
    for finding in data["findings"]:
        severity = finding["severity"]
        label = f"[{severity_style(severity)}]{severity}[/]" if severity else "[green]ok[/green]"
        out.print(f"  {finding['kind']:<16} {label}  {finding['explanation']}")
    out.print(f"  [dim]{data['advice_common']}[/dim]")


#: How ``relmon client`` explains a client message that waits for no reply from us.
_NO_REPLY_NOTES = {
    "not_addressed_to_us": "no reply expected: none of us in To",
    "cc_only": "no reply expected: we are only in Cc",
    "to_a_list": "no reply expected: sent to a list",
}


def _timeline_table(data: ClientDetail, tz: tzinfo) -> Table:
    table = Table(title="Recent messages", show_edge=False, pad_edge=False)
    for name in ("date", "dir", "from", "subject", "tone", "reply gap", "note"):
        table.add_column(name)
    for item in data["timeline"]:
        gap = item["reply_gap_business_hours"]
        if item["answered"] is False:
            gap_text = f"[red]waiting {hours(gap)}[/red]"
        else:
            gap_text = hours(gap) if gap is not None else ""
        note = item["noise"] or ", ".join(c.split(":", 1)[1] for c in item["cues"][:3])
        if item["reply_reason"]:
            reason = _NO_REPLY_NOTES.get(item["reply_reason"], item["reply_reason"])
            note = f"{reason}; {note}" if note else reason
        if item["sentiment"] is not None:
            tone = signed(item["sentiment"])
        else:  # unscored: say in which language, unless it is noise, which is never scored
            tone = f"({item['language']})" if item["language"] and not item["noise"] else ""
        table.add_row(
            short_date(item["date"], tz),
            "in" if item["direction"] == "inbound" else "out",
            item["from"],
            item["subject"][:60],
            tone,
            gap_text,
            note,
        )
    return table


__all__ = ["TOO_LITTLE", "client", "health", "health_table", "print_client", "register"]


def register(cli: click.Group) -> None:
    cli.add_command(health)
    cli.add_command(client)
