"""``relmon health`` and ``relmon client NAME``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import click

from monitor.cli.client_view import print_client
from monitor.cli.common import (
    App,
    emit_json,
    fail_cleanly,
    named_client,
    no_clients_hint,
    pass_app,
    query_options,
)
from monitor.cli.completion import complete_client
from monitor.cli.health_table import TOO_LITTLE, health_table
from monitor.cli.health_view import CRITICAL_EXIT, print_health, wanted_owner

if TYPE_CHECKING:
    from monitor.app.rows import HealthRow


@click.command("health")
@query_options
@click.option(
    "--owner",
    metavar="NAME",
    help="Only the clients this consultant owns (address, name or the part before @).",
)
@click.option(
    "--mine",
    is_flag=True,
    help="Only my clients: the owner named by $RELMON_OWNER (or the team's only member).",
)
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

    Health 0–100 from responsiveness, engagement, tone, pressure and balance, with a
    30-day trend; client messages awaiting our reply (working time, and calendar time in
    brackets); our median reply time over 30 days; the client's tone over 30 days; its
    pattern. A narrow terminal shows the most important columns and names the rest.

    Asked about now, a client is shown as of the daemon's last evaluation of it while nothing
    that changes it has been stored since and its alerts cannot have changed (at most six
    hours): the answer the alerts were given, kept, not recomputed. A line says so.

    Exit status: 0, or with --check 3 when a client shown has a critical alert.

    \b
    Example:
        relmon health
        relmon health --wide | less -S
        relmon health --mine            # RELMON_OWNER=ben.okafor@northwind-advisory.example
        relmon health --owner chloe --check || echo "a client needs attention"
        relmon health --as-of 2026-09-30 --json
    """
    from monitor.app.views import health as health_rows

    wanted = wanted_owner(app.config, owner, mine)
    rows = health_rows(app.runtime(), as_of or app.now, latest=as_of is None)
    if wanted is not None:
        rows = [row for row in rows if wanted.owns(row["owner"])]
    when = _described(rows, as_of or app.now)
    if as_json:
        emit_json({"schema": "relmon/health/v1", "as_of": when, "clients": rows})
    elif not app.config.clients:
        click.echo(no_clients_hint(app.config))
    else:
        print_health(app.config, rows, when, wanted, wide=wide)
        if as_of is None:
            _evaluated_note([row["as_of"] for row in rows], app.now)
    if check and any(a["severity"] == "critical" for row in rows for a in row["alerts"]):
        sys.exit(CRITICAL_EXIT)


def _described(rows: Sequence[HealthRow], asked: datetime) -> datetime:
    """The instant a whole answer describes: its rows' when they share one, else the one
    asked about (each row then carries its own)."""
    instants = {row["as_of"] for row in rows}
    return instants.pop() if len(instants) == 1 else asked


def _evaluated_note(instants: Sequence[datetime], now: datetime) -> None:
    """Under an answer about now, what is as of an earlier evaluation pass, and how old."""
    earlier = [at for at in instants if at < now]
    if not earlier:
        return
    minutes = round((now - min(earlier)).total_seconds() / 60)
    if len(earlier) == len(instants) and len(set(earlier)) == 1:
        click.echo(
            f"As of relmon's last evaluation, {minutes} min ago; nothing has been stored since. "
            "--as-of asks about another instant."
        )
        return
    shown = (
        "As of relmon's last evaluation of each client"
        if len(earlier) == len(instants)
        else f"{len(earlier)} of {len(instants)} clients are as of relmon's last evaluation of each"
    )
    click.echo(
        f"{shown}, the oldest {minutes} min ago: "
        "nothing that changes them has been stored since, and their alerts cannot have changed; "
        "waits and silences have moved on by that much. --as-of asks about another instant."
    )


@click.command("client")
@click.argument("name", shell_complete=complete_client)
@query_options
@click.option("--timeline", default=40, show_default=True, help="How many recent messages to list.")
@pass_app
@fail_cleanly
def client(app: App, name: str, as_json: bool, as_of: datetime | None, timeline: int) -> None:
    """One client in depth: the measures, a timeline of recent messages, why each alert fires.

    NAME is the client's name as configured, any part of it that names one client
    ("kestrel" for Kestrel Retail Group), in any case. The examples run on `relmon demo --keep`.

    \b
    Example:
        relmon client "Kestrel Retail Group"
        relmon client kestrel --timeline 10
        relmon client orchard --as-of 2026-11-20 --json
    """
    from monitor.app.views import client_detail

    runtime = app.runtime()
    named = named_client(runtime.config, name)
    chosen = named.name
    asked = as_of or app.now
    data = client_detail(runtime, chosen, asked, timeline=timeline, latest=as_of is None)
    when = data["as_of"]
    if as_json:
        emit_json({"schema": "relmon/client/v1", "as_of": when, "client": data})
        return
    team = app.config.team
    # Times as `health --owner` shows them; working time on the team's calendar.
    print_client(
        data, app.config.owner_tz(named.owner), when, f"{team.working_hours} ({team.timezone})"
    )
    if as_of is None:
        _evaluated_note([when], app.now)


__all__ = ["TOO_LITTLE", "client", "health", "health_table", "print_client", "register"]


def register(cli: click.Group) -> None:
    cli.add_command(health)
    cli.add_command(client)
