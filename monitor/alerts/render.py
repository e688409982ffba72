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

from monitor.core.detectors import DETECTORS, counted
from monitor.sparkline import sparkline

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


@dataclass(frozen=True)
class AlertMail:
    """What an alert email says; built from the alert and the client's report."""

    alert_id: int
    event_id: int
    client: str
    kind: str
    severity: str
    event: str  # opened, reopened, worsened, snooze_ended, test
    explanation: str
    evidence: tuple[EvidenceLine, ...] = ()
    figures: JSONObject = field(default_factory=dict)
    pattern: str | None = None
    advice: str | None = None
    common_advice: str | None = None
    health: int | None = None
    trend: tuple[int | None, ...] = ()
    components: dict[str, int | None] = field(default_factory=dict)


KIND_TITLES = {
    **{kind.value: detector.title for kind, detector in DETECTORS.items()},
    "account": "needs attention",
}


def domain_of(address: str) -> str:
    return address.rpartition("@")[2] or "relmon.invalid"


def alert_root_id(alert_id: int, sender: str) -> str:
    """The Message-ID of an alert's first email; later ones refer to it, so they thread."""
    return f"<relmon.alert.{alert_id}@{domain_of(sender)}>"


def alert_message_id(alert_id: int, event_id: int, sender: str, *, first: bool) -> str:
    """Derived from the alert and the transition: a re-delivery after a crash is the same email."""
    later = f"<relmon.alert.{alert_id}.{event_id}@{domain_of(sender)}>"
    return alert_root_id(alert_id, sender) if first else later


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
    return value.astimezone(tz).strftime("%a %d %b %Y %H:%M")


def _figures(figures: JSONObject) -> list[tuple[str, str]]:
    shown = []
    for key, value in figures.items():
        if value is None or value == [] or isinstance(value, dict):
            continue
        text = (
            ", ".join(clean(v, 80) for v in value) if isinstance(value, list) else clean(value, 80)
        )
        shown.append((key.replace("_", " "), text))
    return shown


def _text(mail: AlertMail, tz: tzinfo) -> str:
    lines = [
        f"{mail.severity.upper()}: {clean(mail.client, 100)} {KIND_TITLES.get(mail.kind, mail.kind)}"
        + (" (worse than before)" if mail.event == "worsened" else ""),
        "",
        clean(mail.explanation, 1200),
        "",
    ]
    if mail.evidence:
        lines.append("Evidence:")
        for line in mail.evidence:
            lines.append(
                f"  {_when(line.date, tz)}  {clean(line.sender, 80)}  {clean(line.subject, 120)}"
            )
        lines.append("")
    figures = _figures(mail.figures)
    if figures:
        lines.append("Figures: " + "; ".join(f"{k} {v}" for k, v in figures))
        lines.append("")
    if mail.health is not None:
        lines.append(f"Health {mail.health}/100, last 30 days: {sparkline(mail.trend)}")
        if mail.components:
            lines.append(
                "  "
                + ", ".join(
                    f"{k} {v if v is not None else '—'}" for k, v in mail.components.items()
                )
            )
        lines.append("")
    if mail.advice:
        lines.append(f"How to handle this client ({mail.pattern}): {mail.advice}")
    if mail.common_advice:
        lines.append(mail.common_advice)
    lines += [
        "",
        REPLY_HINT,
        f"(or: relmon alerts ack {mail.alert_id} / snooze {mail.alert_id} 3d / resolve {mail.alert_id})",
        "-- ",
        "Sent automatically by relmon.",
    ]
    return "\n".join(lines) + "\n"


_COLOURS = {"critical": "#b3261e", "warning": "#8a5a00"}


def _html(mail: AlertMail, tz: tzinfo) -> str:
    e = html.escape
    colour = _COLOURS.get(mail.severity, "#333333")
    parts = [
        '<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        '</head><body style="margin:0;padding:16px;font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#222;">',
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:640px;border-collapse:collapse;">',
        f'<tr><td style="padding:8px 12px;background:{colour};color:#fff;font-weight:bold;font-size:15px;">'
        f"{e(mail.severity.upper())} &middot; {e(clean(mail.client, 100))} {e(KIND_TITLES.get(mail.kind, mail.kind))}"
        + (" (worse than before)" if mail.event == "worsened" else "")
        + "</td></tr>",
        f'<tr><td style="padding:12px;line-height:1.45;">{e(clean(mail.explanation, 1200))}</td></tr>',
    ]
    if mail.evidence:
        rows = "".join(
            f'<tr><td style="padding:3px 8px;white-space:nowrap;color:#555;">{e(_when(line.date, tz))}</td>'
            f'<td style="padding:3px 8px;">{e(clean(line.sender, 80))}</td><td style="padding:3px 8px;">{e(clean(line.subject, 120))}</td></tr>'
            for line in mail.evidence
        )
        parts.append(
            '<tr><td style="padding:0 12px 12px;"><div style="font-weight:bold;margin-bottom:4px;">Evidence</div>'
            f'<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse:collapse;font-size:13px;">{rows}</table></td></tr>'
        )
    figures = _figures(mail.figures)
    if figures:
        items = "".join(f"<li>{e(k)}: <b>{e(v)}</b></li>" for k, v in figures)
        parts.append(
            f'<tr><td style="padding:0 12px 12px;font-size:13px;"><ul style="margin:0;padding-left:18px;">{items}</ul></td></tr>'
        )
    if mail.health is not None:
        bars = "".join(
            f'<td title="{e(str(v))}" style="vertical-align:bottom;padding:0 1px;">'
            f'<div style="width:6px;height:{max(2, int((v or 0) * 0.3))}px;background:{"#2e7d32" if (v or 0) >= 60 else "#c77700" if (v or 0) >= 40 else "#b3261e"};"></div></td>'
            for v in mail.trend
        )
        components = ", ".join(
            f"{e(k)} {e(str(v)) if v is not None else '&mdash;'}"
            for k, v in mail.components.items()
        )
        parts.append(
            f'<tr><td style="padding:0 12px 12px;"><div style="font-weight:bold;">Health {mail.health}/100</div>'
            f'<table role="presentation" cellpadding="0" cellspacing="0" style="height:32px;margin:4px 0;"><tr>{bars}</tr></table>'
            f'<div style="font-size:12px;color:#555;">Last 30 days. {components}</div></td></tr>'
        )
    if mail.advice:
        parts.append(
            f'<tr><td style="padding:10px 12px;background:#f3f6fa;font-size:13px;line-height:1.45;">'
            f"<b>How to handle this client ({e(mail.pattern or '')}):</b> {e(mail.advice)}"
            + (f"<br>{e(mail.common_advice)}" if mail.common_advice else "")
            + "</td></tr>"
        )
    parts.append(
        '<tr><td style="padding:12px;font-size:12px;color:#666;">'
        f"{html.escape(REPLY_HINT)}<br>(or: <code>relmon alerts ack {mail.alert_id}</code>)<br>"
        "Sent automatically by relmon.</td></tr></table></body></html>"
    )
    return "".join(parts)


def alert_email(
    mail: AlertMail,
    *,
    sender: str,
    sender_name: str,
    recipients: Sequence[str],
    cc: Sequence[str] = (),
    when: datetime,
    tz: tzinfo,
    first: bool,
) -> EmailMessage:
    message = _base(
        sender,
        sender_name,
        recipients,
        cc,
        subject_for(mail),
        when,
        alert_message_id(mail.alert_id, mail.event_id, sender, first=first),
    )
    if not first:
        root = alert_root_id(mail.alert_id, sender)
        message["In-Reply-To"] = root
        message["References"] = root
    message[ALERT_HEADER] = f"{mail.alert_id}; kind={mail.kind}; severity={mail.severity}"
    if mail.severity == "critical":
        message["Importance"] = "high"
        message["X-Priority"] = "1"
    message.set_content(_text(mail, tz))
    message.add_alternative(_html(mail, tz), subtype="html")
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
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0;padding:16px;font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#222;">'
        f'<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:640px;border-collapse:collapse;">'
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
) -> EmailMessage:
    subject = f"relmon: account {clean(account, 80)} needs attention"
    message = _base(
        sender,
        sender_name,
        recipients,
        (),
        subject,
        when,
        alert_message_id(alert_id, event_id, sender, first=first),
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
