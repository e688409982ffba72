"""``relmon init``: a first configuration from one mailbox."""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import available_timezones

import click

from monitor.cli.common import App, pass_app


def _local_zone() -> str:
    """This machine's IANA zone, as a default for the prompt."""
    named = os.environ.get("TZ", "").lstrip(":")
    if named in available_timezones():
        return named
    try:
        target = Path("/etc/localtime").resolve()
    except OSError:
        return "UTC"
    parts = target.parts
    if "zoneinfo" in parts:
        name = "/".join(parts[parts.index("zoneinfo") + 1 :])
        if name in available_timezones():
            return name
    return "UTC"


def _zone(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    if value not in available_timezones():
        raise click.BadParameter(
            f"unknown time zone {value!r}; use an IANA name like Europe/London"
        )
    return value


@click.command("init")
@click.option("--domain", prompt="Your team's mail domain", help="The team's mail domain.")
@click.option(
    "--mailbox",
    prompt="One mailbox: a maildir or mbox path, or an IMAP server's host name",
    help="A maildir or mbox path on this machine, or an IMAP server's host name.",
)
@click.option(
    "--timezone",
    prompt="The team's time zone",
    default=_local_zone,
    callback=_zone,
    help="IANA time zone of the team's working day (default: this machine's).",
)
@click.option("--name", prompt="The mailbox owner's name", help="Whose mailbox it is.")
@click.option("--address", prompt="The mailbox owner's address", help="Their mail address.")
@click.option("--team-name", help="How alerts name the team (default: from the domain).")
@click.option("--imap-user", help="IMAP login (default: the address).")
@click.option("--imap-port", type=int, help="IMAP port (default: 993, or 143 with starttls).")
@click.option(
    "--imap-security",
    type=click.Choice(["tls", "starttls"]),
    default="tls",
    show_default=True,
    help="Implicit TLS or STARTTLS; certificates are always verified.",
)
@click.option(
    "--ca-file",
    type=click.Path(exists=True, dir_okay=False),
    help="IMAP: verify the server against this CA instead of the system's.",
)
@click.option(
    "--password-file",
    default="imap-password",
    show_default=True,
    help="IMAP: the file (or systemd credential) holding the password.",
)
@click.option("--limit", default=15, show_default=True, help="At most this many clients.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Where to write it (default: --config, $RELMON_CONFIG, ~/.config/relmon/relmon.toml).",
)
@pass_app
def init(app: App, /, **options: str | int | None) -> None:
    """Write a first configuration from one mailbox, with its likeliest clients filled in.

    Asks for (or takes) the team's domain, one mailbox and the time zone; reads the mailbox
    as `relmon sync` does; turns the outside correspondents we exchange the most mail with
    (`relmon clients suggest`) into ready [[clients]] blocks owned by the mailbox's owner; and
    writes a commented file that `relmon config check` accepts. An existing file is never
    replaced.

    \b
    Example:
        relmon init
        relmon init --domain northwind-advisory.example --mailbox ~/Mail/alice \\
            --timezone Europe/London --name "Alice Marsh" --address alice.marsh@northwind-advisory.example
    """
    from monitor.cli.init_flow import run_init

    run_init(app, options)


def register(cli: click.Group) -> None:
    cli.add_command(init)
