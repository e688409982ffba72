"""``relmon demo``: the whole pipeline on a shipped sample mailbox, no configuration needed."""

from __future__ import annotations

import shutil
import tempfile
import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from monitor.cli.common import (
    App,
    begin_work,
    console,
    emit_json,
    fail_cleanly,
    pass_app,
    private_file,
    query_options,
    short_date,
)
from monitor.core.detectors.base import counted

if TYPE_CHECKING:
    from monitor.app.rows import ClientRow, HealthRow
    from monitor.app.runtime import Runtime
    from monitor.app.sync import IngestReport
    from monitor.config import Config

DEMO = Path(__file__).resolve().parent.parent / "demo"


def demo_config(store_url: str) -> tuple[Config, dict[str, Any]]:
    """The configuration the sample mailbox was written for, built from the sample itself."""
    from monitor.config import parse_config

    data = tomllib.loads((DEMO / "sample_threads.toml").read_text(encoding="utf-8"))
    team = data["team"]
    document: dict[str, Any] = {
        "team": {
            "name": team["name"],
            "domains": [team["domain"]],
            "timezone": "Europe/London",
            "working_hours": "Mon-Fri 09:00-17:30",
            "holidays": "GB-ENG",
            "members": [
                {
                    "name": m["name"],
                    "address": m["address"],
                    "timezone": m.get("timezone", "Europe/London"),
                }
                for m in team["members"]
            ],
        },
        "clients": [
            {
                key: value
                for key, value in {
                    "name": c["name"],
                    "domains": c.get("domains", []),
                    "addresses": c.get("addresses", []),
                    "owner": c["owner"],
                    "timezone": c.get("timezone"),
                }.items()
                if value is not None
            }
            for c in data["clients"]
        ],
        "accounts": [
            {
                "name": m["address"].split("@")[0].split(".")[0],
                "kind": "mbox",
                "address": m["address"],
                "path": str(DEMO / "mail" / m["address"].split("@")[0]),
            }
            for m in team["members"]
        ],
        "store": {"url": store_url},
        # Alert emails are composed (see --outbox-dir) but never sent: the demo has no [smtp].
        # It shows each alert's own email; a real installation's first evaluation sends each
        # owner one summary instead ([alerts] first_run).
        "alerts": {"from": f"relmon@{team['domain']}", "digest_hour": 8, "first_run": "alerts"},
    }
    return parse_config(document, None), data


@click.command("demo")
@query_options
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the demo database in this directory (default: a temporary one, removed afterwards).",
)
@click.option(
    "--outbox-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the alert emails relmon would send here, one .eml file each.",
)
@pass_app
@fail_cleanly
def demo(
    app: App, as_json: bool, as_of: datetime | None, keep: Path | None, outbox_dir: Path | None
) -> None:
    """Run relmon on a sample consultancy mailbox: no configuration, offline, under a minute.

    Builds a throw-away SQLite database from three consultants' mailboxes shipped with
    relmon (fictional clients, May–November 2026), then shows per client who wrote last,
    what waits for whose reply, and which messages were noise. Answers as of the sample's
    own "now" unless --as-of is given.

    \b
    Example:
        relmon demo
        relmon demo --keep ./demo-db && relmon --config ./demo-db/relmon.toml clients
        relmon demo --outbox-dir ./alert-emails
    """
    started = time.perf_counter()
    run = _run(as_of, keep, outbox_dir)
    elapsed = time.perf_counter() - started
    read = sum(r.total("read") for r in run.reports)
    stored = sum(r.total("new") for r in run.reports)
    if as_json:
        emit_json(
            {
                "schema": "relmon/demo/v1",
                "as_of": run.when,
                "mailboxes": [a.name for a in run.config.accounts],
                "messages_read": read,
                "messages_stored": stored,
                "clients": run.rows,
                "health": run.health_rows,
                "noise": run.noise,
                "emails": run.emails,
            }
        )
        return
    _print(run.config, run.rows, run.health_rows, run.noise, run.when, read, stored, elapsed)
    if outbox_dir is not None:
        console().print(
            f"Wrote {counted(len(run.emails), 'alert email')} to {outbox_dir}: "
            + ", ".join(e["file"] for e in run.emails)
        )


@dataclass
class _Run:
    """What one demo run read and found."""

    config: Config
    when: datetime
    reports: list[IngestReport]
    rows: Sequence[ClientRow]
    health_rows: Sequence[HealthRow]
    noise: list[dict[str, Any]]
    emails: list[dict[str, Any]]


def _run(as_of: datetime | None, keep: Path | None, outbox_dir: Path | None) -> _Run:
    """Ingest the sample into a fresh database (removed afterwards unless kept) and read it back."""
    from monitor.app.runtime import Runtime
    from monitor.app.sync import ingest_paths
    from monitor.app.views import client_overview, health
    from monitor.store.reports import noise_summary

    # Absolute: the kept configuration names the database, and a relative name there would be
    # read from the configuration's own directory.
    workdir = Path(tempfile.mkdtemp(prefix="relmon-demo-")) if keep is None else keep.resolve()
    workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        config, sample = demo_config(f"sqlite:///{workdir / 'relmon.db'}")
        reference = sample["reference_time"]
        when = as_of or (reference if reference.tzinfo else reference.replace(tzinfo=UTC))
        runtime = Runtime.open(config)
        begin_work()
        try:
            reports = [
                ingest_paths(runtime, [account.path], account=account.name, now=when)
                for account in config.accounts
                if account.path is not None
            ]
            rows = client_overview(runtime, when)
            health_rows = health(runtime, when)
            noise = noise_summary(runtime.store.engine, when)
            emails = _compose_alerts(runtime, when, outbox_dir)
            if keep is not None:
                _write_config(keep, config)
        finally:
            runtime.close()
    finally:
        if keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return _Run(config, when, reports, rows, health_rows, noise, emails)


def _compose_alerts(
    runtime: Runtime, when: datetime, outbox_dir: Path | None
) -> list[dict[str, Any]]:
    """Run the alert lifecycle as the daemon would at ``when`` and write the queued emails."""
    import re

    from monitor.alerts.email_channel import EMAIL
    from monitor.alerts.outbox import queued
    from monitor.app.alerting import evaluate_alerts, send_digests

    evaluate_alerts(runtime, now=when)
    send_digests(runtime, now=when)
    rows = queued(runtime.store.engine, EMAIL)
    written = []
    if outbox_dir is not None:
        outbox_dir.mkdir(parents=True, exist_ok=True)
    for number, row in enumerate(rows, 1):
        slug = re.sub(r"[^a-z0-9]+", "-", row.subject.lower()).strip("-")[:60]
        name = f"{number:02d}-{row.kind.value}-{slug}.eml"
        if outbox_dir is not None:
            (outbox_dir / name).write_bytes(row.payload)
        written.append(
            {
                "file": name,
                "kind": row.kind.value,
                "subject": row.subject,
                "recipients": row.recipients,
            }
        )
    return written


def _write_config(directory: Path, config: Config) -> None:
    lines = [
        "# Configuration of the relmon demo database (written by `relmon demo --keep`).",
        "[team]",
        f"name = {config.team.name!r}",
        f"domains = {list(config.team.domains)!r}",
        f"timezone = {config.team.timezone!r}",
        f"working_hours = {list(config.team.working_hours.spec)!r}",
    ]
    if config.team.holidays:
        lines.append(f"holidays = {config.team.holidays.label()!r}")
    for member in config.team.members:
        lines += [
            "",
            "[[team.members]]",
            f"name = {member.name!r}",
            f"address = {member.address!r}",
        ]
        if member.timezone:
            lines.append(f"timezone = {member.timezone!r}")
    for client in config.clients:
        lines += [
            "",
            "[[clients]]",
            f"name = {client.name!r}",
            f"domains = {list(client.domains)!r}",
            f"addresses = {list(client.addresses)!r}",
            f"owner = {client.owner!r}",
        ]
        if client.timezone:
            lines.append(f"timezone = {client.timezone!r}")
    lines += ["", "[store]", f"url = {config.store.url!r}", ""]
    with private_file(directory / "relmon.toml") as out:
        out.write("\n".join(lines).replace("'", '"'))


def _print(
    config: Config,
    rows: Sequence[ClientRow],
    health_rows: Sequence[HealthRow],
    noise: list[dict[str, Any]],
    when: datetime,
    read: int,
    stored: int,
    elapsed: float,
) -> None:
    from monitor.cli.clients_cmd import clients_layout
    from monitor.cli.health_table import Reading, health_layout

    out = console()
    out.print(
        f"[bold]relmon demo[/bold] — {config.team.name}: {len(config.accounts)} mailboxes, {read} messages read, "
        f"{stored} stored once each, {len(config.clients)} clients; as of {short_date(when, config.team.tz)} ({config.team.timezone})"
    )
    out.print()
    clients = clients_layout(rows, config.team.tz, when, out.width)
    out.print(clients.table)
    if clients.left_out:
        out.print(f"[dim]Left out at {out.width} columns: {', '.join(clients.left_out)}.[/dim]")
    _print_waiting(out, rows, config.team.tz)
    out.print()
    out.print("[bold]Health[/bold], worst first")
    layout = health_layout(health_rows, Reading(config.team.tz, when), out.width)
    out.print(layout.table)
    if layout.left_out:
        out.print(f"[dim]Left out at {out.width} columns: {', '.join(layout.left_out)}.[/dim]")
    _print_alerts(out, health_rows)
    _print_noise(out, noise)
    out.print()
    out.print(
        f"[dim]Done in {elapsed:.1f} s. Try `relmon demo --json`, or `relmon demo --keep DIR` and then "
        '`relmon --config DIR/relmon.toml client "Orchard Health Partners" --as-of 2026-11-20T09:00Z`.[/dim]'
    )


def _print_waiting(out: Console, rows: Sequence[ClientRow], tz: tzinfo) -> None:
    from monitor.cli.render import table

    waiting = [(row["name"], a) for row in rows for a in row["awaiting"]]
    if waiting:
        out.print()
        out.print("[bold]Awaiting our reply[/bold]")
        grid = table(("client", "since", "from", "subject"))
        for client, item in waiting:
            grid.add_row(client, short_date(item["date"], tz), item["from"], item["subject"][:70])
        out.print(grid)


def _print_alerts(out: Console, health_rows: Sequence[HealthRow]) -> None:
    from monitor.cli.render import hanging, indented, severity_style

    firing = [(row, alert) for row in health_rows for alert in row["alerts"]]
    if firing:
        out.print()
        out.print("[bold]Alerts the owners would get[/bold]")
        for row, alert in firing:
            style = severity_style(alert["severity"])
            hanging(
                out, f"[{style}]{alert['severity']:<8}[/] {alert['kind']:<16}", alert["explanation"]
            )
            indented(
                out, f"[dim]{row['pattern']['name']}: {row['pattern']['advice']}[/dim]", indent=28
            )


def _print_noise(out: Console, noise: list[dict[str, Any]]) -> None:
    if noise:
        out.print()
        out.print(
            "[bold]Noise filtered out[/bold] in all the mail read, clients' and others' (the "
            "table's noise column counts each client's); never counted as contact, reply or "
            "sentiment"
        )
        totals: dict[str, int] = {}
        for entry in noise:
            totals[entry["kind"]] = totals.get(entry["kind"], 0) + entry["count"]
        out.print(
            "  "
            + ", ".join(
                f"{kind.replace('_', ' ')}: {count}" for kind, count in sorted(totals.items())
            )
        )


def register(cli: click.Group) -> None:
    cli.add_command(demo)
