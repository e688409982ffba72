"""``relmon status``: the running replicas, and which holds each account and the evaluation."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import click

from monitor.cli.common import App, emit_json, fail_cleanly, json_option, pass_app

if TYPE_CHECKING:
    from monitor.store.leases import LeaseState


def _seconds(later: datetime, earlier: datetime) -> int:
    return round((later - earlier).total_seconds())


def _when(at: datetime, now: datetime) -> str:
    if at > now:
        return f"in {_seconds(at, now)} s"
    return f"{_seconds(now, at)} s ago"


@click.command("status")
@json_option
@pass_app
@fail_cleanly
def status(app: App, as_json: bool) -> None:
    """Which `relmon run` replica holds which account and the evaluation, and until when.

    Several replicas share one PostgreSQL database through leases; this shows the replicas
    alive (by their heartbeat), each lease's holder, generation and expiry by the database's
    clock, and the accounts nobody holds now. With SQLite one process does all the work.

    \b
    Example:
        relmon status
    """
    from monitor.store import Store
    from monitor.store.leases import ACCOUNT_PREFIX, lease_state

    config = app.config
    store = Store.open(config.store.connect_url(), migrate=False)
    try:
        if store.dialect != "postgresql":
            if as_json:
                emit_json({"schema": "relmon/status/v1", "replicas": None, "leases": None})
            else:
                click.echo("one process on SQLite: no replicas or leases (they need PostgreSQL)")
            return
        state = lease_state(store.engine)
    finally:
        store.close()
    held = {r.name for r in state.leases if r.live}
    unheld = [a.name for a in config.accounts if ACCOUNT_PREFIX + a.name not in held]
    if as_json:
        emit_json(
            {
                "schema": "relmon/status/v1",
                "now": state.now,
                "lease_seconds": config.replicas.lease_seconds,
                "replicas": [vars(r) for r in state.replicas],
                "leases": [vars(r) for r in state.leases],
                "accounts_unheld": unheld,
            }
        )
        return
    click.echo(_text(state, unheld, config.replicas.lease_seconds))


def _text(state: LeaseState, unheld: list[str], lease_seconds: float) -> str:
    now = state.now
    lines = [
        f"replicas (leases of {lease_seconds:g} s; database clock {now:%Y-%m-%d %H:%M:%S} UTC)"
    ]
    for replica in state.replicas:
        if replica.live:
            lines.append(f"  {replica.id}  alive, heartbeat {_when(replica.seen_at, now)}")
        else:
            lines.append(f"  {replica.id}  gone, last heartbeat {_when(replica.seen_at, now)}")
    if not state.replicas:
        lines.append("  none running")
    lines.append("leases")
    width = max((len(r.name) for r in state.leases), default=0)
    for lease in state.leases:
        name = lease.name.ljust(width)
        if lease.live:
            lines.append(
                f"  {name}  {lease.holder}  generation {lease.generation}, "
                f"expires {_when(lease.expires_at, now)}"
            )
        elif lease.holder is None:
            lines.append(f"  {name}  released  generation {lease.generation}")
        else:
            lines.append(
                f"  {name}  {lease.holder}  generation {lease.generation}, "
                f"expired {_when(lease.expires_at, now)}"
            )
    if not state.leases:
        lines.append("  none taken yet")
    if unheld:
        lines.append("accounts nobody holds now: " + ", ".join(unheld))
    return "\n".join(lines)


def register(cli: click.Group) -> None:
    cli.add_command(status)
