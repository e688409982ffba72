"""``relmon config check``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from monitor.cli.common import App, console, emit_json, json_option, pass_app
from monitor.errors import ConfigError

if TYPE_CHECKING:
    from monitor.config import Account, Config


def _account(account: Account) -> dict[str, Any]:
    from monitor.config.imap import server_of

    return {
        "name": account.name,
        "kind": account.kind,
        "address": account.address,
        "path": str(account.path) if account.path else None,
        "server": server_of(account.imap) if account.imap is not None else None,
    }


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
                    "role": m.role,
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
        "accounts": [_account(a) for a in config.accounts],
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
        **_delivery(config),
    }


#: What ``[alerts] dry_run`` does, in words.
_HOLDING = {
    True: "held until `relmon alerts go-live`",
    None: "held for the first day after the first evaluation (or until `relmon alerts go-live`)",
    False: "sent from the start",
}


def _loopback(network: str) -> bool:
    """Whether a trusted network holds loopback addresses: every local process is there."""
    import ipaddress

    found = ipaddress.ip_network(network, strict=False)
    local = ipaddress.ip_network("127.0.0.0/8" if found.version == 4 else "::1/128")
    return found.overlaps(local)


def _minutes(value: int) -> str:
    return f"{value // 60:02d}:{value % 60:02d}"


def _delivery(config: Config) -> dict[str, Any]:
    """Who is told of what, how and when: the alerts, the weekly report, the dashboard, the
    daemon's schedule."""
    from monitor.config.store import masked_url

    alerts, smtp, reports, web = config.alerts, config.alerts.smtp, config.reports, config.web
    quiet = alerts.quiet_hours
    days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    return {
        "alerts": {
            "from": alerts.sender,
            "emailed": alerts.sender is not None and smtp is not None,
            "sending": _HOLDING[alerts.dry_run],
            "first_run": alerts.first_run,
            "quiet_hours": f"{_minutes(quiet[0])}-{_minutes(quiet[1])}" if quiet else None,
            "digest_hour": alerts.digest_hour,
            "operator": list(alerts.operator),
            "copy_to": list(alerts.copy_to),
        },
        "smtp": {
            "host": smtp.host,
            "port": smtp.port,
            "security": smtp.security,
            "username": smtp.username,
        }
        if smtp is not None
        else None,
        "webhooks": [{"name": h.name, "url": masked_url(h.url)} for h in config.webhooks],
        "reports": {
            "weekly": f"{days[reports.weekly_day]} {_minutes(reports.weekly_minute)}"
            if reports.weekly_day is not None
            else None
        },
        "web": {
            "enabled": web.enabled,
            "listen": web.listen,
            "base_url": web.base_url,
            "trusted_header": web.trusted_header,
            "proxy_secret": web.proxy_secret is not None,
            "sso_from_loopback": web.trusted_header is not None
            and web.proxy_secret is None
            and any(_loopback(proxy) for proxy in web.trusted_proxies),
        },
        "daemon": {
            "evaluate_minutes": config.daemon.evaluate_minutes,
            "deliver_seconds": config.daemon.deliver_seconds,
            "purge_hour": config.daemon.purge_hour,
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
        role = " (lead)" if member["role"] == "lead" else ""
        out.print(f"    member {member['name']} <{member['address']}>{role}")
    for client in data["clients"]:
        where = ", ".join(client["domains"] + client["addresses"])
        out.print(f"  client {client['name']!r} ({where}) owner {client['owner']}")
    for account in data["accounts"]:
        shown = (account["address"], account["path"], account["server"])
        out.print(
            f"  account {account['name']!r} kind {account['kind']} "
            + " ".join(str(part) for part in shown if part)
        )
    out.print(f"  store {data['store']['url']}")
    for line in _privacy_lines(data["privacy"]):
        out.print(f"  {line}", highlight=False, markup=False)
    for line in _delivery_lines(data):
        out.print(f"  {line}", highlight=False, markup=False)
    for key, shown in data["secrets"].items():
        out.print(f"  secret {key}: {shown}")
    if not problems:
        out.print("[green]ok[/green]: no problems")


def _delivery_lines(data: dict[str, Any]) -> list[str]:
    """Who gets what, and whether anything is sent: what to read before going live."""
    alerts, smtp = data["alerts"], data["smtp"]
    if alerts["emailed"]:
        quiet = (
            f"; critical ones wait out quiet hours {alerts['quiet_hours']}"
            if alerts["quiet_hours"]
            else ""
        )
        lines = [
            f"alert emails from {alerts['from']} to each client's owner, {alerts['sending']}"
            f"{quiet}; warnings in a digest at {alerts['digest_hour']:02d}:00 (owners' zones)",
            f"smtp {smtp['host']}:{smtp['port']} ({smtp['security']})"
            + (f" as {smtp['username']}" if smtp["username"] else ""),
        ]
    else:
        missing = "[alerts] from" if alerts["from"] is None else "[smtp]"
        lines = [f"alert emails: none are sent (no {missing})"]
    if alerts["operator"]:
        lines.append(f"operators (accounts that fail): {', '.join(alerts['operator'])}")
    if alerts["copy_to"]:
        lines.append(f"a copy of every alert email to {', '.join(alerts['copy_to'])}")
    lines += [f"webhook {hook['name']!r}: {hook['url']}" for hook in data["webhooks"]]
    weekly = data["reports"]["weekly"]
    lines.append(f"weekly report: {weekly} (owners' zones)" if weekly else "weekly report: off")
    web = data["web"]
    lines.append(
        (
            f"dashboard: served by relmon run on {web['listen']}"
            if web["enabled"]
            else f"dashboard: not served by relmon run ([web] enabled = false); relmon web "
            f"serves it on {web['listen']}"
        )
        + (f", links to {web['base_url']}" if web["base_url"] else "")
    )
    if web["sso_from_loopback"]:
        lines.append(
            "dashboard: WARNING: single sign-on is believed from loopback without "
            "web.proxy_secret: any local user can sign in as any member"
        )
    return lines


#: How far back relmon reads a client's mail: its pattern over half a year (the longest), the
#: friction norm over the 90 days before the latest six weeks.
READS_BACK_DAYS = 180


def _privacy_lines(privacy: dict[str, Any]) -> list[str]:
    """What is kept of the mail, and what a short retention costs the measures."""
    rules = sum(
        len(privacy[k]) for k in ("exclude_addresses", "exclude_subjects", "exclude_folders")
    )
    text = "kept (privacy.store_snippets)" if privacy["store_snippets"] else "not kept"
    lines = [f"privacy: message text {text}; {rules} exclusion rule{'s' if rules != 1 else ''}"]
    days = privacy["retention_days"]
    if not days:
        lines.append("retention: mail kept until deleted by hand")
        return lines
    lines.append(f"retention: mail older than {days} days deleted nightly")
    if days < READS_BACK_DAYS:
        lines.append(
            f"retention: NOTE relmon reads up to {READS_BACK_DAYS} days back (a client's "
            "pattern over half a year, its friction against the 90 days before the latest six "
            f"weeks); with {days} days these are judged on less mail"
        )
    return lines


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
