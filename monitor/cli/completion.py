"""Shell completion: click's own, with configured client names and open alert ids.

``relmon completion bash`` prints the script (the same as ``_RELMON_COMPLETE=bash_source
relmon``); the shell runs relmon again on each TAB, and the functions below answer from the
configuration and the store. A completion must never fail or write anything: on any problem
(no configuration yet, no database) it offers nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.shell_completion import CompletionItem, get_completion_class

if TYPE_CHECKING:
    from monitor.config import Config

SHELLS = ("bash", "zsh", "fish")


def _config(ctx: click.Context) -> Config | None:
    from monitor.config import load_config

    path = ctx.find_root().params.get("config_path")
    try:
        return load_config(path)
    except Exception:  # noqa: BLE001 - a completion offers nothing rather than fail
        return None


def complete_client(
    ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Configured client names that begin with what was typed (any case), else contain it."""
    config = _config(ctx)
    if config is None:
        return []
    wanted = incomplete.casefold()
    names = [client.name for client in config.clients]
    found = [name for name in names if name.casefold().startswith(wanted)] or [
        name for name in names if wanted in name.casefold()
    ]
    return [CompletionItem(_for_the_shell(name)) for name in found]


#: Characters a shell word may hold without a backslash before them.
_PLAIN = frozenset("@._-+,:/%=")


def _for_the_shell(name: str) -> str:
    """``name`` as the shell asking should insert it. Bash puts click's answer into the line
    as it is, so "Halden Marine" would become two arguments: there, every space or other
    special character gets a backslash (doubled: click's script reads the answer with a
    ``read`` that takes one away). Zsh and fish quote what they insert themselves."""
    if not os.environ.get("_RELMON_COMPLETE", "").startswith("bash"):
        return name
    return "".join(c if c.isalnum() or c in _PLAIN else "\\\\" + c for c in name)


def complete_alert_id(
    ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Ids of alerts not yet resolved, with their client and kind as the help."""
    config = _config(ctx)
    if config is None:
        return []
    try:
        rows = _unresolved(config)
    except Exception:  # noqa: BLE001 - a completion offers nothing rather than fail
        return []
    return [
        CompletionItem(str(row.id), help=f"{row.client or 'account'} {row.kind} ({row.state})")
        for row in rows
        if str(row.id).startswith(incomplete)
    ]


def _unresolved(config: Config) -> list[Any]:
    import sqlalchemy as sa

    from monitor.store import alerts
    from monitor.store.db import reading

    url = config.store.url
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///") :]).exists():
        return []  # never create a database to complete a word
    engine = sa.create_engine(config.store.connect_url())
    try:
        with reading(engine) as connection:
            return list(alerts.unresolved(connection))
    finally:
        engine.dispose()


@click.command("completion")
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the shell completion script for bash, zsh or fish.

    Commands and options complete, and so do client names (`relmon client`, `--client`) and
    the ids of open alerts (`relmon alerts ack`, `snooze`, `resolve`).

    \b
    Example:
        relmon completion bash > ~/.local/share/bash-completion/completions/relmon
        relmon completion zsh > "${fpath[1]}/_relmon"
        relmon completion fish > ~/.config/fish/completions/relmon.fish
    """
    root = ctx.find_root().command
    script = get_completion_class(shell)
    assert script is not None  # every name in SHELLS is one click knows
    click.echo(script(root, {}, "relmon", "_RELMON_COMPLETE").source())


def register(cli: click.Group) -> None:
    cli.add_command(completion)
