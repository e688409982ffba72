"""The weekly portfolio report as an email (plain text and HTML) and as a standalone page.

Charts are HTML tables and coloured blocks with inline styles: mail programs block SVG and
remote images, and a table of blocks reads the same in Gmail, Outlook and a browser. Every
colour has its figure or word beside it, so nothing is said by colour alone. Client names and
subjects are untrusted and escaped (:func:`monitor.alerts.render.clean`).
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from email.message import EmailMessage

from monitor.alerts.render import ALERT_HEADER, KIND_TITLES, _base, clean, domain_of
from monitor.core.replycommand import ReplyCommand, Verb
from monitor.store.replies import BY_REPLY, AppliedReply
from monitor.store.weekly import WeekEvent


@dataclass(frozen=True)
class WeeklyClient:
    """One client as the weekly report shows it."""

    name: str
    owner: str
    health: int | None
    health_week_ago: int | None
    weekly_health: tuple[int | None, ...]  # at the end of each of the last WEEKS weeks
    inbound: tuple[int, ...]  # client messages per week, the same weeks
    outbound: tuple[int, ...]  # our messages per week
    pattern: str
    alerts: tuple[tuple[str, str], ...]  # (kind, severity) firing now
    awaiting: int
    oldest_waiting: str | None  # "3.9 working days (4 days)"
    last_inbound: datetime | None
    last_outbound: datetime | None
    link: str | None = None  # the client's dashboard page, when the dashboard has an address


@dataclass(frozen=True)
class WeeklyReport:
    owner: str | None  # None: every client (a lead's view)
    week: date  # the Monday of the owner's local week
    now: datetime
    tz: tzinfo
    clients: tuple[WeeklyClient, ...]  # worst first
    events: tuple[WeekEvent, ...] = ()
    replies: tuple[AppliedReply, ...] = ()  # owner's replies that acted, confirmed here
    team: str = ""
    weekdays: tuple[date, ...] = field(default=())  # the first day of each charted week
    owner_name: str | None = None  # the owner as the team lists them ("Alice Marsh")


_E = html.escape
# Blue / orange / vermillion of the Okabe–Ito palette: told apart with every common colour
# blindness, and always next to a figure.
_GOOD, _FAIR, _POOR, _NONE = "#0072b2", "#e69f00", "#d55e00", "#bbbbbb"
_EVENT_WORDS = {
    "opened": "opened",
    "reopened": "re-opened",
    "worsened": "became critical",
    "resolved": "cleared",
    "acknowledged": "acknowledged",
    "snoozed": "snoozed",
    "resolved_by_hand": "resolved by hand",
    "handed_over": "handed over to its new owner",
}


def _colour(score: int | None) -> str:
    if score is None:
        return _NONE
    return _GOOD if score >= 60 else _FAIR if score >= 40 else _POOR


def _change(client: WeeklyClient) -> str:
    now, before = client.health, client.health_week_ago
    if now is None or before is None:
        return ""
    delta = now - before
    return "±0" if delta == 0 else f"{'▲' if delta > 0 else '▼'}{abs(delta)}"


def _title(report: WeeklyReport) -> str:
    named = report.owner_name or report.owner
    who = clean(named, 120) if named else clean(report.team, 80) or "all clients"
    # What it counts: the seven days up to when it was made (a Monday report: the week before).
    until = report.now.astimezone(report.tz)
    return f"relmon weekly report for {who}: the 7 days to {until:%a %d %b %Y}"


def _and(items: Sequence[str]) -> str:
    """Items as a sentence lists them: a; a and b; a, b and c."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def reply_sentence(reply: AppliedReply, tz: tzinfo) -> str:
    """How an email confirms an owner's reply that acted on an alert."""
    parsed = ReplyCommand.decode(reply.command)
    done, extra = ("acknowledged" if parsed.verb is Verb.ACK else "resolved"), ""
    if parsed.verb is Verb.SNOOZE and parsed.snooze is not None:
        days = max(1, round(parsed.snooze.total_seconds() / 86400))
        done, extra = "snoozed", f" for {days} day{'s' if days != 1 else ''}"
    acted = reply.acted or ((reply.alert_id, reply.kind),)
    named = ("alert " if len(acted) == 1 else "alerts ") + _and([str(i) for i, _ in acted])
    what = _and([KIND_TITLES.get(kind, kind) for _, kind in acted])
    when = reply.at.astimezone(tz).strftime("%a %d %b %H:%M")
    return f"Your reply {done} {named} ({clean(reply.client, 80)} {what}){extra}; seen {when}"


def _changes(report: WeeklyReport) -> list[str]:
    """What changed this week, in sentences, oldest first."""
    lines = []
    # An event a reply confirmed below caused is said once, by the reply's sentence.
    confirmed = {
        (ident, reply.at)
        for reply in report.replies
        for ident, _ in reply.acted or ((reply.alert_id, reply.kind),)
    }
    for event in report.events:
        if (event.by or "").endswith(BY_REPLY) and (event.alert_id, event.at) in confirmed:
            continue
        what = KIND_TITLES.get(event.kind, event.kind)
        word = _EVENT_WORDS.get(event.event, event.event)
        by = f" by {clean(event.by, 80)}" if event.by and event.by != "relmon" else ""
        when = event.at.astimezone(report.tz).strftime("%a %d %b")
        lines.append(f"{when}: {clean(event.client, 80)} {what}: alert {word}{by}")
    lines += [reply_sentence(reply, report.tz) for reply in report.replies]
    for client in report.clients:
        change = _change(client)
        if (
            change
            and change != "±0"
            and abs((client.health or 0) - (client.health_week_ago or 0)) >= 5
        ):
            lines.append(
                f"{clean(client.name, 80)}: health {client.health_week_ago} → {client.health}"
            )
    return lines


def _text(report: WeeklyReport) -> str:
    out = [_title(report), "", "Clients, worst first:"]
    for client in report.clients:
        alerts = ", ".join(f"{sev} {KIND_TITLES.get(kind, kind)}" for kind, sev in client.alerts)
        score = "—" if client.health is None else str(client.health)
        out.append(
            f"* {clean(client.name, 80)}: health {score} {_change(client)}; "
            f"{client.inbound[-1]} in / {client.outbound[-1]} out this week; "
            f"{client.awaiting} awaiting our reply; {client.pattern}"
            + (f"; open: {alerts}" if alerts else "")
        )
        if client.link:
            out.append(f"  {client.link}")
    changes = _changes(report)
    out += ["", "The last 7 days:"] + ([f"- {line}" for line in changes] or ["- nothing changed"])
    out += ["", "-- ", "Sent automatically by relmon every week. Replies are not read."]
    return "\n".join(out) + "\n"


def _bars(values: Sequence[int | None]) -> str:
    """A row of vertical blocks, one per week, each with its figure as a tooltip."""
    cells = "".join(
        f'<td title="{_E(str(v) if v is not None else "no score")}" style="vertical-align:bottom;padding:0 1px;">'
        f'<div style="width:8px;height:{max(2, int((v or 0) * 0.3))}px;background:{_colour(v)};"></div></td>'
        for v in values
    )
    return f'<table role="presentation" cellpadding="0" cellspacing="0" style="height:32px;"><tr>{cells}</tr></table>'


def _volume(client: WeeklyClient) -> str:
    """Client and our messages this week as two horizontal bars with their counts."""
    top = max(1, *client.inbound, *client.outbound)
    rows = []
    for label, count, colour in (
        ("in", client.inbound[-1], _GOOD),
        ("out", client.outbound[-1], _FAIR),
    ):
        width = max(2, int(60 * count / top))
        rows.append(
            f'<div style="white-space:nowrap;font-size:12px;">{label} <span style="display:inline-block;'
            f'width:{width}px;height:8px;background:{colour};"></span> {count}</div>'
        )
    return "".join(rows)


def _row(report: WeeklyReport, client: WeeklyClient) -> str:
    """One client: name, pattern, open alerts and what waits in the first cell (so the table
    stays three columns wide on a phone), health with its weeks, this week's messages."""
    name = _E(clean(client.name, 80))
    if client.link:
        name = f'<a href="{_E(client.link)}" style="color:#0b57d0;">{name}</a>'
    score = "&mdash;" if client.health is None else str(client.health)
    notes = [f"<b>{_E(sev)}</b>: {_E(KIND_TITLES.get(kind, kind))}" for kind, sev in client.alerts]
    if client.awaiting:
        oldest = client.oldest_waiting
        age = f", oldest {_E(oldest)}" if oldest is not None else ""
        notes.append(f"{client.awaiting} awaiting our reply{age}")
    small = '<div style="font-size:12px;color:#444;">'
    cell = 'style="padding:6px 8px;border-top:1px solid #ddd;vertical-align:top;"'
    return (
        f"<tr><td {cell}><b>{name}</b>{small}{_E(client.pattern)}</div>"
        + "".join(f"{small}{note}</div>" for note in notes)
        + f'</td><td {cell}><span style="display:inline-block;width:10px;height:10px;background:{_colour(client.health)};"></span> '
        f"<b>{score}</b> {_E(_change(client))}{_bars(client.weekly_health)}</td>"
        f"<td {cell}>{_volume(client)}</td></tr>"
    )


def report_html(report: WeeklyReport) -> str:
    """The report as one HTML document with inline styles only (an email body or a page)."""
    head = "".join(
        f'<th style="text-align:left;padding:6px 8px;font-size:12px;color:#555;">{h}</th>'
        for h in ("Client, open alerts", f"Health, {len(report.weekdays)} weeks", "Last 7 days")
    )
    changes = (
        "".join(f"<li>{_E(line)}</li>" for line in _changes(report)) or "<li>nothing changed</li>"
    )
    rows = "".join(_row(report, client) for client in report.clients)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        f"<title>{_E(_title(report))}</title></head>"
        '<body style="margin:0;padding:16px;font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#222;">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:760px;border-collapse:collapse;">'
        f'<tr><td style="padding:8px 12px;background:#0b3d62;color:#fff;font-weight:bold;font-size:15px;">{_E(_title(report))}</td></tr>'
        f'<tr><td style="padding:12px;"><div style="font-weight:bold;">The last 7 days</div><ul style="margin:4px 0;padding-left:18px;">{changes}</ul></td></tr>'
        f'<tr><td style="padding:0 4px;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;">'
        f"<tr>{head}</tr>{rows}</table></td></tr>"
        '<tr><td style="padding:12px;font-size:12px;color:#666;">Health 0&ndash;100: 60 and above good, 40&ndash;59 fair, below 40 poor. '
        "Sent automatically by relmon.</td></tr></table></body></html>"
    )


def weekly_message_id(owner: str, week: str, sender: str) -> str:
    digest = hashlib.sha256(owner.encode()).hexdigest()[:12]
    return f"<relmon.weekly.{digest}.{week}@{domain_of(sender)}>"


def weekly_email(
    report: WeeklyReport, *, sender: str, sender_name: str, recipient: str
) -> EmailMessage:
    week = report.week.isoformat()
    when: datetime = report.now
    message = _base(
        sender,
        sender_name,
        [recipient],
        (),
        _title(report),
        when,
        weekly_message_id(recipient, week, sender),
    )
    message[ALERT_HEADER] = f"weekly; week={week}"
    message.set_content(_text(report))
    message.add_alternative(report_html(report), subtype="html")
    return message
