"""A client's pattern, read from half a year of its mail, and the advice that goes with it."""

from __future__ import annotations

from dataclasses import replace

from monitor.core.health import RISK_SHOWING, Pattern, PatternFacts, classify

# A client who writes every two or three weeks, asks little, never chases.
QUIET = PatternFacts(
    inbound=9,
    span_days=170,
    per_week=0.37,
    questions_per_message=0.4,
    basics_share=0.0,
    status_share=0.0,
    chaser_share=0.0,
    messages_per_thread=2.5,
    sentiment=0.12,
    scored=8,
    client_reply_hours=30.0,
    friction_points=0.0,
)


def test_a_client_who_writes_rarely_and_asks_little_is_laissez_faire() -> None:
    result = classify(QUIET, friction_warning_points=4.0)

    assert result.pattern is Pattern.LAISSEZ_FAIRE
    assert result.advice.startswith("Writes rarely, trusts us, rarely complains")
    assert RISK_SHOWING not in result.advice


def test_a_laissez_faire_client_building_friction_gets_advice_for_it() -> None:
    result = classify(replace(QUIET, friction_points=13.0), friction_warning_points=4.0)

    assert result.pattern is Pattern.LAISSEZ_FAIRE  # the tendency over half a year
    assert result.advice.endswith(RISK_SHOWING)
    assert "rarely complains" not in result.advice  # not while it complains
    assert result.advice.startswith("Over half a year this client wrote rarely")
    assert "but 13 friction points in the last 30 days" in result.reasons


def test_friction_below_the_warning_threshold_does_not_change_the_advice() -> None:
    result = classify(replace(QUIET, friction_points=3.0), friction_warning_points=4.0)

    assert result.note is None


def test_a_micromanager_building_friction_keeps_its_own_advice() -> None:
    chasing = replace(
        QUIET, inbound=80, per_week=4.5, status_share=0.3, chaser_share=0.2, friction_points=9.0
    )

    result = classify(chasing, friction_warning_points=4.0)

    assert result.pattern is Pattern.MICROMANAGER
    assert result.note is None


def test_too_little_history_is_unknown_not_a_guess() -> None:
    result = classify(replace(QUIET, inbound=4, span_days=20), friction_warning_points=4.0)

    assert result.pattern is Pattern.UNKNOWN


def test_a_rate_a_week_names_the_window_it_was_counted_over() -> None:
    """Four months of history: "over 180 days" would be a quarter wrong."""
    young = classify(replace(QUIET, span_days=121.6), friction_warning_points=4.0)
    old = classify(replace(QUIET, span_days=900.0), friction_warning_points=4.0)

    assert young.reasons[0] == "0.4 messages a week over the last 122 days"
    assert old.reasons[0] == "0.4 messages a week over 180 days"


def test_a_chaser_asking_for_status_counts_once_in_the_micromanager_reason() -> None:
    """Dana asks for news of the rollout twice each working day for five weeks and nobody
    answers: every message is a status request, and all but the first are chasers. Each is one
    message of the 50, not two: "100% of them", never "198%"."""
    from datetime import date, timedelta

    from tests.core.records import analyse_at, inbound

    days = [date(2026, 5, 4) + timedelta(days=n) for n in range(35)]
    asks = [
        inbound(f"{day} {hour}:00", "Any update?", pressure=("status:any update",))
        for day in days
        if day.weekday() < 5
        for hour in (10, 15)
    ]

    report = analyse_at("2026-06-08 09:00", *asks)

    assert report.pattern.pattern is Pattern.MICROMANAGER
    assert "100% of them status requests or chasers" in report.pattern.reasons


def test_the_best_of_weak_fits_is_no_pattern_not_a_label() -> None:
    """Acme writes a little more than weekly, one message in eleven asks for status, and its
    friction points rule out the calm patterns: micromanager fits best, at under a tenth. The
    client gets no label its mail does not show, and advice that says so."""
    acme = replace(
        QUIET, inbound=11, per_week=1.2, status_share=0.09, sentiment=0.05, friction_points=7.0
    )

    result = classify(acme, friction_warning_points=4.0)

    assert result.pattern is Pattern.UNKNOWN
    assert result.reasons == ("no pattern stands out (closest: micromanager, 0.09 of 1)",)
    assert result.advice.startswith("No pattern stands out in this client's mail")


def test_a_client_whose_tone_and_replies_are_unknown_is_not_called_savvy() -> None:
    """Nothing says "clear, prompt and positive" about a client whose tone is unscored (it
    writes German) or neutral, and whose reply time is unknown, nor about one whose tone is
    negative however fast it answers; a positive tone, or a known reply time, does."""
    unknown = replace(QUIET, per_week=1.0, client_reply_hours=None, inbound=26)
    unscored = replace(unknown, sentiment=None, scored=0)
    neutral = replace(unknown, sentiment=0.0)
    prompt = replace(neutral, client_reply_hours=4.0)

    def judged(facts: PatternFacts):  # type: ignore[no-untyped-def]
        return classify(facts, friction_warning_points=4.0)

    assert [(judged(f).pattern, judged(f).scores["savvy"]) for f in (unscored, neutral)] == [
        (Pattern.UNKNOWN, 0.0)
    ] * 2
    assert judged(replace(unknown, sentiment=0.3)).pattern is Pattern.SAVVY
    assert judged(prompt).pattern is Pattern.SAVVY
    assert judged(replace(prompt, sentiment=-0.6)).scores["savvy"] == 0.0


def test_a_savvy_clients_reply_time_reads_as_the_reply_time_line_reads_it() -> None:
    prompt = replace(QUIET, per_week=1.2, sentiment=0.4, client_reply_hours=2.52)

    result = classify(prompt, friction_warning_points=4.0)

    assert result.pattern is Pattern.SAVVY
    assert "answers us in 2.5 working hours (median over the last 170 days)" in result.reasons
    # A day and more is told in working days of the team's day, as the reply-time line tells it.
    slower = classify(
        replace(prompt, client_reply_hours=20.0, working_day=8.5 * 3600),
        friction_warning_points=4.0,
    )
    assert "answers us in 2.4 working days (median over the last 170 days)" in slower.reasons
    quick = classify(replace(prompt, client_reply_hours=0.4), friction_warning_points=4.0)
    assert "answers us in 24 working minutes (median over the last 170 days)" in quick.reasons
