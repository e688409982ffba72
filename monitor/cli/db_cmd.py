"""``relmon db upgrade``."""

from __future__ import annotations

import click

from monitor.cli.common import App, emit_json, fail_cleanly, json_option, pass_app


@click.group("db")
def db_group() -> None:
    """Manage the database schema."""


@db_group.command("upgrade")
@json_option
@pass_app
@fail_cleanly
def upgrade(app: App, as_json: bool) -> None:
    """Apply pending schema migrations (also done automatically at start).

    \b
    Example:
        relmon db upgrade
    """
    from monitor.store import Store

    store = Store.open(app.config.store.connect_url(), migrate=False)
    try:
        before, after = store.upgrade()
    finally:
        store.close()
    if as_json:
        emit_json({"schema": "relmon/db-upgrade/v1", "before": before, "after": after})
    elif before == after:
        click.echo(f"schema is current (revision {after})")
    else:
        click.echo(f"schema upgraded from {before or 'empty'} to {after}")


@db_group.command("status")
@json_option
@pass_app
@fail_cleanly
def status(app: App, as_json: bool) -> None:
    """Check that the database answers and its schema is current (exit status 1 if not).

    Suits a container HEALTHCHECK: cheap, read-only, and a failure says what is wrong.

    \b
    Example:
        relmon db status
    """
    from monitor.store import Store
    from monitor.store.status import ping

    store = Store.open(app.config.store.connect_url(), migrate=False)
    try:
        ping(store.engine)
        current = store.current_revision()
        head = store.head_revision()
    finally:
        store.close()
    ok = current == head
    if as_json:
        emit_json(
            {"schema": "relmon/db-status/v1", "ok": ok, "revision": current, "expected": head}
        )
    else:
        click.echo(
            f"database answers; schema {current or 'empty'}"
            + ("" if ok else f", expected {head}: run relmon db upgrade")
        )
    if not ok:
        raise SystemExit(1)


def register(cli: click.Group) -> None:
    cli.add_command(db_group)
