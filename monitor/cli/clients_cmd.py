"""``relmon clients`` and ``relmon clients suggest``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

import click
from rich.table import Table
from rich.text import Text

from monitor.cli.common import (
    App,
    console,
    emit_json,
    fail_cleanly,
    no_clients_hint,
    pass_app,
    query_options,
    short_date,
)
from monitor.cli.render import table
from monitor.core import durations

if TYPE_CHECKING:
    from monitor.app.rows import ClientRow


def clients_table(rows: Sequence[ClientRow], tz: tzinfo) -> Table:
    grid = table(
        (
            "client",
            "owner",
            "in",
            "out",
            "noise",
            "last inbound",
            "last outbound",
            "waiting on",
            "awaiting reply",
        ),
        right=("in", "out", "noise"),
    )
    for row in rows:
        awaiting = row["awaiting"]
        if awaiting:
            oldest = max(awaiting, key=lambda a: a["age_seconds"])
            wait = durations.waited(
                oldest["business_seconds"], oldest["age_seconds"], row["working_day_hours"] * 3600
            )
            waiting = f"{len(awaiting)}, oldest {wait}"
        else:
            waiting = "—"
        grid.add_row(
            row["name"],
            row["owner"].split("@")[0],
            str(row["inbound"]),
            str(row["outbound"]),
            str(row["noise"]),
            short_date(row["last_inbound"]["date"], tz) if row["last_inbound"] else "—",
            short_date(row["last_outbound"]["date"], tz) if row["last_outbound"] else "—",
            row["waiting_on"] or "—",
            waiting,
        )
    return grid


@click.group("clients", invoke_without_command=True)
@query_options
@pass_app
@click.pass_context
@fail_cleanly
def clients(ctx: click.Context, app: App, as_json: bool, as_of: datetime | None) -> None:
    """Configured clients with message counts, last contact, and what waits for our reply.

    Noise (auto-replies, newsletters, bounces, receipts) is counted apart and never as contact.

    \b
    Example:
        relmon clients
        relmon clients --as-of 2026-06-30 --json
    """
    if ctx.invoked_subcommand is not None:
        return
    from monitor.app.views import client_overview

    when = as_of or app.now
    rows = client_overview(app.runtime(), when)
    if as_json:
        emit_json({"schema": "relmon/clients/v1", "as_of": when, "clients": rows})
        return
    if not app.config.clients:
        click.echo(no_clients_hint(app.config))
        return
    out = console()
    out.print(clients_table(rows, app.config.team.tz))
    zone = app.config.team
    out.print(
        Text(
            f"Times are {zone.timezone} ({durations.zone_label(when, zone.tz)}); waits in "
            f"working time ({zone.working_hours}), calendar time in brackets.",
            style="dim",
        )
    )


@clients.command("suggest")
@query_options
@click.option("--limit", default=20, show_default=True, help="How many to show.")
@pass_app
@fail_cleanly
def suggest(app: App, as_json: bool, as_of: datetime | None, limit: int) -> None:
    """External domains and addresses that match no client, ranked by two-way traffic.

    A domain we write to and hear back from is probably a client (or should be excluded);
    add it to [[clients]] in the configuration.

    \b
    Example:
        relmon clients suggest --limit 10
    """
    from monitor.app.views import suggestions

    when = as_of or app.now
    rows = suggestions(app.runtime(), when, limit)
    if as_json:
        emit_json({"schema": "relmon/clients-suggest/v1", "as_of": when, "suggestions": rows})
        return
    if not rows:
        click.echo(
            "Every outside domain and address in the stored mail belongs to a client"
            " (or no mail is stored yet: `relmon sync` reads the configured mailboxes)."
        )
        return
    grid = table(("domain or address", "from them", "from us", "people", "first", "last"))
    for row in rows:
        people = ", ".join(row["people"][:3]) + (
            f" +{len(row['people']) - 3}" if len(row["people"]) > 3 else ""
        )
        grid.add_row(
            row["name"],
            str(row["inbound"]),
            str(row["outbound"]),
            people,
            short_date(row["first"]),
            short_date(row["last"]),
        )
    console().print(grid)


def register(cli: click.Group) -> None:
    cli.add_command(clients)
