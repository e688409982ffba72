"""``relmon alerts retry``: send again the emails relmon gave up on
(:mod:`monitor.app.retry` says which, and when)."""

from __future__ import annotations

import click

from monitor.cli.common import App, fail_cleanly, pass_app, short_date


@click.command("retry")
@click.argument("email_ids", nargs=-1, type=int)
@click.option("--all", "every", is_flag=True, help="Every email given up in the last 7 days.")
@pass_app
@fail_cleanly
def retry(app: App, email_ids: tuple[int, ...], every: bool) -> None:
    """Send again emails given up (listed as undelivered by `relmon alerts`), once what failed
    them is fixed: to the same recipients, after their quiet hours.

    \b
    Example:
        relmon alerts retry 12
    """
    from monitor.app.retry import retry_given_up

    if every == bool(email_ids):
        raise click.UsageError(
            "name the emails to send again (the numbers relmon alerts shows after #), or --all"
        )
    runtime = app.runtime()
    result = retry_given_up(runtime, None if every else email_ids, app.now)
    tz = runtime.config.team.tz
    for item in result.queued:
        when = "" if item.due <= app.now else f" (after quiet hours, {short_date(item.due, tz)})"
        click.echo(
            f"queued again: #{item.ident} {item.subject!r} to {', '.join(item.recipients)}{when}"
        )
    if result.queued:
        click.echo("relmon run sends them at its next delivery; relmon alerts send sends them now")
    elif every and not result.left:
        click.echo("no email was given up in the last 7 days")
    for ident, why in result.left:
        click.echo(f"not sent again: #{ident}: {why}", err=True)
    if email_ids and result.left:
        raise SystemExit(1)
