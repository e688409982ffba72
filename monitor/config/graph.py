"""A Microsoft Graph account's settings: app-only (several mailboxes) or delegated (one user)."""

from __future__ import annotations

from pathlib import Path

from monitor.config.microsoft import parse_microsoft
from monitor.config.model import GraphSettings
from monitor.config.reading import Problems, Table, choice, each, file_path
from monitor.core.addresses import normalise_address

GRAPH_AUTH = ("app", "delegated")
DEFAULT_GRAPH_URL = "https://graph.microsoft.com/v1.0"


def parse_graph(table: Table, base: Path | None, problems: Problems) -> GraphSettings | None:
    where = table.where
    auth = choice(table, "auth", GRAPH_AUTH, "app")
    microsoft = parse_microsoft(table, base, problems, confidential=auth == "app")
    mailboxes = each(table.strings("mailboxes"), f"{where}.mailboxes", normalise_address, problems)
    if auth == "app" and not mailboxes:
        problems.add(
            f"{where}.mailboxes", "app-only access reads the listed mailboxes; name at least one"
        )
    if auth == "delegated" and mailboxes:
        problems.add(
            f"{where}.mailboxes",
            "delegated access reads the signed-in user's own mailbox; remove mailboxes",
        )
    folders = table.strings("folders") or ["inbox", "sentitems"]
    graph_url = table.text("graph_url", DEFAULT_GRAPH_URL) or DEFAULT_GRAPH_URL
    if not graph_url.startswith("https://"):
        problems.add(f"{where}.graph_url", "must be an https:// URL")
    if microsoft is None:
        return None
    return GraphSettings(
        auth=auth,
        microsoft=microsoft,
        mailboxes=tuple(mailboxes),
        folders=tuple(folders),
        graph_url=graph_url.rstrip("/"),
        page_size=table.integer("page_size", 50, minimum=1),
        max_concurrency=min(4, table.integer("max_concurrency", 4, minimum=1)),
        timeout_seconds=table.number("timeout_seconds", 60.0, minimum=1.0),
        poll_seconds=table.integer("poll_seconds", 300, minimum=10),
        ca_file=file_path(table, "ca_file", base),
    )
