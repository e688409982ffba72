"""``relmon clients`` and ``relmon clients suggest``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

import click
from rich.markup import escape
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
from monitor.cli.fitting import Layout, Plain, fitted, terminal_width
from monitor.cli.render import table
from monitor.core import durations

if TYPE_CHECKING:
    from monitor.app.rows import ClientRow, MessageRef


#: The clients table's columns, in print order; ``_PRIORITY`` keeps the most telling.
_COLUMNS = {
    "client": Plain("client", fold=16),
    "owner": Plain("owner"),
    "in": Plain("in", justify="right"),
    "out": Plain("out", justify="right"),
    "noise": Plain("noise", justify="right"),
    "last inbound": Plain("last inbound"),
    "last outbound": Plain("last outbound"),
    "waiting on": Plain("waiting on", fold=6),
    "awaiting reply": Plain("awaiting reply", fold=14),
}
_PRIORITY = (
    "client",
    "awaiting reply",
    "waiting on",
    "last inbound",
    "last outbound",
    "owner",
    "in",
    "out",
    "noise",
)


def _waiting(row: ClientRow) -> str:
    awaiting = row["awaiting"]
    if not awaiting:
        return "—"
    oldest = max(awaiting, key=lambda a: a["age_seconds"])
    wait = durations.waited(
        oldest["business_seconds"], oldest["age_seconds"], row["working_day_hours"] * 3600
    )
    return f"{len(awaiting)}, oldest {wait}"


def _when(ref: MessageRef | None, tz: tzinfo, now: datetime) -> str:
    if ref is None:
        return "—"
    local = ref["date"].astimezone(tz)
    return f"{durations.day(local, now, tz)} {local:%H:%M}"


def clients_layout(
    rows: Sequence[ClientRow], tz: tzinfo, now: datetime, width: int | None
) -> Layout:
    """The clients table for ``width`` terminal columns (``None``: every column, unfolded)."""
    cells: dict[str, list[str]] = {name: [] for name in _COLUMNS}
    for row in rows:
        for name, value in (
            ("client", escape(row["name"])),
            ("owner", row["owner"].split("@")[0]),
            ("in", str(row["inbound"])),
            ("out", str(row["outbound"])),
            ("noise", str(row["noise"])),
            ("last inbound", _when(row["last_inbound"], tz, now)),
            ("last outbound", _when(row["last_outbound"], tz, now)),
            ("waiting on", row["waiting_on"] or "—"),
            ("awaiting reply", _waiting(row)),
        ):
            cells[name].append(value)
    return fitted(_COLUMNS, _PRIORITY, cells, width)


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
    layout = clients_layout(rows, app.config.team.tz, when, terminal_width(out))
    out.print(layout.table)
    zone = app.config.team
    out.print(
        Text(
            f"Times are {zone.timezone} ({durations.zone_label(when, zone.tz)}); waits in "
            f"working time ({zone.working_hours}), calendar time in brackets.",
            style="dim",
        )
    )
    if layout.left_out:
        out.print(Text(f"Left out at this width: {', '.join(layout.left_out)}.", style="dim"))


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
            "No one outside the clients wrote to the team or heard from it in the stored mail:"
            " every correspondent belongs to a client, or the mail is not to or from the"
            " team's addresses and domains ([team] domains and members), or none is stored"
            " yet (`relmon sync` reads the configured mailboxes)."
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
