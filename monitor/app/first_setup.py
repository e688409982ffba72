"""``relmon init``: a first configuration from one mailbox.

The answers (team domain, one mailbox, the time zone) become a configuration without clients;
the mailbox is read with the same sync as ``relmon sync``; the outside correspondents that
``relmon clients suggest`` ranks first become ready ``[[clients]]`` blocks owned by the
mailbox's owner. The file is written only once it reads back without a problem, with comments
that say what to check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from monitor.app.rows import SuggestionRow
from monitor.config import Config, load_config_text

#: Two-way messages below which a correspondent is left out of the suggested clients.
MIN_TWO_WAY = 2


@dataclass(frozen=True)
class Answers:
    team_name: str
    domain: str  # the team's mail domain
    timezone: str  # IANA name
    name: str  # the mailbox owner's name: the first team member, owner of every client
    address: str  # the mailbox owner's address
    mailbox: str  # a maildir or mbox path, or an IMAP host
    kind: str  # "maildir", "mbox" or "imap"
    imap_username: str | None = None
    password_file: str | None = None  # IMAP: a file or a systemd credential name
    imap_port: int | None = None
    imap_security: str = "tls"
    ca_file: str | None = None


def mailbox_kind(path: Path) -> str:
    """``mbox`` for a file or a folder of mbox files, ``maildir`` for a maildir tree."""
    if path.is_file():
        return "mbox"
    if any((path / sub).is_dir() for sub in ("cur", "new")) or any(
        (child / "cur").is_dir() for child in path.iterdir() if child.is_dir()
    ):
        return "maildir"
    return "mbox"


def base_config(answers: Answers) -> str:
    """The team, its first member and the mailbox, commented; no clients yet."""
    q = json.dumps  # a TOML basic string is a JSON string for every value we write
    lines = [
        "# relmon configuration written by `relmon init`. Check it with `relmon config check`;",
        "# `relmon config example` shows every key with its explanation.",
        "",
        "[team]",
        f"name = {q(answers.team_name)}",
        "# Our mail domains: mail between these only is internal and never counts.",
        f"domains = [{q(answers.domain)}]",
        f"timezone = {q(answers.timezone)}",
        '# When our reply clock runs; a list of spans is allowed ("Mon-Thu 09:00-17:30", …).',
        'working_hours = "Mon-Fri 09:00-17:30"',
        *_holidays_lines(answers.timezone, q),
        "",
        "# The consultants: alerts about a client go to its owner. Add your colleagues here.",
        "[[team.members]]",
        f"name = {q(answers.name)}",
        f"address = {q(answers.address)}",
        "",
        "# The mailbox relmon reads. Add one [[accounts]] table per mailbox.",
        "[[accounts]]",
        f"name = {q(_account_name(answers.address))}",
        f"kind = {q(answers.kind)}",
        f"address = {q(answers.address)}",
    ]
    if answers.kind == "imap":
        lines += [
            f"host = {q(answers.mailbox)}",
            *([f"port = {answers.imap_port}"] if answers.imap_port else []),
            f"security = {q(answers.imap_security)}",
            f"username = {q(answers.imap_username or answers.address)}",
            "# The password is never written here: a file (or a systemd credential of that name).",
            f"password_file = {q(answers.password_file or 'imap-password')}",
        ]
        if answers.ca_file:
            lines.append(f"ca_file = {q(str(Path(answers.ca_file).expanduser().resolve()))}")
    else:
        lines.append(f"path = {q(str(Path(answers.mailbox).expanduser().resolve()))}")
    lines += [
        "",
        "# The database: beside this file (under systemd, in the service's state directory),",
        "# so that another configuration on this machine keeps its own.",
        "[store]",
        'url = "sqlite:///relmon.db"',
    ]
    return "\n".join(lines) + "\n"


#: Where the system lists each time zone's country (the tz database's own table).
ZONE_TABLE = Path("/usr/share/zoneinfo/zone.tab")


def zone_country(zone: str, table: Path = ZONE_TABLE) -> str | None:
    """The country the tz database's table gives ``zone`` (``GB`` for Europe/London); None
    when the table is missing (a system without it) or names none."""
    try:
        rows = table.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for row in rows:
        fields = row.split("\t")
        if not row.startswith("#") and len(fields) >= 3 and fields[2] == zone:
            countries = fields[0].split(",")
            return countries[0] if len(countries) == 1 else None
    return None


def _holidays_lines(zone: str, quote: Callable[[str], str]) -> list[str]:
    """The public holidays of the time zone's country, when it is one the calendar knows, so
    that Christmas is not counted as a working day of waiting."""
    import holidays as holidays_lib

    country = zone_country(zone)
    if country is None or country not in holidays_lib.list_supported_countries():
        return ['# holidays = "GB-ENG"   # public holidays skipped by the reply clock']
    return [
        "# The public holidays of your time zone's country; a region has its own (GB-SCT, US-NY).",
        f"holidays = {quote(country)}",
    ]


def client_blocks(
    suggestions: Sequence[SuggestionRow], owner: str, *, known: frozenset[str] = frozenset()
) -> str:
    """Ready ``[[clients]]`` tables for the correspondents worth keeping, busiest first."""
    blocks = []
    names: set[str] = set(known)
    for row in suggestions:
        if row["two_way"] < MIN_TWO_WAY:
            continue
        name = _unique(_client_name(row), names)
        names.add(name)
        where = "domains" if row["kind"] == "domain" else "addresses"
        first, last = _day(row["first"]), _day(row["last"])
        blocks.append(
            "\n".join(
                [
                    f"# {row['inbound']} messages in, {row['outbound']} out, {first} to {last};"
                    f" {_people(len(row['people']))}.",
                    "[[clients]]",
                    f"name = {json.dumps(name)}",
                    f"{where} = [{json.dumps(row['name'])}]",
                    f"owner = {json.dumps(owner)}",
                ]
            )
        )
    if not blocks:
        return (
            "\n# No client yet: the mailbox holds too little two-way mail with anyone outside.\n"
            "# Add [[clients]] tables by hand; `relmon clients suggest` lists who writes to us.\n"
        )
    header = (
        "\n# Clients, from the outside correspondents we exchange the most mail with\n"
        "# (`relmon clients suggest`). Rename them, delete those that are not clients, and\n"
        "# give each its owner.\n"
    )
    return header + "\n\n".join(blocks) + "\n"


def checked(text: str, path: Path) -> Config:
    """The configuration the text reads as, as if it were the file at ``path``."""
    return load_config_text(text, path)


def _account_name(address: str) -> str:
    local = address.split("@", 1)[0].casefold()
    return re.sub(r"[^a-z0-9]+", "-", local).strip("-") or "mailbox"


def _client_name(row: SuggestionRow) -> str:
    if row["kind"] == "address":
        return row["name"]
    label = row["name"].split(".")[0]
    return " ".join(part.capitalize() for part in re.split(r"[-_]+", label) if part) or row["name"]


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate.casefold() in {t.casefold() for t in taken}:
        candidate, n = f"{name} ({n})", n + 1
    return candidate


def _day(when: datetime | None) -> str:
    return when.date().isoformat() if when is not None else "?"


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"
