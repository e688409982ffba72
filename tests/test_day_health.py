"""Trends keep each past day's health in the store, and a kept day always equals the day
computed from scratch: whatever order mail arrives in, however late, whatever is removed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.app import trends as trends_mod
from monitor.app.dashboard import portfolio_figures
from monitor.app.evaluation import Evaluation
from monitor.app.runtime import Runtime
from monitor.app.views import health
from monitor.core.analysis import day_ends, health_at
from monitor.core.model import Direction
from monitor.core.records import Record
from monitor.store.schema import day_health
from tests.core.records import LONDON, at, history
from tests.factories import team_config
from tests.scenario import Scenario

ACME = "Acme Logistics"
DANA = "dana.whitfield@acme-logistics.example"
RAJ = "raj.patel@acme-logistics.example"
ALICE = "alice.marsh@northwind-advisory.example"
T0 = at("Mon 2026-03-02 09:00")
AS_OF = T0 + timedelta(days=75)
DAYS = day_ends(AS_OF, 30, LONDON)


def _record(i: int, minutes: int, inbound: bool, thread: int, kind: int, raj: bool) -> Record:
    """One message of Acme's spring: questions, answers, friction, pressure, an absence."""
    when = T0 + timedelta(minutes=minutes)
    sender = (RAJ if raj else DANA) if inbound else ALICE
    fields: dict[str, object] = {}
    if inbound and kind == 1:
        fields = {"friction": ("escalation:unacceptable",), "sentiment": -0.6, "tone": -0.6}
    elif inbound and kind == 2:
        fields = {"pressure": ("status:any update",), "sentiment": 0.1, "tone": 0.1}
    elif inbound and kind == 3:
        back = (when + timedelta(days=6)).astimezone(LONDON).date()
        fields = {"noise": "auto_reply", "away_until": back}
    elif kind == 4:
        fields = {"sentiment": 0.7, "tone": 0.7, "courtesy": True}
    return Record(
        key=f"<{i}@mail.example>",
        date=when,
        direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
        client=ACME,
        thread=f"thread:{thread}",
        sender=sender,
        subject=f"Leeds rollout, part {thread}",
        needs_reply=kind != 3 and (inbound or kind == 2),
        recipients=frozenset({ALICE} if inbound else {DANA}),
        **fields,  # type: ignore[arg-type]
    )


spring = st.lists(
    st.builds(
        _record,
        i=st.integers(0, 100_000),
        minutes=st.integers(0, 60 * 24 * 75),
        inbound=st.booleans(),
        thread=st.integers(0, 5),
        kind=st.integers(0, 5),
        raj=st.booleans(),
    ),
    min_size=1,
    max_size=40,
    unique_by=lambda r: r.key,
)


@settings(max_examples=100, deadline=None)
@given(records=spring, cut=st.integers(0, 29))
def test_a_past_days_health_reads_nothing_dated_after_that_day(records, cut) -> None:
    day = DAYS[cut]
    away = [(T0 + timedelta(days=20), T0 + timedelta(days=27))]
    everything = history(*records, owner_away=away)
    until_then = history(*(r for r in records if r.date <= day), owner_away=away)

    assert health_at(everything, day) == health_at(until_then, day)


def _trend(runtime: Runtime, records: list[Record]) -> list:  # type: ignore[type-arg]
    evaluation = Evaluation(histories={ACME: history(*records)}, as_of=AS_OF)
    return trends_mod.trends(runtime, evaluation, DAYS)[ACME]


@pytest.fixture(scope="module")
def kept(tmp_path_factory):  # type: ignore[no-untyped-def]
    """One store for every example: days kept for other mail must never be taken for this one."""
    folder = tmp_path_factory.mktemp("store")
    runtime = Runtime.open(team_config(f"sqlite:///{folder / 'relmon.db'}"))
    yield runtime
    runtime.close()


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(records=spring, data=st.data())
def test_kept_days_equal_days_computed_from_scratch_whatever_the_order_of_arrival(
    kept, records, data
) -> None:
    runtime = kept
    arrived: list[Record] = []
    # Mail arrives in any order, old mail late; some is expunged; a re-analysis changes one.
    for record in data.draw(st.permutations(records)):
        arrived.append(record)
        step = data.draw(st.sampled_from(["look", "quiet", "quiet", "expunge", "rescore"]))
        if step == "expunge" and len(arrived) > 1:
            arrived.pop(data.draw(st.integers(0, len(arrived) - 1)))
        elif step == "rescore":
            index = data.draw(st.integers(0, len(arrived) - 1))
            arrived[index] = replace(arrived[index], sentiment=-0.9, tone=-0.9)
        if step != "quiet":
            scratch = [health_at(history(*arrived), day) for day in DAYS]
            assert _trend(runtime, arrived) == scratch


def test_a_trend_asked_again_computes_no_past_day_again(tmp_path, monkeypatch) -> None:
    runtime = Runtime.open(team_config(f"sqlite:///{tmp_path / 'relmon.db'}"))
    records = [
        _record(n, 60 * 24 * 2 * n + 90, n % 2 == 0, n // 4, n % 5, False) for n in range(36)
    ]
    first = _trend(runtime, records)
    computed: list[object] = []
    monkeypatch.setattr(
        trends_mod, "health_at", lambda h, day: computed.append(day) or health_at(h, day)
    )

    again = _trend(runtime, records)
    again_computed = computed[:]
    late = _record(999, 60 * 24 * 60, True, 1, 1, True)  # an angry message, dated 15 days ago
    computed.clear()
    with_late = _trend(runtime, [*records, late])
    runtime.close()

    assert again == first
    assert again_computed == [AS_OF]  # the instant asked about, never kept
    # Only the days from the late message on are computed again.
    assert computed == [day for day in DAYS if day >= late.date]
    assert with_late == [health_at(history(*records, late), day) for day in DAYS]
    assert with_late != first


def test_health_keeps_past_days_and_a_new_threshold_recomputes_them(tmp_path, analyzer) -> None:
    s = Scenario(tmp_path, analyzer)
    s.weekly_history("2026-03-02 10:00", 12)
    s.client_writes("2026-05-20 09:00", "Pilot", "Alice,\n\nThis is unacceptable. Again.\n\nDana")
    as_of = at("2026-05-27 18:00").astimezone(UTC)
    rethread = s.evaluation(as_of)  # threads the stored mail
    assert rethread.histories

    before = health(s.runtime, as_of)
    with s.runtime.store.engine.connect() as connection:
        kept = connection.execute(
            sa.select(day_health.c.client, day_health.c.fingerprint).distinct()
        ).all()
    stricter = Runtime.open(
        team_config(
            f"sqlite:///{tmp_path / 'relmon.db'}",
            "\n[thresholds]\nunanswered_warning_hours = 1\nunanswered_critical_hours = 2\n",
        ),
        analyzer=analyzer,
    )
    strict = health(stricter, as_of)
    stricter.close()
    s.close()

    assert {client for client, _ in kept} == {ACME, "Falkenberg Maschinenbau"}
    assert len(kept) > 2  # one fingerprint per client and day: the mail differs day by day
    acme_before = next(r for r in before if r["name"] == ACME)
    acme_strict = next(r for r in strict if r["name"] == ACME)
    assert [p["date"] for p in acme_before["trend"]] == [
        date(2026, 4, 28) + timedelta(days=n) for n in range(30)
    ]
    assert acme_before["trend"] != acme_strict["trend"]


def test_the_nightly_keeping_leaves_no_past_day_for_health_or_the_portfolio(
    tmp_path, analyzer, monkeypatch
) -> None:
    s = Scenario(tmp_path, analyzer)
    s.weekly_history("2026-02-02 10:00", 16)
    now = at("2026-05-27 03:30").astimezone(UTC)
    s.evaluation(now)  # threads the stored mail

    kept = trends_mod.keep_for_trends(s.runtime, now)
    computed: list[object] = []
    monkeypatch.setattr(
        trends_mod, "health_at", lambda h, day: computed.append(day) or health_at(h, day)
    )
    rows = health(s.runtime, now)
    entries = portfolio_figures(s.runtime, now)
    again = trends_mod.keep_for_trends(s.runtime, now)
    s.close()

    # Two clients, each the CLI's 29 past days and the portfolio's 12 past weeks, of which
    # the last four fall within those 29 days.
    assert kept == 2 * (29 + 12 - 4)
    assert computed == [] and again == 0
    assert all(len(row["trend"]) == 30 for row in rows)
    assert all(len(entry.row["trend"]) == 13 for entry in entries)
