"""Tables that fit the terminal: columns kept by priority, folded where their text can wrap.

Each column names the narrowest width it stays readable at (``fold``; ``None``: it never wraps,
e.g. a date). When even the narrowest layout of every column is wider than the terminal, the
least important columns are left out, and the caller names them. Room left over goes to the
folded columns, most important first, so a client's name is whole before a wait is. The table
is a :class:`~monitor.cli.fitted_table.FittedTable`: rich's table, printed the same, faster.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from rich.console import Console
from rich.table import Table
from rich.text import Text

from monitor.cli.fitted_table import FittedTable

#: What rich puts between two columns with ``show_edge=False, pad_edge=False``: " │ ".
SEPARATOR = 3


class Spec(Protocol):
    """A column's header and how it may be narrowed."""

    @property
    def header(self) -> str: ...
    @property
    def fold(self) -> int | None: ...
    @property
    def justify(self) -> Literal["left", "right"]: ...


@dataclass(frozen=True)
class Plain:
    """A column of a table without cell functions of its own."""

    header: str
    fold: int | None = None
    justify: Literal["left", "right"] = "left"


@dataclass(frozen=True)
class Layout:
    table: Table
    left_out: tuple[str, ...]  # headers of the columns that did not fit


def _natural(column: Spec, cells: Sequence[Text]) -> int:
    """The width a column takes unwrapped: its longest cell, or its header."""
    return max([c.cell_len for c in cells] + [len(column.header)])


def _narrowest(column: Spec, cells: Sequence[Text], natural: int) -> int:
    if column.fold is None:
        return natural
    # Never narrower than a word: folding inside "Maschinenbau" reads worse than one column less.
    words = [*column.header.split(), *(w for c in cells for w in c.plain.split())]
    return min(natural, max(column.fold, *(len(w) for w in words)))


def fit(
    columns: Mapping[str, Spec],
    priority: Sequence[str],
    cells: Mapping[str, Sequence[Text]],
    width: int | None,
) -> dict[str, int | None]:
    """The columns that fit ``width``, most important kept, each with its text width (``None``:
    its natural width). Room left over goes to the folded columns, most important first."""
    if width is None:
        return dict.fromkeys(priority)
    kept = list(priority)
    natural = {name: _natural(columns[name], cells[name]) for name in kept}
    narrowest = {name: _narrowest(columns[name], cells[name], natural[name]) for name in kept}

    def needed(names: Sequence[str]) -> int:
        return sum(narrowest[n] for n in names) + SEPARATOR * (len(names) - 1)

    while len(kept) > 1 and needed(kept) > width:
        kept.pop()
    room = max(0, width - needed(kept))
    widths: dict[str, int | None] = {}
    for name in kept:
        grow = min(room, natural[name] - narrowest[name])
        widths[name] = narrowest[name] + grow
        room -= grow
    return widths


def cell_texts(cells: Sequence[str]) -> list[Text]:
    """Each cell's markup read once, for measuring and for the table alike, and the same
    markup (a health score, a set of alerts) read once for all the cells that repeat it: a
    table of hundreds of rows would otherwise spend much of its time there."""
    read: dict[str, Text] = {}
    texts = []
    for cell in cells:
        if "[" not in cell and cell.count(":") < 2:  # neither markup nor an :emoji: code
            texts.append(Text(cell))
            continue
        text = read.get(cell)
        if text is None:
            text = read[cell] = Text.from_markup(cell)
        texts.append(text.copy())
    return texts


def fitted(
    columns: Mapping[str, Spec],
    priority: Sequence[str],
    cells: Mapping[str, list[str]],
    width: int | None,
) -> Layout:
    """The table of ``cells`` (rich markup, one list per column, one entry per row) for
    ``width`` terminal columns; ``None``: every column at its natural width."""
    texts = {name: cell_texts(column) for name, column in cells.items()}
    widths = fit(columns, priority, texts, width)
    shown = [name for name in columns if name in widths]
    table = FittedTable(show_edge=False, pad_edge=False, expand=False)
    for name in shown:
        column = columns[name]
        table.add_column(
            column.header,
            justify=column.justify,
            no_wrap=column.fold is None,
            width=widths[name],
            overflow="fold",
        )
    rows = len(next(iter(texts.values()), []))
    for index in range(rows):
        table.add_row(*(texts[name][index] for name in shown))
    left_out = tuple(columns[name].header for name in priority if name not in widths)
    return Layout(table, left_out)


def terminal_width(out: Console) -> int:
    """The width to fit: the terminal's, or ``$COLUMNS`` when the output is piped."""
    return out.width if out.is_terminal else int(os.environ.get("COLUMNS") or out.width)
