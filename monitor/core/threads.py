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
import heapq
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


def same_people(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two messages' participants are the same people, for the fallback links."""
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


class _Earlier:
    """The earlier messages of one subject or conversationId, in order, indexed by who they
    are between, so the one among the same people is found without trying every message:
    hundreds of enquiries under one subject from different people each tried all the others.

    Messages among the same people share two people, or one where one message's people are
    all the other's: then one of the two has a single participant. So a match shares two of
    the new message's people, and is in the lists of at least two of them: every list but the
    longest (usually ours: we are in nearly every message) holds it. Or the new message is
    between one person, and every earlier message with that person matches; or the earlier
    one is, and is in that person's list of lone messages."""

    def __init__(self) -> None:
        self.messages: list[ThreadInput] = []
        self.having: dict[str, list[int]] = {}
        self.alone: dict[str, list[int]] = {}

    def add(self, message: ThreadInput) -> None:
        position = len(self.messages)
        self.messages.append(message)
        for person in message.participants:
            self.having.setdefault(person, []).append(position)
        if len(message.participants) == 1:
            (person,) = message.participants
            self.alone.setdefault(person, []).append(position)

    def among(
        self, people: frozenset[str], *, latest: bool, since: datetime | None = None
    ) -> str | None:
        """The key of the first (or ``latest``) earlier message among ``people``, not before
        ``since``."""
        if not people:
            return None
        lists = sorted((self.having[p] for p in people if p in self.having), key=len)
        found = (
            [self._first(reversed(lists[0]) if latest else lists[0], people, since)]
            if len(people) == 1 and lists
            else []
        )
        found += [
            self._first(self.alone[p][-1:] if latest else self.alone[p][:1], people, since)
            for p in people
            if p in self.alone
        ]
        if len(lists) >= 2:
            positions = heapq.merge(
                *(reversed(item) if latest else item for item in lists[:-1]), reverse=latest
            )
            found.append(self._first(positions, people, since))
        hits = [position for position in found if position is not None]
        if not hits:
            return None
        return self.messages[max(hits) if latest else min(hits)].key

    def _first(
        self, positions: Iterable[int], people: frozenset[str], since: datetime | None
    ) -> int | None:
        for position in positions:
            earlier = self.messages[position]
            if since is not None and earlier.date < since:
                return None
            if same_people(people, earlier.participants):
                return position
        return None


def _link_by_fallbacks(ordered: list[ThreadInput], links: _UnionFind, node: dict[str, str]) -> None:
    """Join a message that carries no reference headers itself to the first earlier one of the
    same conversationId, and to the latest earlier one of the same subject within
    SUBJECT_WINDOW, among the same people."""
    by_conversation: dict[str, _Earlier] = {}
    by_subject: dict[str, _Earlier] = {}
    for message in ordered:
        has_refs = bool(message.references or message.in_reply_to)
        subject = normalise_subject(message.subject)
        if message.conversation_id:
            candidates = by_conversation.setdefault(message.conversation_id, _Earlier())
            earlier = None if has_refs else candidates.among(message.participants, latest=False)
            if earlier is not None:
                links.union(node[message.key], node[earlier])
            candidates.add(message)
        if not subject_links(subject):
            continue
        same_subject = by_subject.setdefault(subject, _Earlier())
        if not has_refs:
            since = message.date - SUBJECT_WINDOW
            earlier = same_subject.among(message.participants, latest=True, since=since)
            if earlier is not None:
                links.union(node[message.key], node[earlier])
        same_subject.add(message)


def thread_name(first_key: str) -> str:
    """A thread's id, derived from the key of its earliest message."""
    return "t" + hashlib.sha1(first_key.encode(), usedforsecurity=False).hexdigest()[:15]


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
        message.key: thread_name(first_of_root[links.find(node[message.key])])
        for message in ordered
    }
