"""How relmon judges a relationship: one behaviour per test, on realistic mail, through the real
normalisation, store and analysis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.core.detectors import Kind, Severity
from tests.factories import ALICE, BEN, RAJ
from tests.scenario import Scenario, at


@pytest.fixture
def scenario(tmp_path, analyzer):
    s = Scenario(tmp_path, analyzer)
    yield s
    s.close()


QUESTION = "Hi Alice,\n\nCould you send the revised rollout plan before Thursday's steering call?\n\nThanks,\nDana"
ANSWER = "Hi Dana,\n\nAttached is the revised plan; the warehouse pilot moves to week 34.\n\nBest,\nAlice"


def test_an_auto_reply_does_not_close_the_gap(scenario) -> None:
    question = scenario.client_writes("Mon 2026-06-01 10:00", "Rollout plan", QUESTION)
    scenario.we_reply(
        question,
        "Mon 2026-06-01 10:01",
        "I am out of the office until 3 June with limited access to email.",
        headers={"Auto-Submitted": "auto-replied"},
    )

    report = scenario.report("Acme Logistics", "Wed 2026-06-03 12:00")

    assert [g.start.key for g in report.gaps.awaiting] == [question.key]
    assert report.ours_30.count == 1  # still open, not closed by the auto-reply


def test_an_acknowledgement_auto_reply_does_not_clear_awaiting_reply(scenario) -> None:
    request = scenario.client_writes("Mon 2026-06-01 10:00", "Invoice 2026-114 query", QUESTION)
    scenario.we_reply(
        request,
        "Mon 2026-06-01 10:00",
        "Thank you for contacting Northwind Advisory. We have received your request and will respond within one business day. Ticket number: NW-4471.",
        headers={"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"},
    )

    report = scenario.report("Acme Logistics", "Tue 2026-06-02 12:00")

    assert len(report.gaps.awaiting) == 1
    assert report.finding(Kind.UNANSWERED).explanation.startswith(
        "'Invoice 2026-114 query' from dana.whitfield@acme-logistics.example has waited"
    )


def test_our_angry_words_quoted_back_in_a_friendly_reply_do_not_make_the_client_negative(
    scenario,
) -> None:
    ours = scenario.we_write(
        "Mon 2026-06-01 10:00",
        "Overdue data extract",
        "Dana,\n\nThis is unacceptable. We are still waiting for the extract, per my last email, and this delay is "
        "frustrating and disappointing. We will have to escalate this to your CFO.\n\nAlice",
    )
    quoted = "\n".join("> " + line for line in ours_text().splitlines())
    scenario.client_writes(
        "Mon 2026-06-01 11:00",
        "Re: Overdue data extract",
        f"Hi Alice,\n\nSorry, that one is on us. The extract is attached, and thanks for your patience!\n\nDana\n\n"
        f"On Mon, 1 Jun 2026 at 10:00, Alice Marsh <alice.marsh@northwind-advisory.example> wrote:\n{quoted}",
        reply_to=ours,
    )

    report = scenario.report("Acme Logistics", "Mon 2026-06-01 18:00")
    reply = report.last_inbound

    assert reply is not None
    assert reply.sentiment is not None and reply.sentiment > 0.05
    assert reply.friction == ()
    assert report.finding(Kind.FRICTION).severity is None


def ours_text() -> str:
    return (
        "Dana,\n\nThis is unacceptable. We are still waiting for the extract, per my last email, and this delay is "
        "frustrating and disappointing. We will have to escalate this to your CFO.\n\nAlice"
    )


@pytest.fixture
def nine_to_five(tmp_path, analyzer):
    from tests import factories

    original = factories.CONFIG
    factories.CONFIG = original.replace(
        'working_hours = "Mon-Fri 09:00-17:30"',
        'working_hours = "Mon-Fri 09:00-17:00"\nholidays = "GB-ENG"',
    )
    try:
        s = Scenario(tmp_path, analyzer)
    finally:
        factories.CONFIG = original
    yield s
    s.close()


def test_a_message_sent_friday_17_00_and_answered_monday_09_30_is_30_business_minutes(
    nine_to_five,
) -> None:
    question = nine_to_five.client_writes("Fri 2026-06-05 17:00", "Rollout plan", QUESTION)
    nine_to_five.we_reply(question, "Mon 2026-06-08 09:30", ANSWER)

    report = nine_to_five.report("Acme Logistics", "Mon 2026-06-08 12:00")

    (gap,) = report.gaps.ours
    assert gap.business_seconds == 30 * 60
    assert gap.wall_seconds == (2 * 24 + 16.5) * 3600


def test_a_public_holiday_is_skipped(nine_to_five) -> None:
    # Thursday 24 Dec 2026 16:00 to Tuesday 29 Dec 10:00: Christmas Day (Fri) and the Boxing Day
    # substitute (Mon 28 Dec) are English bank holidays.
    question = nine_to_five.client_writes("Thu 2026-12-24 16:00", "Year-end figures", QUESTION)
    nine_to_five.we_reply(question, "Tue 2026-12-29 10:00", ANSWER)

    report = nine_to_five.report("Acme Logistics", "Tue 2026-12-29 12:00")

    (gap,) = report.gaps.ours
    assert gap.business_seconds == 2 * 3600  # one hour on Thursday, one on Tuesday


def test_business_time_is_right_across_the_change_to_winter_time(nine_to_five) -> None:
    # British Summer Time ends on Sunday 25 October 2026.
    question = nine_to_five.client_writes("Fri 2026-10-23 16:00", "Rollout plan", QUESTION)
    nine_to_five.we_reply(question, "Mon 2026-10-26 10:00", ANSWER)

    report = nine_to_five.report("Acme Logistics", "Mon 2026-10-26 12:00")

    assert report.gaps.ours[0].business_seconds == 2 * 3600
    assert report.gaps.ours[0].wall_seconds == (3 * 24 + 1) * 3600 - 6 * 3600


def test_several_client_messages_before_our_reply_start_the_gap_at_the_first(scenario) -> None:
    first = scenario.client_writes("Mon 2026-06-01 10:00", "Rollout plan", QUESTION)
    scenario.client_writes(
        "Mon 2026-06-01 15:00",
        "Re: Rollout plan",
        "Hi Alice,\n\nAny update on this?\n\nDana",
        reply_to=first,
    )
    scenario.we_reply(first, "Tue 2026-06-02 10:00", ANSWER)

    report = scenario.report("Acme Logistics", "Tue 2026-06-02 12:00")

    assert len(report.gaps.ours) == 1
    assert report.gaps.ours[0].start.key == first.key
    assert report.gaps.ours[0].business_seconds == 8.5 * 3600
    assert len(report.gaps.chasers) == 1


def test_a_single_thanks_needs_no_reply(scenario) -> None:
    ours = scenario.we_write("Mon 2026-06-01 10:00", "Revised plan", ANSWER)
    scenario.client_writes(
        "Mon 2026-06-01 11:00", "Re: Revised plan", "Thanks!\n\nDana", reply_to=ours
    )

    report = scenario.report("Acme Logistics", "Fri 2026-06-05 17:00")

    assert report.gaps.awaiting == ()
    assert report.finding(Kind.UNANSWERED).severity is None


def test_a_message_where_we_are_only_copied_waits_for_nobody(scenario) -> None:
    scenario.client_writes(
        "Mon 2026-06-01 10:00",
        "Warehouse shift plan",
        "Hi Raj,\n\nCould you approve the overtime for the pilot weekend?\n\nDana",
        to=RAJ,
        cc=[ALICE],
    )

    report = scenario.report("Acme Logistics", "Fri 2026-06-05 17:00")

    assert report.gaps.awaiting == ()


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Hei Alice,\n\nKiitos viestistä. Lähetämme aineiston perjantaina, ja palaamme aikatauluun ensi viikolla.\n\nTerveisin\nAino",
            "fi",
        ),
        (
            "您好，\n\n感谢您的邮件。我们会在周五之前发送数据，并在下周确认时间表。\n\n此致\n李伟",
            "zh",
        ),
    ],
)
def test_a_finnish_or_chinese_message_is_unscored_not_neutral(
    scenario, text: str, language: str
) -> None:
    scenario.client_writes("Mon 2026-06-01 10:00", "Aineisto / 数据", text)

    report = scenario.report("Acme Logistics", "Mon 2026-06-01 12:00")

    assert report.last_inbound is not None
    assert report.last_inbound.language == language
    assert report.last_inbound.sentiment is None
    assert report.sentiment.mean_30 is None
    assert report.sentiment.unscored_30 == 1


def test_a_monthly_client_is_not_silent_after_10_days_a_weekly_one_is_after_3_weeks(
    tmp_path, analyzer
) -> None:
    monthly = Scenario(tmp_path / "monthly", analyzer)
    monthly.weekly_history("2026-01-05 10:00", 8, every_days=30)
    last = at("2026-01-05 10:00") + timedelta(days=7 * 30)
    quiet_monthly = monthly.report("Acme Logistics", last + timedelta(days=10))
    monthly.close()

    weekly = Scenario(tmp_path / "weekly", analyzer)
    weekly.weekly_history("2026-01-05 10:00", 12, every_days=7)
    last = at("2026-01-05 10:00") + timedelta(days=7 * 11)
    quiet_weekly = weekly.report("Acme Logistics", last + timedelta(days=22))
    weekly.close()

    assert quiet_monthly.cadence.days is not None and quiet_monthly.cadence.days >= 28
    assert quiet_monthly.finding(Kind.SILENCE).severity is None
    assert quiet_weekly.cadence.days == 7.0
    assert quiet_weekly.finding(Kind.SILENCE).severity is Severity.WARNING
    assert quiet_weekly.finding(Kind.SILENCE).explanation.startswith(
        "Acme Logistics usually writes every 7 days (its rhythm over the last 180 days); "
        "silent for 22 days (3.1× its norm)"
    )


def test_too_little_history_raises_no_silence_alert(scenario) -> None:
    scenario.weekly_history("2026-01-05 10:00", 3, every_days=7)

    report = scenario.report("Acme Logistics", "2026-04-01 12:00")

    assert report.cadence.days is None
    assert report.finding(Kind.SILENCE).severity is None
    assert "not known yet" in report.finding(Kind.SILENCE).explanation


def test_an_out_of_office_with_a_return_date_pauses_silence(tmp_path, analyzer) -> None:
    s = Scenario(tmp_path, analyzer)
    s.weekly_history("2026-01-05 10:00", 10, every_days=7)
    # Dana's last real message was 9 March; on 10 March she is away until 20 April.
    last = s.we_write(
        "2026-03-10 09:00", "Pilot planning", "Hi Dana,\n\nShall we fix the pilot dates?\n\nAlice"
    )
    s.client_writes(
        "2026-03-10 09:01",
        "Automatic reply: Pilot planning",
        "Thank you for your email. I am on annual leave and back on 20 April. For urgent matters please contact Raj Patel.",
        reply_to=last,
        headers={"Auto-Submitted": "auto-replied"},
    )

    away = s.report("Acme Logistics", "2026-04-10 12:00")
    back = s.report("Acme Logistics", "2026-05-20 12:00")
    s.close()

    assert away.away_until == datetime(2026, 4, 20).date()
    assert away.finding(Kind.SILENCE).severity is None
    assert away.finding(Kind.CHECKIN_DUE).severity is None
    assert back.away_until is None
    assert back.finding(Kind.SILENCE).severity is not None  # the clock runs again after 20 April
    # 72 days since her last message, 41 of them away: silent for 31 days, 4.4× her weekly rhythm.
    assert back.silent_days == pytest.approx(31, abs=1)


def test_the_owners_own_out_of_office_pauses_our_reply_clock(scenario) -> None:
    question = scenario.client_writes("Mon 2026-06-01 10:00", "Rollout plan", QUESTION)
    scenario.we_reply(
        question,
        "Mon 2026-06-01 10:01",
        "Thank you for your message. I am out of the office and back on 8 June. For urgent matters please contact Ben Okafor.",
        headers={"Auto-Submitted": "auto-replied"},
    )

    report = scenario.report("Acme Logistics", "Fri 2026-06-05 17:00")

    assert report.owner_away_until == datetime(2026, 6, 8).date()
    (waiting,) = report.gaps.awaiting
    assert waiting.business_seconds == pytest.approx(
        60, abs=1
    )  # only the minute before the auto-reply
    assert report.finding(Kind.UNANSWERED).severity is None


def test_three_chasers_in_a_day_with_any_update_make_micromanagement(tmp_path, analyzer) -> None:
    s = Scenario(tmp_path, analyzer)
    s.weekly_history("2026-01-05 10:00", 20, every_days=7)
    first = s.client_writes(
        "Mon 2026-06-01 09:05",
        "Wave 3 cutover",
        "Hi Alice,\n\nWhere are we on the cutover plan?\n\nDana",
    )
    for hour, text in (
        (11, "Any update?"),
        (14, "Any update on this? Need it by EOD."),
        (16, "Checking in again – any update?"),
        (19, "ETA please?"),
    ):
        s.client_writes(
            f"Mon 2026-06-01 {hour}:15",
            "Re: Wave 3 cutover",
            f"Alice,\n\n{text}\n\nDana",
            reply_to=first,
        )

    report = s.report("Acme Logistics", "Mon 2026-06-01 20:00")
    s.close()

    finding = report.finding(Kind.MICROMANAGEMENT)
    assert finding.severity is not None
    assert finding.figures["chasers"] == 4
    assert finding.figures["status_requests"] >= 4
    assert "chasers before we replied" in finding.explanation


def test_escalation_words_and_a_newly_copied_cfo_make_friction(tmp_path, analyzer) -> None:
    s = Scenario(tmp_path, analyzer)
    s.weekly_history("2026-01-05 10:00", 20, every_days=7)
    first = s.client_writes(
        "Mon 2026-06-01 09:00",
        "Missed deadline",
        "Alice,\n\nI am disappointed: the model was due on Friday and we are still waiting. This is unacceptable.\n\nDana",
    )
    s.we_reply(
        first,
        "Mon 2026-06-01 11:00",
        "Dana,\n\nYou are right, and I am sorry. You will have it on Wednesday.\n\nAlice",
    )
    s.client_writes(
        "Thu 2026-06-04 09:00",
        "Re: Missed deadline",
        "Alice,\n\nPer my last email, we expected it yesterday. I have copied in Raj Patel, our CFO. We will have to escalate "
        "this and discuss a refund.\n\nDana",
        reply_to=first,
        cc=[RAJ],
    )

    report = s.report("Acme Logistics", "Thu 2026-06-04 18:00")
    s.close()

    finding = report.finding(Kind.FRICTION)
    assert finding.severity is Severity.CRITICAL
    assert (
        "raj.patel@acme-logistics.example copied in for the first time on 4 Jun"
        in finding.explanation
    )
    assert "'per my last email'" in finding.explanation


def test_pointed_questions_from_the_client_make_friction(tmp_path, analyzer) -> None:
    s = Scenario(tmp_path, analyzer)
    s.weekly_history("2026-01-05 10:00", 20, every_days=7)
    first = s.client_writes(
        "Mon 2026-06-01 09:00",
        "Scope of phase 2",
        "Alice,\n\nWhy did you move the warehouse sites out of phase 2 without asking us first?\n\nDana",
    )
    s.we_reply(
        first,
        "Mon 2026-06-01 11:00",
        "Dana,\n\nFair question. The site data arrived late; I will call you at 2.\n\nAlice",
    )
    second = s.client_writes(
        "Wed 2026-06-03 09:00",
        "Re: Scope of phase 2",
        "Alice,\n\nHow many times do we have to ask for the site list? Can't you just send what you have?\n\nDana",
        reply_to=first,
    )
    s.we_reply(
        second,
        "Wed 2026-06-03 10:00",
        "Dana,\n\nAttached, with the two open sites marked.\n\nAlice",
    )
    s.client_writes(
        "Fri 2026-06-05 09:00",
        "Re: Scope of phase 2",
        "Alice,\n\nWhy are you still showing Leeds as open? As I said on Monday, we closed it in March.\n\nDana",
        reply_to=second,
    )

    report = s.report("Acme Logistics", "Fri 2026-06-05 12:00")
    s.close()

    finding = report.finding(Kind.FRICTION)
    assert finding.figures["challenge_messages"] == 3
    assert (
        finding.figures["points"] == 4.0
    )  # one point for each pointed question, one for "as I said"
    assert (
        "pointed questions ('why did you', 'how many times', 'can't you' …)" in finding.explanation
    )
    # Four points warn. Three pointed questions in a week, none as curt as can be, are not
    # yet a turn against the norm of a client that writes weekly (a polite client asks a
    # sharp-looking question now and then), though the explanation names them.
    assert finding.severity is Severity.WARNING
    assert "Acme Logistics's last 3 messages: 3 read as curt or impolite" in finding.explanation


def test_a_steady_friendly_client_raises_nothing_over_a_year_of_backtest(
    tmp_path, analyzer
) -> None:
    from monitor.core.analysis import day_ends
    from monitor.core.backtest import run

    s = Scenario(tmp_path, analyzer)
    s.weekly_history("2025-06-02 10:00", 56, every_days=7)
    now = at("2026-06-30 17:00").astimezone(UTC)
    history = s.evaluation(now).histories["Acme Logistics"]

    result = run([history], day_ends(now, 365, s.runtime.config.team.tz))
    s.close()

    assert result.fired == []


def test_gaps_are_counted_between_mailboxes_as_one_conversation(scenario) -> None:
    # Dana writes to Alice and Ben; Ben answers: one gap, closed by Ben's reply.
    question = scenario.client_writes(
        "Mon 2026-06-01 10:00", "Rollout plan", QUESTION, to=[ALICE, BEN]
    )
    scenario.we_reply(question, "Mon 2026-06-01 14:00", ANSWER, frm=BEN)

    report = scenario.report("Acme Logistics", "Tue 2026-06-02 12:00")

    assert [(g.start.key, g.end.key if g.end else None) for g in report.gaps.ours] == [
        (question.key, report.last_outbound.key)
    ]
    assert report.gaps.ours[0].business_seconds == 4 * 3600


def test_the_client_reply_gap_runs_in_the_clients_own_calendar(tmp_path, analyzer) -> None:
    from tests import factories

    original = factories.CONFIG
    factories.CONFIG = original.replace(
        'domains = ["acme-logistics.example"]\n',
        'domains = ["acme-logistics.example"]\ntimezone = "America/New_York"\nworking_hours = "Mon-Fri 09:00-17:00"\n',
    )
    try:
        s = Scenario(tmp_path, analyzer)
    finally:
        factories.CONFIG = original
    ours = s.we_write(
        "Mon 2026-06-01 12:00",
        "Data request",
        "Hi Dana,\n\nCould you send the April pick-rate extract?\n\nAlice",
    )
    s.client_writes(
        "Mon 2026-06-01 15:00", "Re: Data request", "Hi Alice,\n\nAttached.\n\nDana", reply_to=ours
    )

    report = s.report("Acme Logistics", "Mon 2026-06-01 18:00")
    s.close()

    (gap,) = [g for g in report.gaps.theirs if not g.open]
    # 12:00-15:00 London is 07:00-10:00 in New York: one working hour there.
    assert gap.business_seconds == 3600
