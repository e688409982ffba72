"""The ``relmon health`` table: readable at any width from 80 columns up.

Columns whose text can wrap (names, alerts, waits) fold onto several lines; the least important
columns are left out when even the narrowest layout is too wide, and the footer names them
(``--wide`` shows every column at its natural width). :mod:`monitor.cli.fitting` does the fitting.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Literal

from rich.markup import escape
from rich.table import Table

from monitor.cli.fitting import Layout, fitted
from monitor.cli.render import health_style, severity_style, signed
from monitor.core import durations
from monitor.sparkline import sparkline

if TYPE_CHECKING:
    from monitor.app.rows import HealthRow

#: What the health column says of a client with fewer than three messages: no score yet.
TOO_LITTLE = "too little history"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Reading:
    """How the table reads its rows: times in ``zone``, dates against ``now`` (for the year)."""

    zone: tzinfo
    now: datetime


Cell = Callable[["HealthRow", Reading], str]


@dataclass(frozen=True)
class Column:
    header: str
    cell: Cell  # rich markup
    #: The narrowest readable width of a column that wraps; ``None``: never wraps.
    fold: int | None = None
    justify: Literal["left", "right"] = "left"


def _when(row: HealthRow, key: Literal["last_inbound", "last_outbound"], r: Reading) -> str:
    ref = row[key]
    if ref is None:
        return "—"
    local = ref["date"].astimezone(r.zone)
    return f"{durations.day(local, r.now, r.zone)} {local.strftime('%H:%M')}"


def _health(row: HealthRow, _: Reading) -> str:
    score = row["health"]
    return f"[{health_style(score)}]{score if score is not None else TOO_LITTLE}[/]"


def _alerts(row: HealthRow, _: Reading) -> str:
    """The open alerts by severity, the severity in words as well as in colour (a pipe, a
    screen reader or a monochrome terminal shows no colour)."""
    groups = []
    for severity in ("critical", "warning"):
        kinds = [a["kind"] for a in row["alerts"] if a["severity"] == severity]
        if kinds:
            groups.append(f"[{severity_style(severity)}]{severity}: {' '.join(kinds)}[/]")
    return " ".join(groups) or "—"


def _awaiting(row: HealthRow, _: Reading) -> str:
    waiting = row["awaiting"]
    if not waiting["count"]:
        return "—"
    return f"{waiting['count']}, oldest {waiting['oldest_text']}"


def _reply(row: HealthRow, _: Reading) -> str:
    median = row["reply_gap_30d"]["median_business_hours"]
    if median is None:
        return "—"
    return durations.working(median * 3600, row["working_day_hours"] * 3600)


def _trend(row: HealthRow, _: Reading) -> str:
    # Every other day of the 30-day history keeps the sparklines short.
    return sparkline([p["health"] for p in row["trend"][1::2]], 0, 100)


def _tone_trend(row: HealthRow, _: Reading) -> str:
    return sparkline([p["sentiment_30d"] for p in row["trend"][1::2]], -1, 1)


#: In the order they are printed; ``PRIORITY`` says which are left out first.
COLUMNS = {
    "client": Column("client", lambda row, _: escape(row["name"]), fold=16),
    "health": Column("health", _health, fold=7, justify="right"),
    "trend": Column("health 30d", _trend),
    "alerts": Column("alerts", _alerts, fold=15),
    "awaiting": Column("awaiting our reply", _awaiting, fold=14),
    "last in": Column("last in", lambda row, r: _when(row, "last_inbound", r)),
    "last out": Column("last out", lambda row, r: _when(row, "last_outbound", r)),
    "reply": Column("our reply 30d", _reply, fold=13),
    "tone": Column(
        "tone 30d", lambda row, _: signed(row["sentiment"]["mean_30d"]), justify="right"
    ),
    "tone trend": Column("tone 30d trend", _tone_trend),
    "pattern": Column("pattern", lambda row, _: row["pattern"]["name"]),
}
#: Kept longest first: who, how healthy, what is wrong, what waits, then the context.
PRIORITY = (
    "client",
    "health",
    "alerts",
    "awaiting",
    "last in",
    "reply",
    "pattern",
    "tone",
    "last out",
    "trend",
    "tone trend",
)


def health_layout(rows: Sequence[HealthRow], reading: Reading, width: int | None) -> Layout:
    """The table for ``width`` columns (``None``: every column, at its natural width)."""
    cells = {name: [c.cell(row, reading) for row in rows] for name, c in COLUMNS.items()}
    return fitted(COLUMNS, PRIORITY, cells, width)


def health_table(rows: Sequence[HealthRow], tz: tzinfo, now: datetime | None = None) -> Table:
    """Every column, for callers that print at a width of their own (the demo, tests)."""
    # Without a ``now``, the newest message stands in for it (only the years shown depend on it).
    when = now or max(
        (ref["date"] for r in rows for ref in (r["last_inbound"], r["last_outbound"]) if ref),
        default=_EPOCH,
    )
    return health_layout(rows, Reading(tz, when), None).table
