"""Friction against the client's own norm, on records built in memory."""

from __future__ import annotations

from dataclasses import replace

from monitor.core import friction_norm
from tests.core.records import at, every, inbound

POLITE = {"impoliteness": 0.03, "tone": 0.4, "curtness": 0.0, "courtesy": True}
CURT = {"impoliteness": 0.7, "tone": 0.0, "curtness": 0.5, "courtesy": False}


def _usual(count: int = 12) -> list:
    return [replace(r, **POLITE) for r in every(7, "Mon 2026-02-02 10:00", count)]


def test_three_curt_messages_over_a_week_are_a_turn_against_a_polite_norm() -> None:
    curt = [
        inbound("Mon 2026-06-01 10:00", friction_evidence="you need to", **CURT),
        inbound("Wed 2026-06-03 10:00", **CURT),
        inbound("Mon 2026-06-08 10:00", **CURT),
    ]

    facts = friction_norm.assess([*_usual(), *curt], at("Mon 2026-06-08 18:00"))

    assert facts.turn
    assert "'you need to'" in friction_norm.explain("Acme Logistics", facts)


def test_curt_messages_within_a_few_days_are_one_incident_not_yet_a_turn() -> None:
    """GIVEN a polite client that writes weekly
    WHEN three curt messages come on Monday, Wednesday and Friday
    THEN that is not yet a turn: sharp mail within days is one incident or one long thread;
    the same messages a week apart are (the test above)."""
    curt = [
        inbound("Mon 2026-06-01 10:00", **CURT),
        inbound("Wed 2026-06-03 10:00", **CURT),
        inbound("Fri 2026-06-05 10:00", **CURT),
    ]

    facts = friction_norm.assess([*_usual(), *curt], at("Fri 2026-06-05 18:00"))

    assert len(facts.frictional) == 3 and not facts.turn
    assert facts.turn_evidence is None
    assert facts.evidence is not None and facts.evidence >= friction_norm.WARNING_EVIDENCE


def test_two_curt_messages_alone_are_not_yet_a_turn() -> None:
    """About one polite message in ten reads curt to the politeness model: two in a row from a
    client that writes weekly happen by chance too often to alert on."""
    curt = [inbound("Mon 2026-06-01 10:00", **CURT), inbound("Mon 2026-06-08 10:00", **CURT)]

    facts = friction_norm.assess([*_usual(), *curt], at("Mon 2026-06-08 18:00"))

    assert len(facts.frictional) == 2 and not facts.turn
    # Every other condition of a turn holds: the evidence says how near it came.
    near = facts.turn_evidence
    assert near is not None and 0 < near < friction_norm.WARNING_EVIDENCE


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

    curt = [r for r in recent if (friction_norm.strength(r) or 0) >= friction_norm.FRICTIONAL]
    assert len(curt) == 3 and not facts.turn


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


def test_escalation_words_in_an_angry_message_from_a_warm_client_are_an_outburst() -> None:
    """GIVEN a client that writes politely every week
    WHEN it writes "any more of this crap and you will be banned. This is unacceptable."
    THEN that is an outburst though the politeness model reads it only a little impolite:
    its tone (read as business mail) is angry and it names an escalation."""
    angry = {"impoliteness": 0.14, "tone": -0.81, "curtness": 0.0, "courtesy": False}
    message = inbound("Mon 2026-06-01 10:00", friction=("escalation:unacceptable",), **angry)

    facts = friction_norm.assess([*_usual(), message], at("Mon 2026-06-01 18:00"))

    assert facts.outburst is not None and facts.outburst[0] is message


def test_escalation_words_in_a_calm_message_are_no_outburst() -> None:
    """A request to cancel Thursday's meeting names an escalation word in a calm tone."""
    calm = {"impoliteness": 0.14, "tone": 0.1, "curtness": 0.0, "courtesy": False}
    message = inbound("Mon 2026-06-01 10:00", friction=("escalation:cancel",), **calm)

    facts = friction_norm.assess([*_usual(), message], at("Mon 2026-06-01 18:00"))

    assert facts.outburst is None


def test_two_curt_messages_on_one_day_are_not_a_turn() -> None:
    curt = [inbound("Mon 2026-06-01 10:00", **CURT), inbound("Mon 2026-06-01 15:00", **CURT)]

    facts = friction_norm.assess([*_usual(), *curt], at("Mon 2026-06-01 18:00"))

    assert not facts.turn
    assert facts.turn_evidence is None  # one day: not near a turn, whatever the evidence


def test_a_client_that_is_always_terse_has_no_turn() -> None:
    usual = [replace(r, **CURT) for r in every(7, "Mon 2026-02-02 10:00", 12)]
    curt = [inbound("Mon 2026-06-01 10:00", **CURT), inbound("Wed 2026-06-03 10:00", **CURT)]

    facts = friction_norm.assess([*usual, *curt], at("Wed 2026-06-03 18:00"))

    assert not facts.turn


def test_a_run_of_a_terse_clients_sharpest_messages_is_within_its_own_spread() -> None:
    """GIVEN a client whose messages range from civil to curt (every fourth one civil)
    WHEN three of its bluntest messages yet come within a week
    THEN that is no turn: they are sharper than any in its norm, which the evidence counts
    heavily when the norm is a couple of dozen messages, but not far beyond its own spread."""
    levels = [
        {"impoliteness": level, "tone": 0.0, "curtness": 0.0, "courtesy": False}
        for level in (0.2, 0.4, 0.55, 0.7)
    ]
    usual = [
        replace(r, **levels[i % 4]) for i, r in enumerate(every(4, "Mon 2026-02-02 10:00", 30))
    ]
    blunt = {"impoliteness": 0.8, "tone": -0.6, "curtness": 0.6, "courtesy": False}
    run = [inbound(f"{day} 10:00", **blunt) for day in ("Mon 2026-06-01", "Wed 2026-06-03")]
    run.append(inbound("Mon 2026-06-08 10:00", **blunt))

    facts = friction_norm.assess([*usual, *run], at("Mon 2026-06-08 18:00"))

    assert facts.evidence is not None and facts.evidence >= friction_norm.WARNING_EVIDENCE
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


def _busy(recent_kind: dict) -> friction_norm.NormFacts:
    """A client that writes every other day, greeting and thanking; of its last six messages,
    four (on four days) are of ``recent_kind``."""
    usual = [replace(r, **POLITE) for r in every(2, "Mon 2026-03-02 10:00", 44)]
    days = ("Mon 2026-06-01", "Tue 2026-06-02", "Thu 2026-06-04", "Fri 2026-06-05")
    days += ("Mon 2026-06-08", "Wed 2026-06-10")
    recent = [
        inbound(f"{day} 10:00", **(recent_kind if i in (0, 2, 3, 5) else POLITE))
        for i, day in enumerate(days)
    ]
    return friction_norm.assess([*usual, *recent], at("Wed 2026-06-10 18:00"))


def test_mildly_blunt_messages_do_not_add_up_like_curt_ones() -> None:
    """Four questions put a little bluntly among a busy client's last six messages are what a
    polite client writes now and then; four curt ones in the same places are a turn."""
    blunt = {"impoliteness": 0.45, "tone": 0.2, "curtness": 0.0, "courtesy": True}

    mild = _busy(blunt)
    curt = _busy(CURT)

    assert len(mild.frictional) == 4 and not mild.turn
    assert len(curt.frictional) == 4 and curt.turn
    assert curt.evidence is not None and mild.evidence is not None
    assert curt.evidence > mild.evidence


def test_a_slow_turn_adds_up_over_several_weeks() -> None:
    """GIVEN Dana, who writes weekly and politely
    WHEN she writes somewhat curtly every week from June on
    THEN three such weeks are not yet a turn, five are: no fortnight alone holds enough."""
    somewhat = {"impoliteness": 0.52, "tone": 0.1, "curtness": 0.0, "courtesy": True}
    curt = [replace(r, **somewhat) for r in every(7, "Mon 2026-06-01 10:00", 5)]

    three = friction_norm.assess([*_usual(), *curt[:3]], at("Mon 2026-06-15 18:00"))
    five = friction_norm.assess([*_usual(), *curt], at("Mon 2026-06-29 18:00"))

    assert not three.turn
    assert five.turn
    assert friction_norm.explain("Acme Logistics", five).startswith(
        "Acme Logistics's last 5 messages: 5 read as curt or impolite (usually 0 in 10)"
    )


def test_polite_messages_after_a_curt_spell_count_against_a_turn() -> None:
    """Two curt messages followed by polite ones again: the polite ones weigh in."""
    curt = [inbound("Mon 2026-06-01 10:00", **CURT), inbound("Wed 2026-06-03 10:00", **CURT)]
    polite = [replace(r, **POLITE) for r in every(2, "Fri 2026-06-05 10:00", 3)]

    facts = friction_norm.assess([*_usual(), *curt, *polite], at("Tue 2026-06-09 18:00"))

    assert facts.evidence is not None and facts.evidence <= 0 and not facts.turn


def test_only_recent_messages_in_another_language_are_named_as_unscored() -> None:
    """A German message a month ago is no part of what the client wrote lately."""
    german = [
        inbound("Mon 2026-05-04 10:00", language="de"),
        inbound("Mon 2026-06-01 10:00", language="de"),
    ]

    facts = friction_norm.assess([*_usual(), *german], at("Tue 2026-06-02 18:00"))

    assert facts.unscored == 1
