"""The email channel: alert emails rendered by :mod:`monitor.alerts.render`, sent over SMTP.

An email's Message-ID is its outbox identity, derived from the alert and the transition (or the
owner and the day, for a digest), so a re-delivery after a crash is the same email, which mail
programs collapse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from monitor.alerts import render
from monitor.alerts.channel import (
    AlertNote,
    DigestNote,
    OperatorNote,
    OutboxItem,
    OutboxKind,
    Outgoing,
)
from monitor.alerts.smtp import SmtpTransport, Transport
from monitor.config import Config

EMAIL = "email"
_HEADER_END = b"\r\n\r\n"


def dated(payload: bytes, when: datetime) -> bytes:
    """The rendered email with its Date header set to ``when``; nothing else changes, so the
    Message-ID (and what a re-delivery collapses into) stays the same."""
    head, sep, rest = payload.partition(_HEADER_END)
    date = b"Date: " + format_datetime(when).encode("ascii")
    lines = [date if line.lower().startswith(b"date:") else line for line in head.split(b"\r\n")]
    return b"\r\n".join(lines) + sep + rest


def outgoing(
    message: EmailMessage,
    *,
    kind: OutboxKind,
    recipients: Sequence[str],
    not_before: datetime,
) -> Outgoing:
    """An email as an outbox row: its Message-ID is the row's identity."""
    return Outgoing(
        channel=EMAIL,
        identity=str(message["Message-ID"]),
        kind=kind,
        recipients=tuple(recipients),
        subject=str(message["Subject"]),
        payload=message.as_bytes(),
        not_before=not_before,
    )


@dataclass(frozen=True)
class EmailChannel:
    """Alert emails from ``sender``; sent through ``transport`` when there is one."""

    sender: str
    sender_name: str = "relmon"
    copy_to: tuple[str, ...] = ()
    transport: Transport | None = None
    name: str = EMAIL

    @property
    def deliverable(self) -> bool:
        return self.transport is not None

    def _cc(self, owner: str) -> list[str]:
        return [a for a in self.copy_to if a != owner]

    def alert(self, note: AlertNote) -> Outgoing | None:
        return self.client_alerts([note])

    def client_alerts(self, notes: Sequence[AlertNote]) -> Outgoing:
        """One email for several alerts of one client and evaluation (all to the same owner)."""
        lead = notes[0]
        cc = self._cc(lead.owner)
        message = render.client_email(
            [note.content for note in notes],
            sender=self.sender,
            sender_name=self.sender_name,
            recipients=[lead.owner],
            cc=cc,
            when=lead.when,
            tz=lead.tz,
            first=lead.first,
        )
        return outgoing(
            message,
            kind=OutboxKind.ALERT,
            recipients=[lead.owner, *cc],
            not_before=min(note.not_before for note in notes),
        )

    def digest(self, note: DigestNote) -> Outgoing | None:
        cc = self._cc(note.owner)
        message = render.digest_email(
            note.entries,
            owner=note.owner,
            day=note.day,
            sender=self.sender,
            sender_name=self.sender_name,
            cc=cc,
            when=note.when,
            tz=note.tz,
            done=note.done,
        )
        return outgoing(
            message, kind=OutboxKind.DIGEST, recipients=[note.owner, *cc], not_before=note.when
        )

    def operator(self, note: OperatorNote) -> Outgoing | None:
        if not note.operators:
            return None
        message = render.operator_email(
            account=note.account,
            explanation=note.explanation,
            alert_id=note.alert_id,
            event_id=note.event_id,
            recipients=note.operators,
            sender=self.sender,
            sender_name=self.sender_name,
            when=note.when,
            first=note.first,
            opened_at=note.opened_at,
        )
        return outgoing(
            message, kind=OutboxKind.OPERATOR, recipients=note.operators, not_before=note.when
        )

    def send(self, item: OutboxItem, *, now: datetime) -> None:
        assert self.transport is not None, "only deliverable channels are given rows to send"
        # The Date is when it leaves: an email held by quiet hours or retried for a day says
        # so, and its body says when the alert was raised.
        self.transport.send(dated(item.payload, now), self.sender, item.recipients)


def email_channel(
    config: Config, *, delivering: bool, transport: Transport | None = None
) -> EmailChannel | None:
    """The email channel when ``[alerts] from`` is set; it can send when ``[smtp]`` is set too.

    The SMTP password is read only when ``delivering``: evaluating alerts never needs it.
    """
    alerts = config.alerts
    if alerts.sender is None:
        return None
    if delivering and transport is None and alerts.smtp is not None:
        password = alerts.smtp.password.reveal() if alerts.smtp.password is not None else None
        transport = SmtpTransport(alerts.smtp, password)
    return EmailChannel(
        sender=alerts.sender,
        sender_name=alerts.sender_name,
        copy_to=alerts.copy_to,
        transport=transport,
    )
