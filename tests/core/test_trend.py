"""A trend's points and a memoised calendar give the answers a full analysis gives."""

from __future__ import annotations

from datetime import date, timedelta

from monitor.core.analysis import analyse, day_ends, health_at
from tests.core.records import (
    LONDON,
    at,
    calendar,
    client_reply,
    history,
    inbound,
    out_of_office,
    outbound,
    reply,
)


def _busy_spring() -> list:  # type: ignore[type-arg]
    """Six weeks of Acme: questions answered late or not at all, a chaser, an absence."""
    first = inbound("Mon 2026-05-04 09:30", "Leeds rollout: dock schedule")
    chaser = inbound(
        "Tue 2026-05-05 16:10", "Re: Leeds rollout: dock schedule", thread=first.thread
    )
    ours = outbound("Mon 2026-05-11 11:00", "Weekly status: Leeds", needs_reply=True)
    return [
        first,
        chaser,
        reply(first, "Thu 2026-05-07 10:00"),
        ours,
        client_reply(ours, "Wed 2026-05-13 15:45"),
        out_of_office("Mon 2026-05-18 08:00", back=date(2026, 5, 25)),
        inbound(
            "Tue 2026-05-26 09:05",
            "Invoice 4471 is wrong again",
            friction=("escalation:wrong again",),
        ),
        inbound(
            "Fri 2026-06-05 17:50", "Any update on the invoice?", pressure=("status:any update",)
        ),
    ]


def test_each_trend_point_is_the_health_a_full_analysis_gives_that_day() -> None:
    acme = history(*_busy_spring())
    days = day_ends(at("Mon 2026-06-15 12:00"), 45, LONDON)

    points = [health_at(acme, day) for day in days]
    reports = [analyse(acme, day) for day in days]

    assert [p.score for p in points] == [r.health.score for r in reports]
    assert [p.sentiment_30 for p in points] == [r.sentiment.mean_30 for r in reports]
    assert any(p.score is not None for p in points)


def test_a_trend_drawn_twice_on_one_history_gives_the_same_points() -> None:
    acme = history(*_busy_spring())
    days = day_ends(at("Mon 2026-06-15 12:00"), 30, LONDON)

    first = [health_at(acme, day).score for day in days]
    again = [health_at(acme, day).score for day in reversed(days)]

    assert first == list(reversed(again))


def test_the_same_span_with_other_pauses_is_worked_out_again() -> None:
    team = calendar()
    start, end = at("Mon 2026-06-01 09:00"), at("Fri 2026-06-05 17:30")
    away = [(at("Wed 2026-06-03 00:00"), at("Thu 2026-06-04 00:00"))]

    whole = team.seconds(start, end)
    paused = team.seconds(start, end, away)
    whole_again = team.seconds(start, end, ())

    assert whole == 5 * 8.5 * 3600
    assert paused == whole - 8.5 * 3600
    assert whole_again == whole
    assert team.seconds(start, end + timedelta(hours=-1)) == whole - 3600
