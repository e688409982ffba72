"""Shell completion (click's own) knows the configured clients and the open alerts; and
`relmon --version` says which relmon this is."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor import __version__
from monitor.app.runtime import Runtime
from monitor.cli import cli
from monitor.config import load_config
from monitor.store.alerts import open_alert
from tests.factories import CONFIG

RELMON = Path(sys.executable).parent / "relmon"


def complete(config: Path, *words: str) -> list[str]:
    """What bash would offer after `relmon --config FILE WORDS…` (the last word is incomplete)."""
    line = ["relmon", "--config", str(config), *words]
    env = {
        **os.environ,
        "_RELMON_COMPLETE": "bash_complete",
        "COMP_WORDS": " ".join(line),
        "COMP_CWORD": str(len(line) - 1),
    }
    result = subprocess.run([str(RELMON)], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return [item.split(",", 1)[1] for item in result.stdout.splitlines() if item]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "relmon.toml"
    path.write_text(CONFIG + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n')
    return path


def open_unanswered_alert(config: Path, client: str) -> int:
    runtime = Runtime.open(load_config(config))
    now = datetime(2026, 6, 9, 10, 0, tzinfo=UTC)
    try:
        with runtime.store.engine.begin() as connection:
            found = open_alert(
                connection,
                {
                    "client": client,
                    "kind": "unanswered",
                    "owner": "alice.marsh@northwind-advisory.example",
                    "state": "open",
                    "severity": "critical",
                    "opened_at": now,
                    "changed_at": now,
                    "explanation": "Dana Whitfield has waited 3.5 working days for an answer.",
                    "figures": {},
                    "evidence": [],
                },
            )
    finally:
        runtime.close()
    assert found is not None
    return found


def test_client_names_complete_from_the_configuration_whatever_the_case(config: Path) -> None:
    # Bash inserts the answer as it is: the space is escaped (see the test below).
    assert complete(config, "client", "ac") == ["Acme\\\\ Logistics"]
    assert complete(config, "client", "maschinen") == ["Falkenberg\\\\ Maschinenbau"]
    assert complete(config, "alerts", "--client", "F") == ["Falkenberg\\\\ Maschinenbau"]


@pytest.mark.parametrize("typed", ["ac", "Acme\\ Lo"])
def test_bash_inserts_a_client_name_with_a_space_as_one_argument(config: Path, typed: str) -> None:
    """In a real bash, through the script `relmon completion bash` prints: `relmon client
    ac<TAB>` must give `relmon client Acme\\ Logistics`, one argument, not two."""
    script = CliRunner().invoke(cli, ["completion", "bash"]).output
    program = (
        script
        + f"\nCOMP_WORDS=(relmon --config {config} client {typed})\nCOMP_CWORD=4\n"
        + f"_relmon_completion {RELMON}\n"
        + 'eval "set -- ${COMPREPLY[0]}"\nprintf \'%s\\n\' "$#" "$1"\n'
    )

    result = subprocess.run(["bash", "-c", program], capture_output=True, text=True, timeout=60)

    assert result.stdout.splitlines() == ["1", "Acme Logistics"], result.stderr


def test_alert_ids_complete_from_the_open_alerts(config: Path) -> None:
    alert = open_unanswered_alert(config, "Acme Logistics")

    assert complete(config, "alerts", "ack", "") == [str(alert)]
    assert complete(config, "alerts", "snooze", str(alert)) == [str(alert)]


def test_completion_offers_nothing_rather_than_creating_a_database(config: Path) -> None:
    assert complete(config, "alerts", "resolve", "") == []
    assert not (config.parent / "relmon.db").exists()


def test_commands_complete(config: Path) -> None:
    assert "install-service" in complete(config, "inst")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_relmon_completion_prints_clicks_script_for_each_shell(shell: str) -> None:
    result = CliRunner().invoke(cli, ["completion", shell])

    assert result.exit_code == 0
    assert "_RELMON_COMPLETE" in result.output


def test_version_says_which_relmon_this_is() -> None:
    result = CliRunner().invoke(cli, ["--version"])

    assert result.exit_code == 0
    assert result.output.strip() == f"relmon, version {__version__}"
