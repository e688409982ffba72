"""``[[accounts]]``: the monitored mailboxes.

The known kinds are the mail sources' registry (:mod:`monitor.sources.registry`). A kind with
settings of its own (a server, credentials) reads them through :data:`SETTINGS_PARSERS`; a kind
without any needs nothing here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from monitor.config.graph import parse_graph
from monitor.config.imap import parse_imap
from monitor.config.model import Account, GraphSettings, ImapSettings
from monitor.config.paths import resolve_path
from monitor.config.reading import Problems, Table, did_you_mean, one_address
from monitor.sources.registry import kinds


@dataclass(frozen=True)
class KindSettings:
    """What an account's kind adds to it: its settings, and the mailbox address they imply."""

    address: str | None
    path: Path | None = None
    imap: ImapSettings | None = None
    graph: GraphSettings | None = None


#: Reads one kind's settings from the account's table, given the base folder for relative paths
#: and the ``address`` configured (or ``None``).
SettingsParser = Callable[[Table, Path | None, str | None], KindSettings]


def _local(table: Table, base: Path | None, address: str | None) -> KindSettings:
    """A maildir folder or an mbox file on this machine."""
    raw = table.text("path", required=True)
    return KindSettings(address=address, path=resolve_path(raw, base) if raw else None)


def _imap(table: Table, base: Path | None, address: str | None) -> KindSettings:
    imap = parse_imap(table, base, table.problems)
    if address is None and imap is not None and "@" in imap.username:
        address = imap.username.casefold()
    return KindSettings(address=address, imap=imap)


def _graph(table: Table, base: Path | None, address: str | None) -> KindSettings:
    graph = parse_graph(table, base, table.problems)
    if graph is not None and graph.auth == "delegated" and address is None:
        table.problems.add(
            f"{table.where}.address", "a delegated Graph account needs the mailbox's own address"
        )
    return KindSettings(address=address, graph=graph)


SETTINGS_PARSERS: dict[str, SettingsParser] = {
    "maildir": _local,
    "mbox": _local,
    "imap": _imap,
    "graph": _graph,
}
ACCOUNT_KINDS = kinds()


def parse_accounts(root: Table, base: Path | None, problems: Problems) -> list[Account]:
    accounts: list[Account] = []
    seen: set[str] = set()
    for account_t in root.tables("accounts"):
        accounts.append(parse_account(account_t, base, problems, seen))
        account_t.done()
    return accounts


def parse_account(table: Table, base: Path | None, problems: Problems, seen: set[str]) -> Account:
    where = table.where
    name = table.text("name", required=True) or ""
    if name in seen:
        problems.add(f"{where}.name", f"account {name!r} is configured twice")
    seen.add(name)
    kind = table.text("kind", required=True) or ""
    if kind and kind not in ACCOUNT_KINDS:
        extra = did_you_mean(kind, ACCOUNT_KINDS)
        problems.add(
            f"{where}.kind",
            f"unknown account kind {kind!r}{extra} (known: {', '.join(ACCOUNT_KINDS)})",
        )
    address = one_address(table, "address")
    parser = SETTINGS_PARSERS.get(kind)
    settings = parser(table, base, address) if parser else KindSettings(address=address)
    return Account(
        name=name,
        kind=kind,
        address=settings.address,
        path=settings.path,
        folders_include=tuple(table.strings("include")),
        folders_exclude=tuple(table.strings("exclude")),
        imap=settings.imap,
        graph=settings.graph,
        failures_before_alert=table.integer("failures_before_alert", 3, minimum=1),
    )
