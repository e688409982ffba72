"""The demo's database and configuration, built once per module, for the CLI's query commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli


@pytest.fixture(scope="module")
def demo_config(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(cli, ["demo", "--keep", str(directory)], catch_exceptions=False)
    assert result.exit_code == 0
    return directory / "relmon.toml"
