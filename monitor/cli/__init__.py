"""The ``relmon`` command line: one module per command group.

Domain errors become ``click.ClickException`` here, at the edge, and nowhere else.
"""

from __future__ import annotations

import gc
import importlib

import click

from monitor import __version__
from monitor.cli.common import App
from monitor.log import configure


class _Commands(click.Group):
    """relmon's commands, each module imported when its command is first asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMAND_MODULES) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        _load_command(self, cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=_Commands,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
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


#: The module that registers each command. A command's module (and what it imports) is loaded
#: only when that command runs, or when help or completion lists every command.
COMMAND_MODULES = {
    "accounts": "accounts_cmd",
    "alerts": "alerts_cmd",
    "backtest": "backtest_cmd",
    "client": "health_cmd",
    "clients": "clients_cmd",
    "completion": "completion",
    "config": "config_cmd",
    "db": "db_cmd",
    "demo": "demo_cmd",
    "export": "export_cmd",
    "health": "health_cmd",
    "ingest": "ingest_cmd",
    "init": "init_cmd",
    "install-service": "service_cmd",
    "report": "report_cmd",
    "run": "run_cmd",
    "status": "status_cmd",
    "sync": "sync_cmd",
    "web": "web_cmd",
}


def _load_command(group: click.Group, name: str) -> None:
    if name in COMMAND_MODULES and name not in group.commands:
        importlib.import_module(f"monitor.cli.{COMMAND_MODULES[name]}").register(group)


def main() -> None:
    # Start-up (click, the configuration, a command's modules, the store's engine) makes tens of
    # thousands of objects the cyclic collector tracks (about 74,000 for `relmon client`), all
    # living as long as the process: it walks them again and again for nothing, about a tenth
    # of a quick command. It is held off until the command's work begins
    # (common.begin_work), which also keeps them out of its way.
    gc.disable()
    cli(prog_name="relmon")
