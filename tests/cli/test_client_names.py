"""A client named the way a person types it: a prefix or a part of the name, in any case."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.cli.common import named_client
from tests.cli.helpers import run_json
from tests.factories import team_config

NOW = "2026-11-20T09:00Z"

ACME_FOODS = """
[[clients]]
name = "Acme Foods"
domains = ["acme-foods.example"]
owner = "ben.okafor@northwind-advisory.example"
"""


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("acme", "Acme Logistics"),
        ("ACME LOGISTICS", "Acme Logistics"),
        ("falk", "Falkenberg Maschinenbau"),
        ("maschinenbau", "Falkenberg Maschinenbau"),
        ("  logistics ", "Acme Logistics"),
    ],
)
def test_a_client_is_found_by_its_name_a_prefix_or_a_part_in_any_case(typed, meant) -> None:
    assert named_client(team_config(), typed).name == meant


def test_an_exact_name_wins_over_a_longer_name_it_begins() -> None:
    config = team_config(extra=ACME_FOODS.replace("Acme Foods", "Acme"))

    assert named_client(config, "acme").name == "Acme"
    assert named_client(config, "acme log").name == "Acme Logistics"


def test_a_name_that_could_mean_several_clients_lists_them_and_picks_none() -> None:
    config = team_config(extra=ACME_FOODS)

    with pytest.raises(click.ClickException) as raised:
        named_client(config, "acme")

    assert raised.value.message == (
        "'acme' matches 2 clients (Acme Logistics, Acme Foods); give more of the name"
    )
    assert named_client(config, "acme f").name == "Acme Foods"


def test_the_name_it_begins_is_taken_and_the_others_holding_it_are_named(capsys) -> None:
    """ "acme" begins one name and is inside another: relmon takes the first and says so,
    so the consultant who meant "Northacme Freight" is not shown Acme's figures unawares."""
    config = team_config(extra=ACME_FOODS.replace("Acme Foods", "Northacme Freight"))

    found = named_client(config, "acme")

    assert found.name == "Acme Logistics"
    assert "'acme': Acme Logistics, the name it begins (also in Northacme Freight)" in (
        capsys.readouterr().err
    )


def test_a_name_that_matches_nothing_lists_the_configured_clients() -> None:
    with pytest.raises(click.ClickException) as raised:
        named_client(team_config(), "Lumen")

    assert raised.value.message == (
        "no client named 'Lumen' (known: Acme Logistics, Falkenberg Maschinenbau)"
    )


def test_client_alerts_and_export_take_a_short_name_on_the_demo(demo_config) -> None:
    detail = run_json(demo_config, "client", "halden", "--json", "--as-of", NOW)
    assert detail["client"]["name"] == "Halden Marine"
    detail = run_json(demo_config, "client", "freight", "--json", "--as-of", NOW)
    assert detail["client"]["name"] == "Meridian Freight"

    alerts = CliRunner().invoke(
        cli, ["--config", str(demo_config), "alerts", "--all", "--client", "kestrel", "--json"]
    )
    assert alerts.exit_code == 0, alerts.output

    exported = CliRunner().invoke(
        cli,
        ["--config", str(demo_config), "export", "--client", "orchard", "--as-of", NOW],
    )
    assert exported.exit_code == 0, exported.output
    assert "Orchard Health Partners" in exported.stdout
    assert "Halden Marine" not in exported.stdout


def test_an_ambiguous_name_on_the_command_line_fails_with_the_candidates(demo_config) -> None:
    result = CliRunner().invoke(cli, ["--config", str(demo_config), "client", "r", "--as-of", NOW])

    assert result.exit_code == 1
    assert "'r' matches" in result.output
    assert "give more of the name" in result.output
