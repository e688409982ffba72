"""A command loads what it needs and no more: `relmon --help` answers without the database layer
or the configuration, and a query on a SQLite store never loads the PostgreSQL dialect.

Each runs relmon in a fresh interpreter, the way a shell runs it, and lists what was loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from monitor.store import Store
from tests.factories import CONFIG

ROOT = Path(__file__).resolve().parents[2]

LOADED = """
import json, sys
from monitor.cli import cli
try:
    cli.main(sys.argv[1:], prog_name="relmon", standalone_mode=False)
finally:
    print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def loaded_by(*args: str) -> tuple[str, set[str]]:
    result = subprocess.run(
        [sys.executable, "-c", LOADED, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    return result.stdout, set(json.loads(result.stderr.strip().splitlines()[-1]))


def test_help_answers_without_the_database_layer_or_the_configuration() -> None:
    output, modules = loaded_by("--help")

    assert "health" in output and "ingest" in output
    assert "sqlalchemy" not in modules
    assert "monitor.config" not in modules


def test_a_query_on_a_sqlite_store_never_loads_the_postgresql_dialect(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'relmon.db'}"
    Store.open(url).close()  # migrated here: the query below only reads
    config = tmp_path / "relmon.toml"
    config.write_text(CONFIG + f'\n[store]\nurl = "{url}"\n', encoding="utf-8")

    output, modules = loaded_by(
        "--config", str(config), "health", "--as-of", "2026-09-01T08:00:00+00:00", "--json"
    )

    assert json.loads(output)["schema"] == "relmon/health/v1"
    assert "sqlalchemy.dialects.sqlite" in modules
    assert "sqlalchemy.dialects.postgresql" not in modules


def test_a_command_loads_no_other_commands_module(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'relmon.db'}"
    Store.open(url).close()
    config = tmp_path / "relmon.toml"
    config.write_text(CONFIG + f'\n[store]\nurl = "{url}"\n', encoding="utf-8")

    output, modules = loaded_by(
        "--config", str(config), "health", "--as-of", "2026-09-01T08:00:00+00:00"
    )

    assert "Acme Logistics" in output
    commands = {m for m in modules if m.startswith("monitor.cli.") and m.endswith("_cmd")}
    assert commands == {"monitor.cli.health_cmd"}


def test_each_command_is_named_with_the_module_that_registers_it() -> None:
    import importlib

    import click

    from monitor.cli import COMMAND_MODULES

    registered: dict[str, str] = {}
    for module in sorted(set(COMMAND_MODULES.values())):
        group = click.Group()
        importlib.import_module(f"monitor.cli.{module}").register(group)
        registered |= dict.fromkeys(group.commands, module)

    assert registered == COMMAND_MODULES


def test_a_client_answered_from_what_was_kept_loads_no_analysis(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'relmon.db'}"
    Store.open(url).close()
    config = tmp_path / "relmon.toml"
    config.write_text(CONFIG + f'\n[store]\nurl = "{url}"\n', encoding="utf-8")
    question = ("--config", str(config), "client", "acme", "--as-of", "2026-09-01T08:00:00+00:00")

    first, computed = loaded_by(*question)
    again, kept = loaded_by(*question)

    assert again == first and "Acme Logistics" in again
    assert "monitor.core.analysis" in computed
    assert "monitor.core.analysis" not in kept and "monitor.app.trends" not in kept


COLLECTOR = """
import gc, json, sys
from monitor.cli import main
sys.argv = ["relmon", *sys.argv[1:]]
seen = {}
import monitor.app.views as views
detail = views.client_detail
def watched(*args, **kwargs):
    seen["working"] = gc.isenabled()
    return detail(*args, **kwargs)
views.client_detail = watched
try:
    main()
except SystemExit:
    pass
print(json.dumps(seen), file=sys.stderr)
"""


def test_the_cyclic_collector_is_held_off_at_start_up_and_runs_for_the_commands_work(
    tmp_path: Path,
) -> None:
    """Start-up makes objects that live as long as the process: the collector waits for it to
    end, then runs for the command's own work (a client's detail here; a sync, a backtest and
    the service the same way), so a long command never grows on uncollected cycles."""
    url = f"sqlite:///{tmp_path / 'relmon.db'}"
    Store.open(url).close()
    config = tmp_path / "relmon.toml"
    config.write_text(CONFIG + f'\n[store]\nurl = "{url}"\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", COLLECTOR, "--config", str(config), "client", "Acme"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    assert json.loads(result.stderr.strip().splitlines()[-1]) == {"working": True}


def test_the_service_starts_with_the_cyclic_collector_running(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import gc

    from click.testing import CliRunner

    import monitor.daemon.service as service
    from monitor.cli import cli

    seen: list[bool] = []

    class Recorder:
        def __init__(self, config_path: str | None) -> None:
            pass

        def run(self) -> int:
            seen.append(gc.isenabled())
            return 0

    monkeypatch.setattr(service, "Service", Recorder)
    gc.disable()
    try:
        CliRunner().invoke(cli, ["run"], catch_exceptions=False)
    finally:
        gc.enable()
    assert seen == [True]
