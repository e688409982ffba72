"""Microsoft Graph mailboxes and folders: how relmon names them and where their delta rounds
start."""

from __future__ import annotations

from urllib.parse import quote

from monitor.config import Account, GraphSettings
from monitor.errors import FolderError
from monitor.sources.graph_http import GraphClient
from monitor.sources.graph_map import SELECT, WELL_KNOWN_FOLDERS, expand_clause


def folder_label(mailbox: str, folder: str) -> str:
    """How relmon names a Graph folder in its store and reports: ``mailbox/folder``."""
    return f"{mailbox}/{folder}"


def mailboxes_of(account: Account, settings: GraphSettings) -> list[str]:
    if settings.auth == "delegated":
        return [account.address or "me"]
    return list(settings.mailboxes)


def resolve_folder(client: GraphClient, mailbox: str, folder: str) -> str:
    """The id to use in URLs: a well-known name as it is, a path ("Clients/Acme") looked up
    one level at a time by display name (case-insensitive)."""
    if folder.casefold() in WELL_KNOWN_FOLDERS:
        return folder.casefold()
    base = client.mailbox_path(mailbox)
    parent_url = f"{base}/mailFolders?$select=id,displayName&$top=100"
    folder_id = ""
    walked: list[str] = []
    for part in [p for p in folder.split("/") if p]:
        match = None
        for entry in client.pages(parent_url, mailbox=mailbox):
            if str(entry.get("displayName") or "").casefold() == part.casefold():
                match = str(entry.get("id"))
                break
        if match is None:
            where = "/".join(walked) or "the top level"
            raise FolderError(
                f"mailbox {mailbox}: no folder {folder!r} (no {part!r} under {where})"
            )
        walked.append(part)
        folder_id = match
        parent_url = f"{base}/mailFolders/{quote(folder_id, safe='')}/childFolders?$select=id,displayName&$top=100"
    if not folder_id:
        raise FolderError(f"mailbox {mailbox}: empty folder name {folder!r}")
    return folder_id


def initial_delta_url(
    client: GraphClient, mailbox: str, folder_id: str, *, expand: bool = True
) -> str:
    url = (
        f"{client.mailbox_path(mailbox)}/mailFolders/{quote(folder_id, safe='')}/messages/delta"
        f"?$select={','.join(SELECT)}"
    )
    if expand:
        url += "&$expand=" + quote(expand_clause(), safe="(),'=$")
    return url
