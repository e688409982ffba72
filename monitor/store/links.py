"""What a stored message can be linked to its conversation by, kept as indexed digests.

Two messages share a conversation link exactly when they share a digest: the Message-IDs it
has or names (References, In-Reply-To), its Gmail thread, its Graph conversationId and its
normalised subject when that says enough, each kind hashed apart from the others
(:func:`monitor.core.threads.assign_threads` decides which links join). The ``message_links``
table holds them, so the messages a new one can join are found by an indexed lookup.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from monitor.core.threads import normalise_subject, subject_links
from monitor.store.bulk import chunks
from monitor.store.schema import message_links, messages

#: What threading reads of a message.
THREAD_COLUMNS = (
    messages.c.id,
    messages.c.key,
    messages.c.date,
    messages.c.message_id,
    messages.c.in_reply_to,
    messages.c.refs,
    messages.c.subject,
    messages.c.from_addr,
    messages.c.to_addrs,
    messages.c.cc_addrs,
    messages.c.gm_thread,
    messages.c.conversation_id,
    messages.c.thread_id,
)


def ids(value: str | list[Any] | None) -> list[str]:
    """Message-IDs from a JSON list, as its text (a scan's cast) or decoded."""
    found = json.loads(value) if isinstance(value, str) else value or []
    return [item for item in found if isinstance(item, str)]


def digest(kind: str, value: str) -> str:
    return hashlib.blake2b(f"{kind}\0{value}".encode(), digest_size=16).hexdigest()


def header_links(row: Any) -> set[str]:
    """The digests that join whatever shares them (ids and the Gmail thread)."""
    values = [("id", value) for value in ids(row.in_reply_to) + ids(row.refs)]
    if row.message_id:
        values.append(("id", row.message_id))
    if row.gm_thread:
        values.append(("gmail", row.gm_thread))
    return {digest(kind, value) for kind, value in values}


def subject_link(row: Any) -> str | None:
    """The digest of the row's normalised subject, if it says enough to join messages."""
    subject = normalise_subject(row.subject or "")
    return digest("subject", subject) if subject and subject_links(subject) else None


def conversation_link(row: Any) -> str | None:
    return digest("conversation", row.conversation_id) if row.conversation_id else None


def participants(row: Any) -> frozenset[str]:
    """Who a stored message is between: its sender and every address it went to."""
    return frozenset(
        [row.from_addr, *(a for a, _ in row.to_addrs or []), *(a for a, _ in row.cc_addrs or [])]
    )


def link_keys(row: Any) -> set[str]:
    """Every digest ``row`` can be linked by."""
    keys = header_links(row)
    keys.update(link for link in (subject_link(row), conversation_link(row)) if link)
    return keys


def keep_links(connection: sa.Connection, rows: Sequence[Any]) -> dict[int, set[str]]:
    """Write ``rows``' links afresh (a changed message may link by other things now)."""
    keys = {row.id: link_keys(row) for row in rows}
    for chunk in chunks(sorted(keys)):
        connection.execute(sa.delete(message_links).where(message_links.c.message.in_(chunk)))
    links = [{"message": ident, "link": link} for ident, found in keys.items() for link in found]
    for chunk in chunks(links):
        connection.execute(sa.insert(message_links), chunk)
    return keys
