"""A Graph ``message`` (JSON) to an :class:`Envelope`: the same normalised form IMAP and local
mail reach through MIME, without any MIME. Pure: no I/O.

What Graph gives and where it goes:

- ``internetMessageId`` is the Message-ID (identity across mailboxes and Inbox/Sent copies).
- ``sentDateTime`` is a reliable UTC date (``receivedDateTime`` for the rare item without one).
- ``uniqueBody`` (requested as text) is the part of the body new in this message: own text
  without quoted history, computed by Exchange across the conversation.
- ``internetMessageHeaders`` carries the headers noise detection reads (Auto-Submitted,
  Precedence, List-Id …) and In-Reply-To/References. Copies in Sent Items have none
  (documented by Microsoft engineers; see the research notes). For threading, relmon also asks
  for three MAPI properties stored on every item, Sent Items copies included:
  PidTagInReplyToId (0x1042), PidTagInternetReferences (0x1039) and the message class
  (0x001A: delivery reports, read receipts, meeting responses), plus the size (0x0E08).
  Fetching each sent message's MIME (``/$value``) would cost one request per message for the
  same two headers.
- ``conversationId`` is kept; the threading core uses it only for messages without reference
  headers and among the same participants, because Exchange gives unrelated same-subject mail
  one conversationId.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from monitor.clock import as_utc
from monitor.core.model import Mailbox
from monitor.core.normalise import Envelope
from monitor.core.owntext import html_to_text
from monitor.sources.parse import decode_header_text, is_noise_header, message_ids

#: Message properties relmon reads (``id`` always comes back).
SELECT = (
    "internetMessageId",
    "conversationId",
    "subject",
    "from",
    "sender",
    "toRecipients",
    "ccRecipients",
    "sentDateTime",
    "receivedDateTime",
    "hasAttachments",
    "isDraft",
    "uniqueBody",
    "bodyPreview",
    "internetMessageHeaders",
)
IN_REPLY_TO = "String 0x1042"
REFERENCES = "String 0x1039"
MESSAGE_CLASS = "String 0x001A"
MESSAGE_SIZE = "Integer 0x0E08"
EXTENDED = (IN_REPLY_TO, REFERENCES, MESSAGE_CLASS, MESSAGE_SIZE)

#: Documented well-known folder names, usable in place of a folder id in any mailbox locale.
WELL_KNOWN_FOLDERS = frozenset(
    {
        "archive",
        "clutter",
        "conflicts",
        "conversationhistory",
        "deleteditems",
        "drafts",
        "inbox",
        "junkemail",
        "localfailures",
        "msgfolderroot",
        "outbox",
        "recoverableitemsdeletions",
        "scheduled",
        "searchfolders",
        "sentitems",
        "serverfailures",
        "syncissues",
    }
)
SENT_FOLDERS = frozenset({"sentitems"})


def expand_clause() -> str:
    filters = " or ".join(f"id eq '{name}'" for name in EXTENDED)
    return f"singleValueExtendedProperties($filter={filters})"


def _property_key(identifier: str) -> tuple[str, int] | None:
    """``"String 0x001A"`` and ``"String 0x1a"`` name the same property."""
    kind, _, tag = identifier.strip().partition(" ")
    try:
        return kind.casefold(), int(tag, 16)
    except ValueError:
        return None


_WANTED = {_property_key(name): name for name in EXTENDED}


def extended_properties(message: Mapping[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in message.get("singleValueExtendedProperties") or []:
        if not isinstance(item, Mapping):
            continue
        name = _WANTED.get(_property_key(str(item.get("id") or "")))
        if name is not None and item.get("value") is not None:
            found[name] = str(item["value"])
    return found


def is_removed(message: Mapping[str, Any]) -> bool:
    return "@removed" in message


def is_complete(message: Mapping[str, Any]) -> bool:
    """Whether a delta item carries the message itself, not only the properties that changed
    (an update may arrive as ``{id, isRead, parentFolderId}`` even with a long ``$select``)."""
    has_sender = "from" in message or "sender" in message
    has_date = "sentDateTime" in message or "receivedDateTime" in message
    return has_sender and has_date and "subject" in message


def needs_body(message: Mapping[str, Any]) -> bool:
    """uniqueBody missing although the message has text: the body must be fetched instead."""
    unique = message.get("uniqueBody")
    has_unique = isinstance(unique, Mapping) and unique.get("content") is not None
    return not has_unique and bool((message.get("bodyPreview") or "").strip())


def _mailbox(value: Any) -> Mailbox | None:
    if not isinstance(value, Mapping):
        return None
    email = value.get("emailAddress")
    if not isinstance(email, Mapping):
        return None
    address = str(email.get("address") or "").strip().strip("<>").casefold()
    # Exchange sometimes shows internal senders by their X.500 name (/o=ExchangeLabs/...).
    if "@" not in address or " " in address or address.startswith("@") or address.endswith("@"):
        return None
    return Mailbox(address=address, name=str(email.get("name") or "").strip(" \"'"))


def _mailboxes(values: Any) -> tuple[Mailbox, ...]:
    found: list[Mailbox] = []
    seen: set[str] = set()
    for value in values if isinstance(values, Sequence) and not isinstance(values, str) else []:
        mailbox = _mailbox(value)
        if mailbox is not None and mailbox.address not in seen:
            seen.add(mailbox.address)
            found.append(mailbox)
    return tuple(found)


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        return None


def _headers(message: Mapping[str, Any]) -> dict[str, str]:
    """Lower-case header name to its first value, for the headers relmon reads."""
    wanted = {"in-reply-to", "references", "content-type", "message-id"}
    found: dict[str, str] = {}
    for item in message.get("internetMessageHeaders") or []:
        if not isinstance(item, Mapping):
            continue
        name = str(item.get("name") or "").strip().lower()
        if (name in wanted or is_noise_header(name)) and name not in found:
            found[name] = str(item.get("value") or "")
    return found


def _content_type(header: str | None) -> tuple[str | None, str | None]:
    """Main type and report-type parameter of a Content-Type value."""
    if not header:
        return None, None
    main, *params = header.split(";")
    report_type = None
    for param in params:
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "report-type":
            report_type = value.strip().strip('"').lower() or None
    return main.strip().lower() or None, report_type


def _from_message_class(message_class: str | None) -> tuple[str | None, str | None, str | None]:
    """(content type, report type, calendar method) that an Exchange message class implies."""
    value = (message_class or "").lower()
    if value.startswith("report.") and (".ipnrn" in value or ".ipnnrn" in value):
        return "multipart/report", "disposition-notification", None
    if value.startswith("report."):
        return "multipart/report", "delivery-status", None
    if value.startswith("ipm.schedule.meeting.resp."):
        return None, None, "REPLY"
    if value.startswith("ipm.schedule.meeting.request"):
        return None, None, "REQUEST"
    if value.startswith("ipm.schedule.meeting.canceled"):
        return None, None, "CANCEL"
    return None, None, None


def _body(value: Any) -> tuple[str | None, str | None]:
    """(plain, html) of a Graph itemBody."""
    if not isinstance(value, Mapping) or value.get("content") is None:
        return None, None
    content = str(value["content"])
    if str(value.get("contentType") or "").lower() == "html":
        return None, content
    return content, None


def _sender(
    message: Mapping[str, Any], mailbox: str, folder: str, notes: list[str]
) -> tuple[Mailbox | None, str | None]:
    """The sender and the From header as shown (display name and address)."""
    sender = _mailbox(message.get("from")) or _mailbox(message.get("sender"))
    if sender is None and folder.lower() in SENT_FOLDERS:
        # A Sent Items copy with an unusable From (seen as a bare display name): it is ours.
        sender = Mailbox(address=mailbox.casefold())
        notes.append("graph: From unusable on a Sent Items copy; the mailbox owner is the sender")
    raw_from = message.get("from") or message.get("sender")
    sender_header = None
    if isinstance(raw_from, Mapping) and isinstance(raw_from.get("emailAddress"), Mapping):
        email = raw_from["emailAddress"]
        sender_header = f"{email.get('name') or ''} <{email.get('address') or ''}>".strip()[:200]
    return sender, sender_header


def _kind(
    headers: Mapping[str, str], properties: Mapping[str, str]
) -> tuple[str | None, str | None, str | None]:
    """(content type, report type, calendar method) from the headers and the message class."""
    content_type, report_type = _content_type(headers.get("content-type"))
    class_type, class_report, calendar_method = _from_message_class(properties.get(MESSAGE_CLASS))
    if (
        content_type
        in (None, "multipart/mixed", "multipart/alternative", "text/plain", "text/html")
        and class_type
    ):
        content_type, report_type = class_type, report_type or class_report
    return content_type, report_type, calendar_method


def _texts(
    message: Mapping[str, Any], notes: list[str]
) -> tuple[str | None, str | None, str | None]:
    """(plain, html, unique body): the preview stands in when there is no body at all."""
    unique_plain, unique_html = _body(message.get("uniqueBody"))
    unique_body: str | None = None
    if unique_plain is not None:
        unique_body = unique_plain
    elif unique_html is not None:
        unique_body = html_to_text(unique_html)
    plain, html = _body(message.get("body"))
    if unique_body is None and plain is None and html is None and message.get("bodyPreview"):
        plain = str(message["bodyPreview"])
        notes.append("graph: text from the 255-character preview (no body available)")
    return plain, html, unique_body


def envelope_from_graph(message: Mapping[str, Any], *, mailbox: str, folder: str) -> Envelope:
    """The envelope of one complete Graph message read from ``folder`` of ``mailbox``."""
    headers = _headers(message)
    properties = extended_properties(message)
    notes: list[str] = []
    sender, sender_header = _sender(message, mailbox, folder, notes)
    in_reply_to = message_ids(headers.get("in-reply-to")) or message_ids(
        properties.get(IN_REPLY_TO)
    )
    references = message_ids(headers.get("references")) or message_ids(properties.get(REFERENCES))
    content_type, report_type, calendar_method = _kind(headers, properties)
    plain, html, unique_body = _texts(message, notes)
    sent = _datetime(message.get("sentDateTime"))
    received = _datetime(message.get("receivedDateTime"))
    size_text = properties.get(MESSAGE_SIZE, "")
    text_basis = unique_body or plain or html or ""
    return Envelope(
        message_id=(message_ids(str(message.get("internetMessageId") or "")) or (None,))[0],
        sender=sender,
        sender_header=sender_header,
        subject=str(message.get("subject") or ""),
        to=_mailboxes(message.get("toRecipients")),
        cc=_mailboxes(message.get("ccRecipients")),
        in_reply_to=in_reply_to,
        references=references,
        date=sent or received,
        received_at=received,
        delivered_at=received,
        headers={
            name: decode_header_text(value)
            for name, value in headers.items()
            if is_noise_header(name)
        },
        content_type=content_type or "text/plain",
        report_type=report_type,
        calendar_method=calendar_method,
        plain=plain,
        html=html,
        unique_body=unique_body,
        has_attachments=bool(message.get("hasAttachments")),
        size=int(size_text) if size_text.isdigit() else 0,
        conversation_id=str(message["conversationId"]) if message.get("conversationId") else None,
        notes=tuple(notes),
        hash_basis=(str(message.get("sentDateTime") or "") + "\x00" + text_basis).encode(
            "utf-8", "replace"
        ),
    )
