"""`relmon client` on the demo: each figure with its window and unit, one name per measure, dates
with their year and zone, and help examples that work as printed."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli

NOW = "2026-11-20T09:00Z"


def invoke(config: Path, *args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(
        cli,
        ["--config", str(config), *args],
        env={"COLUMNS": "200", **(env or {})},
        catch_exceptions=False,
    )


def examples(command: str) -> list[list[str]]:
    """The example command lines of a command's help, comments and shell plumbing left off."""
    text = CliRunner().invoke(cli, [command, "--help"]).stdout
    found = []
    for line in text.split("Example:")[1].splitlines():
        line = line.strip()
        if not line.startswith("relmon "):
            continue
        line = re.split(r"\s+(?:#|\|\||\|)", line)[0]
        found.append(shlex.split(line)[1:])
    return found


@pytest.mark.parametrize("command", ["client", "health"])
def test_the_help_examples_work_on_the_demo(demo_config, command) -> None:
    lines = examples(command)

    assert len(lines) >= 3
    for args in lines:
        result = invoke(
            demo_config,
            *args,
            env={"RELMON_OWNER": "ben.okafor@northwind-advisory.example"},
        )
        # --check answers 3 when something is critical (it depends on today's date here).
        allowed = (0, 3) if "--check" in args else (0,)
        assert result.exit_code in allowed, (args, result.output)
        assert result.stdout.strip()


def test_every_duration_names_its_unit_and_its_window(demo_config) -> None:
    out = invoke(demo_config, "client", "meridian", "--as-of", NOW).stdout

    assert re.search(
        r"Our reply time over the last 30 days \(\d+ messages?, any still waiting at its age\): "
        r"median 2\.1 working days \(2\.1 days\), slowest tenth [\d.]+ working \w+ \([\d.]+ \w+\)",
        out,
    )
    assert re.search(
        r"Our reply time over the last 90 days \([^)]*\): median 4\.6 working hours", out
    )
    assert re.search(
        r"The client's reply time over the last 90 days \([^)]*\): median 7\.3 working days", out
    )
    assert (
        "Usually writes every 14 days (its rhythm over the last 180 days); silent for 4 days" in out
    )
    assert "waiting 3.9 working days" in out  # the timeline's open wait
    for internal in (" biz", " wall", "p90", "n=", "(learned)"):
        assert internal not in out


def test_the_timeline_names_each_cue_of_the_clients_messages_and_none_of_ours(
    demo_config,
) -> None:
    """Chloe's summary to Orchard repeats Rachel's "disappointed" and "the board": our words,
    which count in nothing, are not shown as the client's friction."""
    out = invoke(demo_config, "client", "orchard", "--as-of", NOW).stdout
    rows = {line.split("│")[0].strip(): line for line in out.splitlines() if "│" in line}

    assert "escalation 'disappointed'; senior named 'our board'" in rows["19 Oct 10:12"]
    assert "│ out │" in rows["19 Oct 12:35"]
    assert "disappointed" not in rows["19 Oct 12:35"]


def test_tone_has_one_name_whether_a_score_or_a_mean(demo_config) -> None:
    out = invoke(demo_config, "client", "orchard", "--as-of", NOW).stdout

    assert "scores out of 100: responsiveness" in out
    assert re.search(r"\btone \d+,", out)  # the health component
    assert "sentiment " not in out.split("Alerts")[0]
    assert "Tone (−1 to +1) over the last 30 days: +0.17" in out
    # The trend compares the last 30 days with the 90 before them, and says so.
    assert re.search(r"; the last 30 days against the 90 days before them [+−-]?\d\.\d\d", out)


def test_dates_of_another_year_show_it_and_times_name_their_zone(demo_config) -> None:
    out = invoke(demo_config, "client", "halden", "--as-of", "2027-02-01").stdout

    assert "as of Mon 1 Feb 2027 23:59 GMT" in out
    assert "14 Sep 2026 08:11" in out  # Halden's last message, in the timeline
    assert "'Re: Recommendations – timing', 14 Sep 2026" in out  # and in the silence alert
    assert "Times are Europe/London (GMT). Working time counts Mon-Fri" in " ".join(out.split())


def test_the_clients_table_names_its_time_zone_and_its_clocks(demo_config) -> None:
    out = invoke(demo_config, "clients", "--as-of", NOW).stdout

    assert "1, oldest 3.9 working days (4 days)" in out  # Meridian
    assert out.rstrip().endswith(
        "Times are Europe/London (GMT); waits in working time (Mon-Fri 09:00-17:30), calendar "
        "time in brackets."
    )


def test_the_timeline_states_a_reply_gap_in_calendar_time_too_where_it_differs(
    demo_config,
) -> None:
    out = invoke(demo_config, "client", "kestrel", "--as-of", NOW).stdout
    rows = {line.split("│")[0].strip(): line for line in out.splitlines() if "│" in line}

    # Sent at 22:04, answered next morning: no working time passed, ten hours did.
    assert "no working time (10 hours)" in rows["12 Nov 22:04"]
    assert "6.7 working hours (8.1 hours)" in rows["12 Nov 07:41"]


def test_an_owner_abroad_is_told_which_calendar_working_time_counts_on(demo_config) -> None:
    """Chloe reads times in Berlin; the team's working hours are London's."""
    out = " ".join(invoke(demo_config, "client", "falkenberg", "--as-of", NOW).stdout.split())

    assert "Times are Europe/Berlin (CET). Working time counts Mon-Fri 09:00-17:30 " in out
    assert "(Europe/London) in working days of 8.5 hours; calendar time in brackets." in out
