"""``relmon backtest``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import click

from monitor.cli.common import (
    App,
    console,
    emit_json,
    fail_cleanly,
    parse_since,
    pass_app,
    query_options,
)
from monitor.cli.render import severity_style, table

if TYPE_CHECKING:  # the replay is loaded only when the command runs
    from monitor.app.rows import BacktestResult


def register(cli: click.Group) -> None:
    @cli.command("backtest")
    @query_options
    @click.option(
        "--since",
        callback=parse_since,
        metavar="DATE",
        help="First day to replay (default: a year before --as-of, or the first message).",
    )
    @click.option(
        "--list/--no-list",
        "show_list",
        default=True,
        show_default=True,
        help="List every alert that would have fired.",
    )
    @click.option(
        "--jobs",
        type=click.IntRange(1, 64),
        default=None,
        metavar="N",
        help="Processes to replay in, each a batch of clients [default: one per core, at most 4].",
    )
    @pass_app
    @fail_cleanly
    def backtest(
        app: App,
        as_json: bool,
        as_of: datetime | None,
        since: datetime | None,
        show_list: bool,
        jobs: int | None,
    ) -> None:
        """Replay the stored history day by day: which alerts would have fired, and when.

        Uses the current thresholds and the alert lifecycle (one alert per client and kind,
        re-notified when it worsens, re-opened only after the cool-down), so owners can tune
        the thresholds before they go live.

        \b
        Example:
            relmon backtest
            relmon backtest --since 2026-01-01 --json
            relmon backtest --jobs 1     # one process, one batch of clients at a time
        """
        from monitor.app.backtests import backtest as run
        from monitor.core.detectors import KINDS as ALERT_KINDS

        kinds = tuple(kind.value for kind in ALERT_KINDS)

        when = as_of or app.now
        data = run(app.runtime(), when, since, jobs=jobs)
        if as_json:
            emit_json({"schema": "relmon/backtest/v1", "as_of": when, **data})
            return
        _show(data, kinds, show_list)


def _show(data: BacktestResult, kinds: tuple[str, ...], show_list: bool) -> None:
    """The replay as a table per client and kind, and each alert when ``show_list``."""
    out = console()
    out.print(
        f"Replayed {data['days']} days ({data['since']:%Y-%m-%d} to {data['until']:%Y-%m-%d}): "
        f"{data['totals']['alerts']} notifications (an alert opened, worse, or back after a "
        f"snooze), {data['totals']['per_client_per_month']} per client per month."
    )
    grid = table(("client", *kinds), right=kinds)
    for client in data["clients"]:
        grid.add_row(client["name"], *(str(client["alerts"][k]) for k in kinds))
    out.print(grid)
    if show_list:
        for client in data["clients"]:
            for fired in client["fired"]:
                style = severity_style(fired["severity"])
                out.print(
                    f"  {fired['date']}  {client['name']:<28} {fired['kind']:<16} [{style}]{fired['severity']:<8}[/] {fired['explanation']}"
                )
