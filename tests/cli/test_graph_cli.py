"""``relmon accounts test``, ``accounts login`` and ``sync`` for Microsoft 365 (Graph) accounts,
end to end through click against the fake Entra ID and Graph services."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from tests.factories import CONFIG
from tests.fakes.fixtures import ALICE, BEN, CHLOE, World, client_message

pytestmark = pytest.mark.usefixtures("quick_retries")


def write_config(world: World, tmp_path: Path, account: str) -> Path:
    path = tmp_path / "relmon.toml"
    path.write_text(
        CONFIG + "\n" + account + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n'
    )
    return path


def test_accounts_test_lists_the_folders_a_graph_sync_would_read(
    world: World, tmp_path: Path
) -> None:
    world.graph.deliver(ALICE[1], "inbox", client_message(1))
    config = write_config(world, tmp_path, world.account_toml(mailboxes=(ALICE[1], BEN[1])))

    result = CliRunner().invoke(
        cli, ["--config", str(config), "accounts", "test", "m365", "--json"], catch_exceptions=False
    )

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["kind"] == "graph"
    assert f"{ALICE[1]}/inbox (1 messages)" in data["folders"]
    assert len(data["folders"]) == 4
    assert "app-only" in data["capabilities"]


def test_accounts_test_says_which_mailbox_the_app_may_not_read(
    world: World, tmp_path: Path
) -> None:
    world.graph.forbidden.add(CHLOE[1])
    config = write_config(world, tmp_path, world.account_toml(mailboxes=(ALICE[1], CHLOE[1])))

    result = CliRunner().invoke(
        cli, ["--config", str(config), "accounts", "test", "m365"], catch_exceptions=False
    )

    assert result.exit_code == 1
    assert (
        "failed" in result.stdout
        and f"{CHLOE[1]}/inbox" in result.stdout
        and "ErrorAccessDenied" in result.stdout
    )


def test_accounts_test_reports_an_expired_secret_with_its_code(
    world: World, tmp_path: Path
) -> None:
    world.entra.apps[next(iter(world.entra.apps))].secret_expired = True
    config = write_config(world, tmp_path, world.account_toml())

    result = CliRunner().invoke(
        cli, ["--config", str(config), "accounts", "test", "m365"], catch_exceptions=False
    )

    assert result.exit_code == 1
    assert "AADSTS7000222" in result.stdout


def test_accounts_login_prints_the_device_code_and_signs_in(world: World, tmp_path: Path) -> None:
    config = write_config(
        world, tmp_path, world.account_toml(name="alice-m365", auth="delegated", address=ALICE[1])
    )
    approved: list[str] = []

    def approve_when_shown() -> None:
        # The person reads the code from the terminal and enters it on the verification page.
        for code in list(world.entra.device_codes.values()):
            if code.approved_by is None:
                world.entra.approve(code.user_code, ALICE[1])
                approved.append(code.user_code)

    stop = threading.Event()

    def person() -> None:
        while not stop.is_set() and not approved:
            approve_when_shown()
            stop.wait(0.2)

    helper = threading.Thread(target=person, daemon=True)
    helper.start()
    try:
        result = CliRunner().invoke(
            cli,
            ["--config", str(config), "accounts", "login", "alice-m365"],
            catch_exceptions=False,
        )
    finally:
        stop.set()
        helper.join(timeout=5)

    assert result.exit_code == 0, result.output
    assert f"enter the code {approved[0]}" in result.stderr
    assert f"signed in as {ALICE[1]}" in result.stdout


def test_sync_reads_a_graph_account_and_reports_per_folder_counts(
    world: World, tmp_path: Path
) -> None:
    for n in range(3):
        world.graph.deliver(ALICE[1], "inbox", client_message(n))
    config = write_config(world, tmp_path, world.account_toml(mailboxes=(ALICE[1],)))

    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "sync", "--account", "m365", "--json"],
        catch_exceptions=False,
    )

    assert result.exit_code == 0, result.output
    [account] = json.loads(result.stdout)["accounts"]
    assert account["kind"] == "graph" and account["totals"]["new"] == 3
    assert {f["folder"] for f in account["folders"]} == {
        f"{ALICE[1]}/inbox",
        f"{ALICE[1]}/sentitems",
    }
