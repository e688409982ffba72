"""A history followed day after day (a backtest, a trend) walks again only the conversations
whose mail in the window changed, and finds the same reply gaps, chasers and alerts as a fresh
evaluation of each day."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

from monitor.core.analysis import analyse
from monitor.core.backtest import run as backtest
from monitor.core.facts import gather
from monitor.core.records import Record
from tests.core.records import (
    LONDON,
    at,
    client_reply,
    findings_at,
    history,
    inbound,
    out_of_office,
    reply,
)

CONTACTS = ("dana.whitfield@acme-logistics.example", "raj.patel@acme-logistics.example")
SUBJECTS = (
    "Pallet count for the Leeds depot",
    "Invoice 4471 query",
    "Rollout plan for the Leeds warehouse",
    "Driver rota for December",
    "Customs paperwork for the Rotterdam load",
)


def _year_of_mail(seed: int) -> list[Record]:
    """Fourteen months of a client: questions, chasers before our reply, our questions back,
    answers after weeks, a few conversations that run for months (across the 210-day edge of
    every window), messages copied to us only, and contacts away now and then."""
    rng = random.Random(seed)
    start = at("Mon 2025-09-01 09:00")
    mail: list[Record] = []
    for number in range(160):
        when = start + timedelta(days=rng.uniform(0, 420), minutes=rng.randint(0, 600))
        subject = f"{rng.choice(SUBJECTS)} ({number})"
        sender = rng.choice(CONTACTS)
        first = replace(
            inbound(_text(when), subject, sender=sender, cc_only=rng.random() < 0.08),
            key=f"<q{number}@acme-logistics.example>",
        )
        mail.append(first)
        last = first
        for turn in range(rng.choice([0, 1, 2, 3, 6])):
            step = timedelta(days=rng.choice([0.02, 0.5, 2, 9, 40, 120]))
            when = last.date + step
            key = f"<t{number}.{turn}@example>"
            roll = rng.random()
            if roll < 0.25:  # a chaser before we replied
                last = replace(client_reply(first, _text(when), sender=sender), key=key)
            elif roll < 0.7:  # our answer, sometimes a question back
                asked = rng.random() < 0.5
                last = replace(reply(first, _text(when), needs_reply=asked), key=key)
            else:  # the client answers us, or thanks us and asks nothing
                last = replace(
                    client_reply(first, _text(when), sender=sender, needs_reply=rng.random() < 0.6),
                    key=key,
                )
            mail.append(last)
        if rng.random() < 0.05:
            away = when + timedelta(days=rng.uniform(0, 20))
            back = (away + timedelta(days=rng.randint(2, 15))).date()
            ooo = out_of_office(_text(away), back=back, sender=sender)
            mail.append(replace(ooo, key=f"<ooo{number}@acme-logistics.example>"))
    return mail


def _text(when: datetime) -> str:
    """An instant as the helpers take it (London time)."""
    return when.astimezone(LONDON).strftime("%a %Y-%m-%d %H:%M")


def _day_ends(first: str, count: int) -> list[datetime]:
    start = at(first)
    return [start + timedelta(days=n, hours=14, minutes=59) for n in range(count)]


def test_gaps_followed_day_by_day_are_those_of_a_fresh_evaluation_of_each_day() -> None:
    for seed in range(4):
        mail = _year_of_mail(seed)
        followed = history(*mail, owner_away=[(at("2026-02-09 09:00"), at("2026-02-16 09:00"))])
        fresh = history(*mail, owner_away=[(at("2026-02-09 09:00"), at("2026-02-16 09:00"))])
        followed.follow()
        for day in _day_ends("2025-09-01 09:00", 460):
            tracked = gather(followed, day)
            computed = gather(fresh, day)
            assert tracked.gaps == computed.gaps, (seed, day)
            assert tracked.pressure == computed.pressure, (seed, day)


def test_gaps_followed_in_any_order_are_still_each_instants_own() -> None:
    """A trend may step back or jump ahead: the answers do not depend on the instant before."""
    mail = _year_of_mail(11)
    followed, fresh = history(*mail).follow(), history(*mail)
    rng = random.Random(11)
    instants = _day_ends("2025-08-20 09:00", 480)
    rng.shuffle(instants)
    for now in instants[:150]:
        assert gather(followed, now).gaps == gather(fresh, now).gaps, now


def test_a_window_edge_inside_a_long_conversation_starts_it_afresh() -> None:
    """A question 211 days old is out of the window: the client's chaser inside it opens the
    wait, as a fresh evaluation reads it, not a chaser of a message no window holds."""
    question = inbound("Mon 2025-09-01 10:00", "Customs paperwork for the Rotterdam load")
    chaser = client_reply(question, "Mon 2026-03-23 10:00")
    answer = reply(question, "Tue 2026-03-24 11:00")
    followed, fresh = history(question, chaser, answer).follow(), history(question, chaser, answer)
    before = at("Fri 2026-03-27 17:00")  # the question is 207 days old: the chaser chases it
    after = at("Tue 2026-03-31 17:00")  # 211 days: the chaser starts the wait
    for now in (before, after):
        assert gather(followed, now).gaps == gather(fresh, now).gaps
    assert [c.record for c in gather(followed, before).gaps.gaps.chasers] == [chaser]
    late = gather(followed, after).gaps.gaps
    assert late.chasers == () and [g.start for g in late.ours] == [chaser]


def test_each_days_alerts_of_a_followed_history_are_those_of_a_fresh_one() -> None:
    mail = _year_of_mail(5)
    days = _day_ends("2025-09-01 09:00", 420)
    followed, fresh = history(*mail).follow(), history(*mail)
    raised = 0
    for day in days:
        findings = findings_at(followed, day)
        assert findings == findings_at(fresh, day), day
        raised += sum(1 for f in findings if f.severity is not None)
    assert raised, "the year raises alerts"
    assert backtest([history(*mail)], days).fired


def test_a_report_of_a_followed_history_is_that_of_a_fresh_one() -> None:
    mail = _year_of_mail(8)
    followed, fresh = history(*mail).follow(), history(*mail)
    for day in _day_ends("2026-01-05 09:00", 30):
        assert analyse(followed, day) == analyse(fresh, day)


def test_the_oldest_message_waiting_has_waited_longest() -> None:
    """The unanswered alert measures only the oldest wait: with the owner's absences pausing
    every wait alike, no later message has waited longer, in working time or on the clock."""
    owner_away = [(at("2026-02-09 09:00"), at("2026-02-16 09:00"))]
    checked = 0
    for seed in range(3):
        followed = history(*_year_of_mail(seed), owner_away=owner_away).follow()
        for day in _day_ends("2025-09-01 09:00", 460)[::3]:
            gaps = gather(followed, day).gaps
            if len(gaps.waiting) > 1:
                checked += 1
                assert gaps.longest_wait == max(gaps.waiting, key=lambda w: (w[1], w[2])), day
    assert checked > 50


def test_of_two_messages_that_waited_alike_the_alert_names_the_older() -> None:
    """A message sent on Friday evening and one on Monday before opening have waited the same
    working time; at an instant with microseconds (as the daemon's clock gives) their sums may
    differ in the last bit. The alert names the older one, the first of the report's waits (the
    one the health row shows)."""
    friday = inbound("Fri 2026-01-09 18:00", "Pallet count for the Leeds depot")
    monday = inbound("Mon 2026-01-12 07:30", "Invoice 4471 query", sender=CONTACTS[1])
    for minute in range(0, 600, 7):
        now = at("Mon 2026-01-19 09:00") + timedelta(minutes=minute, microseconds=227528)
        facts = gather(history(friday, monday), now)
        assert facts.gaps.longest_wait is not None
        assert facts.gaps.longest_wait[0] == friday
        assert facts.gaps.gaps.awaiting[0].start == friday
        (unanswered,) = [
            f for f in findings_at(history(friday, monday), now) if f.kind.value == "unanswered"
        ]
        assert "Pallet count for the Leeds depot" in unanswered.explanation, now
