"""``relmon health`` and ``relmon client NAME``."""

from __future__ import annotations

from collections.abc import Sequence
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
from monitor.cli.completion import complete_client
from monitor.cli.render import day_time, health_style, hours, severity_style, signed
from monitor.sparkline import sparkline

if TYPE_CHECKING:
    from monitor.app.rows import ClientDetail, HealthRow


#: What the health column says of a client with fewer than three messages: no score yet.
TOO_LITTLE = "too little history"


def health_table(rows: Sequence[HealthRow], tz: tzinfo) -> Table:
    table = Table(show_edge=False, pad_edge=False)
    for name, justify in (
        ("client", "left"),
        ("health", "right"),
        ("trend", "left"),
        ("last in", "left"),
        ("last out", "left"),
        ("awaiting", "left"),
        ("reply 30d", "right"),
        ("tone 30d", "right"),
        ("pattern", "left"),
        ("alerts", "left"),
    ):
        table.add_column(name, justify=justify, no_wrap=name != "alerts")  # type: ignore[arg-type]
    for row in rows:
        score = row["health"]
        # Every other day of the 30-day history keeps the sparklines short.
        trend = sparkline([p["health"] for p in row["trend"][1::2]], 0, 100)
        tone = sparkline([p["sentiment_30d"] for p in row["trend"][1::2]], -1, 1)
        waiting = row["awaiting"]
        waiting_text = (
            f"{waiting['count']}, {hours(waiting['oldest_business_hours'])}"
            if waiting["count"]
            else "—"
        )
        alerts = (
            " ".join(f"[{severity_style(a['severity'])}]{a['kind']}[/]" for a in row["alerts"])
            or "—"
        )
        table.add_row(
            row["name"],
            f"[{health_style(score)}]{score if score is not None else TOO_LITTLE}[/]",
            trend,
            day_time(row["last_inbound"]["date"], tz) if row["last_inbound"] else "—",
            day_time(row["last_outbound"]["date"], tz) if row["last_outbound"] else "—",
            waiting_text,
            hours(row["reply_gap_30d"]["median_business_hours"]),
            f"{signed(row['sentiment']['mean_30d'])} {tone}",
            row["pattern"]["name"],
            alerts,
        )
    return table


@click.command("health")
@query_options
@pass_app
@fail_cleanly
def health(app: App, as_json: bool, as_of: datetime | None) -> None:
    """How healthy is each client, worst first, and which alerts would be open.

    Health 0–100 from responsiveness, engagement, sentiment, pressure and balance, with a
    30-day trend; last message each way; client messages awaiting our reply; our median
    reply gap over 30 days in business time; the client's tone over 30 days; its pattern.

    \b
    Example:
        relmon health
        relmon health --as-of 2026-09-30 --json
    """
    from monitor.app.views import health as health_rows

    when = as_of or app.now
    rows = health_rows(app.runtime(), when)
    if as_json:
        emit_json({"schema": "relmon/health/v1", "as_of": when, "clients": rows})
        return
    if not app.config.clients:
        click.echo(no_clients_hint(app.config))
        return
    console().print(health_table(rows, app.config.team.tz))


@click.command("client")
@click.argument("name", shell_complete=complete_client)
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
    _print_friction_evidence(out, data)
    out.print(f"  [dim]{data['advice_common']}[/dim]")


def _print_friction_evidence(out: Console, data: ClientDetail) -> None:
    """The messages behind the friction judgement, with the features that drove each."""
    for item in data["friction_evidence"]:
        features = [f"impolite {item['impoliteness']:.2f}"] if item["impoliteness"] else []
        if item["curtness"]:
            features.append(f"curt {item['curtness']:.2f}")
        if item["courtesy"] is False:
            features.append("no greeting or thanks")
        cue = f": '{escape(item['evidence'])}'" if item["evidence"] else ""
        out.print(
            f"    friction {item['strength']:.2f} in {item['message']['subject']!r} "
            f"({item['message']['date']:%-d %b}){cue} ({', '.join(features)})"
        )


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


def register(cli: click.Group) -> None:
    cli.add_command(health)
    cli.add_command(client)
