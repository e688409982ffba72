"""Alert emails: plain text and HTML that read well in Gmail and Outlook, and cannot be abused.

Everything that comes from mail (subjects, names, addresses) is untrusted: control characters and
bidirectional overrides are removed, lengths are capped, HTML is escaped, and headers are set as
plain strings on a fresh :class:`~email.message.EmailMessage`, which refuses line breaks. The
HTML has no external images, scripts or stylesheets; styles are inline. Every alert email carries
``Auto-Submitted: auto-generated`` (RFC 3834) so that auto-responders stay quiet,
``X-Auto-Response-Suppress: All`` for Exchange, and ``X-Relmon-Alert`` so that relmon
recognises its own mail if it turns up in a monitored mailbox.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any

from monitor.clock import as_utc
from monitor.core.detectors import DETECTORS, counted

#: Raw JSON as the detectors wrote it (an alert's figures and evidence): the wire data of alerts.
JSONObject = dict[str, Any]

ALERT_HEADER = "X-Relmon-Alert"
REPLY_HINT = 'Reply "ack", "snooze 3d" or "resolve" on the first line to act on this alert.'
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(value: object, limit: int = 200) -> str:
    """Untrusted text made safe for a header or a line: no control characters, no direction
    overrides (which can make "evil.com" read as "moc.live"), no line breaks, bounded length."""
    text = unicodedata.normalize("NFC", str(value))
    text = _BIDI.sub("", text)
    text = _CONTROL.sub(" ", text.replace("\r", " ").replace("\n", " ").replace("\t", " "))
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class EvidenceLine:
    date: datetime
    sender: str
    subject: str
    name: str = ""  # the sender's display name, when the message gave one

    @property
    def who(self) -> str:
        """The sender as a person reads it: the name, or the address without one."""
        return self.name or self.sender


@dataclass(frozen=True)
class AlertMail:
    """What an alert email says; built from the alert and the client's report."""

    alert_id: int
    event_id: int
    client: str
    kind: str
    severity: str
    event: str  # opened, reopened, worsened, snooze_ended, handed_over, test
    explanation: str
    evidence: tuple[EvidenceLine, ...] = ()
    figures: JSONObject = field(default_factory=dict)
    pattern: str | None = None
    advice: str | None = None
    common_advice: str | None = None
    health: int | None = None
    trend: tuple[int | None, ...] = ()
    components: dict[str, int | None] = field(default_factory=dict)
    raised_at: datetime | None = None  # the evaluation that raised it; the Date is the sending
    opened_at: datetime | None = None  # when the alert opened (a hand-over raises it later)
    day_hours: float = 8.0  # the length of a working day, for business time in working days


#: An alert keeps this many of the messages behind it; its figures count them all.
EVIDENCE_SHOWN = 10
EVIDENCE_TOTAL = "messages_behind"

KIND_TITLES = {
    **{kind.value: detector.title for kind, detector in DETECTORS.items()},
    "account": "needs attention",
}


def domain_of(address: str) -> str:
    return address.rpartition("@")[2] or "relmon.invalid"


def alert_key(alert_id: int, opened_at: datetime | None) -> str:
    """What names an alert in its emails' Message-IDs and its webhooks' keys: its id, and when
    it opened. The id alone is not enough: a store made anew (another database, one rebuilt)
    numbers its alerts from 1 again, and an email that took an old email's Message-ID would be
    dropped as a copy of it by mail programs, and a reply to the old one would act on it."""
    if opened_at is None:
        return f"relmon.alert.{alert_id}"
    return f"relmon.alert.{alert_id}.o{as_utc(opened_at):%Y%m%d%H%M%S}"


def alert_root_id(alert_id: int, sender: str, opened_at: datetime | None = None) -> str:
    """The Message-ID of an alert's first email; later ones refer to it, so they thread."""
    return f"<{alert_key(alert_id, opened_at)}@{domain_of(sender)}>"


def alert_message_id(
    alert_id: int, event_id: int, sender: str, *, first: bool, opened_at: datetime | None = None
) -> str:
    """Derived from the alert and the transition: a re-delivery after a crash is the same email."""
    if first:
        return alert_root_id(alert_id, sender, opened_at)
    return f"<{alert_key(alert_id, opened_at)}.{event_id}@{domain_of(sender)}>"


def _base(
    sender: str,
    sender_name: str,
    recipients: Sequence[str],
    cc: Sequence[str],
    subject: str,
    when: datetime,
    message_id: str,
) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    message["From"] = Address(display_name=clean(sender_name, 60), addr_spec=sender)
    message["To"] = ", ".join(recipients)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Subject"] = clean(subject, 180)
    message["Date"] = format_datetime(when)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message["Precedence"] = "bulk"
    return message


def subject_for(mail: AlertMail) -> str:
    """Stable per alert (mail programs thread on it); severity is in the body and priority."""
    what = KIND_TITLES.get(mail.kind, mail.kind)
    return f"relmon: {clean(mail.client, 80)} {what}"


def _when(value: datetime, tz: tzinfo) -> str:
    local = value.astimezone(tz)
    return local.strftime("%a %d %b %Y %H:%M ") + (local.tzname() or "")


def subject_of(mails: Sequence[AlertMail]) -> str:
    """One alert: its stable subject. Several of one client: the client and what each says."""
    if len(mails) == 1:
        return subject_for(mails[0])
    what = "; ".join(KIND_TITLES.get(m.kind, m.kind) for m in mails)
    return f"relmon: {clean(mails[0].client, 80)}: {len(mails)} alerts ({what})"


def client_email(
    mails: Sequence[AlertMail],
    *,
    sender: str,
    sender_name: str,
    recipients: Sequence[str],
    cc: Sequence[str] = (),
    when: datetime,
    tz: tzinfo,
    first: bool,
) -> EmailMessage:
    """One email about one client's alerts of one evaluation. Its identity is the first alert's
    transition, so a re-delivery is the same email; later emails of that alert thread under it."""
    from monitor.alerts import body

    lead = mails[0]
    opened = lead.opened_at
    message = _base(
        sender,
        sender_name,
        recipients,
        cc,
        subject_of(mails),
        when,
        alert_message_id(lead.alert_id, lead.event_id, sender, first=first, opened_at=opened),
    )
    if not first:
        root = alert_root_id(lead.alert_id, sender, opened)
        message["In-Reply-To"] = root
        message["References"] = root
    message[ALERT_HEADER] = "; ".join(
        [
            ",".join(str(m.alert_id) for m in mails),
            "kind=" + ",".join(m.kind for m in mails),
            "severity=" + ",".join(m.severity for m in mails),
        ]
    )
    if any(m.severity == "critical" for m in mails):
        message["Importance"] = "high"
        message["X-Priority"] = "1"
    message.set_content(body.text(mails, tz))
    message.add_alternative(body.html_body(mails, tz), subtype="html")
    return message


@dataclass(frozen=True)
class DigestEntry:
    alert_id: int
    client: str
    kind: str
    severity: str
    explanation: str
    since: datetime


def digest_message_id(owner: str, day: str, sender: str) -> str:
    digest = hashlib.sha256(owner.encode()).hexdigest()[:12]
    return f"<relmon.digest.{digest}.{day}@{domain_of(sender)}>"


def digest_email(
    entries: Sequence[DigestEntry],
    *,
    owner: str,
    day: str,
    sender: str,
    sender_name: str,
    cc: Sequence[str] = (),
    when: datetime,
    tz: tzinfo,
    done: Sequence[str] = (),  # the owner's replies that acted on alerts, confirmed here
) -> EmailMessage:
    count = len(entries)
    subject = f"relmon daily digest: {counted(count, 'warning')} ({day})"
    message = _base(
        sender, sender_name, [owner], cc, subject, when, digest_message_id(owner, day, sender)
    )
    message[ALERT_HEADER] = f"digest; day={day}"
    text = [f"{counted(count, 'client')} to look at today, before they become critical:", ""]
    rows = []
    for entry in entries:
        what = KIND_TITLES.get(entry.kind, entry.kind)
        text.append(
            f"* {clean(entry.client, 100)} {what} (alert {entry.alert_id}, since {_when(entry.since, tz)})"
        )
        text.append(f"  {clean(entry.explanation, 600)}")
        rows.append(
            f'<tr><td style="padding:8px 12px;border-top:1px solid #ddd;"><b>{html.escape(clean(entry.client, 100))}</b> {html.escape(what)}'
            f' <span style="color:#777;font-size:12px;">(alert {entry.alert_id})</span><br>'
            f'<span style="font-size:13px;line-height:1.45;">{html.escape(clean(entry.explanation, 600))}</span></td></tr>'
        )
    text += [f"Done: {clean(line, 300)}" for line in done]
    rows += [
        f'<tr><td style="padding:8px 12px;border-top:1px solid #ddd;">Done: {html.escape(clean(line, 300))}</td></tr>'
        for line in done
    ]
    text += [
        "",
        "Acknowledge one: relmon alerts ack ID; see all: relmon alerts",
        "-- ",
        "Sent automatically by relmon. Replies are not read.",
    ]
    message.set_content("\n".join(text) + "\n")
    message.add_alternative(
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        '<body style="margin:0;padding:8px;font-family:Segoe UI,Helvetica,Arial,sans-serif;'
        'font-size:16px;color:#222;">'
        '<table role="presentation" cellpadding="0" cellspacing="0" '
        'style="width:100%;max-width:640px;border-collapse:collapse;table-layout:fixed;'
        'overflow-wrap:anywhere;">'
        f'<tr><td style="padding:8px 12px;background:#8a5a00;color:#fff;font-weight:bold;">{html.escape(subject)}</td></tr>'
        + "".join(rows)
        + '<tr><td style="padding:12px;font-size:12px;color:#666;">Sent automatically by relmon. Replies are not read.</td></tr></table></body></html>',
        subtype="html",
    )
    return message


def operator_email(
    *,
    account: str,
    explanation: str,
    alert_id: int,
    event_id: int,
    recipients: Sequence[str],
    sender: str,
    sender_name: str,
    when: datetime,
    first: bool,
    opened_at: datetime | None = None,
) -> EmailMessage:
    subject = f"relmon: account {clean(account, 80)} needs attention"
    message = _base(
        sender,
        sender_name,
        recipients,
        (),
        subject,
        when,
        alert_message_id(alert_id, event_id, sender, first=first, opened_at=opened_at),
    )
    message[ALERT_HEADER] = f"{alert_id}; kind=account"
    message["Importance"] = "high"
    message.set_content(
        f"relmon cannot read the mailbox {clean(account, 80)}.\n\n{clean(explanation, 1500)}\n\n"
        "Until this is fixed, relmon does not see this mailbox's mail and its measures go stale.\n"
        "Check: relmon accounts test "
        + clean(account, 80)
        + "\n-- \nSent automatically by relmon.\n"
    )
    return message


def test_email(*, recipient: str, sender: str, sender_name: str, when: datetime) -> EmailMessage:
    stamp = when.strftime("%Y%m%d%H%M%S%f")
    message = _base(
        sender,
        sender_name,
        [recipient],
        (),
        "relmon test email",
        when,
        f"<relmon.test.{stamp}@{domain_of(sender)}>",
    )
    message[ALERT_HEADER] = "test"
    message.set_content(
        "This is a test email from relmon. If you read this, alert emails reach you.\n-- \nSent automatically by relmon.\n"
    )
    return message
