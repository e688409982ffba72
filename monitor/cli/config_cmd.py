"""``relmon config check``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from monitor.cli.common import App, console, emit_json, json_option, pass_app
from monitor.errors import ConfigError

if TYPE_CHECKING:
    from monitor.config import Config


def describe(config: Config, missing: frozenset[str] | set[str] = frozenset()) -> dict[str, Any]:
    """The resolved configuration as plain data, secrets masked; those in ``missing`` (keys)
    cannot be read and say so instead of showing a mask."""
    team = config.team
    return {
        "path": str(config.path) if config.path else None,
        "team": {
            "name": team.name,
            "domains": list(team.domains),
            "addresses": list(team.addresses),
            "members": [
                {
                    "name": m.name,
                    "address": m.address,
                    "aliases": list(m.aliases),
                    "timezone": m.timezone,
                }
                for m in team.members
            ],
            "timezone": team.timezone,
            "working_hours": list(team.working_hours.spec),
            "holidays": team.holidays.label() if team.holidays else None,
        },
        "clients": [
            {
                "name": c.name,
                "domains": list(c.domains),
                "addresses": list(c.addresses),
                "owner": c.owner,
                "timezone": c.timezone,
                "working_hours": list(c.working_hours.spec) if c.working_hours else None,
                "holidays": c.holidays.label() if c.holidays else None,
            }
            for c in config.clients
        ],
        "accounts": [
            {
                "name": a.name,
                "kind": a.kind,
                "address": a.address,
                "path": str(a.path) if a.path else None,
            }
            for a in config.accounts
        ],
        "store": {"url": _mask_url(config.store.url)},
        "privacy": {
            "store_snippets": config.privacy.store_snippets,
            "exclude_folders": list(config.privacy.exclude_folders),
            "exclude_addresses": list(config.privacy.exclude_addresses),
            "exclude_subjects": list(config.privacy.exclude_subjects),
            "retention_days": config.privacy.retention_days,
        },
        "secrets": {
            key: (f"MISSING (from {secret.source()})" if key in missing else secret.describe())
            for key, secret in config.secrets()
        },
    }


def _mask_url(url: str) -> str:
    from monitor.store.db import safe_url

    return safe_url(url)


@click.group("config")
def config_group() -> None:
    """Inspect the configuration file, or print the example to start one from."""


@config_group.command("check")
@json_option
@pass_app
def check(app: App, as_json: bool) -> None:
    """Validate the configuration and print it resolved, secrets masked.

    Exits with status 1 and lists every problem (with its key) when anything is wrong,
    including secrets that cannot be read from their file or environment variable.

    \b
    Example:
        relmon --config /etc/relmon/relmon.toml config check
    """
    from monitor.config import find_config_path
    from monitor.config.validation import machine_problems, unreadable_secrets

    try:
        config = app.config
    except ConfigError as err:
        if as_json:
            emit_json(
                {
                    "schema": "relmon/config-check/v1",
                    "ok": False,
                    "path": str(err.path or find_config_path(app.config_path)),
                    "problems": err.problems,
                }
            )
            raise SystemExit(1) from err
        raise click.ClickException(str(err)) from err
    # The same checks `relmon run` makes before it starts and on every reload.
    problems = machine_problems(config)
    data = describe(config, missing=unreadable_secrets(config))
    if as_json:
        emit_json(
            {
                "schema": "relmon/config-check/v1",
                "ok": not problems,
                "problems": problems,
                "config": data,
            }
        )
    else:
        _print_config(data, problems)
    if problems:
        raise SystemExit(1)


def _print_config(data: dict[str, Any], problems: list[str]) -> None:
    """The resolved configuration for a reader, then any problems."""
    out = console()
    if problems:
        # Problems first: they are what the reader came for, and a long listing would bury them.
        out.print(f"[red]{len(problems)} problem{'s' if len(problems) != 1 else ''}[/red]")
        for problem in problems:
            out.print(f"[red]problem[/red] {problem}", markup=True, highlight=False)
    out.print(f"[bold]Configuration[/bold] {data['path']}")
    team = data["team"]
    out.print(
        f"  team {team['name']!r}: domains {', '.join(team['domains']) or '—'}; timezone {team['timezone']}; hours {', '.join(team['working_hours'])}; holidays {team['holidays'] or '—'}"
    )
    for member in team["members"]:
        out.print(f"    member {member['name']} <{member['address']}>")
    for client in data["clients"]:
        where = ", ".join(client["domains"] + client["addresses"])
        out.print(f"  client {client['name']!r} ({where}) owner {client['owner']}")
    for account in data["accounts"]:
        out.print(
            f"  account {account['name']!r} kind {account['kind']} {account['address'] or ''} {account['path'] or ''}"
        )
    out.print(f"  store {data['store']['url']}")
    for key, shown in data["secrets"].items():
        out.print(f"  secret {key}: {shown}")
    if not problems:
        out.print("[green]ok[/green]: no problems")


@config_group.command("example")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write it to this file (never over an existing one) instead of printing it.",
)
def example(output: str | None) -> None:
    """Print the example configuration, every key explained, to start a relmon.toml from.

    It ships inside the package, so an installed relmon has it without the repository.

    \b
    Example:
        relmon config example -o ~/.config/relmon/relmon.toml
        relmon config example | less
    """
    from monitor.config.examples import EXAMPLE_CONFIG, shipped_text

    text = shipped_text(EXAMPLE_CONFIG)
    if output is None:
        click.echo(text, nl=False)
        return
    target = Path(output).expanduser()
    if target.exists():
        raise click.ClickException(f"{target} exists already; it was left as it is")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {target}; edit it, then run `relmon --config {target} config check`.")


def register(cli: click.Group) -> None:
    cli.add_command(config_group)
