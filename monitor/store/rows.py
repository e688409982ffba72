"""A message as a row of ``messages``, and what a later copy of a stored message may change.

One Message-ID is one message. A later copy read elsewhere (another mailbox, Sent, another
source) fills in what the first copy lacked; a message reusing a stored Message-ID but coming
from another sender, or with another subject or date, is not a copy: it changes nothing and is
recorded as a conflict (``message_id_conflict``), so a stranger who knows a Message-ID cannot
make a client's question noise or add friction to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from monitor.core.addresses import Directory
from monitor.core.model import Direction, Mailbox, Message, Noise, TextFeatures
from monitor.store.bulk import chunks
from monitor.store.schema import messages

#: Two copies of one message may carry dates this far apart (a Graph sentDateTime against the
#: Date header, clocks rounded differently); a forgery reusing an id is rarely that close.
SAME_DATE = timedelta(minutes=5)


def fitting_key(row: dict[str, Any]) -> str | None:
    """A row's key, when the quarantine can hold it."""
    key: str = row["key"]
    return key if len(key) <= 512 and "\x00" not in key else None


def _mailboxes(items: Sequence[Mailbox]) -> list[list[str]]:
    return [[m.address, m.name] for m in items]


def judgement_columns(
    noise: Noise | None,
    noise_reason: str | None,
    needs_reply: bool,
    text: TextFeatures,
    snippet: str | None,
) -> dict[str, Any]:
    """The columns that hold relmon's judgement of a message: written at ingest and again by
    ``relmon db reanalyse``, from this one function so the two never differ."""
    return {
        "noise": noise.value if noise else None,
        "noise_reason": (noise_reason or "")[:400] or None,
        "needs_reply": needs_reply,
        "language": text.language,
        "own_chars": text.own_chars,
        "questions": text.questions,
        "closing_only": text.closing_only,
        "sentiment": text.sentiment,
        "sentences": text.sentences,
        "evidence": [[s.index, round(s.compound, 4), s.text] for s in text.evidence],
        "friction": list(text.friction),
        "pressure": list(text.pressure),
        "basics": list(text.basics),
        "impoliteness": text.impoliteness,
        "tone": text.tone,
        "curtness": text.curtness,
        "courtesy": text.courtesy,
        "friction_evidence": (text.friction_excerpt or text.friction_evidence or "")[:120] or None,
        "away_until": text.away_until,
        "snippet": snippet,
    }


def message_row(
    message: Message, directory: Directory, now: datetime, *, sent: bool = True
) -> dict[str, Any]:
    """The row of ``message``; ``sent``: it was seen in one of our Sent folders, so a sender
    of ours is believed (see :meth:`Directory.attribute`)."""
    attribution = directory.attribute(message.sender, message.to, message.cc, sender_verified=sent)
    return {
        "key": message.key,
        "message_id": message.message_id,
        "date": message.date,
        "date_problem": message.date_problem.value if message.date_problem else None,
        "from_addr": message.sender.address if message.sender else "",
        "from_name": (message.sender.name if message.sender else "")[:320],
        "to_addrs": _mailboxes(message.to),
        "cc_addrs": _mailboxes(message.cc),
        "subject": message.subject,
        "in_reply_to": list(message.in_reply_to),
        "refs": list(message.references[-50:]),
        "gm_thread": message.gm_thread,
        "conversation_id": message.conversation_id,
        "thread_id": None,
        **judgement_columns(
            message.noise, message.noise_reason, message.needs_reply, message.text, message.snippet
        ),
        "has_attachments": message.has_attachments,
        "size": message.size,
        "notes": list(message.notes),
        "reply_command": message.reply_command,
        "direction": attribution.direction.value,
        "client": attribution.client,
        "counterpart": attribution.counterpart,
        "first_seen": now,
    } | _client_mail_kept(message, attribution.direction)


def _client_mail_kept(message: Message, direction: Direction) -> dict[str, Any]:
    """A client's message naming a relmon alert in In-Reply-To is still the client's: only we
    receive alert emails, so such a message is a forgery or a mistake, and must not make a
    client's words noise (the fields that undo it; nothing otherwise)."""
    if message.noise is not Noise.ALERT_REPLY or direction is not Direction.INBOUND:
        return {}
    text = message.text
    return {
        "noise": None,
        "noise_reason": None,
        "reply_command": None,
        "needs_reply": text.own_chars > 0 and not text.closing_only,
    }


# Fields a later copy of a message may fill in when the first copy lacked them (a Graph Sent
# Items copy has no headers; an IMAP copy of the same message does).
_FILLABLE = (
    "message_id",
    "gm_thread",
    "conversation_id",
    "language",
    "sentiment",
    "impoliteness",
    "tone",
    "curtness",
    "courtesy",
    "friction_evidence",
    "away_until",
    "snippet",
)
# Fields that decide a message's conversation: when a later copy changes one, it is threaded again.
_THREADING = {"message_id", "gm_thread", "conversation_id", "in_reply_to", "refs"}


def merge(existing: sa.Row[Any], row: dict[str, Any], *, sent: bool) -> dict[str, Any]:
    """What a later copy (``row``) changes in the stored message: what the first copy lacked,
    and, when seen in one of our Sent folders, the attribution it proves."""
    update: dict[str, Any] = {}
    attribution = ("direction", "client", "counterpart")
    if sent and any(getattr(existing, n) != row[n] for n in attribution):
        update.update({n: row[n] for n in attribution})
    for name in _FILLABLE:
        if getattr(existing, name) is None and row.get(name) is not None:
            update[name] = row[name]
    if existing.noise is None and row["noise"] is not None:
        # Any copy that proves the message automatic makes it noise (headers can be missing
        # on one copy, never added on another).
        update.update(noise=row["noise"], noise_reason=row["noise_reason"], needs_reply=False)
    if not existing.friction and row["friction"]:
        update["friction"] = row["friction"]
    if not existing.pressure and row["pressure"]:
        update["pressure"] = row["pressure"]
    if not existing.in_reply_to and row["in_reply_to"]:
        update["in_reply_to"] = row["in_reply_to"]
    if not existing.refs and row["refs"]:
        update["refs"] = row["refs"]
    if update.keys() & _THREADING:
        update["thread_id"] = None  # to be threaded again (see store/conversations.py)
    return update


def _words(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def conflict(stored: Any, row: dict[str, Any]) -> str | None:
    """Why ``row`` is not a copy of the stored message with the same key (``stored``: a row of
    ``messages`` or a row dict), said without its values; ``None`` when it is a copy."""

    def value(name: str) -> Any:
        return stored[name] if isinstance(stored, dict) else getattr(stored, name)

    if value("from_addr") != row["from_addr"]:
        return "another sender"
    if _words(value("subject")) != _words(row["subject"]):
        return "another subject"
    dated = value("date_problem") is None and row["date_problem"] is None
    first: datetime = value("date")
    if dated and abs(first - row["date"]) > SAME_DATE:
        return "another date"
    return None


def not_ours(connection: sa.Connection, sent_by: Sequence[tuple[str, str]]) -> int:
    """How many of these stored messages (key, sender) from our own addresses are not counted
    as ours: no copy of them was read from a Sent folder. A message quarantined for taking
    another's key is not one of them."""
    found = 0
    for chunk in chunks(list(sent_by)):
        wanted = set(chunk)
        query = sa.select(messages.c.key, messages.c.from_addr).where(
            messages.c.key.in_([key for key, _ in chunk]),
            messages.c.direction != Direction.OUTBOUND.value,
        )
        found += sum(1 for row in connection.execute(query) if tuple(row) in wanted)
    return found
