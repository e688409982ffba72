"""Measures read the records of their own window, cut from the client's dated records by
bisection: the same records a date filter over all of them finds, edges included."""

from __future__ import annotations

import itertools
import random
from dataclasses import fields, replace
from datetime import date, datetime, timedelta, tzinfo

import pytest

from monitor.core.model import Direction
from monitor.core.records import (
    Record,
    dated_before,
    dated_between,
    dated_from,
    dated_within,
    record_of,
)
from tests.core.records import history, inbound, out_of_office, outbound, reply


def _busy_quarter(seed: int) -> list:
    """Three months of a busy client: several messages an hour apart on most working days, a
    few written in the same minute, replies, and out-of-office noise."""
    rng = random.Random(seed)
    start = datetime(2026, 3, 2, 9, 0)  # London time
    mail = []
    for day in range(91):
        moment = start + timedelta(days=day)
        for _ in range(rng.randint(0, 4)):
            when = moment + timedelta(minutes=rng.choice([0, 0, 30, 90, 240]))
            text = when.strftime("%a %Y-%m-%d %H:%M")
            question = inbound(text, f"Pallet count for depot {rng.randint(1, 9)}")
            mail.append(question)
            if rng.random() < 0.6:
                mail.append(reply(question, text))
            if rng.random() < 0.1:
                mail.append(out_of_office(text, back=moment.date() + timedelta(days=3)))
    return mail


def _instants(records: list, seed: int) -> list:
    """Instants a window may begin or end at: exactly on a message, a microsecond either side,
    and anywhere between."""
    rng = random.Random(seed)
    chosen = [r.date for r in rng.sample(records, 20)]
    chosen += [d + timedelta(microseconds=s) for d in chosen for s in (-1, 1)]
    low, high = records[0].date - timedelta(days=1), records[-1].date + timedelta(days=1)
    span = (high - low).total_seconds()
    chosen += [low + timedelta(seconds=rng.uniform(0, span)) for _ in range(20)]
    return [low, high, *chosen]


def test_a_window_cut_by_bisection_holds_what_a_date_filter_finds() -> None:
    for seed in range(5):
        records = sorted(_busy_quarter(seed), key=lambda r: (r.date, r.key))
        instants = _instants(records, seed)
        for a in instants:
            assert dated_from(records, a) == [r for r in records if r.date >= a]
            assert dated_before(records, a) == [r for r in records if r.date < a]
            for b in instants[::3]:
                assert dated_within(records, a, b) == [r for r in records if a <= r.date <= b]
                assert dated_between(records, a, b) == [r for r in records if a <= r.date < b]


def test_an_evaluations_window_holds_the_counted_mail_of_its_210_days_each_way() -> None:
    mail = [*_busy_quarter(7), outbound("Mon 2026-01-05 10:00", "Kick-off notes")]
    client = history(*mail)
    for now in _instants(client.records, 7):
        window = client.at(now)
        counted = [r for r in window.records if r.counts]
        assert window.counted == counted
        assert window.inbound == [r for r in counted if r.direction is Direction.INBOUND]
        assert window.outbound == [r for r in counted if r.direction is Direction.OUTBOUND]
        assert all(now - timedelta(days=210) <= r.date <= now for r in window.records)


def test_a_historys_contact_days_are_the_days_its_messages_were_written_in_the_clients_zone() -> (
    None
):
    """The cadence reads the days the client wrote; a history works each message's day out
    once, and gives the days a reading of the messages themselves gives, at any instant and
    across the clocks changing (late-evening UTC mail is the next day in London in summer)."""
    from monitor.core.cadence import contact_days

    mail = [*_busy_quarter(3), *_busy_quarter(4)]
    nights = ("Sun 2026-03-29 00:30", "Sun 2026-03-29 02:30", "Mon 2026-04-06 00:30")
    mail += [inbound(when, "Night shift handover") for when in nights]
    client = history(*mail)
    zone = client.context.theirs.zone
    for since in _instants(client.records, 3):
        for until in _instants(client.records, 4)[::4]:
            expected = contact_days(client.inbound, zone, since=since, until=until)
            assert client.contact_days(since, until) == expected
            assert client.contact_gaps(since, until) == _gaps(expected)


class _BackAcrossMidnight(tzinfo):
    """A zone whose clocks go back two hours at 00:30 on 16 March 2026: mail written in the
    half hour after midnight is dated the 16th, the mail after it the 15th again."""

    SWITCH = datetime(2026, 3, 15, 23, 30)  # UTC

    def utcoffset(self, moment: datetime | None) -> timedelta:
        return timedelta(hours=1)  # only ``fromutc`` is asked here

    def dst(self, moment: datetime | None) -> timedelta:
        return timedelta(0)

    def fromutc(self, moment: datetime) -> datetime:
        before = moment.replace(tzinfo=None) < self.SWITCH
        return moment + timedelta(hours=1 if before else -1)


def test_contact_days_follow_a_zone_whose_clocks_go_back_across_midnight() -> None:
    """Where a day comes back after the next one began, the days of a window are still the
    days its messages were written on, each once and in order."""
    from monitor.core.cadence import contact_days

    zone = _BackAcrossMidnight()
    mail = [
        inbound(f"Sun 2026-03-15 {hour}", "Dock 4 shift rota")
        for hour in ("20:00", "23:10", "23:50")  # London = UTC in March
    ]
    mail.append(inbound("Mon 2026-03-16 00:10", "Dock 4 shift rota, corrected"))
    mail.append(inbound("Mon 2026-03-16 09:00", "Rota signed off?"))
    client = history(*mail)
    theirs = replace(client.context.theirs, zone=zone)
    client = replace(client, context=replace(client.context, theirs=theirs))
    days = [r.date.astimezone(zone).date() for r in client.inbound]
    assert days != sorted(days)  # the 16th, then the 15th again
    for since in [r.date for r in client.inbound]:
        for until in [r.date for r in client.inbound]:
            expected = contact_days(client.inbound, zone, since=since, until=until)
            assert client.contact_days(since, until) == expected
            assert client.contact_gaps(since, until) == _gaps(expected)


def _gaps(days: list[date]) -> list[float]:
    """The gaps between consecutive contact days, as the cadence counts them."""
    return [float((b - a).days) for a, b in itertools.pairwise(days)]


def test_a_record_made_from_its_values_is_the_record_the_dataclass_makes() -> None:
    question = inbound("Mon 2026-06-01 10:00", "Leeds rollout: which dock opens first?")
    values = [getattr(question, f.name) for f in fields(Record)]

    made = record_of(values)

    assert made == question and repr(made) == repr(question)
    assert made.waits_for_us and made.counts
    with pytest.raises(ValueError):
        record_of(values[:-1])  # a field left out is an error, not a default
