"""Properties that must hold for any mail: gaps are never negative, and the answer does not
depend on the order in which messages were ingested."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.core import gaps
from monitor.core.calendar import BusinessCalendar, Holidays, parse_working_hours
from monitor.core.model import Direction
from monitor.core.records import Record
from tests.factories import ALICE, BEN, DANA, RAJ, email
from tests.scenario import Scenario

LONDON = ZoneInfo("Europe/London")
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CALENDAR = BusinessCalendar(
    LONDON, parse_working_hours(["Mon-Fri 09:00-17:30"]), Holidays("GB", "ENG")
)

records = st.lists(
    st.builds(
        lambda i, minutes, inbound, thread, needs, noise: Record(
            key=f"k{i}",
            date=T0 + timedelta(minutes=minutes),
            direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
            client="Acme Logistics",
            thread=f"t{thread}",
            sender="dana.whitfield@acme-logistics.example"
            if inbound
            else "alice.marsh@northwind-advisory.example",
            needs_reply=needs,
            noise="auto_reply" if noise else None,
        ),
        i=st.integers(0, 10_000),
        minutes=st.integers(0, 60 * 24 * 40),
        inbound=st.booleans(),
        thread=st.integers(0, 4),
        needs=st.booleans(),
        noise=st.booleans(),
    ),
    max_size=30,
    unique_by=lambda r: r.key,
)


@settings(max_examples=300, deadline=None)
@given(records=records, now_minutes=st.integers(0, 60 * 24 * 60))
def test_gaps_are_never_negative(records, now_minutes) -> None:
    now = T0 + timedelta(minutes=now_minutes)
    away = [(T0 + timedelta(days=3), T0 + timedelta(days=9))]

    result = gaps.compute(
        records, now, ours=CALENDAR, theirs=CALENDAR, owner_away=away, client_away=away
    )

    for gap in (*result.ours, *result.theirs):
        assert gap.business_seconds >= 0
        assert gap.wall_seconds >= 0
        assert gap.start.date <= now
        if gap.end is not None:
            assert gap.end.date >= gap.start.date


def _conversation() -> list[bytes]:
    """Six weeks with Acme: questions, chasers, answers, an auto-reply, the same message in two mailboxes."""
    base = datetime(2026, 3, 2, 9, 30, tzinfo=LONDON)
    mails: list[bytes] = []
    previous: str | None = None
    for week in range(6):
        when = base + timedelta(days=7 * week)
        ident = f"w{week}@acme-logistics.example"
        mails.append(
            email(
                message_id=ident,
                date=when,
                subject=f"Pilot week {week + 1}",
                to=[ALICE, BEN],
                in_reply_to=previous,
            )
        )
        if week % 2:
            mails.append(
                email(
                    message_id=f"chase{week}@acme-logistics.example",
                    date=when + timedelta(hours=5),
                    subject=f"Re: Pilot week {week + 1}",
                    body="Alice,\n\nAny update on this? We need it by EOD.\n\nDana",
                    in_reply_to=ident,
                )
            )
        if week != 4:
            mails.append(
                email(
                    frm=ALICE,
                    to=DANA,
                    cc=[RAJ],
                    message_id=f"r{week}@northwind-advisory.example",
                    date=when + timedelta(days=1),
                    subject=f"Re: Pilot week {week + 1}",
                    in_reply_to=ident,
                    body="Hi Dana,\n\nThe pick-rate figures are attached; all on track.\n\nAlice",
                )
            )
        previous = ident
    mails.append(
        email(
            frm=DANA,
            message_id="ooo@acme-logistics.example",
            date=base + timedelta(days=30),
            subject="Automatic reply: Pilot",
            headers={"Auto-Submitted": "auto-replied"},
            body="I am out of the office and back on 13 April.",
        )
    )
    return mails


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(order=st.permutations(list(range(len(_conversation())))))
def test_results_do_not_depend_on_the_order_messages_were_ingested(
    order, tmp_path_factory, analyzer
) -> None:
    mails = _conversation()
    now = datetime(2026, 4, 20, 12, 0, tzinfo=LONDON)

    def run(sequence: list[int]) -> tuple:
        s = Scenario(tmp_path_factory.mktemp("order"), analyzer)
        for index in sequence:
            s.add(mails[index], folder="Sent" if index % 3 == 0 else "INBOX")
        # Ingest the first third again, as a second mailbox would deliver it.
        for index in sequence[: len(sequence) // 3]:
            s.add(mails[index], folder="Archive")
        report = s.report("Acme Logistics", now)
        s.close()
        return (
            report.health,
            [(f.kind, f.severity, f.explanation) for f in report.findings],
            [
                (g.start.key, g.end.key if g.end else None, g.business_seconds)
                for g in report.gaps.ours
            ],
            report.cadence,
            report.pattern.pattern,
        )

    assert run(list(order)) == run(sorted(order))
