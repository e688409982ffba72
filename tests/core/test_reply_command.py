"""An owner's reply to an alert email: the command on its first line, and the alert it answers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.core.replycommand import (
    AlertRef,
    ReplyCommand,
    Verb,
    alert_answered,
    parse_command,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ack", ReplyCommand(Verb.ACK)),
        ("Ack.\n\nAlice", ReplyCommand(Verb.ACK)),
        ("ACKNOWLEDGED", ReplyCommand(Verb.ACK)),
        ("  \n\nResolve!\n", ReplyCommand(Verb.RESOLVE)),
        ("done", ReplyCommand(Verb.RESOLVE)),
        ("snooze 3d", ReplyCommand(Verb.SNOOZE, timedelta(days=3))),
        ("Snooze 3 days", ReplyCommand(Verb.SNOOZE, timedelta(days=3))),
        ("snooze 12h", ReplyCommand(Verb.SNOOZE, timedelta(hours=12))),
        ("snooze 2w", ReplyCommand(Verb.SNOOZE, timedelta(weeks=2))),
        ("snooze", ReplyCommand(Verb.SNOOZE, timedelta(days=1))),
        ("snooze 400d", ReplyCommand(Verb.SNOOZE, timedelta(days=90))),
        ("Erledigt", ReplyCommand(Verb.RESOLVE)),
        ("später 2 Tage", ReplyCommand(Verb.SNOOZE, timedelta(days=2))),
        ("Vu", ReplyCommand(Verb.ACK)),
        ("plus tard 2 jours", ReplyCommand(Verb.SNOOZE, timedelta(days=2))),
        ("Résolu", ReplyCommand(Verb.RESOLVE)),
        ("más tarde 1 semana", ReplyCommand(Verb.SNOOZE, timedelta(weeks=1))),
        ("Kuitattu", ReplyCommand(Verb.ACK)),
        ("torkku 3 päivää", ReplyCommand(Verb.SNOOZE, timedelta(days=3))),
        ("opgelost", ReplyCommand(Verb.RESOLVE)),
    ],
)
def test_the_first_line_of_a_reply_is_read_as_a_command(text, expected) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Ok, but the client called me yesterday and it is all fine",
        "I'll resolve this with Dana tomorrow",
        "snooze until the client calls",
        "snooze 0d",
        "resolve 3d",
        "",
        "Thanks for the heads-up\nack",  # only the first line counts
    ],
)
def test_a_remark_is_not_a_command(text) -> None:
    assert parse_command(text) is None


def test_a_command_survives_its_round_trip_through_the_store() -> None:
    for command in (ReplyCommand(Verb.ACK), ReplyCommand(Verb.SNOOZE, timedelta(days=3))):
        assert ReplyCommand.decode(command.encode()) == command


def test_the_alert_answered_is_read_from_in_reply_to() -> None:
    first = alert_answered(["<relmon.alert.12@northwind-advisory.example>"])
    later = alert_answered(["<relmon.alert.12.40@Northwind-Advisory.example>"])
    other = alert_answered(["<m4.202606011000@acme-logistics.example>"])
    digest = alert_answered(["<relmon.digest.3f2a.2026-06-03@northwind-advisory.example>"])

    assert first == later == AlertRef(12, "northwind-advisory.example")
    assert other is None and digest is None
