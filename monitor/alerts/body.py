"""The body of a client's alert email: plain text and HTML, one section per alert.

One email per client and evaluation: when a client's silence and its overdue check-in turn
critical together, the owner reads one email with both. Each section says what happened, the
figures beside their baseline (:mod:`monitor.alerts.figures`), the evidence, and what to do next
(:mod:`monitor.alerts.advice`). Everything from mail is cleaned and, in HTML, escaped.

The HTML is one column that fits a phone: nothing has a fixed width wider than the narrowest
screen, long words break, and the evidence is stacked (date, then subject and sender) instead of
a table of three columns that squeezes the subject to one word a line.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime, tzinfo

from monitor.alerts.advice import Situation, Waiting, next_step, pattern_note
from monitor.alerts.figures import figure_lines
from monitor.alerts.render import (
    EVIDENCE_TOTAL,
    KIND_TITLES,
    REPLY_HINT,
    AlertMail,
    EvidenceLine,
    clean,
)
from monitor.core.health import COMPONENT_NAMES
from monitor.sparkline import sparkline

COMMANDS = "Acknowledge: relmon alerts ack {id}    Snooze: relmon alerts snooze {id} 3d"
FOOTER = "Sent automatically by relmon."
_COLOURS = {"critical": "#b3261e", "warning": "#8a5a00"}
_WRAP = "overflow-wrap:anywhere;word-wrap:break-word;"


def stamp(value: datetime, tz: tzinfo) -> str:
    """A moment in the owner's zone, with the year and the zone's name."""
    local = value.astimezone(tz)
    return local.strftime("%a %d %b %Y %H:%M ") + (local.tzname() or "")


def _from(line: EvidenceLine) -> str:
    address = clean(line.sender, 80)
    return f"{clean(line.name, 60)}, {address}" if line.name else address


def headline(mail: AlertMail) -> str:
    worse = {"worsened": " (worse than before)", "handed_over": " (now your client)"}.get(
        mail.event, ""
    )
    what = KIND_TITLES.get(mail.kind, mail.kind)
    return f"{mail.severity.upper()}: {clean(mail.client, 100)} {what}{worse}"


def _situation(mail: AlertMail, tz: tzinfo) -> Situation:
    oldest = min(mail.evidence, key=lambda e: e.date) if mail.evidence else None
    return Situation(
        client=clean(mail.client, 100),
        kind=mail.kind,
        pattern=mail.pattern,
        figures=mail.figures,
        oldest=Waiting(clean(oldest.who, 80), clean(oldest.subject, 120), stamp(oldest.date, tz))
        if oldest
        else None,
        day_hours=mail.day_hours,
    )


def _advice(mails: Sequence[AlertMail]) -> tuple[tuple[str, str] | None, str | None]:
    """The pattern's advice (when it fits these alerts) and the advice common to every client."""
    first = mails[0]
    note = pattern_note(first.pattern, first.advice, [m.kind for m in mails])
    return note, first.common_advice


def _text_section(mail: AlertMail, tz: tzinfo) -> list[str]:
    lines = [headline(mail), "", clean(mail.explanation, 1200), ""]
    step = next_step(_situation(mail, tz))
    if step:
        lines += [f"What to do: {step}", ""]
    figures = figure_lines(mail.kind, mail.figures, day_hours=mail.day_hours)
    lines += [f"  - {line}" for line in figures]
    if mail.evidence:
        lines += ["", "Messages behind this alert:"]
        for line in mail.evidence:
            lines.append(f"  {stamp(line.date, tz)}")
            lines.append(f"    {clean(line.subject, 120)} ({_from(line)})")
        if more := _more(mail):
            lines.append(f"  {more}")
    if mail.raised_at is not None:
        lines += ["", _raised(mail, tz)]
    lines += [COMMANDS.format(id=mail.alert_id), ""]
    return lines


def _more(mail: AlertMail) -> str | None:
    """What the list of messages behind an alert leaves out, or None."""
    total = mail.figures.get(EVIDENCE_TOTAL)
    left = total - len(mail.evidence) if isinstance(total, int) else 0
    return f"… and {left} more" if left > 0 else None


#: What happened at the time an email is raised for an alert that opened before it.
_LATER = {
    "handed_over": "yours since",
    "snooze_ended": "the snooze ended",
    "worsened": "worse since",
}


def _raised(mail: AlertMail, tz: tzinfo) -> str:
    """When the alert was raised; one that opened before this email (handed over, its snooze
    ended, worse) says since when it has been open, and what happened when."""
    assert mail.raised_at is not None
    later = _LATER.get(mail.event)
    if later is not None and mail.opened_at is not None and mail.opened_at < mail.raised_at:
        return f"Open since {stamp(mail.opened_at, tz)}; {later} {stamp(mail.raised_at, tz)}."
    return f"Raised {stamp(mail.raised_at, tz)}."


def reply_hint(mails: Sequence[AlertMail]) -> str:
    """How to act by replying: a reply acts on every alert the email tells of."""
    if len(mails) == 1:
        return REPLY_HINT
    ids = [str(mail.alert_id) for mail in mails]
    every = "both" if len(ids) == 2 else f"all {len(ids)}"
    return (
        f'Reply "ack", "snooze 3d" or "resolve" on the first line to act on {every} alerts '
        f"above ({', '.join(ids[:-1])} and {ids[-1]}); to act on one alone, use the command "
        "shown under it."
    )


def text(mails: Sequence[AlertMail], tz: tzinfo) -> str:
    lines: list[str] = []
    if len(mails) > 1:
        lines += [f"{len(mails)} alerts about {clean(mails[0].client, 100)}:", ""]
    for mail in mails:
        lines += _text_section(mail, tz)
    first = mails[0]
    if first.health is not None:
        low = weakest(first)
        lines.append(f"Health {first.health}/100, last 30 days: {sparkline(first.trend)}")
        if low:
            lines.append(low[0].upper() + low[1:] + ".")
        lines.append("")
    note, common = _advice(mails)
    if note:
        lines.append(f"About this client ({note[0]}): {note[1]}")
    if common:
        lines.append(common)
    lines += ["", reply_hint(mails), "-- ", FOOTER]
    return "\n".join(lines) + "\n"


def weakest(mail: AlertMail) -> str:
    """The health components that pull the score down, in words: "weakest: responsiveness
    20/100, engagement 35/100"; empty when none is below 60."""
    low = sorted((v, k) for k, v in mail.components.items() if v is not None and v < 60)[:2]
    named = (f"{COMPONENT_NAMES.get(k, k)} {v}/100" for v, k in low)
    return ("weakest: " + ", ".join(named)) if low else ""


def _cell(content: str, style: str = "") -> str:
    return f'<tr><td style="padding:0 12px 12px;{_WRAP}{style}">{content}</td></tr>'


def _html_section(mail: AlertMail, tz: tzinfo) -> list[str]:
    e = html.escape
    colour = _COLOURS.get(mail.severity, "#333333")
    parts = [
        f'<tr><td style="padding:8px 12px;background:{colour};color:#fff;font-weight:bold;'
        f'font-size:16px;{_WRAP}">{e(headline(mail))}</td></tr>',
        f'<tr><td style="padding:12px;line-height:1.5;{_WRAP}">{e(clean(mail.explanation, 1200))}'
        "</td></tr>",
    ]
    step = next_step(_situation(mail, tz))
    if step:
        parts.append(
            _cell(
                f"<b>What to do:</b> {e(step)}",
                "line-height:1.5;background:#f3f6fa;padding-top:10px;",
            )
        )
    figures = figure_lines(mail.kind, mail.figures, day_hours=mail.day_hours)
    if figures:
        items = "".join(f'<li style="margin:2px 0;">{e(line)}</li>' for line in figures)
        parts.append(_cell(f'<ul style="margin:8px 0 0;padding-left:18px;">{items}</ul>'))
    if mail.evidence:
        rows = "".join(
            f'<div style="margin:0 0 8px;"><div style="color:#555;font-size:13px;">'
            f"{e(stamp(line.date, tz))}</div><div>{e(clean(line.subject, 120))}</div>"
            f'<div style="color:#555;font-size:13px;">{e(_from(line))}</div></div>'
            for line in mail.evidence
        )
        parts.append(
            _cell(
                f'<div style="font-weight:bold;margin:0 0 6px;">Messages behind this alert</div>{rows}'
                + (f"<div>{e(more)}</div>" if (more := _more(mail)) else "")
            )
        )
    raised = f"{e(_raised(mail, tz))} " if mail.raised_at else ""
    parts.append(
        _cell(
            f"{raised}Acknowledge: <code>relmon alerts ack {mail.alert_id}</code> &middot; "
            f"Snooze: <code>relmon alerts snooze {mail.alert_id} 3d</code>",
            "font-size:13px;color:#555;",
        )
    )
    return parts


def _health_html(mail: AlertMail) -> str:
    e = html.escape
    bars = "".join(
        f'<td title="{e(str(v))}" style="vertical-align:bottom;padding:0 1px;">'
        f'<div style="width:5px;height:{max(2, int((v or 0) * 0.3))}px;background:'
        f'{"#2e7d32" if (v or 0) >= 60 else "#c77700" if (v or 0) >= 40 else "#b3261e"};"></div></td>'
        for v in mail.trend
    )
    return _cell(
        f'<div style="font-weight:bold;">Health {mail.health}/100</div>'
        f'<table role="presentation" cellpadding="0" cellspacing="0" style="height:32px;margin:4px 0;">'
        f"<tr>{bars}</tr></table>"
        f'<div style="font-size:13px;color:#555;">The last 30 days. {e(weakest(mail).capitalize())}</div>'
    )


def html_body(mails: Sequence[AlertMail], tz: tzinfo) -> str:
    e = html.escape
    parts = [
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        '<body style="margin:0;padding:8px;font-family:Segoe UI,Helvetica,Arial,sans-serif;'
        'font-size:16px;color:#222;">'
        '<table role="presentation" cellpadding="0" cellspacing="0" '
        'style="width:100%;max-width:640px;border-collapse:collapse;table-layout:fixed;">'
    ]
    for mail in mails:
        parts += _html_section(mail, tz)
    first = mails[0]
    if first.health is not None:
        parts.append(_health_html(first))
    note, common = _advice(mails)
    advice = []
    if note:
        advice.append(f"<b>About this client ({e(note[0])}):</b> {e(note[1])}")
    if common:
        advice.append(e(common))
    if advice:
        parts.append(_cell("<br>".join(advice), "font-size:14px;line-height:1.5;"))
    parts.append(
        _cell(f"{e(reply_hint(mails))}<br>{e(FOOTER)}", "font-size:12px;color:#666;")
        + "</table></body></html>"
    )
    return "".join(parts)
