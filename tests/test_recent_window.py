"""A question about now reads a client's records of the last months and a few facts about its
older mail, not every record: whatever the years of mail before, its answers (every finding,
the trend, the timeline, when it is next due) equal those computed from all of the mail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.app.alerting import evaluate_alerts
from monitor.app.evaluation import prepare, recent
from monitor.app.trends import day_fingerprints
from monitor.app.views import TREND_DAYS, detail
from monitor.core.analysis import analyse, day_ends
from monitor.core.due import next_change
from monitor.core.history import HISTORY_DAYS
from monitor.store.schema import kept_answers, messages
from tests.factories import DANA, RAJ
from tests.scenario import Scenario, at

ACME = "Acme Logistics"
AS_OF = at("2027-03-01 17:00").astimezone(UTC)
#: Mail over the 27 months before AS_OF: a year and more before the window the answers read.
FIRST = AS_OF - timedelta(days=820)
CFO = "Marta Ruiz <cfo@acme-logistics.example>"

_CLIENT_MAIL = (
    ("Warehouse figures", "Hi Alice, could you send the updated warehouse figures? Thanks, Dana"),
    ("Invoice 4471", "Alice, this invoice is wrong again. This is unacceptable. Dana"),
    ("Any update?", "Hi Alice, any update on the Leeds rollout? We need it by EOD. Dana"),
    ("Thank you", "Alice, thanks a lot for the quick fix, the team is delighted. Dana"),
)


def _both(s: Scenario, latest: int = 40):  # type: ignore[no-untyped-def]
    """The client's history as a question about AS_OF reads it, and with all of its mail."""
    since = recent(AS_OF, TREND_DAYS)
    windowed = prepare(s.runtime, AS_OF, since=since, latest=latest).histories[ACME]
    everything = prepare(s.runtime, AS_OF).histories[ACME]
    return windowed, everything


def _assert_same_answers(s: Scenario) -> None:
    windowed, everything = _both(s)
    assert windowed.before is not None and everything.before is None
    days = day_ends(AS_OF, TREND_DAYS, s.runtime.config.team.tz)
    for day in days:
        seen, known = analyse(windowed, day), analyse(everything, day)
        assert seen == known, day
        assert seen.facts is not None and known.facts is not None
        assert seen.facts.away == known.facts.away, day  # what pauses the clocks
    report = analyse(windowed, AS_OF)
    assert next_change(windowed, AS_OF, facts=report.facts) == next_change(
        everything, AS_OF, facts=report.facts
    )
    assert day_fingerprints(windowed, days[:-1], "base") == day_fingerprints(
        everything, days[:-1], "base"
    )
    assert detail(windowed, report, [], 40) == detail(everything, report, [], 40)


@pytest.mark.slow
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    mail=st.lists(
        st.tuples(
            st.integers(0, 820 * 24),  # hours after FIRST
            st.sampled_from(["request", "request", "senior", "away", "ours"]),
            st.sampled_from(range(len(_CLIENT_MAIL))),
            st.booleans(),  # answered the next day
        ),
        min_size=3,
        max_size=14,
    )
)
def test_answers_about_now_equal_those_computed_from_every_record(store_scenario, mail) -> None:
    s = store_scenario
    with s.runtime.store.engine.begin() as connection:  # each example's mail alone
        connection.execute(sa.delete(kept_answers))
        connection.execute(sa.delete(messages))
    for hours, kind, which, answered in mail:
        when = FIRST + timedelta(hours=hours)
        stamp = f"{when.astimezone(UTC):%Y-%m-%d %H:%M}"
        subject, body = _CLIENT_MAIL[which]
        if kind == "ours":
            s.we_write(stamp, "Next steps", "Hi Dana, could you confirm the pilot dates? Alice")
            continue
        if kind == "away":
            back = (when + timedelta(days=40)).strftime("%d %B %Y")
            s.client_writes(
                stamp,
                "Out of office",
                f"I am out of the office until {back} with limited access to email.",
                frm=RAJ if which % 2 else DANA,
                headers={"Auto-Submitted": "auto-replied"},
            )
            continue
        # The CFO copied in (a senior contact first seen long before the window, or not).
        asked = s.client_writes(stamp, subject, body, cc=[CFO] if kind == "senior" else None)
        if answered:
            reply = when + timedelta(hours=20)
            s.we_reply(asked, f"{reply.astimezone(UTC):%Y-%m-%d %H:%M}", "Hi Dana, done. Alice")

    _assert_same_answers(s)


def _long_quiet_client(s: Scenario) -> None:
    """Fourteen months of weekly requests (and a holiday), then an out-of-office reply and
    silence for fourteen months: everything the answers read of the client lies before the
    window."""
    start = at("2024-11-04 10:00")
    for week in range(60):
        when = start + timedelta(days=7 * week)
        asked = s.client_writes(
            f"{when:%Y-%m-%d %H:%M}",
            f"Warehouse figures, week {week}",
            "Hi Alice, could you send the updated warehouse figures? Thanks, Dana",
            cc=[CFO] if week == 3 else None,
        )
        s.we_reply(asked, f"{when + timedelta(hours=20):%Y-%m-%d %H:%M}", "Hi Dana, attached.")
        if week == 10:  # a holiday long over before the last message
            s.client_writes(
                f"{when + timedelta(days=1):%Y-%m-%d %H:%M}",
                "Out of office",
                "I am out of the office until 1 March 2025 with limited access to email.",
                headers={"Auto-Submitted": "auto-replied"},
            )
    s.client_writes(
        "2026-01-05 08:00",
        "Out of office",
        "I am out of the office until 30 June 2026 with limited access to email.",
        headers={"Auto-Submitted": "auto-replied"},
    )


def test_a_client_silent_since_before_the_window_reads_the_same(store_scenario) -> None:
    _long_quiet_client(store_scenario)
    windowed, everything = _both(store_scenario)

    assert windowed.records == []  # nothing in the window at all
    assert len(everything.records) == 122
    report = analyse(windowed, AS_OF)
    assert report == analyse(everything, AS_OF)
    assert report.last_inbound is not None and report.last_inbound.date < windowed.before.since
    _assert_same_answers(store_scenario)


def test_a_senior_contact_known_for_years_is_not_new_in_the_window(store_scenario) -> None:
    _long_quiet_client(store_scenario)
    store_scenario.client_writes(
        "2027-02-22 09:00",
        "Leeds rollout",
        "Alice, where are we on Leeds? Marta is asking. Dana",
        cc=[CFO],
    )
    windowed, everything = _both(store_scenario)

    assert windowed.first_seen["cfo@acme-logistics.example"] < windowed.before.since
    assert windowed.first_seen == everything.first_seen
    _assert_same_answers(store_scenario)


def test_a_timeline_longer_than_was_kept_from_before_the_window_is_refused(store_scenario) -> None:
    _long_quiet_client(store_scenario)
    windowed, _ = _both(store_scenario, latest=10)

    two_years = AS_OF - timedelta(days=730)
    assert [r.subject for r in windowed.latest(two_years, AS_OF, 10)][-2:] == [
        "Re: Warehouse figures, week 59",
        "Out of office",
    ]
    with pytest.raises(ValueError, match="20 latest records asked for, 10 kept"):
        windowed.latest(two_years, AS_OF, 20)


def test_a_history_of_recent_records_refuses_an_instant_its_window_does_not_cover(
    store_scenario,
) -> None:
    _long_quiet_client(store_scenario)
    windowed, _ = _both(store_scenario)
    too_early = windowed.before.since + timedelta(days=HISTORY_DAYS) - timedelta(hours=1)

    with pytest.raises(ValueError, match="too late for an evaluation"):
        analyse(windowed, too_early)


def test_the_pass_and_questions_about_now_read_only_recent_records(
    store_scenario, monkeypatch
) -> None:
    """What the speed comes from: the records read are those of the window, not all."""
    from monitor.app import evaluation, views

    _long_quiet_client(store_scenario)
    store_scenario.client_writes(
        "2027-02-22 09:00", "Leeds rollout", "Alice, where are we on Leeds? Dana", frm=DANA
    )
    read: list[datetime | None] = []
    real = evaluation.load_records

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        read.append(kwargs.get("since"))
        return real(*args, **kwargs)

    monkeypatch.setattr(evaluation, "load_records", counting)
    evaluate_alerts(store_scenario.runtime, now=AS_OF)
    with store_scenario.runtime.store.engine.begin() as connection:  # nothing kept: all computed
        connection.execute(sa.delete(kept_answers))
    views.health(store_scenario.runtime, AS_OF)
    views.client_detail(store_scenario.runtime, ACME, AS_OF)

    assert len(read) == 3  # the pass, health, the client's detail
    assert all(since is not None and since >= recent(AS_OF, 31) for since in read)
