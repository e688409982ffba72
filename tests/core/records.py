"""Client mail as analysis records, built in memory: no store, no MIME parsing, no VADER.

The people are those of :mod:`tests.factories`: Alice Marsh (Northwind Advisory, us) owns Acme
Logistics, where Dana Whitfield runs operations and Raj Patel is CFO. Times are written in
London time ("Mon 2026-06-01 10:00", a leading weekday for the reader only) and stored in UTC,
as the store hands them to the core. The team works Mon–Fri 09:00–17:30, no holidays, so
business hours are easy to count by hand.

    question = inbound("Mon 2026-06-01 10:00", "Rollout plan for the Leeds warehouse")
    answer = reply(question, "Mon 2026-06-01 15:00")
    report = analyse_at("Tue 2026-06-02 09:00", question, answer)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from monitor.core.analysis import ClientReport, analyse
from monitor.core.calendar import BusinessCalendar, Interval, parse_working_hours
from monitor.core.detectors import Finding, Thresholds, detect_all
from monitor.core.facts import ClientFacts, gather
from monitor.core.history import ClientContext, ClientHistory
from monitor.core.model import Direction
from monitor.core.records import Record

LONDON = ZoneInfo("Europe/London")
ACME = "Acme Logistics"
ALICE = "alice.marsh@northwind-advisory.example"
DANA = "dana.whitfield@acme-logistics.example"
RAJ = "raj.patel@acme-logistics.example"
_numbers = itertools.count(1)


def at(text: str) -> datetime:
    """'Mon 2026-06-01 10:00' in London time as an aware UTC instant."""
    parts = text.split()
    if len(parts) == 3:
        parts = parts[1:]
    return datetime.fromisoformat(" ".join(parts)).replace(tzinfo=LONDON).astimezone(UTC)


def _thread(subject: str) -> str:
    base = subject
    while base.lower().startswith(("re: ", "fwd: ")):
        base = base.split(": ", 1)[1]
    return "thread:" + base.lower()


def inbound(
    when: str,
    subject: str = "Rollout plan for the Leeds warehouse",
    *,
    sender: str = DANA,
    to: Sequence[str] = (ALICE,),
    needs_reply: bool = True,
    **fields: Any,
) -> Record:
    """A message from the client to us; by default it asks for something."""
    fields.setdefault("thread", _thread(subject))
    return Record(
        key=f"<{next(_numbers)}.{when.split()[-1].replace(':', '')}@acme-logistics.example>",
        date=at(when),
        direction=Direction.INBOUND,
        client=ACME,
        sender=sender,
        subject=subject,
        needs_reply=needs_reply,
        recipients=frozenset(to),
        **fields,
    )


def outbound(
    when: str,
    subject: str = "Rollout plan for the Leeds warehouse",
    *,
    to: Sequence[str] = (DANA,),
    needs_reply: bool = False,
    **fields: Any,
) -> Record:
    """A message from Alice to the client; by default it asks for nothing back."""
    fields.setdefault("thread", _thread(subject))
    return Record(
        key=f"<{next(_numbers)}@northwind-advisory.example>",
        date=at(when),
        direction=Direction.OUTBOUND,
        client=ACME,
        sender=ALICE,
        subject=subject,
        needs_reply=needs_reply,
        recipients=frozenset(to),
        **fields,
    )


def reply(to: Record, when: str, **fields: Any) -> Record:
    """Our answer to a client message, in its thread."""
    return outbound(when, f"Re: {to.subject}", to=(to.sender,), thread=to.thread, **fields)


def answered_weekly(start: str, count: int) -> list[Record]:
    """``count`` weekly client messages from ``start``, each answered by us five hours later."""
    weekly = every(7, start, count, needs_reply=False)
    first = reply(weekly[0], start)
    answers = [
        replace(first, key=f"<a{i}@northwind-advisory.example>", date=m.date + timedelta(hours=5))
        for i, m in enumerate(weekly)
    ]
    return [*weekly, *answers]


def client_reply(to: Record, when: str, **fields: Any) -> Record:
    """The client's answer to one of our messages, in its thread."""
    return inbound(when, f"Re: {to.subject}", thread=to.thread, **fields)


def out_of_office(when: str, *, back: date, sender: str = DANA, thread: str = "ooo") -> Record:
    """The client's auto-reply stating a return date: noise that pauses the clocks."""
    return inbound(
        when,
        "Automatic reply: Rollout plan for the Leeds warehouse",
        sender=sender,
        needs_reply=False,
        noise="auto_reply",
        away_until=back,
        thread=thread,
    )


def our_auto_reply(to: Record, when: str) -> Record:
    """Our own out-of-office answering a client message: noise, never a reply."""
    return replace(reply(to, when), noise="auto_reply", subject=f"Automatic reply: {to.subject}")


def calendar(hours: str = "Mon-Fri 09:00-17:30") -> BusinessCalendar:
    return BusinessCalendar(LONDON, parse_working_hours([hours]))


def context(
    *, thresholds: Thresholds | None = None, cadence_days: float | None = None
) -> ClientContext:
    return ClientContext(
        name=ACME,
        owner=ALICE,
        ours=calendar(),
        theirs=calendar(),
        thresholds=thresholds or Thresholds(),
        cadence_days=cadence_days,
        is_client_address=lambda address: address.endswith("@acme-logistics.example"),
    )


def history(
    *records: Record,
    thresholds: Thresholds | None = None,
    cadence_days: float | None = None,
    owner_away: Sequence[Interval] = (),
) -> ClientHistory:
    return ClientHistory.build(
        context(thresholds=thresholds, cadence_days=cadence_days), records, owner_away=owner_away
    )


def facts_at(when: str, *records: Record, **options: Any) -> ClientFacts:
    """Everything the detectors see about Acme at ``when``."""
    return gather(history(*records, **options), at(when))


def analyse_at(when: str, *records: Record, **options: Any) -> ClientReport:
    """Acme's report at ``when``."""
    return analyse(history(*records, **options), at(when))


def findings_at(client: ClientHistory, now: datetime) -> tuple[Finding, ...]:
    """What every detector says at ``now``, as a report gives it."""
    return detect_all(gather(client, now), client.context.thresholds)


def every(
    days: float, start: str, count: int, subject: str = "Weekly transport figures", **fields: Any
) -> list[Record]:
    """``count`` client messages, one every ``days`` days from ``start`` (same time of day)."""
    first = at(start)
    return [
        replace(
            inbound(start, subject, **fields),
            key=f"<figures.{i}@acme-logistics.example>",
            date=first + timedelta(days=days * i),
        )
        for i in range(count)
    ]
