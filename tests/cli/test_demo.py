"""`relmon demo`: the whole pipeline on the shipped sample, offline, without configuration."""

from __future__ import annotations

import json

from click.testing import CliRunner

from monitor.cli import cli
from monitor.demo import build


def test_the_shipped_sample_mailboxes_match_their_source() -> None:
    assert build.main(["--check"]) == 0


def test_demo_shows_every_client_with_counts_and_what_waits(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("RELMON_CONFIG", str(tmp_path / "no-such-config.toml"))  # must not be needed

    result = CliRunner().invoke(cli, ["demo", "--json"], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    clients = {c["name"]: c for c in data["clients"]}
    assert len(clients) >= 5
    assert (
        data["messages_read"] > data["messages_stored"] > 300
    )  # copies in several mailboxes, stored once
    assert all(c["inbound"] > 0 and c["outbound"] > 0 for c in clients.values())
    # Meridian's question of Monday 16 November has no answer; Brightwater's mail is all answered.
    assert [a["date"] for a in clients["Meridian Freight"]["awaiting"]] == ["2026-11-16T10:05:00Z"]
    assert clients["Brightwater Energy"]["awaiting"] == []
    assert {n["kind"] for n in data["noise"]} == {
        "auto_reply",
        "bulk",
        "calendar_reply",
        "delivery_report",
        "read_receipt",
    }


def test_demo_prints_a_table_for_people(tmp_path) -> None:
    result = CliRunner().invoke(
        cli, ["demo", "--keep", str(tmp_path / "demo")], catch_exceptions=False
    )

    assert result.exit_code == 0
    assert "Brightwater Energy" in result.output and "Awaiting our reply" in result.output
    assert (tmp_path / "demo" / "relmon.toml").exists()
    kept = CliRunner().invoke(
        cli,
        [
            "--config",
            str(tmp_path / "demo" / "relmon.toml"),
            "clients",
            "--json",
            "--as-of",
            "2026-11-20T09:00Z",
        ],
    )
    assert kept.exit_code == 0, kept.output
    assert len(json.loads(kept.output)["clients"]) == 7


def test_the_demos_alerts_wrap_under_their_text_at_80_columns() -> None:
    result = CliRunner(env={"COLUMNS": "80"}).invoke(cli, ["demo"], catch_exceptions=False)

    section = result.stdout.split("Alerts the owners would get")[1].split("Noise filtered out")[0]
    lines = [line for line in section.splitlines() if line.strip()]
    assert lines and all(len(line.rstrip()) <= 80 for line in lines)
    # Every line is indented: a wrapped explanation never runs back to the margin.
    assert all(line.startswith("  ") for line in lines), section


def test_a_demo_kept_in_a_relative_directory_is_read_back_by_its_own_configuration(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    kept = runner.invoke(cli, ["demo", "--keep", "demo-db"], catch_exceptions=False)
    health = runner.invoke(
        cli,
        ["--config", "demo-db/relmon.toml", "health", "--json", "--as-of", "2026-11-20T09:00Z"],
        catch_exceptions=False,
    )

    assert kept.exit_code == 0 and health.exit_code == 0, health.output
    scores = [row["health"] for row in json.loads(health.stdout)["clients"]]
    assert len(scores) == 7 and all(score is not None for score in scores)
    assert not (tmp_path / "demo-db" / "demo-db").exists()
