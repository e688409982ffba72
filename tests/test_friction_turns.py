"""Friction against the client's own norm, through parsing, the store and the analysis.

Dana Whitfield of Acme Logistics writes to Alice Marsh; the mail is real mail (headers, quoted
history), stored and read back as the daemon would.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.core.detectors import Kind, Severity
from tests.scenario import Scenario, at

TECHNICAL = (
    "Hi Alice,\n\nThe nightly import fails again with a timeout error. What exactly fails on your "
    "side? What error do you get in the log? The link to the dashboard seems broken too.\n\n"
    "Thanks,\nDana"
)


def _technical_year(s: Scenario, start: str, weeks: int) -> datetime:
    """A polite technical client writing twice a week, answered by us within hours."""
    first = at(start)
    day = first
    for week in range(weeks):
        for offset in (0, 2):
            day = first + timedelta(days=7 * week + offset)
            when = day.strftime("%Y-%m-%d %H:%M")
            message = s.client_writes(when, f"Import run {week}-{offset}", TECHNICAL)
            s.we_reply(
                message,
                (day + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
                "Hi Dana,\n\nWe found the cause and re-ran the import.\n\nAlice",
            )
    return day


def _one_message_from_a_warm_client(tmp_path, analyzer, subject: str, text: str):
    """Twenty weeks of Dana's usual warm mail, then ``text`` on 2 Jun: that evening's friction."""
    s = Scenario(tmp_path, analyzer)
    s.weekly_history("2026-01-05 10:00", 20, every_days=7)
    s.client_writes("2026-06-02 09:00", subject, text)
    finding = s.report("Acme Logistics", "2026-06-02 18:00").finding(Kind.FRICTION)
    s.close()
    return finding


def _friction_days(s: Scenario, since: datetime, until: datetime) -> list[Severity]:
    found = []
    day = since
    while day <= until:
        finding = s.report("Acme Logistics", day).finding(Kind.FRICTION)
        if finding.severity is not None:
            found.append(finding.severity)
        day += timedelta(days=7)
    return found


def test_a_year_of_polite_technical_questions_raises_no_friction(tmp_path, analyzer) -> None:
    s = Scenario(tmp_path, analyzer)
    last = _technical_year(s, "2025-06-02 10:00", 52)

    fired = _friction_days(s, at("2025-09-01 18:00"), last + timedelta(days=1))
    s.close()

    assert fired == []


def test_a_curt_turn_raises_friction_within_two_weeks_naming_its_evidence(
    tmp_path, analyzer
) -> None:
    s = Scenario(tmp_path, analyzer)
    s.weekly_history("2026-01-05 10:00", 20, every_days=7)
    for when, text in (
        ("2026-06-01 09:10", "What for? You need to further explain why the plan changed."),
        ("2026-06-03 16:40", "Why? You should have told us before the steering meeting."),
        ("2026-06-08 08:05", "You really should give us more information. Explain why it slipped."),
    ):
        s.client_writes(when, "Pilot plan", f"Alice,\n\n{text}\n\nDana")

    finding = s.report("Acme Logistics", "2026-06-08 18:00").finding(Kind.FRICTION)
    s.close()

    assert finding.severity is not None
    assert "Acme Logistics's last 3 messages: 3 read as curt or impolite" in finding.explanation
    assert "no greeting or thanks in 3 (usually 0 in 10)" in finding.explanation
    assert "'you need to'" in finding.explanation


def test_one_hostile_message_from_a_warm_client_warns_with_its_evidence(tmp_path, analyzer) -> None:
    finding = _one_message_from_a_warm_client(
        tmp_path,
        analyzer,
        "The pilot",
        "Alice,\n\nThis is unacceptable. You need to fix this NOW, or we will cancel the "
        "contract and ask for a refund!!\n\nDana",
    )

    assert finding.severity is Severity.WARNING
    assert "one hostile message on 2 Jun" in finding.explanation
    assert "'you need to'" in finding.explanation


def test_our_sharp_words_quoted_back_count_for_nothing(tmp_path, analyzer) -> None:
    s = Scenario(tmp_path, analyzer)
    s.weekly_history("2026-01-05 10:00", 20, every_days=7)
    for day in ("2026-06-01", "2026-06-03", "2026-06-05"):
        s.client_writes(
            f"{day} 10:00",
            "Re: Pilot plan",
            "Hi Alice,\n\nThanks, that makes sense now.\n\nDana\n\n"
            f"On {day} 09:00, Alice Marsh wrote:\n> You need to further explain why? "
            "This is unacceptable!!\n> You should have told us.\n",
        )

    finding = s.report("Acme Logistics", "2026-06-05 18:00").finding(Kind.FRICTION)
    s.close()

    assert finding.severity is None


def test_friction_cues_are_stored_with_each_client_message(tmp_path, analyzer) -> None:
    s = Scenario(tmp_path, analyzer)
    s.client_writes("2026-06-01 09:10", "Pilot plan", "Alice,\n\nYou need to explain why.\n\nDana")
    records = s.evaluation(datetime(2026, 6, 2, tzinfo=UTC)).histories["Acme Logistics"].records
    s.close()

    (record,) = records
    assert record.impoliteness is not None and record.impoliteness > 0.3
    assert record.curtness == 1.0
    assert record.courtesy is False
    assert record.friction_evidence == "you need to"  # the cue term: no snippets stored
    assert record.tone is not None


def test_relmon_client_shows_the_friction_messages_and_the_alerts_explanation(
    tmp_path, analyzer
) -> None:
    from monitor.app.views import client_detail

    s = Scenario(tmp_path, analyzer)
    s.weekly_history("2026-01-05 10:00", 20, every_days=7)
    for when in ("2026-06-01 09:10", "2026-06-03 16:40"):
        s.client_writes(when, "Pilot plan", "Alice,\n\nYou need to further explain why.\n\nDana")
    when = at("2026-06-03 18:00")
    finding = s.report("Acme Logistics", when).finding(Kind.FRICTION)
    detail = client_detail(s.runtime, "Acme Logistics", when)
    s.close()

    (shown,) = [f for f in detail["findings"] if f["kind"] == "friction"]
    assert shown["explanation"] == finding.explanation  # the alert email says the same
    assert [e["evidence"] for e in detail["friction_evidence"]] == ["you need to"] * 2
    assert all(e["courtesy"] is False for e in detail["friction_evidence"])


def test_relmon_client_prints_each_friction_message_with_what_drove_it(
    tmp_path, analyzer, capsys
) -> None:
    from monitor.app.views import client_detail
    from monitor.cli.health_cmd import print_client

    s = Scenario(tmp_path, analyzer)
    s.weekly_history("2026-01-05 10:00", 20, every_days=7)
    for when in ("2026-06-01 09:10", "2026-06-03 16:40"):
        s.client_writes(when, "Pilot plan", "Alice,\n\nYou need to further explain why.\n\nDana")
    when = at("2026-06-03 18:00")
    detail = client_detail(s.runtime, "Acme Logistics", when)
    s.close()

    print_client(detail, when.tzinfo, when)
    printed = " ".join(capsys.readouterr().out.split())

    assert "in 'Pilot plan' (3 Jun): 'you need to' (impolite" in printed
    assert "no greeting or thanks" in printed


def test_a_later_copy_with_the_text_fills_in_the_friction_cues(tmp_path, analyzer) -> None:
    """A copy without a body (a headers-only fetch) is stored first; the full copy of the same
    message read later from another folder fills in what the first lacked."""
    from tests.factories import DANA, email

    s = Scenario(tmp_path, analyzer)
    common = {"frm": DANA, "subject": "Pilot plan", "message_id": "curt-1@acme-logistics.example"}
    date = at("2026-06-01 09:10")
    s.add(email(body="", date=date, **common))
    s.add(email(body="Alice,\n\nYou need to explain why.\n\nDana", date=date, **common), "Archive")
    records = s.evaluation(datetime(2026, 6, 2, tzinfo=UTC)).histories["Acme Logistics"].records
    s.close()

    (record,) = records
    assert record.impoliteness is not None
    assert record.curtness == 1.0 and record.courtesy is False
    assert record.friction_evidence == "you need to"


TERSE = (
    "Why did you move the review to Thursday? Send the new slides today.",
    "How come the export is still missing? Fix it before the call.",
    "Why are you changing the template again? Use the one we agreed.",
    "Why did you not copy Mark? He needs the figures.",
)


def test_a_client_that_always_writes_tersely_raises_no_friction_for_its_usual_questions(
    tmp_path, analyzer
) -> None:
    """GIVEN Brian at Acme, who for half a year has written twice a week without greeting or
    thanks, asking "why did you …?" as his way of asking
    WHEN he goes on writing exactly so
    THEN there is no friction: his pointed questions are his norm, not a change."""
    s = Scenario(tmp_path, analyzer)
    first = at("2026-01-05 10:00")
    for week in range(26):
        for offset in (0, 3):
            day = first + timedelta(days=7 * week + offset)
            text = TERSE[(2 * week + offset) % len(TERSE)]
            message = s.client_writes(
                day.strftime("%Y-%m-%d %H:%M"), f"Rollout {week}", f"{text}\n\nBrian"
            )
            s.we_reply(
                message,
                (day + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
                "Hi Brian,\n\nDone; the slides are in the shared folder.\n\nAlice",
            )

    fired = _friction_days(s, at("2026-04-06 18:00"), first + timedelta(days=7 * 26))
    s.close()

    assert fired == []


def test_a_hostile_message_that_still_says_hi_warns(tmp_path, analyzer) -> None:
    """An angry client often keeps the greeting: the outburst is in what follows."""
    finding = _one_message_from_a_warm_client(
        tmp_path,
        analyzer,
        "The pilot",
        "Hi Alice,\n\nThe second deadline has slipped and nobody warned us. Frankly this is "
        "unacceptable.\n\nDana",
    )

    assert finding.severity is Severity.WARNING
    assert "one hostile message on 2 Jun" in finding.explanation


def test_a_warm_client_acknowledging_our_disappointment_raises_no_outburst(
    tmp_path, analyzer
) -> None:
    """Dana names our feeling, not hers: that is empathy, and the question after it is a plain
    request."""
    finding = _one_message_from_a_warm_client(
        tmp_path,
        analyzer,
        "Rollout",
        "Alice,\n\nI know you're disappointed with the delay; what is the plan for next week?"
        "\n\nDana",
    )

    assert finding.severity is None


def test_a_warm_client_saying_it_is_very_disappointed_still_warns(tmp_path, analyzer) -> None:
    finding = _one_message_from_a_warm_client(
        tmp_path,
        analyzer,
        "Rollout",
        "Alice,\n\nWe are very disappointed. This is unacceptable.\n\nDana",
    )

    assert finding.severity is Severity.WARNING
    assert "one hostile message on 2 Jun" in finding.explanation


def test_a_warm_client_asking_us_to_cancel_a_call_raises_no_outburst(tmp_path, analyzer) -> None:
    """The word "cancel" is an escalation cue, but here it is the ordinary business of a diary: a
    short request without the usual greeting is not a hostile message."""
    finding = _one_message_from_a_warm_client(
        tmp_path,
        analyzer,
        "Thursday",
        "Please cancel the 3pm call, the board moved.\n\nDana",
    )

    assert finding.severity is None
