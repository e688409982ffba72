"""``relmon run``: the daemon."""

from __future__ import annotations

import sys

import click

from monitor.cli.common import App, begin_work, pass_app


@click.command("run")
@pass_app
def run(app: App) -> None:
    """Run the service: sync, evaluate, alert, on a schedule, until stopped.

    Logs are JSON lines on stdout (readable text on a terminal). Under systemd use
    Type=notify (deploy/relmon.service); in a container see deploy/Containerfile. SIGTERM
    stops cleanly, SIGHUP reloads the configuration.

    \b
    Example:
        relmon --config /etc/relmon/relmon.toml run
    """
    from monitor.daemon.service import Service
    from monitor.log import configure

    configure(level=app.log_level or "info", stream=sys.stdout)
    begin_work()
    sys.exit(Service(app.config_path).run())


def register(cli: click.Group) -> None:
    cli.add_command(run)
