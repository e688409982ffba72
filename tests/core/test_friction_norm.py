"""Friction against the client's own norm, on records built in memory."""

from __future__ import annotations

from dataclasses import replace

from monitor.core import friction_norm
from tests.core.records import at, every, inbound

POLITE = {"impoliteness": 0.03, "tone": 0.4, "curtness": 0.0, "courtesy": True}
CURT = {"impoliteness": 0.7, "tone": 0.0, "curtness": 0.5, "courtesy": False}


def _usual(count: int = 12) -> list:
    return [replace(r, **POLITE) for r in every(7, "Mon 2026-02-02 10:00", count)]


def test_two_curt_messages_on_two_days_are_a_turn_against_a_polite_norm() -> None:
    curt = [
        inbound("Mon 2026-06-01 10:00", friction_evidence="you need to", **CURT),
        inbound("Wed 2026-06-03 10:00", **CURT),
    ]

    facts = friction_norm.assess([*_usual(), *curt], at("Wed 2026-06-03 18:00"))

    assert facts.turn
    assert "'you need to'" in friction_norm.explain("Acme Logistics", facts)


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
