"""``relmon web``: the dashboard; ``relmon web passwd``: a member's dashboard password."""

from __future__ import annotations

import sys
from datetime import datetime

import click

from monitor.cli.common import App, as_of_option, fail_cleanly, pass_app


@click.group("web", invoke_without_command=True)
@click.option("--listen", metavar="HOST:PORT", help="Where to listen (default: [web] listen).")
@as_of_option
@pass_app
@click.pass_context
@fail_cleanly
def web(ctx: click.Context, app: App, listen: str | None, as_of: datetime | None) -> None:
    """Serve the dashboard: portfolio, client pages with charts, alerts, operations.

    Listens on 127.0.0.1:8080 unless [web] listen or --listen says otherwise. Team members
    sign in with a password set by `relmon web passwd`, or through a trusted proxy's
    single sign-on header ([web] trusted_header). With --as-of the pages stay at that instant.

    \b
    Example:
        relmon web passwd alice.marsh@northwind-advisory.example
        relmon web --listen 127.0.0.1:8080
    """
    if ctx.invoked_subcommand is not None:
        return
    from monitor.config.web import listen_problem
    from monitor.web.server import serve

    runtime = app.runtime()
    clock = (lambda: as_of) if as_of is not None else None
    target = listen or runtime.config.web.listen
    problem = listen_problem(target)
    if problem:
        raise click.BadParameter(problem, param_hint="--listen")
    click.echo(f"relmon dashboard on http://{target}/ (Ctrl-C stops)", err=True)
    if clock is None:
        serve(runtime, target)
    else:
        serve(runtime, target, clock)


@web.command("passwd")
@click.argument("email")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input (for scripts) instead of "
    "a prompt. There is no option taking the password itself: ps and shell history would show it.",
)
@pass_app
@fail_cleanly
def passwd(app: App, email: str, password_stdin: bool) -> None:
    """Set a team member's dashboard password (stored as an argon2 hash). Sessions signed in
    with the old password end.

    \b
    Example:
        relmon web passwd alice.marsh@northwind-advisory.example
        pass show relmon/alice | relmon web passwd alice.marsh@northwind-advisory.example --password-stdin
    """
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    from monitor.store.web import set_password_hash
    from monitor.web.security import hash_password

    runtime = app.runtime()
    member = runtime.config.member(email.strip().casefold())
    if member is None:
        raise click.ClickException(f"{email} is not a member of [team] in the configuration")
    if len(password) < 10:
        raise click.ClickException("use a password of at least 10 characters")
    set_password_hash(runtime.store.engine, member.address, hash_password(password), app.now)
    click.echo(f"dashboard password set for {member.address} ({member.role})")


def register(cli: click.Group) -> None:
    cli.add_command(web)
