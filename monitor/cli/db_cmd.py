"""``relmon db upgrade``, ``relmon db status``, ``relmon db reanalyse``."""

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


@db_group.command("reanalyse")
@click.option("--dry-run", is_flag=True, help="Count what would change; write nothing.")
@click.option(
    "--batch",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    help="Messages judged and written per transaction.",
)
@json_option
@pass_app
@fail_cleanly
def reanalyse(app: App, dry_run: bool, batch: int, as_json: bool) -> None:
    """Judge stored messages again with the current rules: noise, own text, tone and cues.

    Own text, tone and cues are judged again only for messages whose stored snippet holds the
    whole own text (privacy.store_snippets); for the others only noise is, from the sender,
    subject and reply headers, and the command says how many. A message is never taken out of
    noise: the headers or footer that made it noise are not stored. Alerts follow at the next
    evaluation.

    \b
    Example:
        relmon db reanalyse --dry-run
        relmon db reanalyse
    """
    from monitor.app.reanalyse import reanalyse as run

    report = run(app.runtime(), dry_run=dry_run, batch=batch)
    if as_json:
        emit_json(report.as_dict())
        return
    _print_reanalyse(report.as_dict())


def _print_reanalyse(done: dict[str, object]) -> None:
    verb = "would change" if done["dry_run"] else "changed"
    click.echo(
        f"{done['messages']} messages judged again ({done['text_judged']} with their own text); "
        f"{verb}: {done['changed']}"
    )
    changed_by = done["changed_by"]
    assert isinstance(changed_by, dict)
    parts = [f"{group.replace('_', ' ')} {count}" for group, count in changed_by.items() if count]
    if parts:
        click.echo("  by measure: " + ", ".join(parts))
    new_noise = done["new_noise"]
    assert isinstance(new_noise, dict)
    if new_noise:
        click.echo(
            "  now noise: " + ", ".join(f"{kind} {count}" for kind, count in new_noise.items())
        )
    if done["skipped"]:
        click.echo(
            f"  {done['skipped']} changed by a sync meanwhile: left as they are for the next run"
        )
    limits = done["limits"]
    assert isinstance(limits, list)
    for limit in limits:
        click.echo(limit)


def register(cli: click.Group) -> None:
    cli.add_command(db_group)
