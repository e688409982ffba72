"""`relmon client NAME` reads one client's mail, and says what `relmon health` says of it."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import cli


def _json(config: Path, *args: str) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(
        cli, ["--config", str(config), *args, "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_each_client_in_depth_agrees_with_its_row_in_health(demo_config: Path) -> None:
    health = _json(demo_config, "health")
    rows = {row["name"]: row for row in health["clients"]}
    as_of = health["as_of"]

    details = {
        name: _json(demo_config, "client", name, "--as-of", as_of)["client"] for name in rows
    }

    for name, row in rows.items():
        detail = details[name]
        assert {key: detail[key] for key in row} == row, name
    assert any(row["trend"] and row["health"] is not None for row in rows.values())
