"""``relmon alerts retry``: send again the emails relmon gave up on.

An email is given up when the mail server refuses it for good (a 5xx answer: relaying denied,
authentication required, a recipient unknown) or after its tries ran out. Its alerts stay open,
and nothing sends it again by itself: what failed it needs fixing first. Once it is, this puts
the email back in the outbox; the next delivery sends it, unless its alerts were handled in the
meantime.
"""

from __future__ import annotations

import click

from monitor.cli.common import App, fail_cleanly, pass_app


@click.command("retry")
@click.argument("email_ids", nargs=-1, type=int)
@click.option("--all", "every", is_flag=True, help="Every email given up.")
@pass_app
@fail_cleanly
def retry(app: App, email_ids: tuple[int, ...], every: bool) -> None:
    """Send again emails given up (listed as undelivered by `relmon alerts`).

    \b
    Example:
        relmon alerts retry 12
        relmon alerts retry --all
    """
    from monitor.store.outbox import requeue

    if every == bool(email_ids):
        raise click.UsageError(
            "name the emails to send again (the numbers relmon alerts shows after #), or --all"
        )
    found = requeue(app.runtime().store.engine, None if every else email_ids)
    missing = sorted(set(email_ids) - {row.id for row in found})
    for row in found:
        click.echo(f"queued again: #{row.id} {row.subject!r} to {', '.join(row.recipients)}")
    if found:
        click.echo("relmon run sends them at its next delivery; relmon alerts send sends them now")
    elif every:
        click.echo("no email was given up")
    if missing:
        listed = ", ".join(f"#{ident}" for ident in missing)
        raise click.ClickException(f"not given up, so not sent again: {listed}")
