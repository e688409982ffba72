"""Small renderers shared by the table commands: dates, severities, styles.

Durations are told by :mod:`monitor.core.durations`, never here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, tzinfo
from typing import Any

from rich.console import Console
from rich.table import Table


def hanging(out: Console, head: str, text: str, *, indent: int = 2) -> None:
    """``head`` then ``text``, the text wrapped under itself rather than back to the margin
    (readable at 80 columns): a label column and a prose column of a two-column grid."""
    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(no_wrap=True)
    grid.add_column()
    grid.add_row(" " * indent + head, text)
    out.print(grid)


def indented(out: Console, text: str, *, indent: int = 2) -> None:
    """A paragraph wrapped at ``indent`` columns from the margin on every line."""
    hanging(out, "", text, indent=indent - 1)


def severity_style(severity: str | None) -> str:
    return {"critical": "bold red", "warning": "yellow"}.get(severity or "", "")


def health_style(score: int | None) -> str:
    if score is None:
        return "dim"
    if score < 40:
        return "bold red"
    if score < 60:
        return "yellow"
    return "green"


def signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}"


def day_time(value: datetime, tz: tzinfo) -> str:
    """Compact local date and time for tables: "19 Nov 21:37"."""
    return value.astimezone(tz).strftime("%d %b %H:%M")


def table(columns: Iterable[str], *, right: Collection[str] = (), **options: Any) -> Table:
    """The commands' table style: no outer border; ``right`` columns right-aligned (figures);
    ``options`` apply to every column (e.g. ``overflow="fold"``)."""
    out = Table(show_edge=False, pad_edge=False)
    for name in columns:
        out.add_column(name, justify="right" if name in right else "left", **options)
    return out
