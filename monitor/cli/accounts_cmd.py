"""``relmon accounts``, ``relmon accounts test NAME``, ``relmon accounts login NAME``."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

import click

from monitor.cli.common import (
    App,
    console,
    emit_json,
    fail_cleanly,
    json_option,
    named_account,
    pass_app,
    short_date,
)
from monitor.cli.render import table


class AccountRow(TypedDict):
    """One account in `relmon accounts` (schema relmon/accounts/v1)."""

    name: str
    kind: str
    address: str | None
    last_success: datetime | None
    consecutive_failures: int
    last_error_kind: str | None
    last_error: str | None
    needs_attention: bool


@click.group("accounts", invoke_without_command=True)
@json_option
@pass_app
@click.pass_context
@fail_cleanly
def accounts(ctx: click.Context, app: App, as_json: bool) -> None:
    """Configured mailboxes with their connection health.

    Shows the last successful sync, consecutive failures and whether the operator has been
    alerted (after repeated authentication failures).

    \b
    Example:
        relmon accounts
    """
    if ctx.invoked_subcommand is not None:
        return
    from monitor.store.sources import account_health

    runtime = app.runtime()
    health = {h.account: h for h in account_health(runtime.store.engine)}
    rows: list[AccountRow] = []
    for account in runtime.config.accounts:
        state = health.get(account.name)
        rows.append(
            {
                "name": account.name,
                "kind": account.kind,
                "address": account.address,
                "last_success": state.last_success if state else None,
                "consecutive_failures": state.consecutive_failures if state else 0,
                "last_error_kind": state.last_error_kind if state else None,
                "last_error": state.last_error if state else None,
                "needs_attention": bool(state and state.escalated_at),
            }
        )
    if as_json:
        emit_json({"schema": "relmon/accounts/v1", "accounts": rows})
        return
    if not rows:
        click.echo(
            "No mailbox is configured, so relmon reads only what `relmon ingest` is given."
            " An [[accounts]] section (IMAP, Microsoft 365, or a local maildir or mbox) makes"
            " `relmon sync` read one: see the README's 'IMAP accounts' and 'Microsoft 365"
            " (Graph) accounts'."
        )
        return
    grid = table(("account", "kind", "address", "last success", "failures", "last error"))
    tz = runtime.config.team.tz
    for row in rows:
        error = row["last_error"] or ""
        if row["needs_attention"]:
            error = f"[red]NEEDS ATTENTION[/red] {error}"
        grid.add_row(
            row["name"],
            row["kind"],
            row["address"] or "",
            short_date(row["last_success"], tz),
            str(row["consecutive_failures"]),
            error[:100],
        )
    console().print(grid)


@accounts.command("test")
@click.argument("name")
@json_option
@pass_app
@fail_cleanly
def test(app: App, name: str, as_json: bool) -> None:
    """Log in to an account, list the folders a sync would read, say what is wrong if it cannot.

    \b
    Example:
        relmon accounts test alice-imap
    """
    from monitor.app.sync import check_account

    runtime = app.runtime()
    check = check_account(runtime, named_account(runtime.config, name))
    if as_json:
        emit_json(
            {
                "schema": "relmon/accounts-test/v1",
                "account": check.account,
                "kind": check.kind,
                "ok": check.ok,
                "detail": check.detail,
                "folders": check.folders,
                "capabilities": check.capabilities,
            }
        )
    else:
        mark = "[green]ok[/green]" if check.ok else "[red]failed[/red]"
        console().print(f"{check.account} ({check.kind}): {mark} — {check.detail}")
        for folder in check.folders:
            console().print(f"  would sync: {folder}")
    if not check.ok:
        raise SystemExit(1)


@accounts.command("login")
@click.argument("name")
@pass_app
@fail_cleanly
def login(app: App, name: str) -> None:
    """Sign in a delegated Microsoft account with the device-code flow and keep the tokens.

    Prints a code and a URL; open the URL on any device, enter the code and sign in. The
    tokens are kept in the state directory (owner-only permissions) and refreshed from
    there; run this again if relmon reports that the account needs a new sign-in.

    \b
    Example:
        relmon accounts login alice-m365
    """
    from monitor.sources.msauth import login_device_code

    runtime = app.runtime()
    who = login_device_code(
        named_account(runtime.config, name), echo=lambda text: click.echo(text, err=True)
    )
    click.echo(f"signed in as {who}; tokens stored for {name}")


def register(cli: click.Group) -> None:
    cli.add_command(accounts)
