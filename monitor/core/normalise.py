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
from monitor.core import bulk
from monitor.core.bounce import remark_only
from monitor.core.bounds import bound_text
from monitor.core.dates import parse_date
from monitor.core.model import DateProblem, Mailbox, Message, Noise, Quarantined, TextFeatures
from monitor.core.noise import NoiseSignals, NoiseVerdict, classify_noise, noise_from_headers
from monitor.core.owntext import html_to_text, own_text, strip_quotes
from monitor.core.replycommand import alert_answered, parse_command
from monitor.core.sanitise import (
    MAX_NAME_CHARS,
    canonical_id,
    canonical_ids,
    clean_text,
    cut_subject,
    fit_address,
)
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
    null_sender: bool = False  # From: <> in any form (a bounce or system notice), not an error
    headers: Mapping[str, str] = field(default_factory=dict)  # noise-relevant headers
    content_type: str = "text/plain"
    report_type: str | None = None
    calendar_method: str | None = None
    plain: str | None = None
    html: str | None = None
    unique_body: str | None = None  # text already without quoted history (Graph uniqueBody)
    has_attachments: bool = False
    attached_message: bool = False  # a message/rfc822 part: bounces and abuse reports carry one
    size: int = 0
    gm_thread: str | None = None
    conversation_id: str | None = None
    notes: tuple[str, ...] = ()
    hash_basis: bytes = b""  # body bytes for the content hash of a message without Message-ID
    trace: tuple[tuple[str, str], ...] = ()  # Received/Authentication-Results, top first


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
    shown = f" (From: {envelope.sender_header!r})" if envelope.sender_header else ""
    what = "From header has no usable address" if envelope.sender_header else "no From header"
    return Quarantined("no_sender", f"{what}{shown}", key=key)


def _no_date(problem: DateProblem | None, key: str) -> Quarantined:
    what = problem.value if problem else "missing"
    return Quarantined("no_date", f"Date header is {what} and no delivery time is known", key=key)


def _own_text(envelope: Envelope) -> str:
    """What the sender wrote: Exchange's unique body, else the plain or the HTML text, quoted
    history and signature removed."""
    if envelope.unique_body is not None:
        return own_text(envelope.unique_body).text
    body = _text_body(envelope)
    return own_text(body).text if body else ""


def _text_body(envelope: Envelope) -> str:
    """The message's text: its plain part, else its HTML read as text, else nothing."""
    if envelope.plain is not None and envelope.plain.strip():
        return envelope.plain
    return html_to_text(envelope.html) if envelope.html is not None else ""


#: How much of each end of a long body the bulk-mail rules read.
_FOOTER_READ = 64 * 1024


def _header_signals(envelope: Envelope, *, null_sender: bool) -> NoiseSignals:
    """What the noise rules read besides the text: headers, sender, subject, MIME structure."""
    return NoiseSignals(
        headers=envelope.headers,
        sender=envelope.sender.address if envelope.sender is not None else None,
        subject=envelope.subject,
        own_text="",
        report_type=envelope.report_type,
        calendar_method=envelope.calendar_method,
        content_type=envelope.content_type,
        is_reply=bool(envelope.in_reply_to or envelope.references),
        attached_message=envelope.attached_message,
        null_sender=null_sender,
    )


def _forwarded(envelope: Envelope, text: str) -> str:
    """The whole text beside an own text that is at most a short remark (which a forwarded
    delivery report is read in), else ""."""
    if not remark_only(text):
        return ""
    body = _text_body(envelope)[:_FOOTER_READ]
    return bound_text(body.replace("\r\n", "\n").replace("\r", "\n")) if body else ""


def _signals(envelope: Envelope, text: str, *, null_sender: bool) -> NoiseSignals:
    signals = replace(
        _header_signals(envelope, null_sender=null_sender),
        own_text=text,
        forwarded=_forwarded(envelope, text),
    )
    if signals.is_reply:
        # The body rules (footers, mass-mail tags, links and images) never judge a reply: its
        # body is not read for them.
        return signals
    html_only = not (envelope.plain and envelope.plain.strip()) and envelope.html is not None
    body = _text_body(envelope)
    if len(body) > 2 * _FOOTER_READ:  # a footer sits at the start or the end; keep both
        body = body[:_FOOTER_READ] + "\n" + body[-_FOOTER_READ:]
    # Footers are read in the sender's part only: a newsletter quoted in a reply or forwarded by
    # a person leaves that message a person's.
    body = "\n".join(strip_quotes(bound_text(body.replace("\r\n", "\n").replace("\r", "\n")))[0])
    return replace(
        signals,
        body=body,
        html_only=html_only,
        html_refs=bulk.html_refs(envelope.html),
    )


def _proven_noise(envelope: Envelope, *, null_sender: bool) -> NoiseVerdict | None:
    """The noise verdict when the headers alone prove it and nothing the message says is kept:
    bulk and list mail, delivery and read reports, calendar replies, relmon's own alerts. An
    auto-reply's text still states its return date, and an answer to an alert email may carry
    a command, so those are read."""
    if alert_answered(envelope.in_reply_to) is not None:
        return None
    verdict = noise_from_headers(_header_signals(envelope, null_sender=null_sender))
    if verdict is None or verdict.kind is Noise.AUTO_REPLY:
        return None
    return verdict


def _mailbox(mailbox: Mailbox) -> Mailbox | None:
    address = fit_address(mailbox.address)
    if address is None:
        return None
    name = clean_text(mailbox.name)[:MAX_NAME_CHARS]
    if address == mailbox.address and name == mailbox.name:
        return mailbox
    return Mailbox(address, name)


def _mailboxes(found: tuple[Mailbox, ...], notes: list[str], field: str) -> tuple[Mailbox, ...]:
    kept = []
    for mailbox in found:
        fitted = _mailbox(mailbox)
        if fitted is None:
            notes.append(f"{field}: an address with an impossible domain left out")
            continue
        if fitted.address != mailbox.address:
            notes.append(f"{field}: an address over 320 characters kept as a hash at its domain")
        kept.append(fitted)
    return tuple(kept)


def sanitised(envelope: Envelope) -> Envelope | Quarantined:
    """The envelope with every value a store can hold (see :mod:`monitor.core.sanitise`); a
    sender address no store could hold quarantines the message."""
    notes: list[str] = []
    sender = envelope.sender
    if sender is not None:
        fitted = _mailbox(sender)
        if fitted is None:
            return Quarantined(
                "address_too_long",
                "the From address's domain is longer than any domain name can be",
            )
        if fitted.address != sender.address:
            notes.append("From: an address over 320 characters kept as a hash at its domain")
        sender = fitted
    subject, cut = cut_subject(envelope.subject)
    if cut is not None:
        notes.append(cut)
    message_id = canonical_id(envelope.message_id) if envelope.message_id else None
    if message_id != envelope.message_id:
        notes.append("Message-ID too long or malformed: kept as a hash")
    return replace(
        envelope,
        message_id=message_id,
        sender=sender,
        subject=subject,
        to=_mailboxes(envelope.to, notes, "To"),
        cc=_mailboxes(envelope.cc, notes, "Cc"),
        in_reply_to=canonical_ids(envelope.in_reply_to),
        references=canonical_ids(envelope.references),
        sender_header=clean_text(envelope.sender_header) if envelope.sender_header else None,
        headers={name: clean_text(value) for name, value in envelope.headers.items()},
        notes=(*envelope.notes, *notes) if notes else envelope.notes,
    )


def _keyed(envelope: Envelope) -> tuple[Envelope, str] | Quarantined:
    """The envelope made to fit the store, and the message's key."""
    # The content hash reads the envelope as it came, so that a message without Message-ID
    # keeps the key it was stored under before values were made to fit.
    hashed = None if envelope.message_id else content_key(envelope)
    fitted = sanitised(envelope)
    if isinstance(fitted, Quarantined):
        return replace(fitted, key=hashed or canonical_id(envelope.message_id or ""))
    return fitted, fitted.message_id or hashed or content_key(fitted)


def normalise(
    envelope: Envelope, analyzer: TextAnalyzer, *, snippet_chars: int = 0
) -> Normalised | Quarantined:
    """Normalise one message; a message that cannot be placed or attributed is quarantined."""
    keyed = _keyed(envelope)
    if isinstance(keyed, Quarantined):
        return keyed
    envelope, key = keyed
    null_sender = envelope.sender is None and envelope.null_sender
    if envelope.sender is None and not null_sender:
        return _no_sender(envelope, key)
    date, problem = _date(envelope)
    if date is None:
        return _no_date(problem, key)
    verdict: NoiseVerdict | None = _proven_noise(envelope, null_sender=null_sender)
    if verdict is not None:
        # Noise never counts in a measure: its text is not read for language, tone or cues,
        # and the own text is never extracted (most of a mailbox is such mail).
        text, command = "", None
        features = TextFeatures(language=None, own_chars=0)
    else:
        text, verdict, command, features = _read_text(envelope, analyzer, date, null_sender)
    invitation = (envelope.calendar_method or "") in ("REQUEST", "CANCEL", "PUBLISH")
    needs_reply = reply_expected(verdict is not None, features, text) and not invitation
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
        snippet=clean_text(text[:snippet_chars]) if snippet_chars > 0 and text else None,
        trace=envelope.trace,
        reply_command=command,
    )
    message = _without_sentences(message) if snippet_chars <= 0 else _clean_sentences(message)
    return Normalised(message, text)


def _read_text(
    envelope: Envelope, analyzer: TextAnalyzer, date: datetime, null_sender: bool
) -> tuple[str, NoiseVerdict | None, str | None, TextFeatures]:
    """The own text, the noise verdict, an alert reply's command and the text's features."""
    # Control characters are no words; the analysis reads the text as a snippet would keep it,
    # so `relmon db reanalyse` re-derives the same judgements from a stored snippet.
    text = clean_text(_own_text(envelope))
    verdict = classify_noise(_signals(envelope, text, null_sender=null_sender))
    command = None
    if alert_answered(envelope.in_reply_to) is not None:
        # An owner answering relmon: never client mail, whatever it says.
        parsed = parse_command(text)
        command = parsed.encode() if parsed is not None else None
        verdict = verdict or NoiseVerdict(Noise.ALERT_REPLY, "a reply to a relmon alert email")
    features = analyzer.analyse(
        text, date=date, noise=verdict.kind if verdict is not None else None
    )
    return text, verdict, command, features


def reply_expected(noise: bool, features: TextFeatures, text: str) -> bool:
    """A person's message with something in it beyond a short closing waits for an answer
    (whether it waits for *ours* is decided from its recipients, :mod:`monitor.core.addressing`)."""
    return not noise and not features.closing_only and bool(text.strip())


def clean_evidence(features: TextFeatures) -> TextFeatures:
    """Evidence sentence texts a store can hold (no NUL, no control characters)."""
    excerpt = clean_text(features.friction_excerpt) if features.friction_excerpt else None
    if excerpt == features.friction_excerpt and not any(
        s.text and clean_text(s.text) != s.text for s in features.evidence
    ):
        return features
    evidence = tuple(
        replace(s, text=clean_text(s.text) if s.text else None) for s in features.evidence
    )
    return replace(features, evidence=evidence, friction_excerpt=excerpt)


def _clean_sentences(message: Message) -> Message:
    features = clean_evidence(message.text)
    return message if features is message.text else replace(message, text=features)


def _without_sentences(message: Message) -> Message:
    """Evidence sentences and the friction excerpt are body text: kept only when snippets are
    allowed (the friction evidence's cue term comes from the lexicon and stays)."""
    features = message.text
    if not any(s.text for s in features.evidence) and features.friction_excerpt is None:
        return message
    return replace(
        message,
        text=replace(
            features,
            evidence=tuple(replace(s, text=None) for s in features.evidence),
            friction_excerpt=None,
        ),
    )
