"""What the terminal says when there is little to say: once, and with what to do next."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import cli
from tests.factories import CONFIG

NOW = "2026-11-20T09:00Z"
NOT_STORED = "sentence text not stored; enable privacy.store_snippets"


def invoke(config: Path, *args: str):
    result = CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_client_says_once_that_the_sentences_behind_the_tone_are_not_stored(demo_config) -> None:
    out = invoke(demo_config, "client", "Orchard Health Partners", "--as-of", NOW).stdout

    evidence = [line for line in out.splitlines() if ", sentence " in line]
    assert len(evidence) >= 3
    assert all(line.rstrip().split(", sentence ")[1].isdigit() for line in evidence)
    assert out.count(NOT_STORED) == 1


def _without_clients(tmp_path: Path) -> Path:
    path = tmp_path / "relmon.toml"
    team_only = CONFIG.split("[[clients]]")[0]
    path.write_text(team_only + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n')
    return path


def test_clients_and_health_without_clients_say_how_to_add_one(tmp_path) -> None:
    config = _without_clients(tmp_path)

    for command in ("clients", "health"):
        out = invoke(config, command).stdout
        assert out.startswith(f"No clients are configured yet. Add one to {config}")
        assert '  [[clients]]\n  name = "Acme Logistics"\n' in out
        assert 'owner = "alice.marsh@northwind-advisory.example"' in out
        assert "`relmon clients suggest`" in out
        assert "awaiting" not in out  # no empty table beneath it


def test_clients_and_health_without_clients_answer_scripts_with_an_empty_list(tmp_path) -> None:
    config = _without_clients(tmp_path)

    assert json.loads(invoke(config, "clients", "--json").stdout)["clients"] == []
    assert json.loads(invoke(config, "health", "--json").stdout)["clients"] == []


def test_export_quarantined_with_nothing_says_so_and_keeps_its_output_valid(demo_config) -> None:
    as_csv = invoke(demo_config, "export", "--quarantined", "--format", "csv")
    assert list(csv.reader(io.StringIO(as_csv.stdout))) == [
        ["account", "folder", "location", "reason", "detail", "key", "size", "first_seen"]
    ]
    assert as_csv.stderr == "nothing is quarantined: every message stored so far could be read\n"

    as_json = invoke(demo_config, "export", "--quarantined", "--json")
    assert as_json.stdout == ""
    assert "nothing is quarantined" in as_json.stderr


def test_export_of_messages_says_nothing_extra(demo_config) -> None:
    result = invoke(demo_config, "export", "--client", "Halden Marine", "--as-of", NOW)

    assert result.stderr == ""
    assert all(json.loads(line) for line in result.stdout.splitlines())


def test_a_stored_sentence_is_printed_as_written_even_with_brackets(
    demo_config, monkeypatch
) -> None:
    from monitor.app import views

    real = views.client_detail

    def with_one_sentence_stored(*args, **kwargs):
        detail = real(*args, **kwargs)
        detail["sentiment_evidence"][0]["text"] = "We [really] need [bold]this[/bold] fixed."
        return detail

    monkeypatch.setattr(views, "client_detail", with_one_sentence_stored)
    out = invoke(demo_config, "client", "Orchard Health Partners", "--as-of", NOW).stdout

    assert ": We [really] need [bold]this[/bold] fixed." in out
    assert out.count(NOT_STORED) == 1  # the other sentences are still not stored


def test_suggest_with_nothing_to_suggest_says_why_instead_of_an_empty_table(tmp_path) -> None:
    out = invoke(_without_clients(tmp_path), "clients", "suggest").stdout

    assert out.startswith("No one outside the clients wrote to the team or heard from it")
    assert "[team] domains and members" in out and "`relmon sync`" in out


def test_accounts_without_a_mailbox_say_how_to_add_one_instead_of_an_empty_table(tmp_path) -> None:
    out = invoke(_without_clients(tmp_path), "accounts").stdout

    assert out.startswith("No mailbox is configured, so relmon reads only what `relmon ingest`")
    assert "[[accounts]]" in out and "┃" not in out
