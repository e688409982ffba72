"""The ``relmon`` command line: one module per command group.

Domain errors become ``click.ClickException`` here, at the edge, and nowhere else.
"""

from __future__ import annotations

import click

from monitor import __version__
from monitor.cli.common import App
from monitor.log import configure


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config_path",
    metavar="FILE",
    help="Configuration file (default: $RELMON_CONFIG, then ~/.config/relmon/relmon.toml).",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default=None,
    help="How much to log: to stderr (stdout for `relmon run`), JSON when not a terminal. Default: warning; info for `relmon run`.",
)
@click.version_option(__version__, prog_name="relmon")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, log_level: str | None) -> None:
    """relmon: how healthy is each client relationship, and why.

    \b
    Example:
        relmon demo
        relmon --config relmon.toml ingest ~/Mail/Archive --account alice
    """
    configure(level=log_level or "warning", lazy=True)
    app = App(config_path=config_path, log_level=log_level)
    ctx.obj = app
    ctx.call_on_close(app.close)


def _register() -> None:
    from monitor.cli import (
        accounts_cmd,
        alerts_cmd,
        backtest_cmd,
        clients_cmd,
        config_cmd,
        db_cmd,
        demo_cmd,
        export_cmd,
        health_cmd,
        ingest_cmd,
        report_cmd,
        run_cmd,
        status_cmd,
        sync_cmd,
        web_cmd,
    )

    for module in (
        config_cmd,
        db_cmd,
        run_cmd,
        status_cmd,
        accounts_cmd,
        sync_cmd,
        ingest_cmd,
        health_cmd,
        clients_cmd,
        alerts_cmd,
        backtest_cmd,
        export_cmd,
        report_cmd,
        demo_cmd,
        web_cmd,
    ):
        module.register(cli)


_register()


def _register_setup() -> None:
    """First setup and the shell around relmon: init, install-service, completion."""
    from monitor.cli import completion, init_cmd, service_cmd

    for module in (init_cmd, service_cmd, completion):
        module.register(cli)


_register_setup()


def main() -> None:
    cli(prog_name="relmon")
