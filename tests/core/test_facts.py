"""The facts detectors, health and pattern read: who is away, silence, pressure, senior people."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from monitor.core import tone
from tests.core.records import (
    DANA,
    LONDON,
    RAJ,
    at,
    every,
    facts_at,
    history,
    inbound,
    out_of_office,
    reply,
)

LENA = "lena.fischer@acme-logistics.example"  # accounts payable: writes once, about an invoice


def test_an_out_of_office_with_a_return_date_pauses_the_clocks_until_then() -> None:
    weekly = every(7, "Mon 2026-04-06 09:00", 8, needs_reply=False)
    away = out_of_office("Tue 2026-05-26 08:00", back=date(2026, 6, 15))

    while_away = facts_at("Wed 2026-06-10 09:00", *weekly, away)
    back = facts_at("Tue 2026-06-16 09:00", *weekly, away)

    assert while_away.away.until == date(2026, 6, 15)
    assert back.away.until is None
    assert back.clocks.silent_days < 2.5  # 23 hours before the auto-reply, 33 since the return


def test_an_out_of_office_from_someone_who_rarely_writes_pauses_nothing() -> None:
    weekly = every(7, "Mon 2026-04-06 09:00", 8, needs_reply=False)
    cfo_away = out_of_office("Tue 2026-05-26 08:00", back=date(2026, 6, 15), sender=RAJ)

    facts = facts_at("Wed 2026-06-10 09:00", *weekly, cfo_away)

    assert facts.away.until is None
    assert facts.clocks.silent_days == 16.0


def test_the_latest_correspondents_out_of_office_pauses_the_clocks_too() -> None:
    weekly_from_raj = every(7, "Mon 2026-04-06 09:00", 7, needs_reply=False, sender=RAJ)
    from_dana = inbound("Mon 2026-05-25 09:00", "Leeds pilot: revised go-live", needs_reply=False)
    away = out_of_office("Tue 2026-05-26 08:00", back=date(2026, 6, 15))

    facts = facts_at("Wed 2026-06-10 09:00", *weekly_from_raj, from_dana, away)

    assert facts.away.until == date(2026, 6, 15)


@pytest.mark.parametrize(("latest", "paused"), [(DANA, True), (RAJ, False)])
def test_two_equally_frequent_correspondents_are_told_apart_by_who_wrote_last(
    latest: str, paused: bool
) -> None:
    earlier = RAJ if latest == DANA else DANA
    mail = [
        *every(14, "Mon 2026-03-02 09:00", 3, needs_reply=False, sender=earlier),
        *every(14, "Tue 2026-03-03 09:00", 3, needs_reply=False, sender=latest),
        inbound("Fri 2026-05-22 09:00", "Invoice 2026-041", sender=LENA, needs_reply=False),
    ]
    dana_away = out_of_office("Tue 2026-05-26 08:00", back=date(2026, 6, 15))

    facts = facts_at("Wed 2026-06-10 09:00", *mail, dana_away)

    assert (facts.away.until == date(2026, 6, 15)) is paused


def test_the_owners_out_of_office_pauses_our_reply_clock() -> None:
    question = inbound("Mon 2026-06-01 09:00", "Customs paperwork for the Rotterdam shipment")
    owner_away = [(datetime(2026, 6, 1, tzinfo=LONDON), datetime(2026, 6, 4, tzinfo=LONDON))]

    while_away = facts_at("Wed 2026-06-03 12:00", question, owner_away=owner_away)
    back = facts_at("Thu 2026-06-04 12:00", question, owner_away=owner_away)

    assert while_away.away.owner_until == date(2026, 6, 4)
    assert back.away.owner_until is None
    (waiting,) = back.gaps.waiting
    assert waiting[1] == 3 * 3600.0  # Thursday 09:00–12:00 only


def test_pressure_is_read_against_the_clients_own_usual_volume() -> None:
    usual = every(7, "Mon 2026-01-05 09:00", 22, needs_reply=False)  # weekly since January
    surge = every(1, "Tue 2026-06-02 09:00", 8, "Any update on the Leeds pilot?")

    facts = facts_at("Wed 2026-06-10 12:00", *usual, *surge)

    assert facts.pressure.baseline == 2.1  # 21 messages over the 142 days before the window
    assert len(facts.pressure.inbound) == 8 + 1
    assert facts.pressure.ratio == pytest.approx(9 / 2.1)
    assert len(facts.pressure.chasers) == 7  # the first is unanswered, the rest chase it


def test_a_baseline_needs_three_windows_of_history() -> None:
    recent = every(7, "Mon 2026-05-04 09:00", 6, needs_reply=False)

    facts = facts_at("Wed 2026-06-10 12:00", *recent)

    assert facts.pressure.baseline is None
    assert facts.pressure.ratio is None


def test_a_senior_person_copied_in_for_the_first_time_adds_to_friction() -> None:
    usual = every(7, "Mon 2026-03-02 09:00", 12, needs_reply=False)
    escalated = inbound(
        "Mon 2026-06-01 09:00",
        "Delivery failures at the Leeds warehouse",
        to=("alice.marsh@northwind-advisory.example", "operations.director@acme-logistics.example"),
    )
    answer = reply(escalated, "Mon 2026-06-01 11:00")
    client_history = history(*usual, escalated, answer)

    facts = tone.friction(client_history.at(at("Tue 2026-06-02 09:00")), client_history)

    assert facts.senior_copied == ((escalated, "operations.director@acme-logistics.example"),)
    assert facts.points() == 2.0


def test_a_new_address_is_not_senior_copied_without_earlier_history() -> None:
    escalated = inbound(
        "Mon 2026-06-01 09:00",
        "Delivery failures at the Leeds warehouse",
        to=("alice.marsh@northwind-advisory.example", "operations.director@acme-logistics.example"),
    )
    client_history = history(escalated)

    facts = tone.friction(client_history.at(at("Tue 2026-06-02 09:00")), client_history)

    assert facts.senior_copied == ()


def test_the_main_contact_is_who_wrote_most_and_of_equals_who_wrote_last() -> None:
    from monitor.core.facts import _most_frequent

    assert _most_frequent([DANA, RAJ, DANA, LENA, RAJ]) == RAJ  # two each: Raj wrote last
    assert _most_frequent([RAJ, DANA, RAJ, DANA, LENA]) == DANA
    assert _most_frequent([DANA, DANA, RAJ, LENA]) == DANA  # most, though not the latest
