"""A client's usual rhythm, learned from its own inbound mail — or unknown, never a guess."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from monitor.core import cadence
from tests.core.records import LONDON, at, every, inbound, outbound


def learn(records, now, **options):
    return cadence.learn(records, at(now), LONDON, **options)


def test_cadence_is_unknown_with_fewer_than_five_completed_gaps() -> None:
    figures = every(7, "Mon 2026-06-01 09:00", 5)  # four gaps

    learned = learn(figures, "Mon 2026-07-06 09:00")

    assert learned.days is None
    assert (learned.source, learned.samples) == ("unknown", 4)


def test_a_weekly_client_has_a_cadence_of_seven_days() -> None:
    figures = every(7, "Mon 2026-06-01 09:00", 6)

    learned = learn(figures, "Mon 2026-07-13 09:00")

    assert (learned.days, learned.source, learned.samples) == (7.0, "learned", 5)


def test_cadence_is_the_80th_percentile_of_the_gaps_between_contact_days() -> None:
    starts = ["Mon 2026-06-01", "Mon 2026-06-08", "Mon 2026-06-15", "Mon 2026-06-22"]
    starts += ["Mon 2026-06-29", "Mon 2026-07-13"]  # one fortnight among weeks
    figures = [inbound(f"{day} 09:00", "Weekly transport figures") for day in starts]

    learned = learn(figures, "Tue 2026-07-14 09:00")

    assert learned.days == 8.4  # gaps 7, 7, 7, 7, 14: 7 + 0.2 × (14 − 7)


def test_a_burst_of_messages_on_one_day_is_one_contact() -> None:
    weekly = every(7, "Mon 2026-06-01 09:00", 6)
    burst = [
        replace(weekly[-1], key=f"<burst.{n}@acme>", date=weekly[-1].date + timedelta(hours=n))
        for n in range(1, 5)
    ]

    learned = learn([*weekly, *burst], "Mon 2026-07-13 09:00")

    assert (learned.days, learned.samples) == (7.0, 5)


def test_the_running_silence_never_teaches_the_cadence() -> None:
    figures = every(7, "Mon 2026-06-01 09:00", 6)  # then silence until October

    learned = learn(figures, "Thu 2026-10-01 09:00")

    assert learned.days == 7.0


def test_our_own_messages_and_noise_are_not_contact_from_the_client() -> None:
    weekly = every(7, "Mon 2026-06-01 09:00", 6)
    ours = [outbound(f"Wed 2026-06-{day:02d} 09:00", "Weekly status") for day in (3, 10, 17)]
    auto = [
        replace(r, key=r.key + ".ooo", noise="auto_reply", date=r.date + timedelta(days=3))
        for r in weekly
    ]

    learned = learn([*weekly, *ours, *auto], "Mon 2026-07-13 09:00")

    assert learned.days == 7.0


def test_history_older_than_180_days_is_forgotten() -> None:
    daily_last_year = every(1, "Mon 2025-06-02 09:00", 20)
    weekly = every(7, "Mon 2026-06-01 09:00", 6)

    learned = learn([*daily_last_year, *weekly], "Mon 2026-07-13 09:00")

    assert (learned.days, learned.samples) == (7.0, 5)


def test_a_configured_cadence_wins_over_history() -> None:
    weekly = every(7, "Mon 2026-06-01 09:00", 6)

    learned = learn(weekly, "Mon 2026-07-13 09:00", configured_days=30.0)

    assert (learned.days, learned.source) == (30.0, "configured")
