"""`relmon health` on the demo reads well at 80, 120 and 200 columns, says whose clients as of
when and in which zone, narrows to one owner, and tells scripts when something is critical."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli

NOW = "2026-11-20T09:00Z"
CLIENTS = (
    "Halden Marine",
    "Kestrel Retail Group",
    "Orchard Health Partners",
    "Meridian Freight",
    "Saaristo Design Oy",
    "Brightwater Energy",
    "Falkenberg Maschinenbau GmbH",
)
BEN = "ben.okafor@northwind-advisory.example"


def health(config: Path, *args: str, columns: int = 200, env: dict[str, str] | None = None):
    return CliRunner().invoke(
        cli,
        ["--config", str(config), "health", "--as-of", NOW, *args],
        env={"COLUMNS": str(columns), **(env or {})},
        catch_exceptions=False,
    )


def table_lines(out: str) -> list[str]:
    """The table's lines: between the heading and the footer."""
    lines = out.splitlines()
    end = next(i for i, line in enumerate(lines) if line.startswith("Times are "))
    return lines[1:end]


def headers(lines: list[str]) -> list[str]:
    """The column headers, each joined from the header lines it is folded over."""
    rule = next(i for i, line in enumerate(lines) if line.startswith("━"))
    split = [line.split("┃") for line in lines[:rule]]
    return [" ".join(" ".join(row[i] for row in split).split()) for i in range(len(split[0]))]


def body(lines: list[str]) -> list[str]:
    return lines[next(i for i, line in enumerate(lines) if line.startswith("━")) + 1 :]


def column(lines: list[str], index: int) -> list[str]:
    """The text of one column, line by line (the table separates columns with │ or ┃)."""
    cells = []
    for line in lines:
        parts = line.replace("┃", "│").split("│")
        if len(parts) > index:
            cells.append(parts[index].strip())
    return cells


@pytest.mark.parametrize("columns", [80, 120, 200])
def test_health_fits_the_terminal_and_keeps_what_matters_whole(demo_config, columns) -> None:
    out = health(demo_config, columns=columns).stdout
    lines = table_lines(out)

    assert max(len(line.rstrip()) for line in out.splitlines()) <= columns
    assert "…" not in out  # nothing cut short: a header reading "awa…" is unreadable
    names_of_columns = headers(lines)
    for name in ("client", "health", "alerts", "awaiting our reply", "last in"):
        assert name in names_of_columns
    at = names_of_columns.index
    names = " ".join(" ".join(column(body(lines), 0)).split())
    for name in CLIENTS:
        assert name in names  # folded onto two lines at most, never cut inside a word
    waits = " ".join(" ".join(column(body(lines), at("awaiting our reply"))).split())
    assert "1, oldest 3.9 working days (4 days)" in waits  # Meridian, since Monday 10:05
    assert "1, oldest no working time (11 hours)" in waits  # Kestrel, since 21:37 last night
    alerts = " ".join(" ".join(column(body(lines), at("alerts"))).split())
    for kind in ("silence", "checkin_due", "micromanagement", "friction", "unanswered"):
        assert kind in alerts
    # The severity in words too: a pipe or a monochrome terminal shows no colour.
    assert alerts.startswith("critical: silence checkin_due critical: micromanagement")


def test_a_narrow_terminal_names_the_columns_it_left_out(demo_config) -> None:
    narrow = health(demo_config, columns=80).stdout
    wide = health(demo_config, columns=200).stdout

    assert "Left out at 80 columns: our reply 30d, pattern, tone 30d, last out" in narrow
    assert "`relmon health --wide` shows every column." in narrow
    assert "laissez-faire" not in narrow
    assert "Left out" not in wide
    assert "laissez-faire" in wide and "last out" in wide


def test_wide_shows_every_column_whatever_the_terminal(demo_config) -> None:
    out = health(demo_config, "--wide", columns=80).stdout

    header = headers(table_lines(out))
    for name in ("health 30d", "last out", "our reply 30d", "tone 30d trend", "pattern"):
        assert name in header
    assert "Left out" not in out


def test_the_heading_says_whose_clients_as_of_when_and_the_footer_names_the_zone(
    demo_config,
) -> None:
    out = health(demo_config).stdout

    assert out.splitlines()[0] == (
        "Health of all 7 clients, worst first, as of Fri 20 Nov 2026 09:00 GMT"
    )
    assert "Times are Europe/London (GMT). Working time counts Mon-Fri 09:00-17:30 in " in out
    assert "working days of 8.5 hours; calendar time in brackets." in out


def test_owner_narrows_to_one_consultants_clients_in_their_time_zone(demo_config) -> None:
    out = health(demo_config, "--owner", "chloe").stdout

    assert out.splitlines()[0] == (
        "Health of Chloe Varga's 2 clients, worst first, as of Fri 20 Nov 2026 10:00 CET"
    )
    assert "Orchard Health Partners" in out and "Falkenberg Maschinenbau GmbH" in out
    assert "Kestrel" not in out and "Halden" not in out
    assert "Times are Europe/Berlin (CET)." in out
    assert "16 Nov 15:12" in out  # Orchard's last message, 14:12 in London


def test_mine_reads_the_owner_from_the_environment(demo_config) -> None:
    result = health(demo_config, "--mine", "--json", env={"RELMON_OWNER": BEN})

    names = [row["name"] for row in json.loads(result.stdout)["clients"]]
    assert names == ["Kestrel Retail Group", "Meridian Freight"]


def test_mine_without_an_owner_in_the_environment_says_how_to_set_one(demo_config) -> None:
    result = health(demo_config, "--mine", env={"RELMON_OWNER": ""})

    assert result.exit_code == 2
    assert "set RELMON_OWNER to your address" in result.output


FIRM_OF_ONE = """
[team]
name = "Marsh Consulting"
domains = ["marsh-consulting.example"]
timezone = "Europe/London"
working_hours = "Mon-Fri 09:00-17:30"

[[team.members]]
name = "Alice Marsh"
address = "alice@marsh-consulting.example"

[[clients]]
name = "Acme Logistics"
domains = ["acme-logistics.example"]
owner = "alice@marsh-consulting.example"
"""


def test_mine_in_a_firm_of_one_needs_no_environment(tmp_path) -> None:
    config = tmp_path / "relmon.toml"
    config.write_text(FIRM_OF_ONE + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n')

    result = health(config, "--mine", env={"RELMON_OWNER": ""})

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Health of Alice Marsh's 1 client, worst first")


def test_an_owner_nobody_is_called_lists_the_owners(demo_config) -> None:
    result = health(demo_config, "--owner", "dave")

    assert result.exit_code == 1
    assert "no owner named 'dave'" in result.output
    assert BEN in result.output


def test_check_exits_3_when_a_client_shown_has_a_critical_alert(demo_config) -> None:
    today = health(demo_config, "--check")
    in_june = health(demo_config, "--check", "--as-of", "2026-06-01")  # Orchard: a warning only
    without_check = health(demo_config)

    assert today.exit_code == 3
    assert "Halden Marine" in today.stdout  # the table is printed all the same
    assert in_june.exit_code == 0
    assert without_check.exit_code == 0


def test_check_looks_only_at_the_owners_clients_it_shows(demo_config) -> None:
    """On 1 August Halden Marine (Alice's) has waited too long for a reply; Ben's clients have
    nothing critical."""
    alice = health(demo_config, "--check", "--owner", "alice", "--as-of", "2026-08-01")
    ben = health(demo_config, "--check", "--owner", "ben", "--as-of", "2026-08-01")

    assert alice.exit_code == 3
    assert ben.exit_code == 0


def test_the_demo_has_no_mailbox_account_and_health_says_what_that_means(demo_config) -> None:
    out = health(demo_config).stdout

    assert "No mailbox is configured ([[accounts]])" in out
    assert "`relmon ingest`" in out


def test_health_json_states_working_time_with_its_unit(demo_config) -> None:
    rows = json.loads(health(demo_config, "--json").stdout)["clients"]

    meridian = next(row for row in rows if row["name"] == "Meridian Freight")
    assert meridian["working_day_hours"] == 8.5
    assert meridian["awaiting"]["oldest_working_days"] == 3.9
    assert meridian["awaiting"]["oldest_text"] == "3.9 working days (4 days)"
    assert meridian["awaiting"]["oldest_business_hours"] == pytest.approx(33.0, abs=0.5)


def test_the_clients_table_fits_80_columns_and_names_what_it_left_out(demo_config) -> None:
    result = CliRunner().invoke(
        cli,
        ["--config", str(demo_config), "clients", "--as-of", NOW],
        env={"COLUMNS": "80"},
        catch_exceptions=False,
    )

    assert max(len(line.rstrip()) for line in result.stdout.splitlines()) <= 80
    assert "…" not in result.stdout
    assert "Left out at this width: owner, in, out, noise." in result.stdout
    assert "Falkenberg" in result.stdout and "Maschinenbau GmbH" in result.stdout


def test_a_client_is_shown_in_its_owners_time_zone_as_health_owner_shows_it(demo_config) -> None:
    """Orchard is Chloe's client and Chloe works from Berlin: `relmon client orchard` gives its
    times in CET, as `relmon health --owner chloe` does, not the team's GMT."""
    args = ["--config", str(demo_config), "client", "orchard", "--as-of", NOW]
    out = CliRunner(env={"COLUMNS": "200"}).invoke(cli, args, catch_exceptions=False).stdout

    assert "Times are Europe/Berlin (CET)." in out
    assert "16 Nov 15:12" in out  # Orchard's last message, 14:12 in London
