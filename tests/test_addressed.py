"""Addressed to us: a client message waits for our reply only when one of us is named in To.

Mail to a list (the client's or ours), mail that only copies us and mail that names none of us
(we got it through a distribution group or as Bcc) is contact with the client, never an
unanswered message; ``relmon client`` says why.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from monitor.app.runtime import Runtime
from monitor.app.views import client_detail
from monitor.cli import cli
from monitor.config import load_config_text
from tests.factories import ALICE, BEN, CONFIG, RAJ
from tests.scenario import Scenario, at

OUR_LIST = "Northwind all-hands <all@northwind-advisory.example>"
ACME_LIST = "Acme project team <project-q3@acme-logistics.example>"
QUESTION = "Hi all,\n\nCould someone send the revised rollout dates before Thursday?\n\nDana"
THURSDAY = "Thu 2026-06-04 16:00"


@pytest.fixture
def scenario(tmp_path, analyzer):
    s = Scenario(tmp_path, analyzer)
    # Our all-hands address is a list: named in team.lists.
    s.runtime.close()
    config = (
        CONFIG.replace(
            'working_hours = "Mon-Fri 09:00-17:30"\n',
            'working_hours = "Mon-Fri 09:00-17:30"\nlists = ["all@northwind-advisory.example"]\n',
            1,
        )
        + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n'
    )
    (tmp_path / "relmon.toml").write_text(config, encoding="utf-8")
    s.runtime = Runtime.open(load_config_text(config), analyzer=analyzer)
    yield s
    s.close()


def unanswered(s: Scenario) -> list:
    return [f for f in s.report("Acme Logistics", THURSDAY).firing if f.kind.value == "unanswered"]


def timeline_reasons(s: Scenario) -> dict[str, str | None]:
    detail = client_detail(s.runtime, "Acme Logistics", at(THURSDAY))
    return {item["subject"]: item["reply_reason"] for item in detail["timeline"]}


def test_a_question_sent_to_our_list_raises_no_unanswered_alert(scenario) -> None:
    scenario.client_writes("Mon 2026-06-01 10:00", "Rollout dates", QUESTION, to=OUR_LIST)

    assert unanswered(scenario) == []
    assert timeline_reasons(scenario) == {"Rollout dates": "to_a_list"}


def test_a_question_to_the_clients_own_lists_is_not_addressed_to_us(scenario) -> None:
    scenario.client_writes("Mon 2026-06-01 10:00", "Rollout dates", QUESTION, to=[ACME_LIST, RAJ])

    assert unanswered(scenario) == []
    assert timeline_reasons(scenario) == {"Rollout dates": "not_addressed_to_us"}


def test_a_question_that_only_copies_us_waits_for_no_reply(scenario) -> None:
    scenario.client_writes("Mon 2026-06-01 10:00", "Rollout dates", QUESTION, to=RAJ, cc=[ALICE])

    assert unanswered(scenario) == []
    assert timeline_reasons(scenario) == {"Rollout dates": "cc_only"}


def test_a_question_to_our_list_and_one_of_us_waits_for_us(scenario) -> None:
    scenario.client_writes("Mon 2026-06-01 10:00", "Rollout dates", QUESTION, to=[OUR_LIST, BEN])

    assert [f.severity.value for f in unanswered(scenario)] == ["critical"]
    assert timeline_reasons(scenario) == {"Rollout dates": None}


def test_list_mail_still_counts_as_contact(scenario) -> None:
    scenario.client_writes("Mon 2026-06-01 10:00", "Rollout dates", QUESTION, to=OUR_LIST)

    report = scenario.report("Acme Logistics", THURSDAY)

    assert report.silent_days is not None and report.silent_days < 4


def test_relmon_client_says_why_a_message_waits_for_no_reply(scenario, tmp_path) -> None:
    scenario.client_writes("Mon 2026-06-01 10:00", "Rollout dates", QUESTION, to=OUR_LIST)
    config = tmp_path / "relmon.toml"

    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "client", "Acme Logistics", "--as-of", "2026-06-04T15:00Z"],
        catch_exceptions=False,
    )

    assert result.exit_code == 0, result.output
    assert "no reply expected: sent to a list" in result.stdout
