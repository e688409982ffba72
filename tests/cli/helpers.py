"""Running the CLI the way a script would."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import cli


def run_json(config: Path, *args: str) -> dict:
    """A command's --json answer on ``config``."""
    result = CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
