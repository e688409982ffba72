"""The alert email's words: advice that fits the alert and the client, figures a person reads."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from monitor.alerts import body
from monitor.alerts.figures import figure_lines, working_time
from monitor.alerts.render import AlertMail, EvidenceLine
from monitor.core.health import ADVICE, COMMON_ADVICE, RISK_SHOWING, Pattern

LONDON = ZoneInfo("Europe/London")
RAISED = datetime(2026, 6, 4, 9, 30, tzinfo=UTC)


def _mail(kind: str, figures: dict, *, pattern: Pattern, advice: str | None = None) -> AlertMail:
    return AlertMail(
        alert_id=7,
        event_id=11,
        client="Acme Logistics",
        kind=kind,
        severity="critical",
        event="opened",
        explanation="Acme Logistics, last 30 days (9 messages): tone -0.41 vs +0.22 usually.",
        evidence=(
            EvidenceLine(
                datetime(2026, 6, 1, 9, 5, tzinfo=UTC),
                "helen.park@acme-logistics.example",
                "Revised rollout plan",
                name="Helen Park",
            ),
        ),
        figures=figures,
        pattern=pattern.value,
        advice=advice or ADVICE[pattern],
        common_advice=COMMON_ADVICE,
        raised_at=RAISED,
        day_hours=8.5,
    )


FRICTION = {
    "points": 13.0,
    "messages": 9,
    "sentiment_now": -0.41,
    "sentiment_usual": 0.22,
    "escalation_messages": 2,
    "pressure_phrase_messages": 1,
    "challenge_messages": 0,
    "negative_messages": 3,
    "senior_copied": ["raj.patel@acme-logistics.example"],
}
UNANSWERED = {
    "waiting": 2,
    "oldest_business_hours": 29.8,
    "oldest_wall_hours": 96.0,
    "sla_warning_hours": 16.0,
    "sla_critical_hours": 24.0,
}


def test_a_friction_alert_for_a_calm_client_does_not_say_it_rarely_complains() -> None:
    mail = _mail(
        "friction",
        FRICTION,
        pattern=Pattern.LAISSEZ_FAIRE,
        advice=f"{ADVICE[Pattern.LAISSEZ_FAIRE]} {RISK_SHOWING}",
    )

    text = body.text([mail], LONDON)
    html = body.html_body([mail], LONDON)

    assert "rarely complains" not in text and "rarely complains" not in html
    assert "What to do: Call Acme Logistics rather than write" in text
    assert "Friction is unusual for this client" in text


def test_another_alert_of_a_calm_client_whose_friction_builds_says_what_changed() -> None:
    mail = _mail(
        "unanswered",
        UNANSWERED,
        pattern=Pattern.SAVVY,
        advice=f"{ADVICE[Pattern.SAVVY]} {RISK_SHOWING}",
    )

    text = body.text([mail], LONDON)

    assert "positive; the risk is complacency" not in text
    assert (
        "About this client (until now savvy): Over half a year this client was clear, prompt "
        f"and positive. {RISK_SHOWING}"
    ) in text


def test_an_unanswered_alert_says_who_waits_since_when_and_asks_for_a_reply() -> None:
    text = body.text([_mail("unanswered", UNANSWERED, pattern=Pattern.MICROMANAGER)], LONDON)

    assert (
        "What to do: Helen Park has waited 3.5 working days for an answer to "
        "\u2018Revised rollout plan\u2019 (sent Mon 01 Jun 2026 10:05 BST). Reply today"
    ) in text
    assert "2 client messages are waiting for our reply" in text
    assert "The oldest has waited 3.5 working days (4 days on the calendar)" in text
    assert "About this client (micromanager): Writes often" in text


def test_no_alert_shows_the_detectors_raw_figures() -> None:
    cases = {
        "friction": FRICTION,
        "unanswered": UNANSWERED,
        "silence": {"cadence_days": 6.2, "silent_days": 27.4, "ratio": 4.42},
        "checkin_due": {"days_since_we_wrote": 25.3, "interval_days": 21.0},
        "micromanagement": {
            "messages": 14,
            "baseline": 5.2,
            "ratio": 2.69,
            "chasers": 3,
            "status_requests": 4,
            "after_hours": 1,
            "points": 9.5,
        },
    }
    for kind, figures in cases.items():
        text = body.text([_mail(kind, figures, pattern=Pattern.UNKNOWN)], LONDON)
        for raw in ("points", "0.141", "_", "13.0", "sla", "sentiment now", "ratio"):
            assert raw not in text.replace("relmon alerts", ""), (kind, raw)


def test_figures_are_stated_against_their_baseline_in_words() -> None:
    assert figure_lines("silence", {"cadence_days": 6.2, "silent_days": 27.4, "ratio": 4.42}) == [
        "Silent for 27 days; usually writes at least every 6.2 days",
        "That is 4.4 times its usual gap",
    ]
    assert figure_lines("friction", FRICTION)[0] == (
        "Tone of recent messages: negative (-0.41 on a scale of -1 to +1); "
        "usually positive (+0.22 on a scale of -1 to +1)"
    )
    assert figure_lines(
        "friction", {"recent_scored": 6, "recent_frictional": 4, "usual_frictional_share": 0.08}
    ) == ["4 of its last 6 messages read as curt or impolite; usually 8% of its messages (90 days)"]
    assert "3 chasers (a second message before we replied)" in figure_lines(
        "micromanagement", {"messages": 14, "chasers": 3}
    )


def test_a_friction_alert_quotes_only_the_words_the_client_used() -> None:
    """Dana wrote "unacceptable" and "escalate"; never "cancel" or "refund". The explanation
    quotes her words; the figures count her messages without examples of their own."""
    mail = replace(
        _mail("friction", FRICTION, pattern=Pattern.UNKNOWN),
        explanation="Acme Logistics, last 30 days (9 messages): 2 messages with escalation "
        "words ('unacceptable', 'escalate').",
    )

    text = body.text([mail], LONDON)

    lines = figure_lines("friction", FRICTION)
    assert "2 messages with escalation words" in lines
    assert "1 message with pointed reminders" in lines
    assert text.count("'unacceptable'") == 1
    assert "refund" not in text and "cancel" not in text and "per my last email" not in text


def test_business_time_is_given_in_working_days_of_the_calendar_or_in_hours() -> None:
    assert working_time(29.8, 8.5) == "3.5 working days"
    assert working_time(8.5, 8.5) == "1 working day"
    assert working_time(6.0, 8.5) == "6 working hours"
    assert working_time(0.5, 8.5) == "30 working minutes"


def test_one_email_lists_each_alert_of_the_client_once_with_the_advice_once() -> None:
    silence = _mail(
        "silence",
        {"cadence_days": 6.2, "silent_days": 27.4, "ratio": 4.42},
        pattern=Pattern.LAISSEZ_FAIRE,
    )
    checkin = _mail(
        "checkin_due",
        {"days_since_we_wrote": 48.0, "interval_days": 21.0},
        pattern=Pattern.LAISSEZ_FAIRE,
    )

    text = body.text([silence, checkin], LONDON)

    assert text.startswith("2 alerts about Acme Logistics:")
    assert "CRITICAL: Acme Logistics has gone quiet" in text
    assert "CRITICAL: Acme Logistics is due a check-in" in text
    assert text.count("About this client (laissez-faire)") == 1
    assert text.count(COMMON_ADVICE) == 1


def test_an_email_about_two_alerts_says_a_reply_acts_on_both() -> None:
    from dataclasses import replace

    silence = _mail("silence", {"cadence_days": 6.2, "silent_days": 27.4}, pattern=Pattern.SAVVY)
    checkin = replace(
        _mail("checkin_due", {"days_since_we_wrote": 48.0}, pattern=Pattern.SAVVY), alert_id=8
    )

    text = body.text([silence, checkin], LONDON)
    page = body.html_body([silence, checkin], LONDON)

    hint = 'Reply "ack", "snooze 3d" or "resolve" on the first line to act on both alerts'
    assert f"{hint} above (7 and 8)" in text
    assert "first alert" not in text and "first alert" not in page
    assert "relmon alerts ack 8" in text


def test_health_names_what_pulls_it_down_not_every_component() -> None:
    from dataclasses import replace

    mail = replace(
        _mail("unanswered", UNANSWERED, pattern=Pattern.SAVVY),
        health=38,
        trend=(60, 55, 38),
        components={"responsiveness": 20, "engagement": 35, "sentiment": 80, "balance": None},
    )

    text = body.text([mail], LONDON)

    assert "Health 38/100, last 30 days:" in text
    assert "Weakest: responsiveness 20/100, engagement 35/100." in text
    assert "sentiment 80" not in text and "balance" not in text


def test_the_tone_component_is_called_tone_in_the_email_as_in_the_terminal() -> None:
    from dataclasses import replace

    mail = replace(
        _mail("friction", FRICTION, pattern=Pattern.SAVVY),
        health=50,
        trend=(70, 60, 50),
        components={"responsiveness": 90, "engagement": 70, "sentiment": 0, "balance": 80},
    )

    text = body.text([mail], LONDON)

    assert "Weakest: tone 0/100." in text
    assert "sentiment 0" not in text


def test_a_client_no_curter_than_usual_is_not_shown_its_norm_as_if_it_were_the_reason() -> None:
    calm_now = {
        **FRICTION,
        "recent_scored": 3,
        "recent_frictional": 0,
        "usual_frictional_share": 0.67,
    }
    curter = {**FRICTION, "recent_scored": 6, "recent_frictional": 5, "usual_frictional_share": 0.1}

    assert not any("read as curt" in line for line in figure_lines("friction", calm_now))
    assert figure_lines("friction", curter)[0] == (
        "5 of its last 6 messages read as curt or impolite; usually 10% of its messages (90 days)"
    )


def test_a_client_waiting_for_our_answer_is_not_told_to_be_checked_in_on_unprompted() -> None:
    mail = _mail("unanswered", UNANSWERED, pattern=Pattern.LAISSEZ_FAIRE)

    text = body.text([mail], LONDON)

    assert "even when nothing is asked" not in text
    assert "What to do:" in text
    assert "Our reply target: within 16 working hours; overdue after 24 working hours" in text


def test_an_unanswered_alert_gives_one_wait_in_its_explanation_and_its_figures() -> None:
    """Helen's question has waited 54 minutes 40 seconds: "55 working minutes" in the
    explanation and in the figure lines of the same email, not 55 in one and 54 in the other."""
    from datetime import timedelta

    from monitor.core.detectors import Thresholds
    from monitor.core.detectors.unanswered import judge
    from tests.core.records import inbound

    asked = inbound("2026-06-04 09:00", "Revised rollout plan")
    waited = (54 * 60 + 40) * 1.0
    finding = judge(
        "Acme Logistics",
        longest=(asked, waited, waited),
        waiting=[asked],
        usual=None,
        owner_away_until=None,
        thresholds=Thresholds(),
        now=asked.date + timedelta(seconds=waited),
    )

    assert "has waited 55 working minutes" in finding.explanation
    lines = figure_lines("unanswered", dict(finding.figures))
    assert lines[0].startswith("The oldest has waited 55 working minutes")


def test_an_alert_behind_more_messages_than_it_lists_says_how_many_more() -> None:
    """Eighteen messages are behind a micromanagement alert and ten are listed: the email says
    eight more exist, in text and HTML; an alert listing all of its messages says nothing."""
    from dataclasses import replace

    line = EvidenceLine(
        datetime(2026, 6, 1, 9, 5, tzinfo=UTC), "helen.park@acme-logistics.example", "Status?"
    )
    listed = replace(
        _mail("micromanagement", {"messages": 18, "chasers": 7}, pattern=Pattern.MICROMANAGER),
        evidence=(line,) * 10,
    )
    many = replace(listed, figures={**listed.figures, "messages_behind": 18})
    all_listed = replace(listed, figures={**listed.figures, "messages_behind": 10})

    assert "… and 8 more" in body.text([many], LONDON)
    assert "… and 8 more" in body.html_body([many], LONDON)
    assert "… and" not in body.text([all_listed], LONDON)
