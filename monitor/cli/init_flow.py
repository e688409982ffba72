"""The steps of ``relmon init`` after the answers are in: draft, read the mailbox, suggest
clients, check, write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from monitor.app.first_setup import Answers, base_config, checked, client_blocks, mailbox_kind
from monitor.cli.common import App, begin_work, console, private_file
from monitor.config import Config, find_config_path
from monitor.config.validation import machine_problems
from monitor.errors import ConfigError, RelmonError


def run_init(app: App, options: dict[str, Any]) -> None:
    target = Path(options["output"] or find_config_path(app.config_path)).expanduser()
    if target.exists():
        raise click.ClickException(
            f"{target} exists already; relmon init never replaces a configuration "
            "(give another place with -o FILE)"
        )
    answers = _answers(options)
    base = base_config(answers)
    config = _read(base, target)
    out = console()
    from monitor.app.runtime import Runtime
    from monitor.app.sync import sync_all
    from monitor.app.views import suggestions

    runtime = Runtime.open(config)
    begin_work()
    try:
        out.print(f"Reading {answers.mailbox} …")
        results = sync_all(runtime, now=app.now)
        rows = suggestions(runtime, app.now, int(options["limit"]))
    except RelmonError as err:
        raise click.ClickException(f"cannot read the mailbox: {err}") from err
    finally:
        runtime.close()
    failed = [result.error for result in results if result.error]
    for error in failed:
        out.print(f"[red]the mailbox could not be read[/red]: {error}", highlight=False)
    text = base + client_blocks(rows, answers.address)
    final = _read(text, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with private_file(target) as written:
        written.write(text)
    new = sum(f.new for r in results for f in r.folders)
    out.print(
        f"Wrote {target}: {len(final.clients)} client{'' if len(final.clients) == 1 else 's'} suggested from {new} messages read."
    )
    problems = machine_problems(final)
    for problem in problems:
        out.print(f"[red]problem[/red] {problem}", highlight=False)
    hint = "" if app.config_path == str(target) else f" --config {target}"
    if failed:
        out.print(
            f"Fix the mailbox's settings in {target}, then `relmon{hint} sync` and "
            f"`relmon{hint} clients suggest` list the clients to add."
        )
    else:
        out.print(
            f"Next: review the clients, then `relmon{hint} config check` and `relmon{hint} health`."
        )
    if problems or failed:
        raise SystemExit(1)


def _answers(options: dict[str, Any]) -> Answers:
    domain = str(options["domain"]).strip().casefold().lstrip("@")
    mailbox = str(options["mailbox"]).strip()
    path = Path(mailbox).expanduser()
    if path.exists():
        kind = mailbox_kind(path)
    elif "/" in mailbox or "." not in mailbox:
        raise click.BadParameter(f"no such file or folder: {mailbox}", param_hint="--mailbox")
    else:
        kind = "imap"
    team = options["team_name"] or domain.split(".")[0].replace("-", " ").title()
    return Answers(
        team_name=str(team),
        domain=domain,
        timezone=str(options["timezone"]),
        name=str(options["name"]).strip(),
        address=str(options["address"]).strip().casefold(),
        mailbox=mailbox,
        kind=kind,
        imap_username=options["imap_user"],
        password_file=options["password_file"],
        imap_port=options["imap_port"],
        imap_security=str(options["imap_security"]),
        ca_file=options["ca_file"],
    )


def _read(text: str, target: Path) -> Config:
    try:
        return checked(text, target)
    except ConfigError as err:
        raise click.ClickException(f"the answers do not make a valid configuration: {err}") from err
