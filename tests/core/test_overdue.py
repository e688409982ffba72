"""What health reads of our reply gaps every day of a trend, measuring only the waits it needs:
how many client messages are past our reply SLA (the oldest waits, found by measuring a few)
and our reply times over 30 and 90 days (the waits started in those days), exactly as measuring
every wait gives them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.core import gaps as gaps_mod
from monitor.core.detectors import Thresholds
from monitor.core.facts import gather
from monitor.core.records import Record
from tests.core.records import at, inbound
from tests.core.test_due import T0, _client, mail, thresholds


def _every_wait_counted(facts, hours: float) -> int:
    return sum(
        1 for gap in facts.gaps.gaps.ours_open.measured() if gap.business_seconds / 3600 >= hours
    )


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(
    records=mail(),
    limits=thresholds,
    offset=st.floats(0.0, 1.0),
    hours=st.sampled_from([0.0, 0.5, 2.0, 7.5, 16.0, 24.0, 200.0]),
    away=st.lists(st.tuples(st.integers(0, 120), st.integers(1, 20)), max_size=3),
    holiday=st.booleans(),
)
def test_the_overdue_count_is_that_of_every_wait_measured(
    records: list[Record], limits, offset: float, hours: float, away, holiday: bool
) -> None:
    owner_away = [(T0 + timedelta(days=d), T0 + timedelta(days=d + n)) for d, n in away]
    free = frozenset({(T0 + timedelta(days=30)).date()}) if holiday else frozenset()
    client = _client(records, limits, None, free, owner_away)
    now = T0 + (records[-1].date - T0 + timedelta(days=40)) * offset

    facts = gather(client, now)

    assert facts.gaps.overdue(hours) == _every_wait_counted(facts, hours)


def test_three_questions_left_over_a_week_are_overdue_and_this_mornings_is_not() -> None:
    """GIVEN Dana asked three things last week and one this morning, none answered, WHEN
    health counts the waits past 16 working hours, THEN it counts the three, before and after
    every wait has been measured for the report."""
    mail = [
        inbound("Mon 2026-06-01 10:00", "Customs paperwork for Rotterdam"),
        inbound("Tue 2026-06-02 11:30", "Pallet count for the Leeds pilot"),
        inbound("Wed 2026-06-03 15:00", "Invoice 4471 query"),
        inbound("Mon 2026-06-08 09:15", "Driver rota next week"),
    ]
    client = _client(mail, Thresholds(), None, frozenset(), [])
    facts = gather(client, mail[-1].date + timedelta(hours=2))

    assert facts.gaps.overdue(16.0) == 3
    assert len(facts.gaps.waiting) == 4  # every wait measured, as a report does
    assert facts.gaps.overdue(16.0) == 3


def test_a_question_is_overdue_from_the_minute_it_reaches_the_sla() -> None:
    """Dana's question of Monday 09:00 has waited 16 working hours (8.5 a day) at Tuesday
    16:30, not a minute before."""
    question = inbound("Mon 2026-06-01 09:00", "Customs paperwork for Rotterdam")
    client = _client([question], Thresholds(), None, frozenset(), [])

    assert gather(client, at("Tue 2026-06-02 16:29")).gaps.overdue(16.0) == 0
    assert gather(client, at("Tue 2026-06-02 16:30")).gaps.overdue(16.0) == 1


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(
    records=mail(),
    limits=thresholds,
    offset=st.floats(0.0, 1.0),
    days=st.sampled_from([30, 90]),
    span=st.integers(0, 240),
    followed=st.booleans(),
)
def test_our_reply_times_of_recent_days_are_those_of_every_wait_measured(
    records: list[Record], limits, offset: float, days: int, span: int, followed: bool
) -> None:
    client = _client(records, limits, None, frozenset(), [])
    if followed:
        client.follow()  # the gaps of a trend, walked again only where mail changed
    now = T0 + (records[-1].date - T0 + timedelta(days=40)) * offset
    everything = gather(client, now).gaps
    every_gap = everything.gaps.ours  # every wait measured

    recent = gather(client, now).gaps
    since = now - timedelta(days=span)

    assert tuple(recent.gaps.ours_within(since, now)) == tuple(
        gaps_mod.started_within(every_gap, since, now)
    )
    expected = gaps_mod.stats(gaps_mod.window(every_gap, now, days))
    assert (recent.ours_30 if days == 30 else recent.ours_90) == expected
