"""Which folders of an IMAP mailbox relmon reads. Pure: LIST results and capabilities in, a plan out.

- Every selectable folder is read except Junk, Trash and Drafts, found by their SPECIAL-USE
  attributes (RFC 6154) or, on servers that send none (Exchange Online), by their usual names.
- Inbox and Sent are identified the same way and read first.
- On Gmail, ``\\All`` ("All Mail") holds every message once, sent and received; it is read instead
  of Inbox, Sent and the label folders, which would only show the same messages again.
- The account's ``include``/``exclude`` patterns and ``privacy.exclude_folders`` apply last.

Folder names arrive decoded from modified UTF-7 (imapclient does it); they are stored and
matched as readable Unicode ("Entwürfe", "Клиенты/ООО Ромашка").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from monitor.core.addresses import SENT_FOLDERS

INBOX = "inbox"
SENT = "sent"
ALL = "all"
OTHER = "other"

_SPECIAL = {
    b"\\sent": SENT,
    b"\\all": ALL,
    b"\\junk": "junk",
    b"\\trash": "trash",
    b"\\drafts": "drafts",
    b"\\archive": "archive",
    b"\\flagged": "flagged",
    b"\\important": "important",
}
_NOT_SELECTABLE = {b"\\noselect", b"\\nonexistent"}
SKIPPED_ROLES = {"junk": "junk mail", "trash": "deleted mail", "drafts": "drafts (not sent)"}

#: Usual names when a server has no SPECIAL-USE attributes (compared case-insensitively, on the
#: last path component). Exchange Online names these folders in the mailbox's language.
FALLBACK_NAMES: dict[str, tuple[str, ...]] = {
    SENT: (*SENT_FOLDERS, "sent-mail"),
    "junk": (
        "junk",
        "junk e-mail",
        "junk email",
        "spam",
        "bulk mail",
        "junk-e-mail",
        "spam-verdacht",
        "courrier indésirable",
        "correo no deseado",
        "roskaposti",
        "垃圾邮件",
        "нежелательная почта",
    ),
    "trash": (
        "trash",
        "deleted items",
        "deleted messages",
        "deleted",
        "bin",
        "papierkorb",
        "gelöschte elemente",
        "éléments supprimés",
        "corbeille",
        "elementos eliminados",
        "papelera",
        "poistetut",
        "poistetut kohteet",
        "已删除",
        "已删除邮件",
        "удаленные",
    ),
    "drafts": (
        "drafts",
        "draft",
        "entwürfe",
        "brouillons",
        "borradores",
        "luonnokset",
        "草稿",
        "草稿箱",
        "черновики",
    ),
}


@dataclass(frozen=True)
class ListedFolder:
    name: str
    flags: frozenset[bytes]  # lower-case attributes, e.g. b"\\sent"
    delimiter: str | None = None


@dataclass(frozen=True)
class FolderChoice:
    name: str
    role: str  # inbox, sent, all, other (or junk/trash/drafts for skipped folders)
    found_by: str  # "special-use", "name", "inbox" or "" for an ordinary folder
    skipped: str | None = None  # why it is not read


def listed(
    entries: Iterable[tuple[Sequence[bytes], bytes | str | None, str | bytes]],
) -> list[ListedFolder]:
    """imapclient's ``list_folders()`` tuples as :class:`ListedFolder`."""
    found: list[ListedFolder] = []
    for flags, delimiter, name in entries:
        text = name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name)
        sep = delimiter.decode("ascii", "replace") if isinstance(delimiter, bytes) else delimiter
        found.append(
            ListedFolder(name=text, flags=frozenset(f.lower() for f in flags), delimiter=sep)
        )
    return found


def _leaf(folder: ListedFolder) -> str:
    name = folder.name
    if folder.delimiter and folder.delimiter in name:
        name = name.rsplit(folder.delimiter, 1)[1]
    return name.casefold()


def _special(folder: ListedFolder) -> str | None:
    for flag in folder.flags:
        role = _SPECIAL.get(flag)
        if role is not None:
            return role
    return None


def _depth(folder: ListedFolder) -> int:
    return folder.name.count(folder.delimiter) if folder.delimiter else 0


def choose_folders(
    folders: Sequence[ListedFolder],
    *,
    gmail: bool,
    wanted: Callable[[str], bool] = lambda name: True,
) -> list[FolderChoice]:
    """Every listed folder with its role and whether it is read, in reading order
    (Inbox, Sent, the rest by name; skipped folders last)."""
    roles: dict[str, tuple[str, str]] = {}
    special_roles = {role for f in folders if (role := _special(f)) is not None}
    for folder in folders:
        role = _special(folder)
        if folder.name.upper() == "INBOX":
            roles[folder.name] = (INBOX, "inbox")
        elif role is not None:
            roles[folder.name] = (role, "special-use")
    # Name fallback, only for roles the server marks on no folder at all, and preferring the
    # shallowest match ("Sent" over "Projects/Sent").
    for role, names in FALLBACK_NAMES.items():
        if role in special_roles:
            continue
        candidates = [f for f in folders if f.name not in roles and _leaf(f) in names]
        if role == SENT:
            candidates.sort(key=lambda f: (_depth(f), names.index(_leaf(f)), f.name))
            candidates = candidates[:1]
        for folder in candidates:
            roles[folder.name] = (role, "name")

    all_mail = next(
        (f.name for f in folders if gmail and roles.get(f.name, ("", ""))[0] == ALL), None
    )
    choices: list[FolderChoice] = []
    for folder in folders:
        role, found_by = roles.get(folder.name, (OTHER, ""))
        skipped: str | None = None
        if folder.flags & _NOT_SELECTABLE:
            skipped = "not a mailbox (holds only folders)"
        elif role in SKIPPED_ROLES:
            skipped = SKIPPED_ROLES[role]
        elif all_mail is not None and folder.name != all_mail:
            skipped = f"Gmail: every message is read once from {all_mail!r}"
        elif role in ("flagged", "important"):
            skipped = "a view of messages in other folders"
        elif not wanted(folder.name):
            skipped = "excluded by configuration"
        choices.append(
            FolderChoice(
                name=folder.name,
                role=role if role in (INBOX, SENT, ALL) or role in SKIPPED_ROLES else OTHER,
                found_by=found_by,
                skipped=skipped,
            )
        )
    order = {INBOX: 0, ALL: 0, SENT: 1}
    choices.sort(key=lambda c: (c.skipped is not None, order.get(c.role, 2), c.name.casefold()))
    return choices
