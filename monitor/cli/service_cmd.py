"""``relmon install-service``: the systemd installation the README describes, in one step."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("install-service")
@click.option(
    "--from",
    "source",
    type=click.Path(exists=True, dir_okay=False),
    help="The configuration to install as /etc/relmon/relmon.toml (default: the example). "
    "An existing /etc/relmon/relmon.toml is never replaced.",
)
@click.option(
    "--root",
    type=click.Path(file_okay=False),
    default="/",
    show_default=True,
    help="Write the tree under this folder instead of / (packaging, a chroot).",
)
@click.option(
    "--relmon",
    "executable",
    metavar="PATH",
    help="The relmon the unit starts (default: the one running this command).",
)
@click.option("--no-verify", is_flag=True, help="Skip `systemd-analyze verify`.")
@click.option(
    "--ask/--no-ask",
    default=None,
    help="Ask for each secret still missing and write it to the credentials folder (mode "
    "0600); default: ask when run on a terminal.",
)
def install_service(
    source: str | None, root: str, executable: str | None, no_verify: bool, ask: bool | None
) -> None:
    """Install relmon as a systemd service: configuration, credentials folder and unit.

    Writes /etc/relmon/relmon.toml (unless it exists), /etc/relmon/credentials (mode 0700)
    and /etc/systemd/system/relmon.service with one LoadCredential= line per secret file the
    configuration names, then runs `systemd-analyze verify` on the unit. The unit runs as a
    dynamic user, so no account is created; its database lives in /var/lib/relmon. Nothing
    is started: the command prints what is left to do.

    \b
    Example:
        /opt/relmon/bin/relmon install-service --from relmon.toml
    """
    from monitor.app.service_install import install
    from monitor.config.examples import EXAMPLE_CONFIG, SERVICE_UNIT, shipped_text

    config_text = (
        Path(source).read_text(encoding="utf-8") if source else shipped_text(EXAMPLE_CONFIG)
    )
    relmon = executable or str(Path(sys.executable).parent / "relmon")
    try:
        done = install(
            root=Path(root),
            config_text=config_text,
            unit_template=shipped_text(SERVICE_UNIT),
            relmon=relmon,
            verify=not no_verify,
        )
    except OSError as err:
        raise click.ClickException(f"cannot install: {err}") from err
    kept = "written" if done.config_written else "kept as it was"
    click.echo(f"configuration  {done.config} ({kept})")
    click.echo(f"credentials    {done.credentials_dir}/ (mode 0700)")
    click.echo(f"unit           {done.unit} (starts {relmon})")
    if done.verify_problems is not None:
        raise click.ClickException(
            f"systemd-analyze verify refused the unit:\n{done.verify_problems}"
        )
    click.echo("verified       " + ("systemd-analyze verify: ok" if done.verified else "skipped"))
    missing = list(done.missing)
    if missing and (ask if ask is not None else sys.stdin.isatty()):
        missing = _ask_for(missing, done.credentials_dir)
    if missing:
        click.echo("\nWrite each secret the configuration names (no trailing newline needed):")
        for name in missing:
            click.echo(f"  printf '%s' '…' > {Path('/etc/relmon/credentials') / name}")
    click.echo(
        "\nThen check the configuration and start the service:\n"
        f"  {relmon} --config /etc/relmon/relmon.toml config check\n"
        "  systemctl daemon-reload && systemctl enable --now relmon"
    )


def _ask_for(names: list[str], folder: Path) -> list[str]:
    """Ask for each credential (input hidden) and write it; the names left unanswered."""
    from monitor.app.service_install import write_credential

    left = []
    for name in names:
        value = click.prompt(
            f"{name} (not shown; empty to skip)", default="", hide_input=True, show_default=False
        )
        if value:
            write_credential(folder / name, value)
            click.echo(f"credential     {folder / name} (mode 0600)")
        else:
            left.append(name)
    return left


def register(cli: click.Group) -> None:
    cli.add_command(install_service)
