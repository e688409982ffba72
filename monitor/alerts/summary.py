"""The first-run summary: one email per owner when relmon starts watching new clients.

A first evaluation over a year of history finds every condition that was ever left open; sent
one by one, they bury the owner on day one. Instead the owner reads one email: how many clients
relmon now watches for them, which need attention and why, and what happens from now on.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from email.message import EmailMessage

from monitor.alerts.body import FOOTER, stamp
from monitor.alerts.render import ALERT_HEADER, KIND_TITLES, _base, clean, domain_of
from monitor.core.detectors import counted


@dataclass(frozen=True)
class SummaryAlert:
    alert_id: int
    kind: str
    severity: str
    explanation: str


@dataclass(frozen=True)
class SummaryClient:
    client: str
    alerts: tuple[SummaryAlert, ...]


def summary_message_id(owner: str, clients: Sequence[str], when: datetime, sender: str) -> str:
    digest = hashlib.sha256("\n".join([owner, *sorted(clients)]).encode()).hexdigest()[:12]
    return f"<relmon.summary.{digest}.{when.strftime('%Y%m%d%H%M%S')}@{domain_of(sender)}>"


def _watches(clients: Sequence[SummaryClient], also: bool) -> str:
    return f"relmon now {'also ' if also else ''}watches {counted(len(clients), 'client')}"


def _lines(clients: Sequence[SummaryClient], digest_hour: int, also: bool) -> tuple[str, list[str]]:
    needing = [c for c in clients if c.alerts]
    head = f"{_watches(clients, also)} for you; " + (
        f"{len(needing)} need{'s' if len(needing) == 1 else ''} attention:"
        if needing
        else "none needs attention today."
    )
    lines: list[str] = []
    for entry in needing:
        lines.append("* " + clean(entry.client, 100))
        for alert in entry.alerts:
            what = KIND_TITLES.get(alert.kind, alert.kind)
            lines.append(f"  {alert.severity.upper()}: {what} (alert {alert.alert_id})")
            lines.append(f"    {clean(alert.explanation, 600)}")
    calm = [clean(c.client, 100) for c in clients if not c.alerts]
    if calm and needing:
        lines += ["", "Nothing to act on: " + ", ".join(calm) + "."]
    elif calm:
        lines += ["Watched: " + ", ".join(calm) + "."]
    lines += [
        "",
        "From now on you hear of each change when it happens: critical alerts at once, "
        f"warnings in a daily digest at {digest_hour:02d}:00.",
        "See everything: relmon alerts; acknowledge one: relmon alerts ack ID",
    ]
    return head, lines


def _paragraph(line: str) -> str:
    """One line of the text as HTML: indented as in the text, a client's name ("* ") bold."""
    indent = (len(line) - len(line.lstrip())) * 6
    content = html.escape(line.strip()) or "&nbsp;"
    if line.startswith("* "):
        content = f"<b>{html.escape(line[2:])}</b>"
    return (
        f'<div style="margin:0 0 4px;padding-left:{indent}px;overflow-wrap:anywhere;">'
        f"{content}</div>"
    )


def summary_email(
    clients: Sequence[SummaryClient],
    *,
    owner: str,
    sender: str,
    sender_name: str,
    cc: Sequence[str] = (),
    when: datetime,
    tz: tzinfo,
    digest_hour: int,
    also: bool = False,
) -> EmailMessage:
    """``also``: the owner has other clients relmon already watched (a client added later)."""
    needing = sum(1 for c in clients if c.alerts)
    attention = (
        f"{needing} need{'s' if needing == 1 else ''} attention"
        if needing
        else "nothing needs attention"
    )
    subject = f"{_watches(clients, also)}: {attention}"
    message = _base(
        sender,
        sender_name,
        [owner],
        cc,
        subject,
        when,
        summary_message_id(owner, [c.client for c in clients], when, sender),
    )
    message[ALERT_HEADER] = "summary"
    head, lines = _lines(clients, digest_hour, also)
    raised = f"As of {stamp(when, tz)}."
    message.set_content("\n".join([head, "", *lines, "", raised, "-- ", FOOTER]) + "\n")
    paragraphs = "".join(_paragraph(line) for line in lines)
    message.add_alternative(
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        '<body style="margin:0;padding:8px;font-family:Segoe UI,Helvetica,Arial,sans-serif;'
        'font-size:16px;color:#222;"><div style="max-width:640px;">'
        f'<div style="padding:8px 12px;background:#1f4e79;color:#fff;font-weight:bold;">'
        f'{html.escape(head)}</div><div style="padding:12px;line-height:1.5;">{paragraphs}'
        f'<div style="color:#555;font-size:13px;">{html.escape(raised)}<br>{html.escape(FOOTER)}'
        "</div></div></div></body></html>",
        subtype="html",
    )
    return message
