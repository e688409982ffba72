"""``relmon sync``."""

from __future__ import annotations

import click

from monitor.cli.common import (
    App,
    console,
    emit_json,
    fail_cleanly,
    json_option,
    named_account,
    pass_app,
)
from monitor.cli.render import table


@click.command("sync")
@click.option("--account", "only", metavar="NAME", help="Only this account.")
@json_option
@pass_app
@fail_cleanly
def sync(app: App, only: str | None, as_json: bool) -> None:
    """One sync pass over every configured account; per-folder counts and timing.

    Counts per folder: new messages, changed (flags only), expunged on the server (kept in
    history), quarantined (unreadable). An account that fails is reported and the others
    go on; the exit status is 1 if any account failed.

    \b
    Example:
        relmon sync
        relmon sync --account alice-imap --json
    """
    from monitor.app.sync import sync_all

    runtime = app.runtime()
    if only is not None:
        named_account(runtime.config, only)
    results = sync_all(runtime, now=app.now, only=only)
    if as_json:
        emit_json({"schema": "relmon/sync/v1", "accounts": [r.as_dict() for r in results]})
    else:
        figures = ("new", "changed", "expunged", "quarantined", "seconds")
        grid = table(("account", "folder", *figures, "note"), right=figures)
        for result in results:
            if result.error:
                note = f"[red]{result.error_kind} error[/red]: {result.error}"
                grid.add_row(result.account, "—", "", "", "", "", f"{result.seconds:.1f}", note)
            for folder in result.folders:
                note = folder.error or (f"resynced: {folder.resynced}" if folder.resynced else "")
                grid.add_row(
                    result.account,
                    folder.folder,
                    str(folder.new),
                    str(folder.changed),
                    str(folder.expunged),
                    str(folder.quarantined),
                    f"{folder.seconds:.1f}",
                    note,
                )
        console().print(grid)
    if any(r.error for r in results):
        raise SystemExit(1)


def register(cli: click.Group) -> None:
    cli.add_command(sync)
