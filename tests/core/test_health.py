"""Health 0–100 from its components: each explainable alone, none able to hide a collapse."""

from __future__ import annotations

import pytest

from monitor.core import health
from monitor.core.detectors import Kind, Severity
from tests.core.records import analyse_at, inbound, reply

ALL_GOOD = {
    "responsiveness": 100.0,
    "engagement": 100.0,
    "sentiment": 100.0,
    "pressure": 100.0,
    "balance": 100.0,
}


def test_health_is_the_weighted_mean_of_the_components_present() -> None:
    result = health.combine({"responsiveness": 100.0, "engagement": 50.0})

    assert result.score == 78  # (0.25 × 100 + 0.2 × 50) / 0.45


def test_a_component_that_cannot_be_computed_does_not_count_as_neutral() -> None:
    result = health.combine({**ALL_GOOD, "sentiment": None, "balance": None})

    assert result.score == 100
    assert result.components["sentiment"] is None


def test_a_collapsed_component_caps_health_at_fifty_above_it() -> None:
    result = health.combine({**ALL_GOOD, "sentiment": 0.0})

    assert result.score == 50  # the weighted mean alone would be 75


@pytest.mark.parametrize(("worst", "cap"), [("warning", 75), ("critical", 55)])
def test_an_open_alert_caps_health(worst: str, cap: int) -> None:
    assert health.combine(ALL_GOOD, worst_alert=worst).score == cap


def test_nothing_to_score_is_no_score() -> None:
    assert health.combine({"responsiveness": None}).score is None


def test_responsiveness_has_full_marks_up_to_a_quarter_of_the_sla_and_none_at_twice_it() -> None:
    assert health.responsiveness(6.0, 0, critical_hours=24.0) == 100.0
    assert health.responsiveness(48.0, 0, critical_hours=24.0) == 0.0
    assert health.responsiveness(27.0, 0, critical_hours=24.0) == pytest.approx(50.0)


def test_each_overdue_client_message_costs_twenty_points_of_responsiveness() -> None:
    assert health.responsiveness(2.0, 2, critical_hours=24.0) == 60.0
    assert health.responsiveness(None, 1, critical_hours=24.0) == 80.0
    assert health.responsiveness(None, 0, critical_hours=24.0) is None


def test_engagement_falls_from_the_clients_cadence_to_nothing_at_the_critical_ratio() -> None:
    assert health.engagement(6.0, 6.0, critical_ratio=5.0) == 100.0
    assert health.engagement(18.0, 6.0, critical_ratio=5.0) == 50.0
    assert health.engagement(30.0, 6.0, critical_ratio=5.0) == 0.0


def test_without_a_cadence_a_month_of_silence_past_two_weeks_costs_all_engagement() -> None:
    assert health.engagement(14.0, None, critical_ratio=5.0) == 100.0
    assert health.engagement(29.0, None, critical_ratio=5.0) == 50.0
    assert health.engagement(44.0, None, critical_ratio=5.0) == 0.0


def test_balance_needs_four_messages_and_tolerates_twice_as_many_one_way() -> None:
    assert health.balance(2, 1) is None
    assert health.balance(10, 5) == 100.0
    assert health.balance(14, 2) == pytest.approx(47.1, abs=0.1)  # log2(15 / 3) = 2.32


def test_friction_lowers_the_sentiment_component() -> None:
    assert health.sentiment(0.5, 0.0) == 80.0
    assert health.sentiment(0.5, 5.0) == 40.0
    assert health.sentiment(None, 0.0) is None
    assert health.sentiment(None, 5.0) == 30.0


def test_two_messages_are_an_anecdote_with_no_health_score() -> None:
    question = inbound("Mon 2026-06-01 09:00", "Rollout plan for the Leeds warehouse")
    answer = reply(question, "Mon 2026-06-01 10:00")
    thanks = inbound("Mon 2026-06-01 11:00", "Re: Rollout plan for the Leeds warehouse")

    assert analyse_at("Mon 2026-06-01 10:30", question, answer).health.score is None
    assert analyse_at("Mon 2026-06-01 11:30", question, answer, thanks).health.score is not None


def test_a_client_message_waiting_past_the_critical_sla_caps_health_at_55() -> None:
    earlier = inbound("Mon 2026-05-18 09:00", "Pallet count for the Leeds delivery")
    answers = [reply(earlier, "Mon 2026-05-18 10:00")]
    question = inbound("Mon 2026-06-01 09:00", "Customs paperwork for the Rotterdam shipment")

    report = analyse_at("Thu 2026-06-04 09:00", earlier, *answers, question)

    assert report.finding(Kind.UNANSWERED).severity is Severity.CRITICAL
    assert report.health.score == 55
