"""The ``relmon health`` table: readable at any width from 80 columns up.

Each column has a priority and the narrowest width it stays readable at. Columns whose text can
wrap (names, alerts, waits) fold onto several lines; the others keep their natural width. When
even the narrowest layout is wider than the terminal, the least important columns are left out,
and the footer names them (``--wide`` shows every column at its natural width).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Literal

from rich.table import Table
from rich.text import Text

from monitor.cli.render import health_style, severity_style, signed
from monitor.core import durations
from monitor.sparkline import sparkline

if TYPE_CHECKING:
    from monitor.app.rows import HealthRow

#: What the health column says of a client with fewer than three messages: no score yet.
TOO_LITTLE = "too little history"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: What rich puts between two columns with ``show_edge=False, pad_edge=False``: " │ ".
SEPARATOR = 3


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
    shown = [f"[{severity_style(a['severity'])}]{a['kind']}[/]" for a in row["alerts"]]
    return " ".join(shown) or "—"


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
    "client": Column("client", lambda row, _: row["name"], fold=16),
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


def _natural(column: Column, cells: Sequence[str]) -> int:
    """The width a column takes unwrapped: its longest cell, or its header."""
    return max([Text.from_markup(c).cell_len for c in cells] + [len(column.header)])


def _narrowest(column: Column, cells: Sequence[str]) -> int:
    natural = _natural(column, cells)
    if column.fold is None:
        return natural
    # Never narrower than a word: folding inside "Maschinenbau" reads worse than one column less.
    words = [*column.header.split(), *(w for c in cells for w in Text.from_markup(c).plain.split())]
    return min(natural, max(column.fold, *(len(w) for w in words)))


def fit(cells: dict[str, list[str]], width: int | None) -> dict[str, int | None]:
    """The columns that fit ``width``, most important kept, each with its text width (``None``:
    its natural width). Room left over goes to the folded columns, most important first."""
    if width is None:
        return dict.fromkeys(PRIORITY)
    kept = list(PRIORITY)
    narrowest = {name: _narrowest(COLUMNS[name], cells[name]) for name in kept}

    def needed(names: Sequence[str]) -> int:
        return sum(narrowest[n] for n in names) + SEPARATOR * (len(names) - 1)

    while len(kept) > 1 and needed(kept) > width:
        kept.pop()
    room = max(0, width - needed(kept))
    widths: dict[str, int | None] = {}
    for name in kept:
        grow = min(room, _natural(COLUMNS[name], cells[name]) - narrowest[name])
        widths[name] = narrowest[name] + grow
        room -= grow
    return widths


@dataclass(frozen=True)
class Layout:
    table: Table
    left_out: tuple[str, ...]  # headers of the columns that did not fit


def health_layout(rows: Sequence[HealthRow], reading: Reading, width: int | None) -> Layout:
    """The table for ``width`` columns (``None``: every column, at its natural width)."""
    cells = {name: [c.cell(row, reading) for row in rows] for name, c in COLUMNS.items()}
    widths = fit(cells, width)
    shown = [name for name in COLUMNS if name in widths]
    table = Table(show_edge=False, pad_edge=False, expand=False)
    for name in shown:
        column = COLUMNS[name]
        table.add_column(
            column.header,
            justify=column.justify,
            no_wrap=column.fold is None,
            width=widths[name],
            overflow="fold",
        )
    for index in range(len(rows)):
        table.add_row(*(cells[name][index] for name in shown))
    left_out = tuple(COLUMNS[name].header for name in PRIORITY if name not in widths)
    return Layout(table, left_out)


def health_table(rows: Sequence[HealthRow], tz: tzinfo, now: datetime | None = None) -> Table:
    """Every column, for callers that print at a width of their own (the demo, tests)."""
    # Without a ``now``, the newest message stands in for it (only the years shown depend on it).
    when = now or max(
        (ref["date"] for r in rows for ref in (r["last_inbound"], r["last_outbound"]) if ref),
        default=_EPOCH,
    )
    return health_layout(rows, Reading(tz, when), None).table
