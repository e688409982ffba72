"""The five alert kinds, each judged against the client's own baseline, and their registry."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from monitor.core.detectors import (
    DETECTORS,
    KINDS,
    THRESHOLD_PAIRS,
    Kind,
    Severity,
    Thresholds,
    checkin_due,
    detect_all,
    friction,
    micromanagement,
    silence,
)
from monitor.core.tone import FrictionFacts, PressureFacts
from tests.core.records import (
    ACME,
    analyse_at,
    at,
    every,
    facts_at,
    inbound,
    out_of_office,
    outbound,
)

DEFAULTS = Thresholds()
NOW = at("Mon 2026-07-06 09:00")
ROADMAP = inbound("Sat 2026-05-02 10:00", "Re: Q3 roadmap")


def quiet(silent_days: float, cadence_days: float | None = 6.0, **changes):
    return silence.judge(
        ACME,
        last_inbound=ROADMAP,
        cadence_days=cadence_days,
        silent_days=silent_days,
        away_until=changes.pop("away_until", None),
        now=NOW,
        thresholds=replace(DEFAULTS, **changes),
    )


# --------------------------------------------------------------------------- silence


def test_silence_is_critical_at_the_configured_ratio_of_cadence() -> None:
    assert quiet(30.0).severity is Severity.CRITICAL  # 5 × 6 days
    assert quiet(29.9).severity is Severity.WARNING
    assert quiet(24.0, silence_critical_ratio=4.0).severity is Severity.CRITICAL


def test_silence_warns_at_three_times_the_cadence() -> None:
    assert quiet(18.0).severity is Severity.WARNING
    assert quiet(17.9).severity is None


def test_silence_never_fires_before_the_minimum_days_however_regular_the_client() -> None:
    assert quiet(9.9, cadence_days=1.0).severity is None
    assert quiet(10.0, cadence_days=1.0).severity is Severity.CRITICAL


def test_silence_explains_itself_against_the_clients_own_norm() -> None:
    finding = quiet(27.0)

    assert finding.explanation == (
        "Acme Logistics usually writes every 6 days (its rhythm over the last 180 days); "
        "silent for 27 days (4.5× its norm); last message: 'Re: Q3 roadmap', 2 May."
    )
    assert finding.figures == {"cadence_days": 6.0, "silent_days": 27.0, "ratio": 4.5}
    assert finding.evidence == (ROADMAP,)


def test_a_client_whose_rhythm_is_not_known_yet_raises_no_silence_alert() -> None:
    finding = quiet(60.0, cadence_days=None)

    assert finding.severity is None
    assert "usual rhythm is not known yet" in finding.explanation


def test_a_contact_away_until_a_stated_date_pauses_silence() -> None:
    finding = quiet(60.0, away_until=date(2026, 7, 10))

    assert finding.severity is None
    assert finding.explanation.startswith("Acme Logistics's contact is away until 10 Jul")


def test_the_away_time_is_not_counted_as_silence_once_the_contact_is_back() -> None:
    weekly = every(7, "Mon 2026-04-06 09:00", 8, needs_reply=False)  # last one on 25 May
    away = out_of_office("Tue 2026-05-26 08:00", back=date(2026, 6, 15))

    report = analyse_at("Mon 2026-06-22 09:00", *weekly, away)

    finding = report.finding(Kind.SILENCE)
    # 28 days since the last message, less the 19 days 16 hours from the auto-reply to 15 June
    assert finding.figures["silent_days"] == pytest.approx(8.3, abs=0.05)
    assert finding.severity is None


# --------------------------------------------------------------------------- check-in


def wrote(days_ago: float, **changes):
    last = outbound("Mon 2026-05-04 10:00", "Steering committee minutes")
    return checkin_due.judge(
        ACME,
        last_outbound=last,
        quiet_days=days_ago,
        away_until=None,
        has_history=True,
        now=NOW,
        thresholds=replace(DEFAULTS, **changes),
    )


def test_a_checkin_is_due_after_the_interval_and_critical_after_twice_it() -> None:
    assert wrote(20.9).severity is None
    assert wrote(21.0).severity is Severity.WARNING
    assert wrote(42.0).severity is Severity.CRITICAL
    assert wrote(14.0, checkin_warning_days=14.0).severity is Severity.WARNING


def test_no_checkin_is_due_before_any_correspondence() -> None:
    finding = checkin_due.judge(
        ACME,
        last_outbound=None,
        quiet_days=0.0,
        away_until=None,
        has_history=False,
        now=NOW,
        thresholds=DEFAULTS,
    )

    assert finding.severity is None
    assert finding.explanation == "No correspondence with Acme Logistics yet."


def test_a_client_we_never_wrote_to_is_due_a_checkin_from_its_first_message() -> None:
    first = inbound("Mon 2026-06-01 10:00", "Introduction: Acme's new logistics lead")

    report = analyse_at("Thu 2026-07-02 10:00", first)

    finding = report.finding(Kind.CHECKIN_DUE)
    assert finding.severity is Severity.WARNING  # 31 days
    assert (
        finding.explanation
        == "We have never written to Acme Logistics in the history relmon holds."
    )


# --------------------------------------------------------------------------- unanswered


def test_a_client_message_warns_at_16_business_hours_and_is_critical_at_24() -> None:
    question = inbound("Mon 2026-06-01 09:00", "Customs paperwork for the Rotterdam shipment")

    def severity(when: str) -> Severity | None:
        return analyse_at(when, question).finding(Kind.UNANSWERED).severity

    assert severity("Tue 2026-06-02 16:29") is None
    assert severity("Tue 2026-06-02 16:30") is Severity.WARNING  # 8.5 + 7.5 business hours
    assert severity("Wed 2026-06-03 15:59") is Severity.WARNING
    assert severity("Wed 2026-06-03 16:00") is Severity.CRITICAL  # 8.5 + 8.5 + 7


def test_a_weekend_does_not_count_towards_the_reply_sla() -> None:
    question = inbound("Fri 2026-06-05 16:00", "Pallet count for Monday's delivery")

    finding = analyse_at("Mon 2026-06-08 17:00", question).finding(Kind.UNANSWERED)

    assert finding.severity is None
    assert finding.figures["oldest_business_hours"] == 9.5
    assert finding.figures["oldest_wall_hours"] == 73.0


def test_the_oldest_waiting_message_is_named_with_how_many_more_wait() -> None:
    older = inbound("Mon 2026-06-01 09:00", "Customs paperwork for the Rotterdam shipment")
    newer = inbound("Tue 2026-06-02 09:00", "Pallet count for Monday's delivery")

    finding = analyse_at("Wed 2026-06-03 17:00", newer, older).finding(Kind.UNANSWERED)

    assert finding.explanation.startswith(
        "'Customs paperwork for the Rotterdam shipment' from dana.whitfield@acme-logistics.example "
        "has waited 2.9 working days (2.3 days) for our reply (since 1 Jun) (and 1 more)"
    )
    assert finding.evidence == (older, newer)


# --------------------------------------------------------------------------- friction


def friction_facts(*cued, negative=(), now=None, usual=None) -> FrictionFacts:
    return FrictionFacts(
        window_days=30,
        messages=len(cued) + len(negative),
        sentiment_now=now,
        sentiment_usual=usual,
        escalation=tuple(cued),
        pressure_phrases=(),
        challenges=(),
        negative=tuple(negative),
        senior_copied=(),
    )


def test_one_grumpy_message_is_not_friction() -> None:
    angry = inbound("Mon 2026-06-01 10:00", "Missed delivery window — unacceptable", sentiment=-0.7)
    facts = friction_facts(
        (angry, ("escalation:unacceptable", "escalation:escalate")), negative=[angry]
    )

    finding = friction.judge(ACME, facts, DEFAULTS)

    assert facts.points() == 2.0  # escalation words; its tone alone is no count of friction
    assert finding.severity is None  # and it is one message


def test_escalation_words_in_two_messages_warn_of_friction() -> None:
    first = inbound("Mon 2026-06-01 10:00", "Missed delivery window", sentiment=-0.7)
    second = inbound("Thu 2026-06-04 10:00", "Re: Missed delivery window", sentiment=-0.65)
    facts = friction_facts(
        (first, ("escalation:unacceptable",)),
        (second, ("escalation:refund",)),
        negative=[first, second],
    )

    finding = friction.judge(ACME, facts, DEFAULTS)

    assert finding.severity is Severity.WARNING  # 2 + 2 points; negative tone counts no points
    assert "2 messages with escalation words ('unacceptable', 'refund')" in finding.explanation
    assert finding.evidence == (first, second)


def test_negative_messages_and_a_drop_in_tone_alone_are_not_counted_as_friction() -> None:
    """A technical client writes many negative-sounding questions: tone is judged message by
    message against the client's own norm, not counted."""
    first = inbound("Mon 2026-06-01 10:00", "Missed delivery window", sentiment=-0.4)
    second = inbound("Thu 2026-06-04 10:00", "Re: Missed delivery window", sentiment=-0.4)

    dropped = friction_facts(negative=[first, second], now=-0.1, usual=0.2)
    finding = friction.judge(ACME, dropped, DEFAULTS)

    assert dropped.points() == 0.0
    assert finding.severity is None
    assert "tone -0.10 vs +0.20 over the 180 days before" in finding.explanation


# --------------------------------------------------------------------------- micromanagement


def pressure_facts(messages: int, baseline: float | None, chasers: int) -> PressureFacts:
    status = inbound("Tue 2026-06-02 08:15", "Any update on the Leeds pilot?")
    return PressureFacts(
        window_days=14,
        inbound=(status,) * messages,
        baseline=baseline,
        chasers=(status,) * chasers,
        status_requests=(),
    )


def test_micromanagement_needs_both_more_mail_than_usual_and_pressure() -> None:
    def severity(messages: int, baseline: float | None, chasers: int) -> Severity | None:
        facts = pressure_facts(messages, baseline, chasers)
        return micromanagement.judge(ACME, facts, DEFAULTS).severity

    assert severity(9, 3.0, 0) is None  # three times the usual volume, nothing chased
    assert severity(3, 3.0, 8) is None  # the usual volume, however chased
    assert severity(6, 3.0, 4) is Severity.WARNING
    assert severity(9, 3.0, 8) is Severity.CRITICAL


def test_without_a_baseline_only_a_clear_case_of_micromanagement_warns() -> None:
    def severity(messages: int, chasers: int) -> Severity | None:
        facts = pressure_facts(messages, None, chasers)
        return micromanagement.judge(ACME, facts, DEFAULTS).severity

    assert severity(10, 8) is Severity.WARNING
    assert severity(9, 8) is None
    assert severity(10, 7) is None
    # The explanation says there is no norm to read the volume against.
    explanation = micromanagement.judge(ACME, pressure_facts(10, None, 8), DEFAULTS).explanation
    assert "usual volume is not known yet" in explanation


# --------------------------------------------------------------------------- the registry


def test_every_alert_kind_has_one_registered_detector_in_kind_order() -> None:
    assert list(DETECTORS) == list(Kind)
    assert list(KINDS) == list(Kind)
    assert all(entry.kind is kind for kind, entry in DETECTORS.items())
    assert len({entry.title for entry in DETECTORS.values()}) == len(Kind)


def test_thresholds_hold_every_detectors_keys_with_its_defaults() -> None:
    for entry in DETECTORS.values():
        for key, default in entry.threshold_defaults().items():
            assert getattr(DEFAULTS, key) == default, key
    declared = {key for entry in DETECTORS.values() for key in entry.threshold_defaults()}
    assert set(Thresholds.names()) == declared | {"cooldown_days"}


def test_each_warning_threshold_is_paired_with_its_critical_one_of_the_same_detector() -> None:
    assert THRESHOLD_PAIRS[0] == ("silence_warning_ratio", "silence_critical_ratio")
    assert len(set(THRESHOLD_PAIRS)) == len(THRESHOLD_PAIRS)
    for entry in DETECTORS.values():
        for warning, critical in entry.pairs:
            assert {warning, critical} <= set(entry.threshold_defaults())
            assert "warning" in warning and "critical" in critical
            assert getattr(DEFAULTS, warning) < getattr(DEFAULTS, critical)


def test_every_registered_detector_runs_on_the_same_facts() -> None:
    question = inbound("Mon 2026-06-01 09:00", "Customs paperwork for the Rotterdam shipment")
    facts = facts_at("Fri 2026-06-05 17:00", question)

    findings = detect_all(facts, DEFAULTS)

    assert [f.kind for f in findings] == list(Kind)
    assert [f.kind for f in findings if f.firing] == [Kind.UNANSWERED]
    assert analyse_at("Fri 2026-06-05 17:00", question).findings == findings


def test_a_detector_reads_per_client_thresholds() -> None:
    question = inbound("Mon 2026-06-01 09:00", "Customs paperwork for the Rotterdam shipment")
    strict = replace(DEFAULTS, unanswered_warning_hours=4.0, unanswered_critical_hours=8.0)

    report = analyse_at("Mon 2026-06-01 17:00", question, thresholds=strict)

    assert report.finding(Kind.UNANSWERED).severity is Severity.CRITICAL
    assert report.finding(Kind.UNANSWERED).figures["sla_critical_hours"] == 8.0


def test_reports_move_with_now_not_with_the_clock() -> None:
    question = inbound("Mon 2026-06-01 09:00", "Customs paperwork for the Rotterdam shipment")
    answer = outbound("Mon 2026-06-01 11:00", "Re: Customs paperwork for the Rotterdam shipment")
    before = analyse_at("Mon 2026-06-01 10:00", question, answer)
    after = analyse_at("Mon 2026-06-01 12:00", question, answer)

    assert len(before.gaps.awaiting) == 1
    assert after.gaps.awaiting == ()
    assert after.now - before.now == timedelta(hours=2)
