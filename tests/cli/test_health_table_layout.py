"""`relmon health` prints its table exactly as rich's own table layout prints it: piped and in
colour, at 80, 120 and 200 columns and with --wide, for the demo's clients and for many
clients like them. The table lays out its cells of plain text itself (500 clients spent most of
a second in rich's layout of each cell), and nothing a reader or a script sees may change."""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from monitor.app.rows import HealthRow
from monitor.app.runtime import Runtime
from monitor.app.views import health
from monitor.cli import cli, fitted_table
from monitor.cli.fitted_table import FittedTable
from monitor.cli.fitting import cell_texts
from monitor.cli.health_table import Reading, health_layout
from monitor.clock import parse_instant
from monitor.config import load_config

NOW = "2026-11-20T09:00Z"
#: Names as clients are called: long words, accents, wide characters, brackets, ampersands.
NAMES = (
    "Falkenberg Maschinenbau GmbH",
    "Société Lyonnaise de Transports Frigorifiques",
    "Ørsted & Sønner Offshore A/S",
    "北京星辰国际贸易有限公司",
    "Hoffmann-Lindqvist Rechtsanwaltsgesellschaft mbH",
    "O'Brien Family Office (Dublin)",
    "Kestrel Retail Group",
    "Zürcher Kantonalbank Pensionskasse",
    "Saaristo Design Oy",
    "AB",
)


@contextmanager
def rich_laying_out_every_cell() -> Iterator[None]:
    """Every cell laid out by rich's table, as the health table was printed before."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FittedTable, "_render", Table._render)
        yield


def printed(table: Table, width: int, *, colour: bool) -> str:
    out = Console(
        file=io.StringIO(),
        width=width,
        highlight=False,
        color_system="truecolor" if colour else None,
        force_terminal=colour,
    )
    out.print(table)
    assert isinstance(out.file, io.StringIO)
    return out.file.getvalue()


def relmon_health(config: Path, columns: int, *args: str) -> str:
    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "health", "--as-of", NOW, *args],
        env={"COLUMNS": str(columns)},
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    return result.stdout


@pytest.fixture(scope="module")
def demo_rows(demo_config: Path, analyzer) -> list[HealthRow]:
    runtime = Runtime.open(load_config(demo_config), analyzer=analyzer)
    try:
        return health(runtime, parse_instant(NOW))
    finally:
        runtime.close()


@pytest.fixture(scope="module")
def reading(demo_config: Path) -> Reading:
    return Reading(load_config(demo_config).team.tz, parse_instant(NOW))


def many_clients(rows: list[HealthRow], count: int) -> list[HealthRow]:
    """``count`` clients like the demo's: their figures, under names of every shape, some too
    new for a score, most with one of the demo's sets of alerts, some with hundreds of
    messages waiting."""
    alerts = [row["alerts"] for row in rows if row["alerts"]]
    many: list[HealthRow] = []
    for index in range(count):
        row = copy.deepcopy(rows[index % len(rows)])
        row["name"] = f"{NAMES[index % len(NAMES)]} {index}"
        row["alerts"] = alerts[index % len(alerts)] if index % 3 else []
        if index % 7 == 0:
            row["health"] = None
        if index % 5 == 0 and row["awaiting"]["count"]:
            row["awaiting"]["count"] *= 137
        many.append(row)
    return many


@pytest.mark.parametrize(("columns", "args"), [(80, ()), (120, ()), (200, ()), (80, ("--wide",))])
def test_relmon_health_prints_what_it_printed_with_rich_laying_out_every_cell(
    demo_config: Path, columns: int, args: tuple[str, ...]
) -> None:
    printed_now = relmon_health(demo_config, columns, *args)
    with rich_laying_out_every_cell():
        printed_before = relmon_health(demo_config, columns, *args)
    assert "Falkenberg" in printed_now and "│" in printed_now
    assert printed_now == printed_before


@pytest.mark.parametrize("width", [80, 120, 200, None])
@pytest.mark.parametrize("colour", [False, True])
def test_a_hundred_and_fifty_clients_print_as_they_did_with_rich_laying_out_every_cell(
    demo_rows: list[HealthRow], reading: Reading, width: int | None, colour: bool
) -> None:
    table = health_layout(many_clients(demo_rows, 150), reading, width).table
    now = printed(table, width or 400, colour=colour)
    with rich_laying_out_every_cell():
        before = printed(table, width or 400, colour=colour)
    assert now.count("\n") > 150  # every client, some over several lines
    assert now == before


def test_the_cells_of_plain_text_are_not_laid_out_by_rich(
    demo_rows: list[HealthRow], reading: Reading, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed: list[Any] = []
    by_rich = fitted_table._by_rich

    def counted(*args: Any) -> Any:
        handed.append(args[3])
        return by_rich(*args)

    monkeypatch.setattr(fitted_table, "_by_rich", counted)
    layout = health_layout(many_clients(demo_rows, 40), reading, 80)
    text = printed(layout.table, 80, colour=False)
    assert "Falkenberg Maschinenbau" in text
    assert len(handed) == len(layout.table.columns)  # the headers alone


def odd_cells_table(**options: Any) -> FittedTable:
    """A table whose cells are everything but plain text on one line."""
    table = FittedTable(**{"show_edge": False, "pad_edge": False, "expand": False, **options})
    table.add_column("client", no_wrap=True)
    table.add_column("score", justify="right", overflow="fold", width=6)
    table.add_column("note", overflow="fold", max_width=24)
    table.add_column("centred", justify="center", header_style="italic magenta")
    table.add_row("Kestrel Retail Group", "81  ", Text("on time", justify="right"), "—")
    table.add_row(Text("Orchard Health", style="bold"), "[green]92[/]", "line one\nline two", "x")
    table.add_row("Meridian\tFreight", "", Panel("a panel"), Text("tone", style="red"))
    table.add_row("北京星辰国际贸易", "too little history", "Rechtsanwaltsgesellschaftsvertrag", "")
    return table


@pytest.mark.parametrize("width", [30, 60, 120])
@pytest.mark.parametrize("colour", [False, True])
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"pad_edge": True},
        {"padding": 0},
        {"row_styles": ["", "dim"]},
        {"show_lines": True},
        {"show_edge": True},
    ],
)
def test_cells_it_does_not_lay_out_itself_print_as_rich_prints_them(
    width: int, colour: bool, options: dict[str, Any]
) -> None:
    table = odd_cells_table(**options)
    now = printed(table, width, colour=colour)
    with rich_laying_out_every_cell():
        before = printed(table, width, colour=colour)
    assert now == before


@pytest.mark.parametrize(
    "cell",
    [
        "Kestrel Retail Group",
        "27 Aug 21:13",
        "[bold red]critical: unanswered[/] [yellow]warning: friction[/]",
        "Café :coffee: Roasters",
        "O'Brien [Dublin]",
        "—",
    ],
)
def test_a_cell_reads_as_its_markup_says_whether_or_not_it_was_read_before(cell: str) -> None:
    first, again = cell_texts([cell, cell])
    assert first == again == Text.from_markup(cell)
    assert first is not again
