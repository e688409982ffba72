"""A rich table that lays out its cells of plain text itself, for tables of hundreds of rows.

rich renders every cell of a table the same general way: a padding, a measurement, wrapping,
cropping, padding again, then shaping to the row's height, which for a few thousand cells is most
of a command's time. A cell of text that fits its column needs none of it: it is its text,
justified in the column's width, between the column's padding; one that does not fit needs only
rich's wrapping of its text. :class:`FittedTable` lays out those cells directly and hands anything
else (a header, a renderable that is not text, text with a style or alignment of its own) to rich,
so what is printed does not change, character for character and colour for colour. A table drawn
in ways it does not lay out itself (row styles, lines between rows, an outer edge, no box) is
rendered by rich as a whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Literal

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.table import Column, Table
from rich.text import Span, Text

Line = list[Segment]


class FittedTable(Table):
    """A :class:`rich.table.Table` that prints the same, several times faster."""

    def _laid_out_here(self) -> bool:
        top, _, bottom, _ = self.padding
        return (
            self.box is not None
            and self.show_header
            and not (self.show_footer or self.show_edge or self.show_lines or self.leading)
            and not (self.collapse_padding or self.row_styles or top or bottom)
            and not any(row.style or row.end_section for row in self.rows)
            and not any(column.style or column.vertical != "top" for column in self.columns)
        )

    def _render(self, console: Console, options: ConsoleOptions, widths: list[int]) -> RenderResult:
        if self.box is None or not self._laid_out_here():
            yield from super()._render(console, options, widths)
            return
        safe = console.safe_box if self.safe_box is None else self.safe_box
        box = self.box.substitute(options, safe=safe)
        border = console.get_style(self.style or "") + console.get_style(self.border_style or "")
        heads = [next(iter(self._get_cells(console, n, c))) for n, c in enumerate(self.columns)]
        styles = [console.get_style(head.style) for head in heads]
        cells = [
            _by_rich(console, options, column, head.renderable, style, width)
            for head, style, column, width in zip(heads, styles, self.columns, widths, strict=True)
        ]
        yield from _lines(cells, widths, Segment(box.head_vertical, border), "bottom", styles)
        yield Segment(box.get_row(widths, "head", edge=False), border)
        yield Segment.line()
        body = [
            _Body(console, options, column, width, self._pads(n), padded=any(self.padding))
            for n, (column, width) in enumerate(zip(self.columns, widths, strict=True))
        ]
        unstyled = [Style.null()] * len(body)
        last = len(self.rows) - 1
        for index in range(last + 1):
            divider = Segment(box.foot_vertical if index == last else box.mid_vertical, border)
            yield from _lines([b.lines(index) for b in body], widths, divider, "top", unstyled)

    def _pads(self, index: int) -> tuple[int, int]:
        """The spaces left and right of a column's cells."""
        _, right, _, left = self.padding
        if not self.pad_edge:
            left = 0 if index == 0 else left
            right = 0 if index == len(self.columns) - 1 else right
        return left, right


class _Body:
    """The cells of one column, each laid out in its lines."""

    def __init__(
        self,
        console: Console,
        options: ConsoleOptions,
        column: Column,
        width: int,
        pads: tuple[int, int],
        *,
        padded: bool,
    ) -> None:
        self.console, self.options, self.column, self.width = console, options, column, width
        self.padding = (0, pads[1], 0, pads[0]) if padded else None
        self.cells = list(column.cells)
        self.left, self.right = (" " * pad for pad in pads)
        self.inner = width - sum(pads)
        self.wrapped: dict[tuple[str, tuple[Span, ...]], list[Line]] = {}

    def lines(self, row: int) -> list[Line]:
        cell = self.cells[row]
        if not isinstance(cell, Text) or not _plain_text(cell) or self.inner < 1:
            padded = cell if self.padding is None else Padding(cell, self.padding)
            return _by_rich(
                self.console, self.options, self.column, padded, Style.null(), self.width
            )
        plain, justify, left, right = cell.plain, self.column.justify, self.left, self.right
        length = cell_len(plain)
        if length <= self.inner and (
            justify == "left" or (justify == "right" and not plain[-1:].isspace())
        ):  # as rich justifies it, since rich strips what it aligns right
            fill = " " * (self.inner - length)
            before, after = (fill, "") if justify == "right" else ("", fill)
            if not cell.spans:
                return [[Segment(f"{left}{before}{plain}{after}{right}")]]
            return [[Segment(left + before), *cell.render(self.console), Segment(after + right)]]
        key = (plain, tuple(cell.spans))  # the same text wraps the same way in the same column
        if key not in self.wrapped:
            self.wrapped[key] = self._wrap(cell)
        return self.wrapped[key]

    def _wrap(self, cell: Text) -> list[Line]:
        """A cell's text wrapped to its column, as rich wraps the text of a table's cell."""
        column, console, width = self.column, self.console, self.inner
        lines = cell.wrap(
            console, width, justify=column.justify, overflow=column.overflow, no_wrap=column.no_wrap
        )
        return [
            [
                Segment(self.left),
                *Segment.adjust_line_length(list(line.render(console)), width),
                Segment(self.right),
            ]
            for line in lines
        ]


def _plain_text(cell: Text) -> bool:
    """Whether a cell's text takes its layout from its column alone."""
    return (
        not (cell.style or cell.justify or cell.overflow)
        and cell.no_wrap is None
        and "\n" not in cell.plain
        and "\t" not in cell.plain
    )


def _by_rich(
    console: Console,
    options: ConsoleOptions,
    column: Column,
    renderable: RenderableType,
    style: Style,
    width: int,
) -> list[Line]:
    """One cell laid out the way rich's table lays out each of its cells."""
    cell_options = options.update(
        width=width,
        justify=column.justify,
        no_wrap=column.no_wrap,
        overflow=column.overflow,
        height=None,
        highlight=column.highlight,
    )
    lines = console.render_lines(renderable, cell_options, style=style)
    return [Segment.adjust_line_length(line, width) for line in lines]  # as rich shapes them


def _lines(
    cells: Sequence[list[Line]],
    widths: Sequence[int],
    divider: Segment,
    vertical: Literal["top", "bottom"],
    styles: Sequence[Style],
) -> Iterator[Segment]:
    """A row of the table: its cells side by side, line by line, shorter ones padded below
    (``top``) or above (``bottom``) with blank lines in each cell's style."""
    height = max(len(lines) for lines in cells)
    if height == 0:  # rich's table gives a row one line however little is in it
        cells = [[[Segment(" " * width)]] for width in widths]
    elif any(len(lines) < height for lines in cells):
        align = Segment.align_bottom if vertical == "bottom" else Segment.align_top
        cells = [
            align(lines, width, height, style)
            for lines, width, style in zip(cells, widths, styles, strict=True)
        ]
    new_line = Segment.line()
    for line_no in range(max(height, 1)):
        segments = [*cells[0][line_no]]
        for lines in cells[1:]:
            segments.append(divider)
            segments.extend(lines[line_no])
        yield from _joined(segments)
        yield new_line


def _joined(segments: Iterable[Segment]) -> Line:
    """``segments`` with each run of unstyled ones as one: the same text, fewer pieces to print."""
    line: Line = []
    plain: list[str] = []
    for segment in segments:
        if segment.style or segment.control:
            if plain:
                line.append(Segment("".join(plain)))
                plain.clear()
            line.append(segment)
        else:
            plain.append(segment.text)
    if plain:
        line.append(Segment("".join(plain)))
    return line
