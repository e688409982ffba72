"""The weekly portfolio report: one email per owner per week, at their own local time, through
the outbox (exactly once, across a restart), and the same report as a page.

Alice works from New York this summer; Ben is in London with the team. Both get their report on
Monday at 08:00 of their own clock. Acme Logistics (Alice's) writes weekly, and one question has
waited since Monday; Falkenberg (Ben's) has no mail yet.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from monitor.app.alerting import send_alerts
from monitor.app.runtime import Runtime
from monitor.app.weekly import send_weekly_reports
from monitor.cli import cli
from monitor.store.schema import outbox
from tests import factories
from tests.scenario import Scenario

ALICE = "alice.marsh@northwind-advisory.example"
BEN = "ben.okafor@northwind-advisory.example"
SETTINGS = (
    '\n[alerts]\nfrom = "relmon@northwind-advisory.example"\n\n[reports]\nweekly = "monday 08:00"\n'
)
QUESTION = (
    "Hi Alice,\n\nCould you confirm the revised rollout dates and the budget change before "
    "Thursday?\n\nThanks,\nDana"
)


@pytest.fixture
def scenario(tmp_path: Path, analyzer, monkeypatch: pytest.MonkeyPatch):
    config = factories.CONFIG.replace(
        f'address = "{ALICE}"\n', f'address = "{ALICE}"\ntimezone = "America/New_York"\n'
    )
    monkeypatch.setattr(factories, "CONFIG", config)
    s = Scenario(tmp_path, analyzer, extra_config=SETTINGS)
    s.weekly_history("2026-03-02 10:00", 13)
    s.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)
    yield s
    s.close()


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def weekly_rows(runtime: Runtime) -> list[sa.Row]:
    with runtime.store.engine.connect() as connection:
        query = sa.select(outbox).where(outbox.c.kind == "weekly").order_by(outbox.c.id)
        return list(connection.execute(query))


def test_each_owner_gets_one_report_a_week_at_their_own_local_time_across_a_restart(
    scenario: Scenario, tmp_path: Path, analyzer
) -> None:
    """GIVEN reports due Monday 08:00 local, WHEN relmon checks through Monday 8 June (and is
    restarted in between) and the next Monday, THEN Ben's report is queued at 08:00 London
    (07:00 UTC), Alice's at 08:00 New York (12:00 UTC), each once a week."""
    runtime = scenario.runtime
    before = send_weekly_reports(runtime, now=utc("2026-06-08 06:55"))
    london = send_weekly_reports(runtime, now=utc("2026-06-08 07:05"))
    config = runtime.config
    runtime.close()
    restarted = Runtime.open(config, analyzer=analyzer)  # a new process on the same database
    again = send_weekly_reports(restarted, now=utc("2026-06-08 07:10"))
    new_york = send_weekly_reports(restarted, now=utc("2026-06-08 12:05"))
    later = send_weekly_reports(restarted, now=utc("2026-06-10 09:00"))
    next_week = send_weekly_reports(restarted, now=utc("2026-06-15 12:05"))
    rows = weekly_rows(restarted)
    restarted.close()
    scenario.runtime = Runtime.open(config, analyzer=analyzer)  # for the fixture to close

    assert (before, london, again, new_york, later, next_week) == (0, 1, 0, 1, 0, 2)
    assert [(r.recipients, r.created_at) for r in rows] == [
        ([BEN], utc("2026-06-08 07:05")),
        ([ALICE], utc("2026-06-08 12:05")),
        ([ALICE], utc("2026-06-15 12:05")),
        ([BEN], utc("2026-06-15 12:05")),
    ]
    assert len({r.message_id for r in rows}) == 4


def test_a_report_whose_slot_passed_while_relmon_was_stopped_is_sent_when_it_starts(
    tmp_path: Path, analyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN reports due Sunday 23:30 London (due until Monday 00:00 of the same week), sent on
    31 May, WHEN relmon is stopped over the next Sunday's half hour and starts at 00:34, THEN
    each owner's report for the week that just ended is queued at once, once; a slot missed by
    six days or more is not sent late, a day before the next one."""
    sunday = SETTINGS.replace("monday 08:00", "sunday 23:30")
    s = Scenario(tmp_path, analyzer, extra_config=sunday)
    try:
        runtime = s.runtime
        on_time = send_weekly_reports(runtime, now=utc("2026-05-31 22:31"))
        started = send_weekly_reports(runtime, now=utc("2026-06-07 23:34"))  # 00:34 London
        again = send_weekly_reports(runtime, now=utc("2026-06-08 06:00"))
        rows = [(r.recipients, r.created_at) for r in weekly_rows(runtime)][2:]
        week_late = send_weekly_reports(runtime, now=utc("2026-06-20 22:40"))  # Sat 23:40
        next_one = send_weekly_reports(runtime, now=utc("2026-06-21 22:31"))
    finally:
        s.close()

    assert (on_time, started, again) == (2, 2, 0)
    assert sorted(rows) == [([ALICE], utc("2026-06-07 23:34")), ([BEN], utc("2026-06-07 23:34"))]
    assert (week_late, next_one) == (0, 2)


def test_a_new_install_sends_its_first_report_at_the_next_slot_not_at_once(
    tmp_path: Path, analyzer
) -> None:
    """relmon first starts on Wednesday with reports due on Sunday: no slot was missed, as
    nobody was reported to before, so the first report comes on Sunday, not twice in a week."""
    sunday = SETTINGS.replace("monday 08:00", "sunday 23:30")
    s = Scenario(tmp_path, analyzer, extra_config=sunday)
    try:
        first_start = send_weekly_reports(s.runtime, now=utc("2026-06-03 09:00"))
        sunday_night = send_weekly_reports(s.runtime, now=utc("2026-06-07 22:31"))
    finally:
        s.close()

    assert (first_start, sunday_night) == (0, 2)


def test_the_report_email_shows_the_owners_clients_with_charts_and_no_external_content(
    scenario: Scenario,
) -> None:
    runtime = scenario.runtime
    send_alerts(runtime, now=utc("2026-06-04 09:30"))  # Acme's question: critical by Thursday
    send_weekly_reports(runtime, now=utc("2026-06-08 12:05"))

    # Thursday's run sent the (late) report of the week of 1 June; this is the next one.
    alice = [r for r in weekly_rows(runtime) if r.recipients == [ALICE]][-1]
    message = message_from_bytes(alice.payload, policy=policy.default)
    text = message.get_body(("plain",)).get_content()
    page = message.get_body(("html",)).get_content()
    # Made on Monday 8 June, it tells of the week before: its title says which days it counts.
    assert (
        message["Subject"] == "relmon weekly report for Alice Marsh: the 7 days to Mon 08 Jun 2026"
    )
    assert message["Auto-Submitted"] == "auto-generated"
    assert "Acme Logistics" in text and "Falkenberg" not in text  # Ben's client is Ben's
    assert "critical is waiting for our reply" in text
    assert "Acme Logistics is waiting for our reply: alert opened" in text  # what changed
    assert "<table" in page and "background:#" in page  # bars drawn with HTML and CSS
    for external in ("<img", "<svg", "<script", "http://", "https://", "<link"):
        assert external not in page


def test_relmon_report_writes_the_same_report_as_a_page(scenario: Scenario, tmp_path: Path) -> None:
    """The lead's page lists every client worst first: Acme, with a critical alert, before
    Falkenberg, which has no score."""
    send_alerts(scenario.runtime, now=utc("2026-06-04 09:30"))
    config = tmp_path / "relmon.toml"
    config.write_text(
        factories.CONFIG + SETTINGS + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n'
    )
    everyone, ben = tmp_path / "portfolio.html", tmp_path / "ben.html"
    runner = CliRunner()
    base = ["--config", str(config), "report", "--as-of", "2026-06-05T12:00Z", "--html"]

    first = runner.invoke(cli, [*base, str(everyone)])
    second = runner.invoke(cli, [*base, str(ben), "--owner", "ben"])  # as `health --owner ben`
    nobody = runner.invoke(cli, [*base, str(tmp_path / "x.html"), "--owner", "dana@acme.example"])

    assert (first.exit_code, second.exit_code, nobody.exit_code) == (0, 0, 1)
    page = everyone.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert page.index("Acme Logistics") < page.index("Falkenberg Maschinenbau")
    assert "Acme Logistics" not in ben.read_text(encoding="utf-8")
    assert "no owner named 'dana@acme.example'" in nobody.output


def test_with_a_dashboard_address_each_client_links_to_its_page(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitor.alerts.weekly import report_html, weekly_email
    from monitor.app import weekly

    plain = weekly.build_report(scenario.runtime, owner=ALICE, now=utc("2026-06-08 12:05"))
    monkeypatch.setattr(weekly, "_base_url", lambda config: "https://relmon.northwind.example")
    linked = weekly.build_report(scenario.runtime, owner=ALICE, now=utc("2026-06-08 12:05"))

    page = report_html(linked)
    email = weekly_email(
        linked, sender="relmon@northwind-advisory.example", sender_name="relmon", recipient=ALICE
    )
    assert 'href="https://relmon.northwind.example/clients/' in page
    assert re.search(r'href="https://relmon\.northwind\.example/clients/[a-z0-9-]+"', page)
    assert "https://relmon.northwind.example/clients/" in email.get_body(("plain",)).get_content()
    assert "href=" not in report_html(plain)  # no address, no links


def test_an_alert_resolved_by_hand_is_not_listed_as_open_in_the_report(scenario: Scenario) -> None:
    from monitor.alerts.model import Action
    from monitor.alerts.store import act, listing
    from monitor.app import weekly

    runtime = scenario.runtime
    send_alerts(runtime, now=utc("2026-06-04 09:30"))  # Acme's question: critical by Thursday
    (acme,) = [a for a in listing(runtime.store.engine) if a.client == "Acme Logistics"]
    before = weekly.build_report(runtime, owner=ALICE, now=utc("2026-06-05 12:00"))

    act(runtime.store.engine, acme.id, Action.RESOLVE, utc("2026-06-05 10:00"), by=ALICE)
    after = weekly.build_report(runtime, owner=ALICE, now=utc("2026-06-05 12:00"))

    def alerts_of(report):  # type: ignore[no-untyped-def]
        return next(c.alerts for c in report.clients if c.name == "Acme Logistics")

    assert alerts_of(before) == (("unanswered", "critical"),)
    assert alerts_of(after) == ()


def test_a_weekly_report_without_an_address_to_send_it_from_is_a_configuration_problem():
    """GIVEN [reports] weekly but no [alerts] from, WHEN the configuration is read, THEN it is
    refused naming the key, instead of a weekly report that silently never comes."""
    from monitor.config.loading import load_config_text
    from monitor.errors import ConfigError

    text = factories.CONFIG + '\n[reports]\nweekly = "monday 08:00"\n'

    with pytest.raises(ConfigError) as raised:
        load_config_text(text)

    assert any(
        problem.startswith("reports.weekly") and "[alerts] from" in problem
        for problem in raised.value.problems
    )
    with_sender = text + '\n[alerts]\nfrom = "relmon@northwind-advisory.example"\n'
    assert load_config_text(with_sender).reports.weekly


def test_an_owner_written_as_an_alias_is_one_person_one_report_and_one_digest(
    tmp_path: Path, analyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Falkenberg's owner line names Alice by her alias a.marsh@, Acme's by her address: she
    gets one weekly report about both clients and one digest of both warnings, not one per
    spelling; `relmon health --owner a.marsh` finds her."""
    from dataclasses import replace
    from datetime import timedelta

    from monitor.alerts.store import apply
    from monitor.app import weekly
    from monitor.app.digests import send_digests
    from monitor.core.detectors import Severity
    from tests.store.test_one_open_alert import waiting

    alias = "a.marsh@northwind-advisory.example"
    config = factories.CONFIG.replace(
        f'address = "{ALICE}"\n', f'address = "{ALICE}"\naliases = ["{alias}"]\n'
    ).replace(f'owner = "{BEN}"', f'owner = "{alias}"')
    monkeypatch.setattr(factories, "CONFIG", config)
    s = Scenario(tmp_path, analyzer, extra_config=SETTINGS)
    try:
        with s.runtime.store.engine.begin() as connection:
            for client, owner in (("Acme Logistics", ALICE), ("Falkenberg Maschinenbau", alias)):
                warning = replace(waiting(Severity.WARNING), owner=owner)
                apply(
                    connection,
                    [warning],
                    client=client,
                    account=None,
                    now=utc("2026-06-08 06:00"),
                    cooldown=timedelta(days=7),
                )
        reports = send_weekly_reports(s.runtime, now=utc("2026-06-08 07:05"))
        digests = send_digests(s.runtime, now=utc("2026-06-08 07:10"))
        (row,) = weekly_rows(s.runtime)
        report = weekly.build_report(s.runtime, owner=alias, now=utc("2026-06-08 07:05"))
    finally:
        s.close()
    config_file = tmp_path / "relmon.toml"
    config_file.write_text(config + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n')
    health = CliRunner().invoke(cli, ["--config", str(config_file), "health", "--owner", "a.marsh"])

    assert (reports, digests) == (1, 1)
    assert row.recipients == [ALICE]
    assert sorted(c.name for c in report.clients) == ["Acme Logistics", "Falkenberg Maschinenbau"]
    assert health.exit_code == 0, health.output
    assert "Alice Marsh's 2 clients" in health.output
