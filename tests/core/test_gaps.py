"""Reply gaps both ways, what awaits our reply, and chasers: in business time, from records in
memory."""

from __future__ import annotations

from monitor.core import gaps
from tests.core.records import (
    RAJ,
    at,
    calendar,
    client_reply,
    inbound,
    our_auto_reply,
    outbound,
    reply,
)

HOUR = 3600.0


def compute(records, now, **pauses):
    return gaps.compute(records, at(now), ours=calendar(), theirs=calendar(), **pauses)


def test_our_reply_closes_the_gap_counting_business_hours_only() -> None:
    question = inbound("Fri 2026-06-05 16:30", "Rollout plan for the Leeds warehouse")
    answer = reply(question, "Mon 2026-06-08 10:00")

    found = compute([question, answer], "Mon 2026-06-08 12:00")

    (gap,) = found.ours
    assert gap.end == answer
    assert gap.business_seconds == 2 * HOUR  # Friday 16:30–17:30 and Monday 09:00–10:00
    assert gap.wall_seconds == (2 * 24 + 17.5) * HOUR
    assert found.awaiting == ()


def test_auto_reply_does_not_close_the_gap() -> None:
    question = inbound("Mon 2026-06-01 10:00", "Invoice 2026-114 query")
    auto = our_auto_reply(question, "Mon 2026-06-01 10:01")

    found = compute([question, auto], "Wed 2026-06-03 12:00")

    (waiting,) = found.awaiting
    assert waiting.start == question
    assert waiting.business_seconds == (7.5 + 8.5 + 3) * HOUR


def test_the_gap_starts_at_the_first_unanswered_message_and_later_ones_are_chasers() -> None:
    question = inbound("Mon 2026-06-01 09:00", "Customs paperwork for the Rotterdam shipment")
    chaser = inbound("Mon 2026-06-01 14:00", "Re: Customs paperwork for the Rotterdam shipment")
    second_chaser = inbound(
        "Tue 2026-06-02 09:30", "Re: Customs paperwork for the Rotterdam shipment"
    )
    answer = reply(question, "Tue 2026-06-02 11:00")

    found = compute([second_chaser, answer, question, chaser], "Tue 2026-06-02 12:00")

    (gap,) = found.ours
    assert gap.start == question
    assert gap.business_seconds == (8.5 + 2) * HOUR
    assert [(c.record, c.first) for c in found.chasers] == [
        (chaser, question),
        (second_chaser, question),
    ]


def test_a_message_that_only_copies_us_waits_for_no_reply() -> None:
    fyi = inbound(
        "Mon 2026-06-01 10:00", "Board pack for Thursday", sender=RAJ, to=(), cc_only=True
    )

    found = compute([fyi], "Fri 2026-06-05 17:00")

    assert found.ours == ()
    assert found.awaiting == ()


def test_a_closing_thank_you_waits_for_no_reply() -> None:
    thanks = inbound("Mon 2026-06-01 10:00", "Re: Signed statement of work", needs_reply=False)

    found = compute([thanks], "Fri 2026-06-05 17:00")

    assert found.awaiting == ()


def test_the_client_reply_gap_runs_only_from_our_messages_that_ask_something() -> None:
    update = outbound("Mon 2026-06-01 10:00", "Weekly status: warehouse pilot")
    ask = outbound("Mon 2026-06-01 11:00", "Sign-off needed: pilot scope change", needs_reply=True)
    answer = client_reply(ask, "Tue 2026-06-02 11:00")
    reaction = client_reply(update, "Tue 2026-06-02 12:00")

    found = compute([update, ask, answer, reaction], "Tue 2026-06-02 17:00")

    (their_gap,) = found.theirs
    assert (their_gap.start, their_gap.end) == (ask, answer)
    assert their_gap.business_seconds == 8.5 * HOUR


def test_the_owners_out_of_office_pauses_our_reply_clock() -> None:
    question = inbound("Mon 2026-06-01 10:00", "Rollout plan for the Leeds warehouse")
    away = (at("Mon 2026-06-01 00:00"), at("Wed 2026-06-03 00:00"))

    found = compute([question], "Wed 2026-06-03 12:00", owner_away=[away])

    (waiting,) = found.awaiting
    assert waiting.business_seconds == 3 * HOUR  # Wednesday 09:00–12:00 only
    assert waiting.wall_seconds == 50 * HOUR


def test_mail_after_now_is_not_seen() -> None:
    question = inbound("Mon 2026-06-01 10:00", "Rollout plan for the Leeds warehouse")
    answer = reply(question, "Tue 2026-06-02 10:00")

    found = compute([question, answer], "Mon 2026-06-01 17:00")

    (waiting,) = found.awaiting
    assert waiting.business_seconds == 7 * HOUR


def test_stats_give_the_median_and_90th_percentile_of_closed_and_open_gaps() -> None:
    questions = [
        inbound(f"Mon 2026-06-01 {hour:02d}:00", f"Question {n} on the Leeds pilot")
        for n, hour in enumerate((9, 10, 11, 12, 13), 1)
    ]
    answers = [reply(q, "Mon 2026-06-01 14:00") for q in questions[:4]]

    found = compute([*questions, *answers], "Mon 2026-06-01 17:00")
    summary = gaps.stats(found.ours)

    assert summary.count == 5
    assert summary.median_business == 4 * HOUR  # 5, 4, 3, 2 hours closed; 4 hours still open
    assert summary.p90_business == 4.6 * HOUR
    assert gaps.stats([]).median_business is None


def test_the_median_of_an_even_number_of_gaps_lies_between_the_middle_two() -> None:
    questions = [
        inbound("Tue 2026-06-02 09:10", f"Pallet query {n} for the Leeds depot") for n in range(4)
    ]
    replied = ("10:10", "11:40", "13:10", "16:40")  # after 1, 2.5, 4 and 7.5 working hours
    answers = [
        reply(q, f"Tue 2026-06-02 {when}") for q, when in zip(questions, replied, strict=True)
    ]

    summary = gaps.stats(compute([*questions, *answers], "Tue 2026-06-02 17:30").ours)

    assert summary.count == 4
    assert summary.median_business == summary.median_wall == 3.25 * HOUR
    assert summary.p90_business == 7.5 * HOUR - 0.3 * 3.5 * HOUR


def test_window_keeps_the_gaps_that_started_within_the_last_days() -> None:
    old = inbound("Mon 2026-05-04 10:00", "April invoice query")
    recent = inbound("Mon 2026-06-01 10:00", "Rollout plan for the Leeds warehouse")
    found = compute([old, reply(old, "Mon 2026-05-04 11:00"), recent], "Tue 2026-06-02 10:00")

    assert [g.start for g in gaps.window(found.ours, at("Tue 2026-06-02 10:00"), 7)] == [recent]
    assert len(gaps.window(found.ours, at("Tue 2026-06-02 10:00"), 30)) == 2
