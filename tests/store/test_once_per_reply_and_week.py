"""A reply to an alert acts once, and an owner's weekly report is made once, on SQLite and
PostgreSQL, whichever process asks first."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from monitor.store import Store
from monitor.store.replies import APPLIED, UNPROVEN, ReplyCandidate, outcomes, record
from monitor.store.weekly import claim_weekly, weekly_done

NOW = datetime(2026, 6, 8, 12, 5, tzinfo=UTC)
ALICE = "alice.marsh@northwind-advisory.example"


def reply(judged: str | None = None) -> ReplyCandidate:
    return ReplyCandidate(
        key="r1.1050@northwind-advisory.example",
        sender=ALICE,
        in_reply_to=("<relmon.alert.1@northwind-advisory.example>",),
        date=NOW - timedelta(hours=1),
        command="ack",
        judged=judged,
        places=(("alice-imap", "Sent", True),),
    )


def values(outcome: str, at: datetime) -> dict[str, object]:
    return {"alert": 1, "owner": ALICE, "outcome": outcome, "account": "alice-imap", "at": at}


def test_a_reply_is_recorded_once_and_an_unproven_one_is_decided_once(store: Store) -> None:
    engine = store.engine
    with engine.begin() as connection:
        first = record(connection, reply(), values(UNPROVEN, NOW))
        second = record(connection, reply(), values(APPLIED, NOW))  # another process, too late
    with engine.begin() as connection:
        proven = record(connection, reply(UNPROVEN), values(APPLIED, NOW + timedelta(hours=1)))
        again = record(connection, reply(UNPROVEN), values(APPLIED, NOW + timedelta(hours=2)))

    assert (first, second, proven, again) == (True, False, True, False)
    (row,) = outcomes(engine)
    assert (row.outcome, row.at) == (APPLIED, NOW + timedelta(hours=1))


def test_an_owners_weekly_report_is_claimed_once_per_week(store: Store) -> None:
    week = date(2026, 6, 8)
    with store.engine.begin() as connection:
        first = claim_weekly(connection, ALICE, week, NOW)
        second = claim_weekly(connection, ALICE, week, NOW + timedelta(minutes=5))
        other = claim_weekly(connection, ALICE, week + timedelta(days=7), NOW)

    assert (first, second, other) == (True, False, True)
    assert weekly_done(store.engine, ALICE, week)
    assert not weekly_done(store.engine, ALICE, week + timedelta(days=14))
