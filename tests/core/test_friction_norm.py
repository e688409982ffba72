"""Friction against the client's own norm, on records built in memory."""

from __future__ import annotations

from dataclasses import replace

from monitor.core import friction_norm
from tests.core.records import at, every, inbound

POLITE = {"impoliteness": 0.03, "tone": 0.4, "curtness": 0.0, "courtesy": True}
CURT = {"impoliteness": 0.7, "tone": 0.0, "curtness": 0.5, "courtesy": False}


def _usual(count: int = 12) -> list:
    return [replace(r, **POLITE) for r in every(7, "Mon 2026-02-02 10:00", count)]


def test_three_curt_messages_on_three_days_are_a_turn_against_a_polite_norm() -> None:
    curt = [
        inbound("Mon 2026-06-01 10:00", friction_evidence="you need to", **CURT),
        inbound("Wed 2026-06-03 10:00", **CURT),
        inbound("Fri 2026-06-05 10:00", **CURT),
    ]

    facts = friction_norm.assess([*_usual(), *curt], at("Fri 2026-06-05 18:00"))

    assert facts.turn
    assert "'you need to'" in friction_norm.explain("Acme Logistics", facts)


def test_two_curt_messages_alone_are_not_yet_a_turn() -> None:
    """About one polite message in ten reads curt to the politeness model: two in a row from a
    client that writes weekly happen by chance too often to alert on."""
    curt = [inbound("Mon 2026-06-01 10:00", **CURT), inbound("Wed 2026-06-03 10:00", **CURT)]

    facts = friction_norm.assess([*_usual(), *curt], at("Wed 2026-06-03 18:00"))

    assert len(facts.frictional) == 2 and not facts.turn


def test_a_busy_polite_client_with_a_few_slightly_curt_messages_has_no_turn() -> None:
    """GIVEN a client that writes almost daily, greeting and thanking
    WHEN three of its last eight messages read a little curt (a question put bluntly)
    THEN that is within what chance gives a polite client: no turn."""
    usual = [replace(r, **POLITE) for r in every(2, "Mon 2026-03-02 10:00", 44)]
    blunt = {"impoliteness": 0.45, "tone": 0.2, "curtness": 0.0, "courtesy": True}
    days = ("Mon 2026-06-01", "Tue 2026-06-02", "Wed 2026-06-03", "Thu 2026-06-04")
    days += ("Fri 2026-06-05", "Mon 2026-06-08", "Tue 2026-06-09", "Wed 2026-06-10")
    recent = [
        inbound(f"{day} 10:00", **(blunt if i in (1, 4, 6) else POLITE))
        for i, day in enumerate(days)
    ]

    facts = friction_norm.assess([*usual, *recent], at("Wed 2026-06-10 18:00"))

    assert len(facts.frictional) == 3 and not facts.turn


def test_a_client_that_writes_rarely_is_judged_on_its_last_four_messages() -> None:
    """Dana writes every ten days or so; four curt messages in a month are a turn, though the
    last fortnight alone holds only two of them."""
    usual = [replace(r, **POLITE) for r in every(10, "Mon 2026-01-05 10:00", 15)]
    curt = [
        inbound(f"{day} 10:00", **CURT)
        for day in ("Mon 2026-06-01", "Mon 2026-06-08", "Mon 2026-06-15", "Mon 2026-06-22")
    ]

    facts = friction_norm.assess([*usual, *curt], at("Mon 2026-06-22 18:00"))

    assert len(facts.recent) == 4 and facts.turn
    assert friction_norm.explain("Acme Logistics", facts).startswith(
        "Acme Logistics's last 4 messages: 4 read as curt or impolite"
    )


def test_an_outburst_must_be_sharper_than_what_the_client_usually_writes() -> None:
    """A client whose every tenth message reads sharp (a technical client, say) is still warm,
    but one more such message with "disappointed" in it is not an outburst."""
    sharp = {"impoliteness": 0.6, "tone": -0.5, "curtness": 0.0, "courtesy": True}
    usual = [
        replace(r, **(sharp if i % 10 == 0 else POLITE))
        for i, r in enumerate(every(3, "Mon 2026-03-02 10:00", 30))
    ]
    disappointed = inbound("Mon 2026-06-01 10:00", friction=("escalation:disappointed",), **sharp)

    facts = friction_norm.assess([*usual, disappointed], at("Mon 2026-06-01 18:00"))

    assert facts.outburst is None


def test_two_curt_messages_on_one_day_are_not_a_turn() -> None:
    curt = [inbound("Mon 2026-06-01 10:00", **CURT), inbound("Mon 2026-06-01 15:00", **CURT)]

    facts = friction_norm.assess([*_usual(), *curt], at("Mon 2026-06-01 18:00"))

    assert not facts.turn


def test_a_client_that_is_always_terse_has_no_turn() -> None:
    usual = [replace(r, **CURT) for r in every(7, "Mon 2026-02-02 10:00", 12)]
    curt = [inbound("Mon 2026-06-01 10:00", **CURT), inbound("Wed 2026-06-03 10:00", **CURT)]

    facts = friction_norm.assess([*usual, *curt], at("Wed 2026-06-03 18:00"))

    assert not facts.turn


def test_without_enough_history_there_is_no_norm_to_turn_from() -> None:
    curt = [inbound("Mon 2026-06-01 10:00", **CURT), inbound("Wed 2026-06-03 10:00", **CURT)]

    facts = friction_norm.assess([*_usual(3), *curt], at("Wed 2026-06-03 18:00"))

    assert facts.norm_rate is None and not facts.turn


def test_messages_in_another_language_are_unscored_not_calm() -> None:
    german = inbound("Mon 2026-06-01 10:00", language="de")

    facts = friction_norm.assess([*_usual(), german], at("Mon 2026-06-01 18:00"))

    assert facts.recent == () and facts.unscored == 1
    assert friction_norm.strength(german) is None
