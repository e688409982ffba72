"""The webhook channel: every notification POSTed as JSON, signed, to a URL of the team's choosing.

Chat services and ticket systems follow through it. Each request carries::

    Content-Type: application/json
    Idempotency-Key: webhook:NAME:relmon.alert.12.o20260604093000.40   (the outbox row's identity; also "id")
    X-Relmon-Event: alert | digest | operator
    X-Relmon-Timestamp: 1780567800                      (Unix seconds of this attempt)
    X-Relmon-Signature: sha256=HEX

where ``HEX`` is HMAC-SHA256, keyed with the configured secret, of ``TIMESTAMP + "." + BODY``
(the body's exact bytes). A receiver recomputes it and compares in constant time, refuses a
timestamp more than five minutes from its clock (a captured request cannot be replayed later),
and drops a second request with an ``Idempotency-Key`` it has seen: a crash between the receiver's
answer and relmon's commit sends the same row again, with the same key and body.

Answers: 2xx is delivered; 408, 429 and 5xx, a timeout or a refused connection are retried with
the outbox's backoff; any other status (a wrong URL, a refused signature) is permanent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import urlsplit

import requests

from monitor import __version__
from monitor.alerts import render
from monitor.alerts.channel import (
    AlertNote,
    DeliveryError,
    DigestNote,
    OperatorNote,
    OutboxItem,
    OutboxKind,
    Outgoing,
)
from monitor.clock import iso
from monitor.config import Webhook
from monitor.core.detectors.base import counted

SCHEMA = "relmon/webhook/v1"
SIGNATURE = "X-Relmon-Signature"
TIMESTAMP = "X-Relmon-Timestamp"
IDEMPOTENCY_KEY = "Idempotency-Key"
#: How far a receiver should let a timestamp stray from its own clock.
TOLERANCE_SECONDS = 300
_RETRIED = frozenset({408, 425, 429})


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(secret: bytes, timestamp: str, body: bytes, signature: str, *, now: datetime) -> bool:
    """What a receiver checks: the signature, and a timestamp close to its own clock."""
    if not timestamp.isdigit() or abs(now.timestamp() - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def _json(document: dict[str, object]) -> bytes:
    return json.dumps(document, ensure_ascii=False, sort_keys=True, default=iso).encode("utf-8")


def _alert_document(note: AlertNote) -> dict[str, object]:
    mail = note.content
    return {
        "id": mail.alert_id,
        "event_id": mail.event_id,
        "client": mail.client,
        "kind": mail.kind,
        "severity": mail.severity,
        "event": mail.event,
        "explanation": mail.explanation,
        "evidence": [
            {"date": line.date, "from": line.sender, "subject": line.subject}
            for line in mail.evidence
        ],
        "figures": mail.figures,
        "pattern": mail.pattern,
        "advice": mail.advice,
        "health": mail.health,
        "trend": list(mail.trend),
    }


@dataclass(frozen=True)
class WebhookChannel:
    """Notifications as JSON to ``settings.url``; sends when given the revealed ``secret``."""

    settings: Webhook
    secret: bytes | None = field(default=None, repr=False)
    session: requests.Session = field(default_factory=requests.Session, compare=False)

    @property
    def name(self) -> str:
        return f"webhook:{self.settings.name}"

    @property
    def deliverable(self) -> bool:
        return self.secret is not None

    def _outgoing(
        self, kind: OutboxKind, key: str, subject: str, body: Mapping[str, object], when: datetime
    ) -> Outgoing:
        identity = f"{self.name}:{key}"
        document = {"schema": SCHEMA, "id": identity, "type": kind.value, "at": when, **body}
        return Outgoing(
            channel=self.name,
            identity=identity,
            kind=kind,
            recipients=(self.name,),  # never the URL: it can carry a token
            subject=subject,
            payload=_json(document),
            not_before=when,
        )

    def alert(self, note: AlertNote) -> Outgoing | None:
        mail = note.content
        subject = render.subject_for(mail)
        text = f"{mail.severity.upper()}: {subject.removeprefix('relmon: ')}. {mail.explanation}"
        body = {"owner": note.owner, "alert": _alert_document(note), "text": text}
        key = f"{render.alert_key(mail.alert_id, mail.opened_at)}.{mail.event_id}"
        item = self._outgoing(OutboxKind.ALERT, key, subject, body, note.when)
        return replace(item, not_before=note.not_before)  # the owner's quiet hours hold here too

    def digest(self, note: DigestNote) -> Outgoing | None:
        owner_key = hashlib.sha256(note.owner.encode()).hexdigest()[:12]
        subject = f"relmon daily digest: {counted(len(note.entries), 'warning')} ({note.day})"
        alerts = [
            {
                "id": e.alert_id,
                "client": e.client,
                "kind": e.kind,
                "severity": e.severity,
                "explanation": e.explanation,
                "since": e.since,
            }
            for e in note.entries
        ]
        body = {"owner": note.owner, "day": note.day, "alerts": alerts, "text": subject}
        key = f"relmon.digest.{owner_key}.{note.day}"
        return self._outgoing(OutboxKind.DIGEST, key, subject, body, note.when)

    def operator(self, note: OperatorNote) -> Outgoing | None:
        subject = f"relmon: account {render.clean(note.account, 80)} needs attention"
        body = {
            "account": note.account,
            "alert": {"id": note.alert_id, "event_id": note.event_id},
            "explanation": note.explanation,
            "text": f"{subject}. {note.explanation}",
        }
        key = f"{render.alert_key(note.alert_id, note.opened_at)}.{note.event_id}"
        return self._outgoing(OutboxKind.OPERATOR, key, subject, body, note.when)

    def send(self, item: OutboxItem, *, now: datetime) -> None:
        assert self.secret is not None, "only deliverable channels are given rows to send"
        timestamp = str(int(now.timestamp()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"relmon/{__version__}",
            IDEMPOTENCY_KEY: item.identity,
            "X-Relmon-Event": item.kind.value,
            TIMESTAMP: timestamp,
            SIGNATURE: sign(self.secret, timestamp, item.payload),
        }
        host = urlsplit(self.settings.url).netloc  # never the path: it can carry a token
        try:
            response = self.session.post(
                self.settings.url,
                data=item.payload,
                headers=headers,
                timeout=self.settings.timeout_seconds,
                allow_redirects=False,
            )
        except requests.ConnectionError as err:
            raise DeliveryError(
                f"cannot reach webhook {self.settings.name} at {host}: {type(err).__name__}",
                permanent=False,
                stop=True,
            ) from err
        except requests.RequestException as err:
            raise DeliveryError(
                f"webhook {self.settings.name} at {host}: {type(err).__name__}", permanent=False
            ) from err
        _check(response, self.settings.name, host)


def _check(response: requests.Response, name: str, host: str) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    detail = response.text[:200].replace("\r", " ").replace("\n", " ").strip()
    retried = status in _RETRIED or status >= 500
    raise DeliveryError(
        f"webhook {name} at {host} answered {status} {detail}".strip(), permanent=not retried
    )


def webhook_channels(hooks: tuple[Webhook, ...], *, delivering: bool) -> list[WebhookChannel]:
    """One channel per ``[[webhooks]]``; their secrets are read only when ``delivering``."""
    return [
        WebhookChannel(hook, hook.secret.reveal().encode() if delivering else None)
        for hook in hooks
    ]
