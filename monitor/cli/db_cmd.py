"""``relmon db upgrade``."""

from __future__ import annotations

import click

from monitor.cli.common import App, emit_json, fail_cleanly, json_option, pass_app


def register(cli: click.Group) -> None:
    @cli.group("db")
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

        store = Store.open(app.config.store.url, migrate=False)
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
