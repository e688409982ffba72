"""What ``relmon client NAME`` prints: one client in depth, every figure with its window named.

One statement, one window: "over the last 30 days" or "over 90 days" is said with the figure it
belongs to. One measure, one name: the client's tone is "tone" both as a score out of 100 (a
component of health) and as a mean from −1 to +1. Working time is told in working days of the
team's day, with calendar time beside it; times carry their zone.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from monitor.cli.common import console
from monitor.cli.health_table import TOO_LITTLE
from monitor.cli.render import hanging, health_style, indented, severity_style, signed
from monitor.core import durations
from monitor.sparkline import sparkline

if TYPE_CHECKING:
    from monitor.app.rows import ClientDetail, GapStatsRow

#: How ``relmon client`` explains a client message that waits for no reply from us.
#: What each kind of cue is called in the timeline's note.
_CUE_NAMES = {
    "escalation": "escalation",
    "pressure_phrase": "reminder",
    "challenge": "pointed question",
    "senior": "senior named",
    "status": "status request",
    "basics": "basics",
}
_NO_REPLY_NOTES = {
    "not_addressed_to_us": "no reply expected: none of us in To",
    "cc_only": "no reply expected: we are only in Cc",
    "to_a_list": "no reply expected: sent to a list",
}


def print_client(data: ClientDetail, tz: tzinfo, when: datetime, working_hours: str = "") -> None:
    """``working_hours``: the team's, as configured ("Mon-Fri 09:00-17:30 Europe/London"), which
    working time counts; the footer names them."""
    out = console()
    _print_summary(out, data, tz, when)
    _print_gaps_and_tone(out, data, tz, when)
    out.print()
    _print_alerts(out, data, tz, when)
    out.print()
    out.print(_timeline_table(data, tz, when))
    footer = f"Times are {_zone_name(tz)} ({durations.zone_label(when, tz)})."
    if working_hours:
        day = durations.number(data["working_day_hours"])
        footer += (
            f" Working time counts {working_hours} in working days of {day} hours; calendar "
            "time in brackets."
        )
    out.print(Text(footer, style="dim"))


def _zone_name(tz: tzinfo) -> str:
    return str(getattr(tz, "key", tz))


def _print_summary(out: Console, data: ClientDetail, tz: tzinfo, when: datetime) -> None:
    """The header, health, pattern and cadence lines."""
    from monitor.core.health import COMPONENT_NAMES

    score = data["health"]
    out.print(
        f"[bold]{escape(data['name'])}[/bold] — owner {data['owner']} — as of "
        f"{durations.full(when, tz)}"
    )
    components = ", ".join(
        f"{COMPONENT_NAMES.get(k, k)} {v if v is not None else '—'}"
        for k, v in data["components"].items()
    )
    shown = f"{score}/100" if score is not None else TOO_LITTLE
    out.print(
        f"Health [{health_style(score)}]{shown}[/] (scores out of 100: {components})  "
        f"{sparkline([p['health'] for p in data['trend']], 0, 100)} over 30 days"
    )
    pattern = data["pattern"]
    out.print(f"Pattern: [bold]{pattern['name']}[/bold] ({'; '.join(pattern['reasons'])})")
    indented(out, pattern["advice"])
    out.print()
    out.print(_cadence_line(data, when))


def _cadence_line(data: ClientDetail, when: datetime) -> str:
    cadence = data["cadence"]
    days = cadence["days"]
    if days is None:
        rhythm = f"Usual rhythm not known yet ({cadence['samples']} gaps between contacts so far)"
    elif cadence["source"] == "configured":
        rhythm = f"Writes every {durations.calendar_days(days)} (as configured)"
    else:
        rhythm = (
            f"Usually writes every {durations.calendar_days(days)} (its rhythm over the last "
            "180 days)"
        )
    silent = data["silent_days"]
    silence = (
        f"silent for {durations.calendar_days(silent)}" if silent is not None else "never wrote"
    )
    away = data["away_until"]
    until = f"; away until {durations.day(away, when)}" if away else ""
    return f"{rhythm}; {silence}{until}"


def _gap_line(label: str, days: int, stats: GapStatsRow, day_seconds: float, note: str = "") -> str:
    from monitor.core.detectors import counted

    median = stats["median_business_hours"]
    if median is None:
        return f"{label} over the last {days} days: none"
    wall = stats["median_wall_hours"] or 0.0
    p90 = stats["p90_business_hours"] or 0.0
    p90_wall = stats["p90_wall_hours"] or 0.0
    return (
        f"{label} over the last {days} days ({counted(stats['count'], 'message')}{note}): median "
        f"{durations.waited(median * 3600, wall * 3600, day_seconds)}, slowest tenth "
        f"{durations.waited(p90 * 3600, p90_wall * 3600, day_seconds)}"
    )


def _print_gaps_and_tone(out: Console, data: ClientDetail, tz: tzinfo, when: datetime) -> None:
    """Reply times both ways, then the tone with the sentences behind it."""
    from monitor.core.detectors import counted

    day_seconds = data["working_day_hours"] * 3600
    for label, windows in (
        ("Our reply time", ((30, data["reply_gap_30d"]), (90, data["reply_gap_90d"]))),
        (
            "The client's reply time",
            ((30, data["client_reply_gap_30d"]), (90, data["client_reply_gap_90d"])),
        ),
    ):
        # Our figures count a message still waiting at its age; the alert's "usual" never does.
        note = ", any still waiting at its age" if label.startswith("Our") else ""
        for days, stats in windows:
            out.print(_gap_line(label, days, stats, day_seconds, note))
    sentiment = data["sentiment"]
    out.print(
        f"Tone (−1 to +1) over the last 30 days: {signed(sentiment['mean_30d'])} "
        f"({counted(sentiment['scored_30d'], 'message')} scored, "
        f"{sentiment['unscored_30d']} in languages "
        f"not scored); over the last 90 days {signed(sentiment['mean_90d'])}; the last 30 days "
        f"against the 90 days before them {signed(sentiment['trend'])}"
    )
    evidence = data["sentiment_evidence"]
    for item in evidence:
        text = f": {escape(item['text'])}" if item["text"] else ""
        out.print(
            f"  {item['compound']:+.2f} in {escape(repr(item['message']['subject']))} "
            f"({durations.moment(item['message']['date'], when, tz)}), sentence "
            f"{item['sentence'] + 1}{text}"
        )
    if any(not item["text"] for item in evidence):  # said once, not on every sentence
        out.print(
            "  [dim](sentence text not stored; enable privacy.store_snippets to see it)[/dim]"
        )


def _print_alerts(out: Console, data: ClientDetail, tz: tzinfo, when: datetime) -> None:
    out.print("[bold]Alerts[/bold]")
    for finding in data["findings"]:
        severity = finding["severity"]
        label = f"[{severity_style(severity)}]{severity}[/]" if severity else "[green]ok[/green]"
        hanging(out, f"{finding['kind']:<16} {label} ", escape(finding["explanation"]))
    _print_friction_evidence(out, data, tz, when)
    indented(out, f"[dim]{data['advice_common']}[/dim]")


def _print_friction_evidence(out: Console, data: ClientDetail, tz: tzinfo, when: datetime) -> None:
    """The messages behind the friction judgement, with the features that drove each."""
    for item in data["friction_evidence"]:
        features = [f"impolite {item['impoliteness']:.2f}"] if item["impoliteness"] else []
        if item["curtness"]:
            features.append(f"curt {item['curtness']:.2f}")
        if item["courtesy"] is False:
            features.append("no greeting or thanks")
        cue = f": '{escape(item['evidence'])}'" if item["evidence"] else ""
        out.print(
            f"    friction {item['strength']:.2f} in {escape(repr(item['message']['subject']))} "
            f"({durations.day(item['message']['date'], when, tz)}){cue} ({', '.join(features)})"
        )


def _cue_note(cues: list[str], limit: int = 3) -> str:
    """A client message's cues by kind: "escalation 'unacceptable', 'refund'; basics 'what
    does'" (our own messages' cues count in no measure, and are not shown)."""
    by_kind: dict[str, list[str]] = {}
    for cue in cues[:limit]:
        kind, _, term = cue.partition(":")
        by_kind.setdefault(_CUE_NAMES.get(kind, kind), []).append(f"'{term}'")
    return "; ".join(f"{kind} {', '.join(terms)}" for kind, terms in by_kind.items())


def _timeline_table(data: ClientDetail, tz: tzinfo, when: datetime) -> Table:
    table = Table(title="Recent messages", show_edge=False, pad_edge=False)
    for name in ("date", "dir", "from", "subject", "tone", "our reply", "note"):
        table.add_column(name)
    day_seconds = data["working_day_hours"] * 3600
    for item in data["timeline"]:
        gap, wall = item["reply_gap_business_hours"], item["reply_gap_wall_hours"]
        gap_text = (
            durations.waited(gap * 3600, (wall or 0.0) * 3600, day_seconds)
            if gap is not None
            else ""
        )
        if item["answered"] is False:
            gap_text = f"[red]waiting {gap_text}[/red]"
        note = item["noise"] or (_cue_note(item["cues"]) if item["direction"] == "inbound" else "")
        if item["reply_reason"]:
            reason = _NO_REPLY_NOTES.get(item["reply_reason"], item["reply_reason"])
            note = f"{reason}; {note}" if note else reason
        if item["tone"] is not None:
            tone = signed(item["tone"])
        else:  # unscored: say in which language, unless it is noise, which is never scored
            tone = f"({item['language']})" if item["language"] and not item["noise"] else ""
        local = item["date"].astimezone(tz)
        table.add_row(
            f"{durations.day(local, when, tz)} {local:%H:%M}",
            "in" if item["direction"] == "inbound" else "out",
            item["from"],
            escape(item["subject"][:60]),
            tone,
            gap_text,
            escape(note),
        )
    return table
