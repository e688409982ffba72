"""`relmon client NAME` reads one client's mail, and says what `relmon health` says of it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


def test_one_client_in_a_fresh_process_loads_neither_the_log_renderer_nor_the_text_models(
    demo_config: Path,
) -> None:
    """Start-up is most of what `relmon client NAME` costs: a question that logs nothing and
    reads no mail leaves structlog (and rich's tracebacks, which it loads) and the text
    analyzer unimported."""
    program = (
        "import sys\n"
        "from monitor.cli import cli\n"
        "cli.main(['--config', sys.argv[1], 'client', 'kestrel'], standalone_mode=False)\n"
        "heavy = ('structlog', 'rich.traceback', 'monitor.core.text', 'monitor.core.politeness')\n"
        "print('loaded:', [name for name in heavy if name in sys.modules])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    result = subprocess.run(
        [sys.executable, "-c", program, str(demo_config)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "Kestrel Retail Group" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "loaded: []"
