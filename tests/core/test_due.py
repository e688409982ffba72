"""When a client's evaluation is next due: without new mail, nothing an owner is told changes
before it (each finding's kind, severity and firing state), and it is not needlessly early."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.core import detectors
from monitor.core import due as due_mod
from monitor.core.calendar import BusinessCalendar, parse_working_hours
from monitor.core.detectors import Kind, Severity, Thresholds
from monitor.core.due import TICK, next_change
from monitor.core.facts import gather
from monitor.core.history import ClientHistory
from monitor.core.model import Direction
from monitor.core.records import Record
from tests.core.records import (
    ACME,
    ALICE,
    DANA,
    LONDON,
    RAJ,
    answered_weekly,
    at,
    context,
    every,
    findings_at,
    history,
    inbound,
    out_of_office,
    outbound,
)

T0 = at("Mon 2026-01-05 09:00")
SENIOR = "ceo@acme-logistics.example"
SENDERS = (DANA, DANA, DANA, RAJ, SENIOR)
DAY = 24 * 60
#: Minutes between two messages: a burst, a busy day, a normal week, a slow month, a quiet spell.
SPACING = {
    "minutes": (1, 90),
    "hours": (60, 30 * 60),
    "days": (DAY, 6 * DAY),
    "weeks": (7 * DAY, 20 * DAY),
    "quiet": (30 * DAY, 120 * DAY),
}

# What a client message says, as the analysis records it: (needs reply, fields).
INBOUND_KINDS: tuple[tuple[bool, dict[str, object]], ...] = (
    (True, {}),  # a question
    (False, {}),  # "thanks, see you then"
    (True, {"friction": ("escalation:unacceptable",), "tone": -0.6, "sentiment": -0.6}),
    (True, {"pressure": ("status:any update",)}),
    (True, {"friction": ("pressure_phrase:per my last email",)}),
    (True, {"friction": ("challenge:why did you",), "curtness": 0.8}),
    (True, {"cc_only": True}),
    (False, {"noise": "auto_reply"}),  # an out-of-office; its return date is drawn
)


def _scores(polite: float | None) -> dict[str, object]:
    """How the message reads: unscored (another language) or from warm to curt."""
    if polite is None:
        return {}
    return {
        "impoliteness": polite,
        "curtness": max(0.0, polite - 0.4),
        "tone": 0.6 - polite,
        "sentiment": 0.6 - polite,
        "courtesy": polite < 0.4,
    }


@st.composite
def mail(draw: st.DrawFn) -> list[Record]:
    """Months of mail with Acme: bursts of questions and answers, quiet spells of weeks, chasers,
    friction and pressure, out-of-office replies stating a return date."""
    records: list[Record] = []
    when = T0
    count = draw(st.integers(1, 45))
    # A client usually polite that may turn curt from some message on (or never).
    turn = draw(st.integers(0, count))
    for i in range(count):
        pace = draw(st.sampled_from(["minutes", "hours", "days", "days", "weeks", "quiet"]))
        low, high = SPACING[pace]
        spacing = timedelta(minutes=draw(st.integers(low, high)))
        when += spacing + timedelta(minutes=draw(st.integers(0, 59)))
        thread = f"thread:{draw(st.integers(0, 5))}"
        mood = st.floats(0.0, 0.25) if i < turn else st.floats(0.0, 1.0)
        scores = _scores(draw(st.none() | mood | mood))
        if draw(st.booleans()):
            needs, fields = draw(st.sampled_from(INBOUND_KINDS))
            fields = {**scores, **fields}
            if fields.get("noise") == "auto_reply":
                back = (when + timedelta(days=draw(st.integers(1, 20)))).astimezone(LONDON)
                fields["away_until"] = back.date()
            sender = draw(st.sampled_from(SENDERS))
            record = Record(
                key=f"<{i}@acme-logistics.example>",
                date=when,
                direction=Direction.INBOUND,
                client=ACME,
                thread=thread,
                sender=sender,
                subject=f"Leeds rollout, part {thread[-1]}",
                needs_reply=needs,
                recipients=frozenset({ALICE, RAJ} if sender == SENIOR else {ALICE}),
                **fields,  # type: ignore[arg-type]
            )
        else:
            record = Record(
                key=f"<{i}@northwind-advisory.example>",
                date=when,
                direction=Direction.OUTBOUND,
                client=ACME,
                thread=thread,
                sender=ALICE,
                subject=f"Re: Leeds rollout, part {thread[-1]}",
                needs_reply=draw(st.booleans()),
                recipients=frozenset({DANA}),
            )
        records.append(record)
    return records


thresholds = st.builds(
    Thresholds,
    unanswered_warning_hours=st.sampled_from([2.0, 16.0]),
    unanswered_critical_hours=st.sampled_from([24.0, 30.0]),
    checkin_warning_days=st.sampled_from([3.0, 21.0]),
    checkin_critical_days=st.sampled_from([42.0, 45.0]),
    silence_min_days=st.sampled_from([1.0, 10.0]),
    silence_warning_ratio=st.sampled_from([1.5, 3.0]),
    friction_window_days=st.sampled_from([10, 30]),
    friction_warning_points=st.sampled_from([1.0, 4.0]),
    micromanagement_window_days=st.sampled_from([7, 14]),
    micromanagement_warning_ratio=st.sampled_from([1.2, 2.0]),
    micromanagement_warning_points=st.sampled_from([1.0, 4.0]),
)


def _client(records, limits, cadence, holiday, owner_away) -> ClientHistory:
    ctx = context(thresholds=limits, cadence_days=cadence)
    if holiday:
        ours = BusinessCalendar(
            LONDON, parse_working_hours(["Mon-Thu 08:00-18:00", "Fri 09:00-13:00"]), holiday
        )
        ctx = replace(ctx, ours=ours)
    return ClientHistory.build(ctx, records, owner_away=owner_away)


def _state(client: ClientHistory, now: datetime) -> list[tuple[Kind, Severity | None, bool]]:
    return [(f.kind, f.severity, f.firing) for f in findings_at(client, now)]


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(
    records=mail(),
    limits=thresholds,
    cadence=st.none() | st.sampled_from([2.0, 7.0]),
    holiday=st.sampled_from([frozenset(), frozenset({date(2026, 1, 6), date(2026, 4, 3)})]),
    away=st.lists(st.tuples(st.integers(0, 400), st.integers(1, 15)), max_size=2),
    offset=st.floats(0.0, 1.0),
    after=st.none() | st.tuples(st.integers(0, 44), st.integers(0, 25 * 24 * 3600)),
    fractions=st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3),
)
def test_no_finding_changes_before_the_evaluation_is_due(
    records, limits, cadence, holiday, away, offset, after, fractions
) -> None:
    owner_away = [
        (T0 + timedelta(days=start), T0 + timedelta(days=start + days)) for start, days in away
    ]
    client = _client(records, limits, cadence, holiday, owner_away)
    # Any instant from before the first message to long after the last, or soon after one
    # message (where most happens); later mail is in the records too, as a backtest holds it.
    span = (records[-1].date - T0) + timedelta(days=240)
    now = T0 - timedelta(days=3) + span * offset
    if after is not None:
        index, seconds = after
        now = records[index % len(records)].date + timedelta(seconds=seconds)

    due = next_change(client, now)

    assert due > now
    expected = _state(client, now)
    for moment in {
        now,
        due - TICK,
        due - timedelta(seconds=1),
        *(now + (due - now) * f for f in fractions),
    }:
        if now <= moment < due:
            assert _state(client, moment) == expected, (now, moment, due)


def _every_leaving(client: ClientHistory, now: datetime) -> datetime | None:
    """The first instant after ``now`` that any message leaves any window a finding reads,
    message by message and window by window (friction's windows only while friction can
    move, and not after it stops reading the mail)."""
    facts = gather(client, now)
    found = {f.kind: f for f in detectors.detect_all(facts, client.context.thresholds)}
    shared, friction = due_mod._inbound_offsets(client, facts, found)
    until = due_mod._friction_until(facts, client.context.thresholds)
    if until is None or until <= now or due_mod._friction_calm(client, facts, found):
        friction, until = [], now
    candidates = []
    for r in client.inbound:
        if r.date > now:
            continue
        candidates += [w for d in shared if (w := r.date + timedelta(days=d) + TICK) > now]
        candidates += [
            w for d in friction if now < (w := r.date + timedelta(days=d) + TICK) <= until
        ]
    candidates += (
        list(due_mod._history_before(facts, client.context.thresholds)) if friction else []
    )
    return min(candidates, default=None)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(
    records=mail(),
    limits=thresholds,
    offset=st.floats(0.0, 1.0),
    edge=st.none()
    | st.tuples(
        st.integers(0, 44),
        st.sampled_from([7, 10, 14, 30, 42, 90, 132, 180, 194, 210]),
        st.sampled_from([-1, 0, 1]),
    ),
)
def test_the_first_message_to_leave_a_window_is_found_by_bisection(
    records, limits, offset, edge
) -> None:
    """Each window's oldest message leaves it first: the evaluation is due when the first of
    those leaves, as walking every message through every window finds, also at the very
    microsecond a message leaves."""
    client = _client(records, limits, None, frozenset(), [])
    now = T0 + (records[-1].date - T0 + timedelta(days=240)) * offset
    if edge is not None:
        index, days, ticks = edge
        now = records[index % len(records)].date + timedelta(days=days) + ticks * TICK
    facts = gather(client, now)
    found = {f.kind: f for f in detectors.detect_all(facts, client.context.thresholds)}

    assert min(due_mod._departures(client, facts, found), default=None) == _every_leaving(
        client, now
    )


def test_a_client_awaiting_our_reply_is_due_when_the_warning_fires() -> None:
    """GIVEN Dana asks on Monday at 10:00 and no one answers, WHEN Acme is evaluated on Monday
    afternoon, THEN it is due again at the latest when the message has waited 16 working hours:
    Monday 10:00–17:30 and Tuesday 09:00–17:30, so Tuesday 17:30."""
    question = inbound("Mon 2026-06-01 10:00", "Customs paperwork for the Rotterdam shipment")
    client = history(question)
    now = at("Mon 2026-06-01 14:00")
    fires = at("Tue 2026-06-02 17:30")

    due = next_change(client, now)

    assert findings_at(client, now)[2].severity is None
    assert findings_at(client, fires)[2].severity is Severity.WARNING
    assert fires - timedelta(seconds=2) <= due <= fires
    assert findings_at(client, due - TICK)[2].severity is None


def test_the_reply_clock_is_due_after_the_owners_absence() -> None:
    """Alice is away Tuesday to Thursday, which pauses the wait: Monday 10:00–17:30 and Friday
    09:00–17:30 make the 16 working hours of the warning on Friday at 17:30."""
    question = inbound("Mon 2026-06-01 10:00", "Customs paperwork for the Rotterdam shipment")
    absent = (at("Tue 2026-06-02 00:00"), at("Fri 2026-06-05 00:00"))
    client = history(question, owner_away=[absent])
    fires = at("Fri 2026-06-05 17:30")

    due = next_change(client, at("Mon 2026-06-01 14:00"))

    assert fires - timedelta(seconds=2) <= due <= fires
    assert findings_at(client, fires)[2].severity is Severity.WARNING
    assert findings_at(client, fires - timedelta(seconds=1))[2].severity is None


def test_a_quiet_weekly_client_is_not_due_for_days() -> None:
    """A client writing weekly, answered each time, then quiet: nothing changes until its
    silence reaches three times its week, so the evaluation is days ahead, not minutes."""
    mail = answered_weekly("Mon 2026-03-02 10:00", 12)
    weekly = mail[:12]
    client = history(*mail)
    now = weekly[-1].date + timedelta(days=2, hours=3)

    due = next_change(client, now)

    assert due - now >= timedelta(days=3)
    assert _state(client, due - TICK) == _state(client, now)


def _first_change(client: ClientHistory, now: datetime, until: datetime) -> datetime:
    """The first instant after ``now`` (to the second) at which a finding's state differs,
    found by stepping ten minutes at a time and halving the last step."""
    expected = _state(client, now)
    low, high = now, now
    while _state(client, high) == expected:
        assert high < until, "no change found"
        low, high = high, high + timedelta(minutes=10)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        low, high = (middle, high) if _state(client, middle) == expected else (low, middle)
    return high


def test_the_silence_pause_ends_with_the_contacts_return() -> None:
    """Dana last wrote in April; her out-of-office of 8 June says she is back on 22 June.
    Silence is paused until then, and Acme is due exactly when she is back."""
    spring = every(3, "Wed 2026-04-01 10:00", 3, needs_reply=False)
    away = out_of_office("Mon 2026-06-08 11:00", back=date(2026, 6, 22))
    client = history(*spring, away, cadence_days=3.0)
    now = at("Mon 2026-06-15 12:00")
    back = datetime(2026, 6, 22, tzinfo=LONDON).astimezone(UTC)

    due = next_change(client, now)

    assert findings_at(client, now)[0].severity is None
    assert findings_at(client, back)[0].severity is Severity.CRITICAL
    assert due == back == _first_change(client, now, back + timedelta(days=1))


def test_a_thinning_baseline_is_due_when_the_burst_reads_as_micromanagement() -> None:
    """Dana wrote every three days from late March (ten messages); in mid-May she asks for
    status three times in a day. Against a baseline of 1.6 messages a week that is 1.9 times
    the norm, not yet the 2 times that warns; but the baseline is her spring mail spread over
    the weeks since, so it thins out, and within hours the same three messages read as twice
    the norm."""
    spring = every(3, "Sat 2026-03-28 10:00", 10, needs_reply=False)
    burst = [
        inbound(
            f"Mon 2026-05-18 {hour}:00",
            "Any update on Leeds?",
            needs_reply=False,
            pressure=("status:any update",),
        )
        for hour in ("09", "12", "15")
    ]
    limits = Thresholds(micromanagement_window_days=7, micromanagement_warning_points=3.0)
    client = history(*spring, *burst, thresholds=limits)
    now = at("Tue 2026-05-19 09:00")

    due = next_change(client, now)
    changed = _first_change(client, now, now + timedelta(days=7))

    assert findings_at(client, now)[4].severity is None
    assert findings_at(client, changed)[4].severity is Severity.WARNING
    assert changed - timedelta(minutes=1) <= due <= changed


def test_a_new_senior_contact_counts_once_there_is_mail_before_the_friction_window() -> None:
    """Alice wrote to Acme on 28 May; Dana sent a pointed reminder on 1 June and Acme's CEO,
    never seen before, wrote "unacceptable" on 5 June. A new senior contact is only news
    against mail from before the 30-day friction window: from 27 June, when Alice's message
    is older than that, the CEO counts and friction warns."""
    ours = outbound("Thu 2026-05-28 10:00", "Leeds rollout: next steps")
    reminder = inbound(
        "Mon 2026-06-01 10:00",
        needs_reply=False,
        friction=("pressure_phrase:per my last email",),
    )
    ceo = inbound(
        "Fri 2026-06-05 10:00",
        needs_reply=False,
        sender="ceo@acme-logistics.example",
        friction=("escalation:unacceptable",),
    )
    client = history(ours, reminder, ceo)
    now = at("Sat 2026-06-20 12:00")
    news = at("Sat 2026-06-27 10:00") + TICK

    due = next_change(client, now)

    assert findings_at(client, news - TICK)[3].severity is None
    assert findings_at(client, news)[3].severity is Severity.WARNING
    assert due == news


def test_a_turn_against_the_norm_is_due_to_end_when_its_first_curt_message_is_six_weeks_old() -> (
    None
):
    """Dana wrote politely every week over the winter, then four curt messages over a week in
    late March: a turn against her norm. Friction reads the last six weeks, so the turn ends
    the moment her first curt message (20 March) is older than that (the other three span
    less than a week), and Acme is due exactly then."""
    polite = {"impoliteness": 0.05, "tone": 0.5, "sentiment": 0.5, "courtesy": True}
    curt = {"impoliteness": 0.95, "curtness": 0.9, "tone": -0.5, "courtesy": False}
    winter = every(7, "Mon 2025-12-29 10:00", 11, needs_reply=False, **polite)
    days = ("Fri 2026-03-20", "Tue 2026-03-24", "Thu 2026-03-26", "Fri 2026-03-27")
    turned = [inbound(f"{day} 10:00", "Leeds", needs_reply=False, **curt) for day in days]
    client = history(*winter, *turned, cadence_days=30.0)
    now = at("Mon 2026-04-27 12:00")  # the last curt message has left the 30-day cue window
    ends = turned[0].date + timedelta(days=42) + TICK

    due = next_change(client, now)

    assert findings_at(client, ends - TICK)[3].severity is Severity.WARNING
    assert findings_at(client, ends)[3].severity is None
    assert due == ends
