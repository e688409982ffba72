"""A fake Microsoft Graph mail service, faithful to the documented JSON shapes.

Shapes follow Microsoft's documentation (``message``, ``mailFolder``, ``message: delta``, the
delta-query guides and the error format); the property set of a message mirrors the samples in
Microsoft's Graph mocks for Dev Proxy (MIT, © 2023 Waldek Mastykarz; see
``../shared/data/graph-mocks/LICENSE``), from which no entries are copied verbatim.

Behaviour modelled:
- ``/users/{id|('id')}/…`` and ``/me/…``; ``mailFolders/{well-known name or id}``,
  ``childFolders``, ``messages/{id}``, ``messages/delta``.
- Delta rounds: pages of ``Prefer: odata.maxpagesize`` (10 by default) linked by
  ``@odata.nextLink`` (``$skiptoken``) up to ``@odata.deltaLink`` (``$deltatoken``); the
  query of the first request is remembered in the (opaque) token. Later rounds return created
  messages whole, updates as only the changed properties plus ``id``, deletions as
  ``{"id", "@removed": {"reason": "deleted"}}``.
- ``$select`` and ``singleValueExtendedProperties`` ``$expand``; ``uniqueBody`` and
  ``internetMessageHeaders`` only when selected; Sent Items copies have no headers.
- ``Prefer: outlook.body-content-type="text"`` (else HTML) with ``Preference-Applied``;
  ``Prefer: IdType="ImmutableId"`` (else ids change when a message moves).
- Errors: 401 for an unknown or expired token, 403 for a mailbox outside the app's scope,
  404 for unknown mailboxes and folders, 429/503 with or without ``Retry-After`` on demand,
  ``410 Gone`` (with a ``Location``) or ``syncStateNotFound`` for void delta tokens.
- Every request is recorded with its time, mailbox, status and the concurrency per mailbox.
"""

from __future__ import annotations

import base64
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote

from tests.fakes.entra import FakeEntra
from tests.fakes.https import FakeService, Request, Response

WELL_KNOWN = {
    "inbox": "Inbox",
    "sentitems": "Sent Items",
    "deleteditems": "Deleted Items",
    "drafts": "Drafts",
    "archive": "Archive",
    "junkemail": "Junk Email",
}
_PAGE_DEFAULT = 10


@dataclass
class FakeMessage:
    id: str
    internet_message_id: str
    subject: str
    sender: tuple[str, str]  # (name, address)
    to: list[tuple[str, str]]
    sent: datetime
    received: datetime
    text: str  # the whole body, as text
    unique_text: str | None = None  # the new part; None: same as text
    cc: list[tuple[str, str]] = field(default_factory=list)
    conversation_id: str = ""
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    headers: list[tuple[str, str]] | None = None  # None: a Sent Items copy without headers
    message_class: str = "IPM.Note"
    has_attachments: bool = False
    is_read: bool = False
    is_draft: bool = False
    folder_id: str = ""
    changed_at: int = 0  # folder sequence number of the last change
    created_at: int = 0  # folder sequence number of the arrival

    def html(self, text: str) -> str:
        paragraphs = "".join(f"<p>{line}</p>" for line in text.split("\n\n"))
        return f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>{paragraphs}</body></html>'


@dataclass
class FakeFolder:
    id: str
    name: str
    parent: str | None
    messages: dict[str, FakeMessage] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)  # id -> sequence number of the deletion
    seq: int = 0


@dataclass
class FakeMailbox:
    address: str
    folders: dict[str, FakeFolder] = field(default_factory=dict)  # by id


@dataclass
class RoundState:
    """What an opaque skip/delta token stands for."""

    mailbox: str
    folder: str
    select: list[str] | None
    expand: str | None
    since: int | None  # sequence number the round started after (None: first round)
    until: int  # the folder's sequence number when the round started
    pending: list[dict[str, Any]] | None = None  # items not yet returned in this round


@dataclass
class Recorded:
    started: float
    ended: float
    mailbox: str | None
    path: str
    query: str
    prefer: str
    status: int
    token: str | None


@dataclass
class Fault:
    mailbox: str | None
    status: int
    retry_after: str | None
    count: int
    path_contains: str = ""
    code: str = ""


class FakeGraph(FakeService):
    def __init__(self, entra: FakeEntra, *, latency: float = 0.02) -> None:
        self.entra = entra
        self.latency = latency
        self.lock = threading.Lock()
        self.mailboxes: dict[str, FakeMailbox] = {}
        self.forbidden: set[str] = set()
        self.faults: list[Fault] = []
        self.rounds: dict[str, RoundState] = {}
        self.void_tokens: dict[
            tuple[str, str], str
        ] = {}  # (mailbox, folder) -> "gone" | "syncStateNotFound"
        self.partial_updates = True
        self.foreign_next_link = False
        self.refuse_extended_properties = False  # a tenant that rejects the $expand in delta
        self.omit_unique_body = False  # uniqueBody missing from the answers
        self.requests: list[Recorded] = []
        self.in_flight: dict[str, int] = {}
        self.max_in_flight: dict[str, int] = {}

    # --- data ----------------------------------------------------------------

    def add_mailbox(self, address: str) -> FakeMailbox:
        mailbox = FakeMailbox(address.casefold())
        root = FakeFolder(id=self._id("root"), name="Top of Information Store", parent=None)
        mailbox.folders[root.id] = root
        for name, display in WELL_KNOWN.items():
            folder = FakeFolder(id=self._id(name), name=display, parent=root.id)
            mailbox.folders[folder.id] = folder
        self.mailboxes[mailbox.address] = mailbox
        return mailbox

    def add_folder(self, address: str, path: str) -> FakeFolder:
        mailbox = self.mailboxes[address.casefold()]
        parent = self._root(mailbox)
        for part in path.split("/"):
            existing = [
                f for f in mailbox.folders.values() if f.parent == parent.id and f.name == part
            ]
            if existing:
                parent = existing[0]
                continue
            folder = FakeFolder(id=self._id(part), name=part, parent=parent.id)
            mailbox.folders[folder.id] = folder
            parent = folder
        return parent

    def folder(self, address: str, name: str) -> FakeFolder:
        mailbox = self.mailboxes[address.casefold()]
        if name.lower() in WELL_KNOWN:
            return next(f for f in mailbox.folders.values() if f.name == WELL_KNOWN[name.lower()])
        folder = self._root(mailbox)
        for part in name.split("/"):
            folder = next(
                f
                for f in mailbox.folders.values()
                if f.parent == folder.id and f.name.casefold() == part.casefold()
            )
        return folder

    def deliver(self, address: str, folder: str, message: FakeMessage) -> FakeMessage:
        with self.lock:
            target = self.folder(address, folder)
            target.seq += 1
            message.folder_id = target.id
            message.changed_at = message.created_at = target.seq
            if not message.id:
                message.id = self._id("msg")
            target.messages[message.id] = message
            target.deleted.pop(message.id, None)
            return message

    def delete(self, address: str, folder: str, message_id: str) -> None:
        with self.lock:
            target = self.folder(address, folder)
            target.messages.pop(message_id)
            target.seq += 1
            target.deleted[message_id] = target.seq

    def mark_read(self, address: str, folder: str, message_id: str) -> None:
        with self.lock:
            target = self.folder(address, folder)
            target.seq += 1
            message = target.messages[message_id]
            message.is_read = True
            message.changed_at = target.seq

    def void_delta_tokens(self, address: str, folder: str, how: str = "gone") -> None:
        """The service forgets the folder's sync state (token lifetime is not fixed)."""
        with self.lock:
            self.void_tokens[(address.casefold(), self.folder(address, folder).id)] = how

    def fail(
        self,
        mailbox: str | None,
        status: int,
        *,
        count: int = 1,
        retry_after: str | None = None,
        path_contains: str = "",
        code: str = "",
    ) -> None:
        with self.lock:
            self.faults.append(
                Fault(
                    mailbox.casefold() if mailbox else None,
                    status,
                    retry_after,
                    count,
                    path_contains,
                    code,
                )
            )

    # --- inspection ----------------------------------------------------------

    def recorded(self, mailbox: str | None = None) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if mailbox is None or r.mailbox == mailbox.casefold()]

    # --- internals -----------------------------------------------------------

    @staticmethod
    def _id(hint: str) -> str:
        raw = f"{hint}:{secrets.token_hex(12)}".encode()
        return "AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0A" + base64.urlsafe_b64encode(
            raw
        ).decode().rstrip("=")

    def _root(self, mailbox: FakeMailbox) -> FakeFolder:
        return next(f for f in mailbox.folders.values() if f.parent is None)

    def _find(self, mailbox: FakeMailbox, key: str) -> FakeFolder | None:
        if key.lower() == "msgfolderroot":
            return self._root(mailbox)
        if key.lower() in WELL_KNOWN:
            return next(f for f in mailbox.folders.values() if f.name == WELL_KNOWN[key.lower()])
        return mailbox.folders.get(key)

    def _error(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> Response:
        return Response(
            status,
            {
                "error": {
                    "code": code,
                    "message": message,
                    "innerError": {
                        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                        "request-id": secrets.token_hex(16),
                        "client-request-id": secrets.token_hex(16),
                    },
                }
            },
            headers or {},
        )

    # --- HTTP ----------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        started = time.monotonic()
        mailbox_key = self._mailbox_of(request.path)
        with self.lock:
            if mailbox_key:
                self.in_flight[mailbox_key] = self.in_flight.get(mailbox_key, 0) + 1
                self.max_in_flight[mailbox_key] = max(
                    self.max_in_flight.get(mailbox_key, 0), self.in_flight[mailbox_key]
                )
        try:
            time.sleep(self.latency)
            response = self._respond(request, mailbox_key)
        finally:
            with self.lock:
                if mailbox_key:
                    self.in_flight[mailbox_key] -= 1
        authorization = request.header("Authorization") or ""
        with self.lock:
            self.requests.append(
                Recorded(
                    started,
                    time.monotonic(),
                    mailbox_key,
                    request.path,
                    request.raw_query,
                    request.header("Prefer") or "",
                    response.status,
                    authorization.removeprefix("Bearer ") or None,
                )
            )
        return response

    def _mailbox_of(self, path: str) -> str | None:
        match = re.match(r"^/v1\.0/(?:users/([^/]+)|users\('([^']+)'\)|(me))(?:/|$)", path)
        if not match:
            return None
        if match.group(3):
            return "me"
        return unquote(match.group(1) or match.group(2)).casefold()

    def _respond(self, request: Request, mailbox_key: str | None) -> Response:
        if request.method != "GET":
            return self._error(405, "BadRequest", "Method not allowed.")
        authorization = request.header("Authorization") or ""
        token = (
            self.entra.validate(authorization.removeprefix("Bearer ").strip())
            if authorization.startswith("Bearer ")
            else None
        )
        if token is None:
            return self._error(
                401,
                "InvalidAuthenticationToken",
                "Access token has expired or is not yet valid.",
                {"WWW-Authenticate": 'Bearer realm="", error="invalid_token"'},
            )
        if mailbox_key is None:
            return self._error(400, "BadRequest", "Resource not found for the segment.")
        with self.lock:
            for fault in self.faults:
                if (
                    fault.count > 0
                    and (fault.mailbox is None or fault.mailbox == mailbox_key)
                    and fault.path_contains in request.path + "?" + request.raw_query
                ):
                    fault.count -= 1
                    headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                    if fault.status == 429:
                        return self._error(
                            429,
                            fault.code or "ApplicationThrottled",
                            "Application is over its MailboxConcurrency limit.",
                            headers,
                        )
                    return self._error(
                        fault.status,
                        fault.code or "ServiceUnavailable",
                        "The service is temporarily unavailable.",
                        headers,
                    )
        if mailbox_key == "me":
            if token.username is None:
                return self._error(
                    400,
                    "BadRequest",
                    "/me request is only valid with delegated authentication flow.",
                )
            mailbox_key = token.username.casefold()
        elif token.username is not None and token.username.casefold() != mailbox_key:
            return self._error(
                403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
            )
        if mailbox_key in self.forbidden:
            return self._error(
                403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
            )
        mailbox = self.mailboxes.get(mailbox_key)
        if mailbox is None:
            return self._error(
                404, "ErrorInvalidUser", f"The requested user '{mailbox_key}' is invalid."
            )
        rest = re.sub(r"^/v1\.0/(?:users/[^/]+|users\('[^']+'\)|me)", "", request.path)
        return self._route(request, mailbox, rest)

    def _route(self, request: Request, mailbox: FakeMailbox, rest: str) -> Response:
        segments = [unquote(s) for s in rest.split("/") if s]
        lowered = [s.lower() for s in segments]
        prefer = self._prefer(request)
        immutable = prefer.get("idtype", "").strip('"').lower() == "immutableid"
        text = prefer.get("outlook.body-content-type", "").strip('"').lower() == "text"
        applied = {"Preference-Applied": 'outlook.body-content-type="text"'} if text else {}

        def folder_key(segment: str) -> str:
            found = re.match(r"^\('([^']+)'\)$", segment)
            return found.group(1) if found else segment

        if lowered[:1] == ["mailfolders"] and len(segments) == 1:
            return self._folders(request, mailbox, self._root(mailbox))
        if lowered[:1] == ["mailfolders"] or lowered[0].startswith("mailfolders("):
            if lowered[0].startswith("mailfolders("):
                key, tail = folder_key(segments[0][len("mailFolders") :]), lowered[1:]
            else:
                key, tail = folder_key(segments[1]), lowered[2:]
            folder = self._find(mailbox, key)
            if folder is None:
                return self._error(
                    404, "ErrorItemNotFound", "The specified object was not found in the store."
                )
            if not tail:
                return Response(
                    200,
                    {
                        "@odata.context": f"{self.url}/v1.0/$metadata#users('{mailbox.address}')/mailFolders/$entity",
                        "id": folder.id,
                        "displayName": folder.name,
                        "parentFolderId": folder.parent,
                        "childFolderCount": sum(
                            1 for f in mailbox.folders.values() if f.parent == folder.id
                        ),
                        "unreadItemCount": sum(
                            1 for m in folder.messages.values() if not m.is_read
                        ),
                        "totalItemCount": len(folder.messages),
                        "isHidden": False,
                    },
                )
            if tail == ["childfolders"]:
                return self._folders(request, mailbox, folder)
            if tail == ["messages", "delta"]:
                return self._delta(
                    request, mailbox, folder, immutable=immutable, text=text, applied=applied
                )
        if lowered[:1] == ["messages"] and len(segments) == 2:
            for folder in mailbox.folders.values():
                message = folder.messages.get(
                    segments[1] if immutable else segments[1].removeprefix("MUT-")
                )
                if message is not None:
                    select = request.query.get("$select")
                    body = self._render(
                        message,
                        select.split(",") if select else None,
                        request.query.get("$expand"),
                        immutable=immutable,
                        text=text,
                    )
                    return Response(200, body, applied)
            return self._error(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            )
        return self._error(
            400,
            "BadRequest",
            f"Resource not found for the segment '{segments[0] if segments else ''}'.",
        )

    @staticmethod
    def _prefer(request: Request) -> dict[str, str]:
        found: dict[str, str] = {}
        for value in (request.header("Prefer") or "").split(","):
            name, _, setting = value.strip().partition("=")
            if name:
                found[name.strip().lower()] = setting.strip()
        return found

    def _folders(self, request: Request, mailbox: FakeMailbox, parent: FakeFolder) -> Response:
        children = [f for f in mailbox.folders.values() if f.parent == parent.id]
        top = int(request.query.get("$top", "10"))
        skip = int(request.query.get("$skip", "0"))
        page = children[skip : skip + top]
        body: dict[str, Any] = {
            "@odata.context": f"{self.url}/v1.0/$metadata#users('{mailbox.address}')/mailFolders",
            "value": [
                {
                    "id": f.id,
                    "displayName": f.name,
                    "parentFolderId": f.parent,
                    "childFolderCount": 0,
                    "unreadItemCount": 0,
                    "totalItemCount": len(f.messages),
                    "isHidden": False,
                }
                for f in page
            ],
        }
        if skip + top < len(children):
            body["@odata.nextLink"] = f"{self.url}{request.path}?$top={top}&$skip={skip + top}"
        return Response(200, body)

    # delta ---------------------------------------------------------------------

    def _delta(
        self,
        request: Request,
        mailbox: FakeMailbox,
        folder: FakeFolder,
        *,
        immutable: bool,
        text: bool,
        applied: dict[str, str],
    ) -> Response:
        page_size = int(self._prefer(request).get("odata.maxpagesize", _PAGE_DEFAULT))
        skip = request.query.get("$skiptoken")
        delta = request.query.get("$deltatoken")
        with self.lock:
            void = self.void_tokens.get((mailbox.address, folder.id))
            if (skip or delta) and void:
                self.void_tokens.pop((mailbox.address, folder.id), None)
                for key in [
                    k
                    for k, v in self.rounds.items()
                    if v.mailbox == mailbox.address and v.folder == folder.id
                ]:
                    del self.rounds[key]
                if void == "gone":
                    location = f"{self.url}{request.path}?$deltatoken="
                    return Response(
                        410,
                        {
                            "error": {
                                "code": "Gone",
                                "message": "The sync state has expired; resynchronise.",
                            }
                        },
                        {"Location": location},
                    )
                return self._error(
                    400, "syncStateNotFound", "The sync state generation is not found."
                )
            if skip:
                state = self.rounds.pop(skip, None)
                if state is None:
                    return self._error(400, "BadRequest", "Invalid skip token.")
            elif delta:
                previous = self.rounds.pop(delta, None)
                if previous is None:
                    return self._error(
                        400, "syncStateNotFound", "The sync state generation is not found."
                    )
                state = RoundState(
                    mailbox.address,
                    folder.id,
                    previous.select,
                    previous.expand,
                    previous.until,
                    folder.seq,
                )
            else:
                if self.refuse_extended_properties and "$expand" in request.query:
                    return self._error(
                        400,
                        "BadRequest",
                        "Parsing OData Select and Expand failed: Property 'singleValueExtendedProperties' is not supported here.",
                    )
                select = request.query.get("$select")
                state = RoundState(
                    mailbox.address,
                    folder.id,
                    select.split(",") if select else None,
                    request.query.get("$expand"),
                    None,
                    folder.seq,
                )
            if state.pending is None:
                state.pending = self._changes(folder, state, immutable=immutable, text=text)
            page, rest = state.pending[:page_size], state.pending[page_size:]
            state.pending = rest
            base = f"{self.url}/v1.0/users('{quote(mailbox.address)}')/mailFolders('{folder.id}')/messages/delta"
            host = "https://graph.contoso-attacker.example" if self.foreign_next_link else self.url
            body: dict[str, Any] = {
                "@odata.context": f"{self.url}/v1.0/$metadata#Collection(message)",
                "value": page,
            }
            token = secrets.token_urlsafe(18)
            if rest:
                self.rounds[token] = state
                body["@odata.nextLink"] = f"{base.replace(self.url, host)}?$skiptoken={token}"
            else:
                self.rounds[token] = RoundState(
                    mailbox.address, folder.id, state.select, state.expand, None, state.until
                )
                body["@odata.deltaLink"] = f"{base}?$deltatoken={token}"
        return Response(200, body, applied)

    def _changes(
        self, folder: FakeFolder, state: RoundState, *, immutable: bool, text: bool
    ) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        ordered = sorted(folder.messages.values(), key=lambda m: m.received)
        if state.since is None:
            return [
                self._render(m, state.select, state.expand, immutable=immutable, text=text)
                for m in ordered
                if m.changed_at <= state.until
            ]
        for message in ordered:
            if not (state.since < message.changed_at <= state.until):
                continue
            if self._created_after(message, state.since):
                items.append(
                    self._render(
                        message, state.select, state.expand, immutable=immutable, text=text
                    )
                )
            elif self.partial_updates:
                items.append(
                    {
                        "@odata.type": "#microsoft.graph.message",
                        "@odata.etag": f'W/"{secrets.token_hex(8)}"',
                        "id": self._public_id(message, immutable),
                        "isRead": message.is_read,
                        "parentFolderId": folder.id,
                    }
                )
            else:
                items.append(
                    self._render(
                        message, state.select, state.expand, immutable=immutable, text=text
                    )
                )
        for message_id, seq in folder.deleted.items():
            if state.since < seq <= state.until:
                items.append(
                    {
                        "@odata.type": "#microsoft.graph.message",
                        "id": message_id if immutable else "MUT-" + message_id,
                        "@removed": {"reason": "deleted"},
                    }
                )
        return items

    @staticmethod
    def _created_after(message: FakeMessage, since: int) -> bool:
        return message.created_at > since

    @staticmethod
    def _public_id(message: FakeMessage, immutable: bool) -> str:
        # Without the ImmutableId preference an id depends on the folder: moving changes it.
        return message.id if immutable else "MUT-" + message.id

    def _render(
        self,
        message: FakeMessage,
        select: list[str] | None,
        expand: str | None,
        *,
        immutable: bool,
        text: bool,
    ) -> dict[str, Any]:
        def person(name_address: tuple[str, str]) -> dict[str, Any]:
            return {"emailAddress": {"name": name_address[0], "address": name_address[1]}}

        unique = message.unique_text if message.unique_text is not None else message.text
        full: dict[str, Any] = {
            "@odata.type": "#microsoft.graph.message",
            "@odata.etag": f'W/"CQAAABYAAAA{secrets.token_hex(6)}"',
            "id": self._public_id(message, immutable),
            "createdDateTime": message.received.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "lastModifiedDateTime": (message.received + timedelta(minutes=1)).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            "changeKey": "CQAAABYAAAA" + secrets.token_hex(6),
            "categories": [],
            "receivedDateTime": message.received.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "sentDateTime": message.sent.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "hasAttachments": message.has_attachments,
            "internetMessageId": message.internet_message_id,
            "subject": message.subject,
            "bodyPreview": message.text.replace("\n", " ")[:255],
            "importance": "normal",
            "parentFolderId": message.folder_id,
            "conversationId": message.conversation_id
            or "AAQkAGI1" + base64.urlsafe_b64encode(message.subject.encode()).decode()[:20],
            "conversationIndex": "AQHS" + secrets.token_hex(8),
            "isDeliveryReceiptRequested": False,
            "isReadReceiptRequested": False,
            "isRead": message.is_read,
            "isDraft": message.is_draft,
            "webLink": f"https://outlook.office365.com/owa/?ItemID={quote(message.id)}&exvsurl=1&viewmodel=ReadMessageItem",
            "inferenceClassification": "focused",
            "body": {"contentType": "text", "content": message.text}
            if text
            else {"contentType": "html", "content": message.html(message.text)},
            "sender": person(message.sender),
            "from": person(message.sender),
            "toRecipients": [person(p) for p in message.to],
            "ccRecipients": [person(p) for p in message.cc],
            "bccRecipients": [],
            "replyTo": [],
            "flag": {"flagStatus": "notFlagged"},
        }
        extra = {
            "uniqueBody": {"contentType": "text", "content": unique}
            if text
            else {"contentType": "html", "content": message.html(unique)},
            "internetMessageHeaders": [{"name": n, "value": v} for n, v in message.headers]
            if message.headers is not None
            else None,
        }
        if select is None:
            rendered = full
        else:
            wanted = {s.strip() for s in select}
            rendered = {
                k: v
                for k, v in full.items()
                if k in wanted or k in ("id", "@odata.type", "@odata.etag")
            }
            for name, value in extra.items():
                if name == "uniqueBody" and self.omit_unique_body:
                    continue
                if name in wanted and value is not None:
                    rendered[name] = value
        if expand and "singlevalueextendedproperties" in expand.lower():
            wanted_ids = {i.lower() for i in re.findall(r"'([^']+)'", expand)}
            values = {
                "String 0x1042": message.in_reply_to,
                "String 0x1039": " ".join(message.references) or None,
                "String 0x001A": message.message_class,
                "Integer 0x0E08": str(800 + len(message.text.encode())),
            }
            rendered["singleValueExtendedProperties"] = [
                {"id": key, "value": value}
                for key, value in values.items()
                if value is not None and key.lower() in wanted_ids
            ]
        return rendered
