"""``relmon ingest PATH…``."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from monitor.cli.common import App, console, emit_json, fail_cleanly, json_option, pass_app

if TYPE_CHECKING:
    from monitor.app.runtime import Runtime
    from monitor.app.sync import IngestReport


def _account_label(value: str) -> str:
    """A label that reads back unambiguously where a message was seen ("alice:INBOX")."""
    label = value.strip()
    if not label or any(c in label for c in ":/\\") or not label.isprintable():
        raise click.BadParameter(
            f"{value!r}: give a short name such as the mailbox owner's (no ':', '/' or '\\')"
        )
    return label


def print_report(report: IngestReport) -> None:
    table = Table(title=None, show_edge=False)
    for name in ("folder", "read", "new", "known", "quarantined", "excluded", "seconds"):
        table.add_column(name, justify="left" if name == "folder" else "right")
    for folder in report.folders:
        label = f"{folder.account}:{folder.folder}"
        if folder.skipped:
            label += f" (skipped: {folder.skipped})"
        table.add_row(
            label,
            str(folder.read),
            str(folder.new),
            str(folder.known),
            str(folder.quarantined),
            str(folder.excluded),
            f"{folder.seconds:.1f}",
        )
    if len(report.folders) > 1:
        table.add_row(
            "[bold]total[/bold]",
            *(str(report.total(n)) for n in ("read", "new", "known", "quarantined", "excluded")),
            f"{report.seconds:.1f}",
        )
    console().print(table)
    for folder in report.folders:
        if folder.unproven_ours:
            count = folder.unproven_ours
            console().print(
                f"{folder.account}:{folder.folder}: {count} message{'s' if count != 1 else ''} "
                "from our own addresses not counted as ours: nothing shows we sent "
                f"{'them' if count != 1 else 'it'} (only mail read from a Sent folder does). "
                f"{_SENT_ADVICE.get(folder.kind, _SENT_ADVICE['mbox'])}, or clients will look "
                "unanswered.",
                highlight=False,
            )


#: How to give relmon the sent mail, by the kind of folder the unproven mail was read from.
_SENT_ADVICE = {
    "mbox": "Export the Sent folder as its own file named after it (Sent.mbox) and ingest that",
    "maildir": "Ingest the mailbox's Sent folder too (a maildir folder named Sent, .Sent or "
    '"Sent Items")',
    "files": "Put the sent messages in a directory named Sent and ingest that",
}


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--account",
    default="local",
    show_default=True,
    callback=lambda _ctx, _param, value: _account_label(value),
    help="Label stored with every message read, e.g. the mailbox owner.",
)
@json_option
@pass_app
@fail_cleanly
def ingest(app: App, paths: tuple[Path, ...], account: str, as_json: bool) -> None:
    """Read maildir trees, mbox files or message files into the store.

    Reading the same mail twice, or the same message from two mailboxes, stores it once.
    Messages that cannot be read are quarantined with their reason (see
    `relmon export --quarantined`); the ingest goes on.

    \b
    Example:
        relmon ingest ~/Maildir --account alice
        relmon ingest archive-2025.mbox sent-2025.mbox --account alice
    """
    from monitor.app.sync import ingest_paths

    runtime = app.runtime()
    if sys.stdout.isatty() and not as_json:
        report = _ingest_with_progress(runtime, paths, account, app.now)
    else:
        report = ingest_paths(runtime, paths, account=account, now=app.now)
    if as_json:
        emit_json(
            {
                "schema": "relmon/ingest/v1",
                "folders": [f.as_dict() for f in report.folders],
                "totals": {
                    n: report.total(n) for n in ("read", "new", "known", "quarantined", "excluded")
                },
                "seconds": round(report.seconds, 3),
            }
        )
    else:
        print_report(report)


def _ingest_with_progress(
    runtime: Runtime, paths: tuple[Path, ...], account: str, now: datetime
) -> IngestReport:
    """The ingest under a progress bar whose total is the bytes of the mail found (a stat per
    file: counting messages would mean reading them)."""
    from monitor.app.sync import ingest_paths
    from monitor.sources.local import LocalFolder, folder_bytes

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        transient=True,
    ) as progress:
        task = progress.add_task("ingesting", total=None)

        def found(folders: list[LocalFolder]) -> None:
            progress.update(task, total=sum(folder_bytes(f) for f in folders))

        def advance(size: int) -> None:
            progress.advance(task, size)

        return ingest_paths(
            runtime, paths, account=account, now=now, on_folders=found, progress=advance
        )


def register(cli: click.Group) -> None:
    cli.add_command(ingest)
