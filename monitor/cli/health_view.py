"""What ``relmon health`` prints around its table: whose clients, as of when, in which zone.

``--owner NAME`` and ``--mine`` (the owner in ``$RELMON_OWNER``) narrow the table to one
consultant's clients and read its times in that consultant's zone; the heading says whose and
as of when, the footer which zone and which working day the figures are in, which columns did
not fit, and that no mailbox is configured when none is.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.text import Text

from monitor.app.owners import addresses, person
from monitor.cli.common import console
from monitor.cli.fitting import terminal_width
from monitor.cli.health_table import Reading, health_layout
from monitor.core import durations

if TYPE_CHECKING:
    from monitor.app.rows import HealthRow
    from monitor.config import Config

#: ``relmon health --check``'s exit status when a client shown has a critical alert (1 and 2
#: already mean an error and a usage error).
CRITICAL_EXIT = 3
#: The environment variable that says who "me" is for ``--mine``.
OWNER_ENV = "RELMON_OWNER"


@dataclass(frozen=True)
class Owner:
    """One consultant, as ``--owner`` or ``--mine`` named them."""

    label: str  # their name, or their address when the team does not list them
    addresses: frozenset[str]  # casefolded: the address and its aliases
    zone: tzinfo
    zone_name: str

    def owns(self, owner: str) -> bool:
        return owner.casefold() in self.addresses


def _owner(config: Config, address: str) -> Owner:
    member = config.member(address)
    return Owner(
        label=member.name if member else address,
        addresses=frozenset(a.casefold() for a in addresses(config, address)),
        zone=config.owner_tz(address),
        zone_name=config.owner_zone(address),
    )


def _known_owners(config: Config) -> dict[str, list[str]]:
    """Every owner's address with the words a person may call them by (name, address, local part)."""
    owners = {m.address: [m.name, *m.aliases] for m in config.team.members}
    for client in config.clients:  # an owner written as a member's alias is that member
        owners.setdefault(person(config, client.owner), [])
    return {
        address: [w.casefold() for w in (address, address.split("@")[0], *words)]
        for address, words in owners.items()
    }


def find_owner(config: Config, name: str) -> Owner:
    """The consultant ``name`` means: an exact address, alias, name or local part, else the one
    owner whose name or address contains it; several, or none, are an error that lists them."""
    wanted = name.strip().casefold()
    owners = _known_owners(config)
    exact = [a for a, words in owners.items() if wanted in words]
    partial = [a for a, words in owners.items() if any(wanted in w for w in words)]
    for found in (exact, partial):
        if len(found) == 1:
            return _owner(config, found[0])
        if found and wanted:
            raise click.ClickException(
                f"{name!r} could mean {', '.join(sorted(found))}; give more of the name"
            )
    known = ", ".join(sorted(owners)) or "none configured"
    raise click.ClickException(f"no owner named {name!r} (owners: {known})")


def wanted_owner(config: Config, owner: str | None, mine: bool) -> Owner | None:
    """The consultant ``--owner`` or ``--mine`` asks for; ``None``: everyone's clients."""
    if owner is not None and mine:
        raise click.UsageError("--owner and --mine both name an owner: give one")
    if mine:
        me = os.environ.get(OWNER_ENV, "").strip()
        owners = sorted(_known_owners(config))
        if not me and len(owners) == 1:  # a firm of one: "mine" can only mean that owner
            me = owners[0]
        if not me:
            raise click.UsageError(
                f"--mine needs to know who you are: set {OWNER_ENV} to your address "
                f"(e.g. export {OWNER_ENV}=you@your-firm.example), or use --owner NAME"
            )
        return find_owner(config, me)
    return find_owner(config, owner) if owner is not None else None


def _heading(rows: Sequence[HealthRow], owner: Owner | None, when: datetime, zone: tzinfo) -> str:
    count = f"{len(rows)} client{'s' if len(rows) != 1 else ''}"
    if owner is not None:
        whose = f"{owner.label}'s {count}"
    else:
        whose = "the 1 client" if len(rows) == 1 else f"all {count}"
    return f"[bold]Health of {whose}[/bold], worst first, as of {durations.full(when, zone)}"


def _footer(
    config: Config,
    rows: Sequence[HealthRow],
    when: datetime,
    owner: Owner | None,
    left_out: Sequence[str],
    width: int | None,
) -> list[str]:
    zone_name = owner.zone_name if owner is not None else config.team.timezone
    zone = owner.zone if owner is not None else config.team.tz
    day_hours = rows[0]["working_day_hours"] if rows else 8.0
    # Working time is on the team's calendar: its zone is named where the times are not in it.
    team_zone = f" ({config.team.timezone})" if zone_name != config.team.timezone else ""
    lines = [
        f"Times are {zone_name} ({durations.zone_label(when, zone)}). Working time counts "
        f"{config.team.working_hours}{team_zone} in working days of {durations.number(day_hours)} "
        "hours; calendar time in brackets.",
    ]
    if left_out:
        lines.append(
            f"Left out at {width} columns: {', '.join(left_out)}; `relmon health --wide` "
            "shows every column."
        )
    if not config.accounts:
        lines.append(
            "No mailbox is configured ([[accounts]]): nothing is read automatically, so these "
            "figures change only when mail is added with `relmon ingest`."
        )
    return lines


def print_health(
    config: Config,
    rows: Sequence[HealthRow],
    when: datetime,
    owner: Owner | None,
    *,
    wide: bool = False,
) -> None:
    """The heading, the table at the terminal's width (every column with ``wide``), the footer."""
    out = console()
    zone = owner.zone if owner is not None else config.team.tz
    width = None if wide else terminal_width(out)
    layout = health_layout(rows, Reading(zone, when), width)
    if wide:  # as wide as the table needs, for `less -S` or a wide window
        out = Console(
            file=out.file,
            highlight=False,
            width=max(shutil.get_terminal_size().columns, 400),
            color_system="auto" if out.is_terminal else None,
        )
    out.print(_heading(rows, owner, when, zone))
    if rows:
        out.print(layout.table)
    else:
        out.print("No client of theirs is configured.")
    for line in _footer(config, rows, when, owner, layout.left_out, width):
        out.print(Text(line, style="dim"))
