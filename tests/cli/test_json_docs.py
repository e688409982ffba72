"""docs/json.md's field tables come from the row types, and the row types are what the commands
really print: a field added to one without the other fails here."""

from __future__ import annotations

from pathlib import Path
from typing import get_type_hints

from monitor.app import jsondoc, rows
from tests.cli.helpers import run_json

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-11-20T09:00Z"


run = run_json


def keys(row_type: type) -> list[str]:
    return list(get_type_hints(row_type))


def test_the_json_page_is_generated_from_the_row_types() -> None:
    page = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")

    assert jsondoc.render(page) == page, "run: python -m monitor.app.jsondoc docs/json.md"
    assert page.count("<!-- fields:") - 1 == len(jsondoc.BLOCK.findall(page)) == 6


def test_every_documented_field_is_in_the_output_in_the_documented_order(demo_config) -> None:
    clients = run(demo_config, "clients", "--json", "--as-of", NOW)["clients"]
    health = run(demo_config, "health", "--json", "--as-of", NOW)["clients"]
    detail = run(demo_config, "client", "Orchard Health Partners", "--json", "--as-of", NOW)
    backtest = run(demo_config, "backtest", "--json", "--as-of", NOW)
    suggest = run(demo_config, "clients", "suggest", "--json", "--as-of", NOW)["suggestions"]

    assert all(list(row) == keys(rows.ClientRow) for row in clients)
    assert all(list(a) == keys(rows.AwaitingMessage) for row in clients for a in row["awaiting"])
    assert all(list(row) == keys(rows.HealthRow) for row in health)
    assert list(detail["client"]) == keys(rows.ClientDetail)
    timeline = detail["client"]["timeline"]
    assert timeline and all(list(entry) == keys(rows.TimelineEntry) for entry in timeline)
    assert list(backtest)[2:] == keys(rows.BacktestResult)  # after "schema" and "as_of"
    assert all(list(row) == keys(rows.SuggestionRow) for row in suggest)
