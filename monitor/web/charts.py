"""Charts as SVG drawn on the server: the browser needs no script and no chart library.

Colours are the Okabe–Ito palette, which stays distinguishable with the common colour-vision
deficiencies, and every series also differs by shape and has a text label: client mail is a
blue circle, ours an orange square. Each chart has a title and a description for screen readers.

Each panel is drawn twice: at 720 units for a screen and at 340 for a phone, where a chart
scaled down to a third of its width would shrink its labels to a few pixels. The stylesheet shows
the one that fits; both are plain SVG, so no script is needed to choose.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from markupsafe import Markup, escape

from monitor.app.dashboard import ClientYear, GapPoint
from monitor.core.detectors.base import counted

CLIENT = "#0072B2"  # blue: the client's side
OURS = "#E69F00"  # orange: our side
HEALTH = "#009E73"  # bluish green
CRITICAL = "#D55E00"  # vermilion
AWAY = "#999999"


@dataclass(frozen=True, slots=True)
class Layout:
    """How wide a panel is drawn, and what that leaves room for."""

    name: str  # the CSS class that says where it is shown
    width: int
    left: int = 48
    right: int = 12
    month_every: int = 1  # label every n-th month (grid lines stay monthly)
    bar: float = 4.0  # width of one weekly volume bar

    @property
    def end(self) -> int:
        return self.width - self.right


SCREEN = Layout("wide", 720)
PHONE = Layout("narrow", 340, left=40, right=8, month_every=2, bar=2.0)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(markup: str) -> Markup:
    """Mark drawn SVG as safe: numbers are formatted here and every text went through
    ``escape``, so nothing from mail or configuration reaches the page unescaped."""
    return Markup(markup)  # noqa: S704 - see the docstring


def sparkline(points: Sequence[int | None], *, label: str = "Health") -> Markup:
    """A small line of health scores (0–100); a gap where a week had no score."""
    return _sparkline(tuple(points), label)


@functools.lru_cache(maxsize=4096)
def _sparkline(points: tuple[int | None, ...], label: str) -> Markup:
    width, height = 104, 26
    known = [(i, p) for i, p in enumerate(points) if p is not None]
    if not known:
        return _svg('<span class="muted">no trend</span>')
    step = width / max(1, len(points) - 1)
    path = " ".join(
        f"{_num(i * step)},{_num(height - 2 - p / 100 * (height - 4))}" for i, p in known
    )
    first, last = known[0][1], known[-1][1]
    title = f"{label} over {len(points)} weeks: {first} to {last}"
    return _svg(
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<polyline fill="none" stroke="{HEALTH}" stroke-width="2" points="{path}"/>'
        f'<circle cx="{_num(known[-1][0] * step)}" cy="{_num(height - 2 - last / 100 * (height - 4))}" '
        f'r="2.5" fill="{HEALTH}"/></svg>'
    )


class _Axis:
    """Time across the chart: the client page's year, shared by every panel."""

    def __init__(self, start: datetime, end: datetime, layout: Layout = SCREEN) -> None:
        self.start, self.span = start, max(1.0, (end - start).total_seconds())
        self.layout = layout

    def x(self, when: datetime) -> float:
        share = (when - self.start).total_seconds() / self.span
        layout = self.layout
        return layout.left + max(0.0, min(1.0, share)) * (layout.end - layout.left)

    def months(self, height: int) -> str:
        parts = []
        day = self.start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        while (day - self.start).total_seconds() <= self.span:
            if day >= self.start:
                x = _num(self.x(day))
                parts.append(f'<line x1="{x}" x2="{x}" y1="0" y2="{height - 14}" class="grid"/>')
                # The last label would run past the edge if the month started near it.
                room = self.layout.end - self.x(day) >= 20
                if day.month % self.layout.month_every == 0 and room:
                    parts.append(f'<text x="{x}" y="{height - 2}" class="tick">{day:%b}</text>')
            day = (day + timedelta(days=32)).replace(day=1)
        return "".join(parts)


def _panel(name: str, desc: str, height: int, body: str, axis: _Axis) -> Markup:
    layout = axis.layout
    return _svg(
        f'<svg class="panel {layout.name}" viewBox="0 0 {layout.width} {height}" role="img" '
        f'aria-label="{escape(name)}"><title>{escape(name)}</title><desc>{escape(desc)}</desc>'
        f"{axis.months(height)}{body}</svg>"
    )


def _rule(axis: _Axis, y: float, label: str) -> str:
    """A horizontal grid line across the panel with its label in the left margin."""
    layout = axis.layout
    return (
        f'<line x1="{layout.left}" x2="{layout.end}" y1="{_num(y)}" y2="{_num(y)}" class="grid"/>'
        f'<text x="{layout.left - 6}" y="{_num(y + 4)}" class="tick end">{label}</text>'
    )


def _away_rects(year: ClientYear, axis: _Axis, top: int, bottom: int) -> str:
    parts = []
    for since, until, who in year.away:
        x1, x2 = axis.x(since), axis.x(until)
        tip = f"{who} away {since:%d %b} to {until:%d %b}"
        parts.append(
            f'<rect x="{_num(x1)}" y="{top}" width="{_num(max(2.0, x2 - x1))}" '
            f'height="{bottom - top}" class="away"><title>{escape(tip)}</title></rect>'
            f'<text x="{_num(x1 + 2)}" y="{top + 10}" class="tick">away</text>'
        )
    return "".join(parts)


def _alert_marks(year: ClientYear, axis: _Axis, bottom: int) -> str:
    parts = []
    for index, mark in enumerate(year.alerts):
        at = axis.x(mark.opened_at)
        x = _num(at)
        colour = CRITICAL if mark.severity == "critical" else OURS
        tip = f"{mark.severity} {mark.kind} alert opened {mark.opened_at:%d %b}"
        # Labels near the right edge end at the mark; several alerts stack their labels.
        anchor = "end" if at > axis.layout.width - 120 else "start"
        label_x = _num(at - 4 if anchor == "end" else at + 4)
        parts.append(
            f'<g><title>{escape(tip)}</title><line x1="{x}" x2="{x}" y1="4" y2="{bottom}" '
            f'stroke="{colour}" stroke-dasharray="3 2"/><path d="M{x} 8 l-5 -7 h10 z" '
            f'fill="{colour}"/><text x="{label_x}" y="{14 + 11 * index}" class="mark" '
            f'text-anchor="{anchor}">{escape(mark.severity)} {escape(mark.kind)}</text></g>'
        )
    return "".join(parts)


def health_panel(year: ClientYear, axis: _Axis) -> Markup:
    height, top, bottom = 150, 18, 132
    scale = bottom - top

    def y(score: float) -> float:
        return bottom - score / 100 * scale

    points = [
        (axis.x(_at(p["date"], year)), y(p["health"]))
        for p in year.weekly_health
        if p["health"] is not None
    ]
    line = " ".join(f"{_num(a)},{_num(b)}" for a, b in points)
    grid = "".join(_rule(axis, y(v), str(v)) for v in (0, 50, 100))
    body = (
        grid
        + _away_rects(year, axis, top, bottom)
        + (
            f'<polyline points="{line}" fill="none" stroke="{HEALTH}" stroke-width="2.5"/>'
            if line
            else ""
        )
        + _alert_marks(year, axis, bottom)
    )
    desc = f"Health score every two weeks over the year; {counted(len(year.alerts), 'alert')} and {counted(len(year.away), 'away period')} marked."
    return _panel("Health, fortnightly", desc, height, body, axis)


def _at(day: date, year: ClientYear) -> datetime:
    return datetime.combine(day, time(23, 59), tzinfo=year.as_of.tzinfo)


def tone_panel(year: ClientYear, axis: _Axis) -> Markup:
    height, top, bottom = 120, 8, 104
    mid = (top + bottom) / 2

    def y(value: float) -> float:
        return mid - value * (bottom - top) / 2

    parts = [_rule(axis, y(v), label) for v, label in ((1, "+1"), (0, "0"), (-1, "−1"))]
    for point in year.messages:
        if point.sentiment is None:
            continue
        x, cy = _num(axis.x(point.date)), _num(y(point.sentiment))
        tip = escape(f"{point.date:%d %b}: {point.sentiment:+.2f}")
        if point.inbound:
            parts.append(
                f'<circle cx="{x}" cy="{cy}" r="3.5" fill="{CLIENT}"><title>{tip}</title></circle>'
            )
        else:
            parts.append(
                f'<rect x="{_num(axis.x(point.date) - 3)}" y="{_num(y(point.sentiment) - 3)}" '
                f'width="6" height="6" fill="{OURS}"><title>{tip}</title></rect>'
            )
    scored = sum(1 for p in year.messages if p.sentiment is not None)
    desc = f"Tone of each message from −1 to +1; {counted(scored, 'scored message')}. Client: circles; ours: squares."
    return _panel("Tone per message", desc, height, "".join(parts), axis)


def _gap_bars(gaps: Sequence[GapPoint], axis: _Axis, mid: float, half: float, up: bool) -> str:
    cap = 120.0  # hours: longer gaps are drawn at full height and say so in their title
    parts = []
    colour = OURS if up else CLIENT
    for gap in gaps:
        size = min(gap.business_hours, cap) / cap * half
        top = mid - size if up else mid
        tip = escape(
            f"{gap.start:%d %b}: {gap.business_hours:.1f} working hours"
            + (" (still waiting)" if gap.open else "")
        )
        dash = ' stroke-dasharray="2 2" fill-opacity="0.3"' if gap.open else ""
        parts.append(
            f'<rect x="{_num(axis.x(gap.start) - 1.5)}" y="{_num(top)}" width="3" '
            f'height="{_num(max(1.0, size))}" fill="{colour}" stroke="{colour}"{dash}>'
            f"<title>{tip}</title></rect>"
        )
    return "".join(parts)


def gaps_panel(year: ClientYear, axis: _Axis) -> Markup:
    height, top, bottom = 130, 8, 114
    mid, half = (top + bottom) / 2, (bottom - top) / 2
    left, end = axis.layout.left, axis.layout.end
    body = (
        f'<line x1="{left}" x2="{end}" y1="{_num(mid)}" y2="{_num(mid)}" class="axis"/>'
        f'<text x="{left - 6}" y="{_num(top + 10)}" class="tick end">ours</text>'
        f'<text x="{left - 6}" y="{_num(bottom)}" class="tick end">theirs</text>'
        + _gap_bars(year.ours, axis, mid, half, up=True)
        # The client's open waits are left out: our last message may have asked for nothing.
        + _gap_bars([g for g in year.theirs if not g.open], axis, mid, half, up=False)
    )
    desc = (
        f"Reply gaps in working hours (full height: 120 hours or more): ours above the line "
        f"({len(year.ours)}), the client's below ({len(year.theirs)})."
    )
    return _panel("Reply gaps", desc, height, body, axis)


def volume_panel(year: ClientYear, axis: _Axis) -> Markup:
    height, top, bottom = 110, 8, 94
    peak = max([1, *(max(i, o) for _, i, o in year.weeks)])
    bar = axis.layout.bar
    parts = [f'<text x="{axis.layout.left - 6}" y="{top + 8}" class="tick end">{peak}</text>']
    for week, inbound, outbound in year.weeks:
        x = axis.x(_at(week, year) - timedelta(hours=23, minutes=59))
        for offset, count, colour, who in (
            (0, inbound, CLIENT, "in"),
            (bar, outbound, OURS, "out"),
        ):
            if count:
                size = count / peak * (bottom - top)
                parts.append(
                    f'<rect x="{_num(x + offset)}" y="{_num(bottom - size)}" width="{_num(bar)}" '
                    f'height="{_num(size)}" fill="{colour}"><title>week of {week:%d %b}: '
                    f"{count} {who}</title></rect>"
                )
    desc = "Messages per week: client to us (blue, left) and us to the client (orange, right)."
    return _panel("Weekly volume", desc, height, "".join(parts), axis)


_PANELS = (
    ("Health every two weeks (0–100), with alerts and out-of-office periods", health_panel),
    ("Tone per message (−1 to +1)", tone_panel),
    ("Reply gaps in working hours: ours above, the client's below", gaps_panel),
    ("Messages per week: in (client → us), out (us → client)", volume_panel),
)


def timeline(year: ClientYear) -> list[tuple[str, Markup]]:
    """The client page's four panels over one shared year, each with its caption: every panel
    drawn for a screen and for a phone, side by side in the markup (the stylesheet shows one)."""
    axes = [_Axis(year.start, year.as_of, layout) for layout in (SCREEN, PHONE)]
    return [
        (caption, Markup("").join(draw(year, axis) for axis in axes)) for caption, draw in _PANELS
    ]
