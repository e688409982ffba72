"""Conversations: which messages belong together, across every mailbox.

In order of trust (DESIGN.md, "thread"):
1. References / In-Reply-To, JWZ-style: messages that share any ancestor id, seen or not, are one
   conversation (unseen parents are "phantoms"; reference loops are harmless to a union-find).
2. Gmail's X-GM-THRID.
3. Graph's conversationId, but only for messages without reference headers (Sent Items copies
   read through Graph have none) and only among the same participants: Exchange is known to
   give unrelated same-subject mail one conversationId, so references win where they exist.
4. Last resort, for messages without references: the normalised subject among the same
   participants within 30 days.

The result depends only on the set of messages, never on the order they were read in: messages
are processed in (date, key) order and a thread is named after its earliest message.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

SUBJECT_WINDOW = timedelta(days=30)

_PREFIX = re.compile(
    r"^\s*(?:(?:re|aw|sv|vs|ref|rif|antw|odp|r|wg|fw|fwd|tr|rv|enc|res|vb|doorst|i|ynt|回复|回覆|答复|"
    r"转发|轉寄|转寄)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*|\[[^\]]{1,40}\]\s*)+",
    re.IGNORECASE,
)
_TRIVIAL_SUBJECTS = frozenset(
    {
        "",
        "hi",
        "hello",
        "hallo",
        "question",
        "meeting",
        "update",
        "call",
        "(no subject)",
        "no subject",
        "fyi",
        "test",
    }
)


def normalise_subject(subject: str) -> str:
    """``"RE: AW: [acme] Q3 plan"`` -> ``"q3 plan"``."""
    text = subject
    for _ in range(10):
        stripped = _PREFIX.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return re.sub(r"\s+", " ", text).strip().casefold()


def subject_links(subject: str) -> bool:
    """Whether a normalised subject says enough to join messages without references."""
    return subject not in _TRIVIAL_SUBJECTS and len(subject) >= 3


@dataclass(frozen=True, slots=True)
class ThreadInput:
    key: str
    date: datetime
    message_id: str | None = None
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    subject: str = ""
    participants: frozenset[str] = frozenset()
    gm_thread: str | None = None
    conversation_id: str | None = None


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        parent = self.parent.setdefault(item, item)
        if parent == item:
            return item
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:  # path compression
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # Deterministic: the smaller name becomes the root.
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


def _same_people(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return False
    shared = len(a & b)
    return shared >= 2 or (shared >= 1 and (a <= b or b <= a))


def _link_by_headers(ordered: list[ThreadInput], links: _UnionFind, node: dict[str, str]) -> None:
    """Join each message with the ids it names: its own, its references, its Gmail thread."""
    for message in ordered:
        me = node[message.key]
        links.find(me)
        if message.message_id:
            links.union(me, "i:" + message.message_id)
        for ref in (*message.references, *message.in_reply_to):
            links.union(me, "i:" + ref)
        if message.gm_thread:
            links.union(me, "g:" + message.gm_thread)


def _link_by_fallbacks(ordered: list[ThreadInput], links: _UnionFind, node: dict[str, str]) -> None:
    """Join a message that carries no reference headers itself to an earlier one of the same
    conversationId, and to one of the same subject within SUBJECT_WINDOW, among the same people."""
    by_conversation: dict[str, list[ThreadInput]] = {}
    by_subject: dict[str, list[ThreadInput]] = {}
    for message in ordered:
        has_refs = bool(message.references or message.in_reply_to)
        subject = normalise_subject(message.subject)
        if message.conversation_id:
            candidates = by_conversation.setdefault(message.conversation_id, [])
            if not has_refs:
                for earlier in candidates:
                    if _same_people(message.participants, earlier.participants):
                        links.union(node[message.key], node[earlier.key])
                        break
            candidates.append(message)
        if not subject_links(subject):
            continue
        same_subject = by_subject.setdefault(subject, [])
        if not has_refs:
            for earlier in reversed(same_subject):
                if message.date - earlier.date > SUBJECT_WINDOW:
                    break
                if _same_people(message.participants, earlier.participants):
                    links.union(node[message.key], node[earlier.key])
                    break
        same_subject.append(message)


def assign_threads(messages: Iterable[ThreadInput]) -> dict[str, str]:
    """Thread id per message key. A thread id is stable: derived from its earliest message."""
    ordered = sorted(messages, key=lambda m: (m.date, m.key))
    links = _UnionFind()
    node = {m.key: "k:" + m.key for m in ordered}
    _link_by_headers(ordered, links, node)
    _link_by_fallbacks(ordered, links, node)
    first_of_root: dict[str, str] = {}
    for message in ordered:  # earliest first, so the first seen names the thread
        first_of_root.setdefault(links.find(node[message.key]), message.key)
    return {
        message.key: "t"
        + hashlib.sha1(
            first_of_root[links.find(node[message.key])].encode(), usedforsecurity=False
        ).hexdigest()[:15]
        for message in ordered
    }
