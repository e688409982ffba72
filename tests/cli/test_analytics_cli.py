"""`relmon health`, `relmon client`, `relmon backtest` on the sample mailbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from monitor.app import backtests
from monitor.app.backtests import backtest
from monitor.app.runtime import Runtime
from monitor.cli import cli
from monitor.config.validation import load_checked_config
from monitor.core.history import HISTORY_DAYS
from monitor.store.queries import first_mail
from tests.cli.helpers import run_json

NOW = "2026-11-20T09:00Z"


run = run_json


def test_health_lists_clients_worst_first_with_the_alerts_each_story_deserves(demo_config) -> None:
    data = run(demo_config, "health", "--json", "--as-of", NOW)

    assert data["schema"] == "relmon/health/v1"
    rows = {row["name"]: row for row in data["clients"]}
    scores = [row["health"] for row in data["clients"]]
    assert scores == sorted(scores)
    kinds = {
        name: {(a["kind"], a["severity"]) for a in row["alerts"]} for name, row in rows.items()
    }
    assert ("silence", "critical") in kinds["Halden Marine"]
    assert ("checkin_due", "critical") in kinds["Halden Marine"]
    assert ("micromanagement", "critical") in kinds["Kestrel Retail Group"]
    assert ("friction", "critical") in kinds["Orchard Health Partners"]
    assert ("unanswered", "critical") in kinds["Meridian Freight"]
    assert kinds["Brightwater Energy"] == set()
    assert rows["Kestrel Retail Group"]["pattern"]["name"] == "micromanager"
    assert rows["Brightwater Energy"]["pattern"]["name"] == "savvy"
    assert rows["Falkenberg Maschinenbau GmbH"]["pattern"]["name"] == "in-the-dark"
    assert rows["Halden Marine"]["pattern"]["name"] == "laissez-faire"
    assert len(rows["Brightwater Energy"]["trend"]) == 30
    assert set(rows["Brightwater Energy"]["components"]) == {
        "responsiveness",
        "engagement",
        "sentiment",
        "pressure",
        "balance",
    }


def test_health_as_of_answers_as_the_data_stood_then(demo_config) -> None:
    june = run(demo_config, "health", "--json", "--as-of", "2026-06-30T17:00Z")

    rows = {row["name"]: row for row in june["clients"]}
    # In June Halden was an ordinary quiet client and Orchard was cordial.
    assert not rows["Halden Marine"]["alerts"]
    assert not [a for a in rows["Orchard Health Partners"]["alerts"] if a["kind"] == "friction"]
    assert rows["Halden Marine"]["last_inbound"]["date"] < "2026-07-01"


def test_client_explains_every_alert_and_lists_recent_messages(demo_config) -> None:
    data = run(demo_config, "client", "Meridian Freight", "--json", "--as-of", NOW)["client"]

    findings = {f["kind"]: f for f in data["findings"]}
    assert set(findings) == {"silence", "checkin_due", "unanswered", "friction", "micromanagement"}
    unanswered = findings["unanswered"]
    assert unanswered["severity"] == "critical"
    assert unanswered["explanation"].startswith(
        "'RE: Revised rollout plan and change request CR-03' from helen.fairbairn@meridian-freight.example has waited"
    )
    assert unanswered["evidence"][0]["date"] == "2026-11-16T10:05:00Z"
    newest = data["timeline"][0]
    assert {
        "date",
        "direction",
        "subject",
        "sentiment",
        "reply_gap_business_hours",
        "answered",
    } <= set(newest)
    waiting = [m for m in data["timeline"] if m["answered"] is False]
    assert [m["date"] for m in waiting] == ["2026-11-16T10:05:00Z"]


def test_client_names_are_matched_without_case_and_unknown_ones_are_refused(demo_config) -> None:
    assert (
        run(demo_config, "client", "halden marine", "--json", "--as-of", NOW)["client"]["name"]
        == "Halden Marine"
    )

    result = CliRunner().invoke(cli, ["--config", str(demo_config), "client", "Initech"])
    assert result.exit_code == 1
    assert "no client named 'Initech'" in result.output


def test_client_table_shows_why_alerts_fire(demo_config) -> None:
    result = CliRunner().invoke(
        cli,
        ["--config", str(demo_config), "client", "Halden Marine", "--as-of", NOW],
        catch_exceptions=False,
    )

    assert (
        "Halden Marine usually writes every 13 days (its rhythm over the last 180 days); "
        "silent for 67 days (5.2× its norm)" in result.stdout
    )
    assert "Check in by email or phone every few weeks" in result.stdout


def test_backtest_replays_history_and_counts_alerts_per_client_and_kind(demo_config) -> None:
    data = run(demo_config, "backtest", "--json", "--as-of", NOW, "--since", "2026-05-01")

    assert data["schema"] == "relmon/backtest/v1"
    assert data["days"] == 204
    clients = {c["name"]: c for c in data["clients"]}
    assert clients["Halden Marine"]["alerts"]["silence"] >= 1
    first_silence = next(f for f in clients["Halden Marine"]["fired"] if f["kind"] == "silence")
    assert "2026-10-15" <= first_silence["date"] <= "2026-10-31"
    assert clients["Brightwater Energy"]["alerts"]["friction"] == 0
    assert data["totals"]["alerts"] == sum(sum(c["alerts"].values()) for c in data["clients"])


def test_a_backtest_that_loads_only_what_its_days_read_fires_what_the_whole_history_fires(
    demo_config, monkeypatch
) -> None:
    """A replay of a late stretch reads, of the mail before its first day's window, only what
    an evaluation reads of it; loaded whole, the store gives the same alerts."""
    runtime = Runtime.open(load_checked_config(str(demo_config)))
    as_of = datetime(2027, 1, 31, 9, 0, tzinfo=UTC)
    since = datetime(2027, 1, 1, tzinfo=UTC)  # its first day's window starts in June 2026
    oldest = first_mail(runtime.store.engine, as_of, [c.name for c in runtime.config.clients])
    bounded = [backtest(runtime, as_of, since, jobs=jobs) for jobs in (1, 2)]
    monkeypatch.setattr(backtests, "recent", lambda _day, _trend: datetime(1990, 1, 1, tzinfo=UTC))
    whole = backtest(runtime, as_of, since, jobs=1)
    runtime.close()

    assert oldest is not None and oldest < since - timedelta(days=HISTORY_DAYS)
    assert whole["totals"]["alerts"] > 0
    assert bounded == [whole, whole]
