"""``relmon export``."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import click

from monitor.cli.common import (
    App,
    fail_cleanly,
    named_client,
    pass_app,
    private_file,
    query_options,
    to_jsonable,
)
from monitor.cli.completion import complete_client


def _write(rows: Iterable[dict[str, Any]], fields: tuple[str, ...], fmt: str, out: IO[str]) -> int:
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=list(fields), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            flat = {}
            for name, value in to_jsonable(row).items():
                flat[name] = (
                    json.dumps(value, ensure_ascii=False)
                    if isinstance(value, list | dict)
                    else value
                )
            writer.writerow(flat)
            count += 1
    else:
        for row in rows:
            out.write(json.dumps(to_jsonable(row), ensure_ascii=False) + "\n")
            count += 1
    return count


@click.command("export")
@query_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv"]),
    default="jsonl",
    show_default=True,
    help="JSON lines or CSV.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of stdout.",
)
@click.option("--client", help="Only this client's messages.", shell_complete=complete_client)
@click.option(
    "--quarantined",
    is_flag=True,
    help="List the messages that could not be read, with reasons.",
)
@pass_app
@fail_cleanly
def export(
    app: App,
    as_json: bool,
    as_of: datetime | None,
    fmt: str,
    output: Path | None,
    client: str | None,
    quarantined: bool,
) -> None:
    """Export stored messages, one row per message with its normalised fields.

    Rows carry headers and derived measures only (no body text, unless snippets are on).
    `--json` is the same as `--format jsonl`. The fields are listed in docs/json.md.

    \b
    Example:
        relmon export --format csv -o messages.csv
        relmon export --client "Acme" --as-of 2026-09-30
        relmon export --quarantined
    """
    from monitor.store.queries import (
        EXPORT_FIELDS,
        QUARANTINE_FIELDS,
        export_messages,
        export_quarantine,
    )

    runtime = app.runtime()
    if as_json:
        fmt = "jsonl"
    if client is not None:
        client = named_client(runtime.config, client).name
    if quarantined:
        rows: Iterable[dict[str, Any]] = export_quarantine(runtime.store.engine)
        fields: tuple[str, ...] = QUARANTINE_FIELDS
    else:
        rows = export_messages(runtime.store.engine, as_of=as_of or app.now, client=client)
        fields = EXPORT_FIELDS
    if output is None:
        count = _write(rows, fields, fmt, sys.stdout)
    else:
        with private_file(output) as handle:
            count = _write(rows, fields, fmt, handle)
        click.echo(f"wrote {count} rows to {output}", err=True)
    if quarantined and count == 0:  # said on stderr: the CSV or JSON lines stay valid
        click.echo("nothing is quarantined: every message stored so far could be read", err=True)


def register(cli: click.Group) -> None:
    cli.add_command(export)
