"""``relmon report``: the weekly portfolio report as a standalone HTML page."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from monitor.cli.common import App, as_of_option, fail_cleanly, pass_app, private_file


@click.command("report")
@click.option(
    "--html",
    "html_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this HTML file (one page, no external resources).",
)
@click.option(
    "--owner",
    help="Only this owner's clients: an address, a member's name or any part of it, as for "
    "relmon health --owner.",
)
@as_of_option
@pass_app
@fail_cleanly
def report(app: App, html_file: Path, owner: str | None, as_of: datetime | None) -> None:
    """Write the weekly portfolio report as a page: clients worst first, health over eight
    weeks, this week's messages, what changed. The same as the weekly email.

    \b
    Example:
        relmon report --html portfolio.html
        relmon report --html alice.html --owner alice.marsh@northwind-advisory.example
    """
    from monitor.alerts.weekly import report_html
    from monitor.app.weekly import build_report
    from monitor.cli.health_view import find_owner

    runtime = app.runtime()
    config = runtime.config
    address = None
    if owner is not None:  # named as `relmon health --owner` names them: "chloe" will do
        found = find_owner(config, owner)
        address = next((c.owner for c in config.clients if found.owns(c.owner)), None)
        if address is None:
            raise click.ClickException(f"{found.label} owns no configured client")
    page = report_html(build_report(runtime, owner=address, now=as_of or app.now))
    with private_file(html_file) as out:
        out.write(page)
    click.echo(f"wrote {html_file}", err=True)


def register(cli: click.Group) -> None:
    cli.add_command(report)
