"""From an :class:`Envelope` (what a source read) to a normalised :class:`Message`.

Pure: the text analyzer (language model, VADER, lexicons) is built once by the shell and passed
in. The own text is returned beside the message for tests and for the opt-in snippet; it is never
stored otherwise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from monitor.clock import EPOCH
from monitor.core.dates import parse_date
from monitor.core.model import DateProblem, Mailbox, Message, Quarantined
from monitor.core.noise import NoiseSignals, classify_noise
from monitor.core.owntext import html_to_text, own_text
from monitor.core.text import TextAnalyzer

#: A Date more than this far after the delivery time is not believed.
FUTURE_TOLERANCE = timedelta(days=2)
LATEST_BELIEVABLE = datetime(2100, 1, 1, tzinfo=EPOCH.tzinfo)


@dataclass(frozen=True, slots=True)
class Envelope:
    """What a source knows about a message before any interpretation."""

    message_id: str | None
    sender: Mailbox | None
    subject: str = ""
    to: tuple[Mailbox, ...] = ()
    cc: tuple[Mailbox, ...] = ()
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    date_header: str | None = None  # the raw Date header
    date: datetime | None = None  # an already reliable date (Graph sentDateTime), wins if set
    received_at: datetime | None = None  # topmost Received header
    delivered_at: datetime | None = (
        None  # from the source: INTERNALDATE, mbox From_ line, file name
    )
    sender_header: str | None = None  # the raw From value, for the quarantine reason
    headers: Mapping[str, str] = field(default_factory=dict)  # noise-relevant headers
    content_type: str = "text/plain"
    report_type: str | None = None
    calendar_method: str | None = None
    plain: str | None = None
    html: str | None = None
    unique_body: str | None = None  # text already without quoted history (Graph uniqueBody)
    has_attachments: bool = False
    size: int = 0
    gm_thread: str | None = None
    conversation_id: str | None = None
    notes: tuple[str, ...] = ()
    hash_basis: bytes = b""  # body bytes for the content hash of a message without Message-ID


@dataclass(frozen=True, slots=True)
class Normalised:
    message: Message
    own_text: str


def _date(envelope: Envelope) -> tuple[datetime | None, DateProblem | None]:
    fallback = envelope.received_at or envelope.delivered_at
    if envelope.date is not None:
        return envelope.date, None
    if envelope.date_header is None or not envelope.date_header.strip():
        return fallback, DateProblem.MISSING
    parsed = parse_date(envelope.date_header)
    if parsed is None:
        return fallback, DateProblem.UNPARSEABLE
    reference = envelope.received_at or envelope.delivered_at
    too_early = parsed < EPOCH
    too_late = parsed >= LATEST_BELIEVABLE or (
        reference is not None and parsed > reference + FUTURE_TOLERANCE
    )
    if too_early or too_late:
        return (fallback or parsed), DateProblem.IMPLAUSIBLE
    return parsed, None


def content_key(envelope: Envelope) -> str:
    """Identity of a message without a Message-ID: the same message read from two mailboxes
    hashes the same (Received headers and folder do not enter), different messages do not."""
    digest = hashlib.sha256()
    for piece in (
        envelope.sender.address if envelope.sender else "",
        ",".join(m.address for m in envelope.to),
        ",".join(m.address for m in envelope.cc),
        envelope.date_header or "",
        envelope.subject,
    ):
        digest.update(piece.encode("utf-8", "replace"))
        digest.update(b"\x00")
    digest.update(envelope.hash_basis)
    return "sha256:" + digest.hexdigest()[:40]


def _no_sender(envelope: Envelope, key: str) -> Quarantined:
    if (envelope.sender_header or "").strip() == "<>":
        return Quarantined(
            "null_sender",
            "From: <> (the null sender bounces use); nothing to attribute",
            key=key,
        )
    shown = f" (From: {envelope.sender_header!r})" if envelope.sender_header else ""
    what = "From header has no usable address" if envelope.sender_header else "no From header"
    return Quarantined("no_sender", f"{what}{shown}", key=key)


def _own_text(envelope: Envelope) -> str:
    """What the sender wrote: Exchange's unique body, else the plain or the HTML text, quoted
    history and signature removed."""
    if envelope.unique_body is not None:
        return own_text(envelope.unique_body).text
    if envelope.plain is not None and envelope.plain.strip():
        return own_text(envelope.plain).text
    if envelope.html is not None:
        return own_text(html_to_text(envelope.html)).text
    return ""


def normalise(
    envelope: Envelope, analyzer: TextAnalyzer, *, snippet_chars: int = 0
) -> Normalised | Quarantined:
    """Normalise one message; a message that cannot be placed or attributed is quarantined."""
    key = envelope.message_id or content_key(envelope)
    if envelope.sender is None:
        return _no_sender(envelope, key)
    date, problem = _date(envelope)
    if date is None:
        return Quarantined(
            "no_date",
            f"Date header is {problem.value if problem else 'missing'} and no delivery time is known",
            key=key,
        )
    text = _own_text(envelope)
    verdict = classify_noise(
        NoiseSignals(
            headers=envelope.headers,
            sender=envelope.sender.address,
            subject=envelope.subject,
            own_text=text,
            report_type=envelope.report_type,
            calendar_method=envelope.calendar_method,
            content_type=envelope.content_type,
        )
    )
    features = analyzer.analyse(
        text, date=date, noise=verdict.kind if verdict is not None else None
    )
    invitation = (envelope.calendar_method or "") in ("REQUEST", "CANCEL", "PUBLISH")
    needs_reply = (
        verdict is None and not features.closing_only and bool(text.strip()) and not invitation
    )
    message = Message(
        key=key,
        message_id=envelope.message_id,
        date=date,
        sender=envelope.sender,
        to=envelope.to,
        cc=envelope.cc,
        subject=envelope.subject,
        in_reply_to=envelope.in_reply_to,
        references=envelope.references,
        date_problem=problem,
        noise=verdict.kind if verdict else None,
        noise_reason=verdict.reason if verdict else None,
        needs_reply=needs_reply,
        has_attachments=envelope.has_attachments,
        size=envelope.size,
        text=features,
        gm_thread=envelope.gm_thread,
        conversation_id=envelope.conversation_id,
        notes=envelope.notes,
        snippet=text[:snippet_chars] if snippet_chars > 0 and text else None,
    )
    if snippet_chars <= 0:
        message = _without_sentences(message)
    return Normalised(message, text)


def _without_sentences(message: Message) -> Message:
    """Evidence sentences are body text: kept only when snippets are allowed."""
    features = message.text
    if not any(s.text for s in features.evidence):
        return message
    return replace(
        message,
        text=replace(features, evidence=tuple(replace(s, text=None) for s in features.evidence)),
    )
