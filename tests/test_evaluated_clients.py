"""An evaluation pass reads and analyses only the clients that changed or are due, and the
alerts come out exactly as if it had evaluated every client at every pass; asked about now,
`relmon health` shows a client not evaluated since as of its last evaluation, and says so."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.alerts.store import Action, act
from monitor.app import alerting, due, views
from monitor.app import kept as kept_app
from monitor.app.alerting import evaluate_alerts
from monitor.app.evaluation import batches
from monitor.app.kept import REFRESH
from monitor.app.runtime import Runtime
from monitor.cli import cli
from monitor.config import load_config_text
from monitor.store import evaluated
from monitor.store import kept as kept_store
from monitor.store.schema import alerts, evaluated_clients, messages, sightings
from tests.factories import BEN, CONFIG, JANA, team_config
from tests.scenario import LONDON, Scenario, at

ACME = "Acme Logistics"
FALKENBERG = "Falkenberg Maschinenbau"
MONDAY = at("2026-06-01 08:00").astimezone(UTC)


def _evaluated_clients(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The clients each evaluation pass reads and analyses."""
    passes: list[list[str]] = []
    real = alerting.to_evaluate

    def counting(runtime, now, which=due.Pass.ALL):  # type: ignore[no-untyped-def]
        chosen, inputs = real(runtime, now, which)
        passes.append(sorted(c.name for c in chosen))
        return chosen, inputs

    monkeypatch.setattr(alerting, "to_evaluate", counting)
    return passes


def _acme_weekly(s: Scenario, last: datetime | None = None) -> None:
    """Acme asks each Monday and hears back the next morning: in June 2026, or in the three
    weeks up to ``last`` (a test that runs at the real time: none of Acme's measures changes
    within days of it, as its June mail's leaving the cadence's 180 days would on some dates)."""
    asks = [datetime(2026, 6, day, 10, 0, tzinfo=LONDON) for day in (1, 8, 15)]
    if last is not None:
        asks = [last.astimezone(LONDON) - timedelta(days=days) for days in (14, 7, 0)]
    for number, ask in enumerate(asks, start=1):
        asked = s.client_writes(
            ask.strftime("%Y-%m-%d %H:%M"),
            f"Warehouse figures for week {number}",
            "Hi Alice, could you send the updated warehouse figures for the board pack? "
            "Thanks, Dana",
        )
        s.we_reply(
            asked,
            (ask + timedelta(hours=23, minutes=30)).strftime("%Y-%m-%d %H:%M"),
            "Hi Dana, attached are this week's figures. Best, Alice",
        )


def _falkenberg_asks(s: Scenario, when: str) -> None:
    s.client_writes(
        when,
        "Angebot Wartungsvertrag",
        "Dear Ben, could you send us the maintenance contract offer before our budget meeting? "
        "Regards, Jana",
        frm=JANA,
        to=BEN,
    )


def test_a_pass_with_nothing_new_and_nothing_due_evaluates_no_client(
    tmp_path, analyzer, monkeypatch
) -> None:
    s = Scenario(tmp_path, analyzer)
    _acme_weekly(s)
    s.evaluation(MONDAY)  # threaded
    first = at("2026-06-17 12:00").astimezone(UTC)
    passes = _evaluated_clients(monkeypatch)
    evaluate_alerts(s.runtime, now=first)
    again = evaluate_alerts(s.runtime, now=first + timedelta(minutes=15))
    kept = evaluated.read(s.runtime.store.engine)
    s.close()

    assert passes == [[ACME, FALKENBERG], []]
    assert again.evaluated == 0
    assert {name: row.evaluated_at for name, row in kept.items()} == {
        ACME: first,
        FALKENBERG: first,
    }


def test_new_mail_makes_the_next_pass_evaluate_only_its_client(
    tmp_path, analyzer, monkeypatch
) -> None:
    s = Scenario(tmp_path, analyzer)
    _acme_weekly(s)
    s.evaluation(MONDAY)
    first = at("2026-06-17 12:00").astimezone(UTC)
    passes = _evaluated_clients(monkeypatch)
    evaluate_alerts(s.runtime, now=first)
    _falkenberg_asks(s, "2026-06-17 12:05")
    evaluate_alerts(s.runtime, now=first + timedelta(minutes=15))
    s.close()

    assert passes == [[ACME, FALKENBERG], [FALKENBERG]]


def test_a_reply_overdue_by_the_clock_alone_is_alerted_at_the_first_pass_after_it(
    tmp_path, analyzer, monkeypatch
) -> None:
    """Nothing is stored after the request: the pass that crosses the 16 working hours finds
    the client due, and the alert opens there, not at the next refresh."""
    s = Scenario(tmp_path, analyzer)
    _falkenberg_asks(s, "2026-06-22 09:00")  # a Monday
    s.evaluation(MONDAY)
    passes = _evaluated_clients(monkeypatch)
    opened = {}
    now = at("2026-06-22 09:30").astimezone(UTC)
    while now < at("2026-06-25 12:00").astimezone(UTC):
        report = evaluate_alerts(s.runtime, now=now)
        for event in report.events:
            opened.setdefault((event["kind"], event["event"], event["severity"]), now)
        now += timedelta(minutes=15)
    s.close()

    # Working days 09:00-17:30 (8.5 h): 16 working hours from Monday 09:00 end on Tuesday at
    # 16:30, 24 on Wednesday at 16:00; each is a pass of its own.
    assert opened[("unanswered", "opened", "warning")] == at("2026-06-23 16:30").astimezone(UTC)
    assert opened[("unanswered", "worsened", "critical")] == at("2026-06-24 16:00").astimezone(UTC)
    # Most passes between evaluate no client at all.
    assert sum(1 for p in passes if not p) > len(passes) * 0.8


def _passes_every_quarter_hour_from_0830(
    s: Scenario, monkeypatch: pytest.MonkeyPatch
) -> list[list[str]]:
    """The clients each of four passes evaluates, on Monday 22 June at 08:30, 08:45, 09:00 and
    09:15, with everything already stored (the store closed after)."""
    s.evaluation(MONDAY)
    first = at("2026-06-22 08:30").astimezone(UTC)
    passes = _evaluated_clients(monkeypatch)
    for minutes in (0, 15, 30, 45):
        evaluate_alerts(s.runtime, now=first + timedelta(minutes=minutes))
    s.close()
    return passes


def test_mail_stored_ahead_of_its_date_is_evaluated_at_the_first_pass_after_that_date(
    tmp_path, analyzer, monkeypatch
) -> None:
    """A sender's clock running half an hour fast: the request is stored before the pass at
    08:30 but dated 09:00. Nothing is stored after it, so only its date can wake the client."""
    s = Scenario(tmp_path, analyzer)
    _acme_weekly(s)
    _falkenberg_asks(s, "2026-06-22 09:00")
    passes = _passes_every_quarter_hour_from_0830(s, monkeypatch)

    assert passes == [[ACME, FALKENBERG], [], [FALKENBERG], []]


def test_a_clients_out_of_office_reply_wakes_that_client_only_and_ours_wakes_every_client(
    tmp_path, analyzer, monkeypatch
) -> None:
    """Dana's away reply arrives as any mail does. Alice's own, stored ahead of its date,
    pauses the reply clocks of every client she owns, so it wakes them all at its date."""
    s = Scenario(tmp_path, analyzer)
    _acme_weekly(s)
    _falkenberg_asks(s, "2026-06-19 10:00")
    asked = s.we_write(
        "2026-06-19 11:00", "Pilot planning", "Hi Dana, shall we fix the dates? Alice"
    )
    s.client_writes(
        "2026-06-22 08:40",
        "Automatic reply: Pilot planning",
        "Thank you for your email. I am on annual leave and back on 6 July.",
        reply_to=asked,
        headers={"Auto-Submitted": "auto-replied"},
    )
    s.we_reply(
        asked,
        "2026-06-22 09:10",
        "Thank you for your message. I am out of the office and back on 29 June.",
        headers={"Auto-Submitted": "auto-replied"},
    )
    passes = _passes_every_quarter_hour_from_0830(s, monkeypatch)

    assert passes == [[ACME, FALKENBERG], [ACME], [], [ACME, FALKENBERG]]


def test_health_shows_no_client_as_of_an_evaluation_before_its_mail_came_due(
    tmp_path, analyzer
) -> None:
    s = Scenario(tmp_path, analyzer)
    _acme_weekly(s)
    s.evaluation(MONDAY)
    # Long after the clock the store writes by, and after Acme's mail has left every window: a
    # pass at the real time could fall just before one of Acme's own changes (its June mail
    # leaving the cadence's 180 days), and its answer would rightly not stand.
    now = datetime(2100, 3, 1, 10, 0, tzinfo=UTC)
    ahead = (now - timedelta(minutes=5)).astimezone(LONDON).strftime("%Y-%m-%d %H:%M")
    _falkenberg_asks(s, ahead)  # stored before the pass, dated after it
    evaluate_alerts(s.runtime, now=now - timedelta(minutes=10))
    rows = views.health(s.runtime, now, latest=True)
    s.close()

    as_of = {row["name"]: row["as_of"] for row in rows}
    assert as_of == {ACME: now - timedelta(minutes=10), FALKENBERG: now}


def test_a_snooze_that_ends_wakes_the_client_at_the_pass_after_it(
    tmp_path, analyzer, monkeypatch
) -> None:
    s = Scenario(tmp_path, analyzer)
    _falkenberg_asks(s, "2026-06-22 09:00")
    s.evaluation(MONDAY)
    engine = s.runtime.store.engine
    warned = at("2026-06-23 17:30").astimezone(UTC)
    evaluate_alerts(s.runtime, now=warned)
    with engine.connect() as connection:
        alert_id = connection.execute(sa.select(alerts.c.id)).scalar_one()
    act(engine, alert_id, Action.SNOOZE, warned, by="ben", until=warned + timedelta(hours=1))
    passes = _evaluated_clients(monkeypatch)
    evaluate_alerts(s.runtime, now=warned + timedelta(minutes=30))
    woke = evaluate_alerts(s.runtime, now=warned + timedelta(hours=1, minutes=5))
    s.close()

    assert passes[0] == []
    assert FALKENBERG in passes[1]
    assert [e["event"] for e in woke.events if e["client"] == FALKENBERG] == ["snooze_ended"]


def test_each_client_is_refreshed_within_the_refresh_interval_at_its_own_time() -> None:
    intervals = {name: due.refresh_after(name) for name in (f"Client {n:03d}" for n in range(500))}

    assert all(REFRESH / 2 <= spent <= REFRESH for spent in intervals.values())
    assert max(intervals.values()) - min(intervals.values()) > REFRESH * 0.45  # spread out
    assert due.refresh_after("Client 007") == due.refresh_after("Client 007")


def test_clients_are_read_in_batches_that_never_split_an_owners_clients() -> None:
    """Alice owns 11 clients, Ben 71 (more than a batch holds), Chloe 25."""
    members = (
        '[[team.members]]\nname = "Chloe Reyes"\naddress = "chloe@northwind-advisory.example"\n'
    )
    owners = ["alice.marsh", "ben.okafor", "chloe"] * 10 + ["ben.okafor"] * 60 + ["chloe"] * 15
    extra = "".join(
        f'[[clients]]\nname = "Client {n:03d}"\ndomains = ["client{n:03d}.example"]\n'
        f'owner = "{owner}@northwind-advisory.example"\n'
        for n, owner in enumerate(owners)
    )
    config = load_config_text(CONFIG.replace("[[clients]]", members + "[[clients]]", 1) + extra)

    found = list(batches(config.clients, size=50))

    names = [c.name for batch in found for c in batch]
    assert sorted(names) == sorted(c.name for c in config.clients)
    assert len(names) == len(set(names))
    assert all(len({c.owner for c in batch}) == 1 for batch in found[1:])
    assert [len(batch) for batch in found] == [11, 71, 25]


def _write_config(tmp_path) -> str:  # type: ignore[no-untyped-def]
    config = tmp_path / "relmon.toml"
    config.write_text(CONFIG + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n')
    return str(config)


def test_health_shows_a_client_not_evaluated_since_as_of_its_last_evaluation(
    tmp_path, analyzer
) -> None:
    s = Scenario(tmp_path, analyzer)
    now = datetime.now(UTC)
    _acme_weekly(s, last=now - timedelta(days=3))
    s.evaluation(MONDAY)
    earlier = now - timedelta(minutes=40)
    evaluate_alerts(s.runtime, now=earlier)
    _falkenberg_asks(s, (now - timedelta(minutes=20)).astimezone(LONDON).strftime("%Y-%m-%d %H:%M"))
    evaluate_alerts(s.runtime, now=now - timedelta(minutes=10))
    s.close()
    config = _write_config(tmp_path)

    answer = CliRunner().invoke(cli, ["--config", config, "health", "--json"])
    table = CliRunner().invoke(cli, ["--config", config, "health"])

    assert answer.exit_code == 0, answer.output
    rows = {row["name"]: row for row in json.loads(answer.output)["clients"]}
    assert datetime.fromisoformat(rows[ACME]["as_of"]) == earlier
    assert datetime.fromisoformat(rows[FALKENBERG]["as_of"]) == now - timedelta(minutes=10)
    assert (
        "As of relmon's last evaluation of each client, the oldest 40 min ago: nothing that "
        "changes them has been stored since" in " ".join(table.output.split())
    )


def test_a_client_whose_last_evaluation_is_older_than_the_refresh_is_computed_for_now(
    tmp_path, analyzer, monkeypatch
) -> None:
    s = Scenario(tmp_path, analyzer)
    _acme_weekly(s)
    s.evaluation(MONDAY)
    now = datetime.now(UTC)
    evaluate_alerts(s.runtime, now=now - REFRESH - timedelta(minutes=30))
    with s.runtime.store.engine.begin() as connection:  # nothing due since (as far as it knew)
        connection.execute(sa.update(evaluated_clients).values(due_at=now + timedelta(days=30)))
    s.close()
    config = _write_config(tmp_path)

    answer = CliRunner().invoke(cli, ["--config", config, "health", "--json"])

    document = json.loads(answer.output)
    assert {row["as_of"] for row in document["clients"]} == {document["as_of"]}
    assert datetime.fromisoformat(document["as_of"]) > now - timedelta(minutes=1)


def test_a_client_due_is_never_shown_as_of_its_last_evaluation(tmp_path, analyzer) -> None:
    """Its findings may have changed since: health computes it for now."""
    s = Scenario(tmp_path, analyzer)
    _acme_weekly(s)
    s.evaluation(MONDAY)
    now = datetime.now(UTC)
    evaluate_alerts(s.runtime, now=now - timedelta(minutes=10))
    with s.runtime.store.engine.begin() as connection:
        connection.execute(
            sa.update(evaluated_clients)
            .where(evaluated_clients.c.client == ACME)
            .values(due_at=now - timedelta(minutes=1))
        )
    rows = views.health(s.runtime, now, latest=True)
    s.close()
    table = CliRunner().invoke(cli, ["--config", _write_config(tmp_path), "health"])

    as_of = {row["name"]: row["as_of"] for row in rows}
    assert as_of == {ACME: now, FALKENBERG: now - timedelta(minutes=10)}
    assert (
        "1 of 2 clients are as of relmon's last evaluation of each, the oldest 10 min ago"
        in " ".join(table.output.split())
    )


# ------------------------------------------------- the same alerts as evaluating everyone

_MAIL = (
    ("Warehouse figures", "Hi Alice, could you send the updated warehouse figures? Thanks, Dana"),
    ("Invoice 4471", "Alice, this invoice is wrong again. This is unacceptable. Dana"),
    ("Any update?", "Hi Alice, any update on the Leeds rollout? We need it by EOD. Dana"),
    ("Thank you", "Alice, thanks a lot for the quick fix, the team is delighted. Dana"),
)


def _transitions(report: alerting.AlertsReport) -> list[tuple[object, ...]]:
    return sorted(
        (e["client"], e["kind"], e["event"], e["severity"]) for e in report.events if "client" in e
    )


def _replay(
    s: Scenario,
    mail: list[tuple[int, int, int | None, int]],
    passes: list[int],
    *,
    everyone: bool,
) -> list[tuple[int, list[tuple[object, ...]]]]:
    """Mail arriving at its hour (dated ``ahead`` hours later where the client's clock runs
    fast), passes at theirs; every pass's alert transitions. With ``everyone``, each pass
    forgets what it knew and evaluates every client."""
    start = at("2026-06-01 08:00")
    pending = sorted(
        [(hour, "client", n, index, hour + ahead) for index, (hour, n, _, ahead) in enumerate(mail)]
        + [
            (hour + ahead + answer, "us", n, index, hour + ahead + answer)
            for index, (hour, n, answer, ahead) in enumerate(mail)
            if answer is not None
        ]
    )
    sent: dict[int, object] = {}
    seen = []
    for hour in passes:
        while pending and pending[0][0] <= hour:
            _, who, n, index, dated = pending.pop(0)
            text = (start + timedelta(hours=dated)).strftime("%Y-%m-%d %H:%M")
            subject, body = _MAIL[n]
            if who == "client":
                sent[index] = s.client_writes(text, f"{subject} ({index})", body)
            else:
                s.we_reply(sent[index], text, "Hi Dana, done and sent over. Best, Alice")  # type: ignore[arg-type]
        seen.append((hour, _pass_at(s, start + timedelta(hours=hour), everyone=everyone)))
    return seen


def _pass_at(s: Scenario, when: datetime, *, everyone: bool) -> list[tuple[object, ...]]:
    """A pass at ``when`` and its alert transitions: with ``everyone``, forgetting what it knew
    and evaluating every client; without, checking that it missed no change."""
    if everyone:
        with s.runtime.store.engine.begin() as connection:
            connection.execute(sa.delete(evaluated_clients))
    now = when.astimezone(UTC)
    transitions = _transitions(evaluate_alerts(s.runtime, now=now))
    if not everyone:
        _nothing_missed(s, now)
    return transitions


def _nothing_missed(s: Scenario, now: datetime) -> None:
    """Every client a pass at ``now`` left alone has the inputs its last evaluation had, read
    from scratch (every record's number and revisions, no mark of the store's changes)."""
    state = evaluated.read(s.runtime.store.engine)
    names = [name for name, last in state.items() if last.evaluated_at < now]
    if not names:
        return
    scratch = kept_app.taken(s.runtime, now, names)
    for name in names:
        assert scratch.fingerprint(due.EVALUATION, name) == state[name].fingerprint, (name, now)


_REPLAYS = settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_STEPS = st.lists(st.integers(1, 14), min_size=40, max_size=60)


def _mail(ahead: list[int]) -> st.SearchStrategy[list[tuple[int, int, int | None, int]]]:
    """Dana's messages: the hour each is stored, which text, the hours until our reply (none:
    never), the hours its date runs ahead of its storing (below zero: stored late)."""
    return st.lists(
        st.tuples(
            st.integers(0, 24 * 20),
            st.sampled_from(range(len(_MAIL))),
            st.one_of(st.none(), st.integers(1, 96)),
            st.sampled_from(ahead),
        ),
        min_size=1,
        max_size=8,
    )


def _both_ways(tmp_path_factory, analyzer, steps: list[int], replay):  # type: ignore[no-untyped-def]
    """``replay`` on two stores at the same passes: leaving alone the clients nothing changed
    for, and evaluating every client at every pass."""
    passes = list(itertools.accumulate(steps))
    skipping = Scenario(tmp_path_factory.mktemp("skipping"), analyzer)
    everyone = Scenario(tmp_path_factory.mktemp("everyone"), analyzer)
    try:
        return replay(skipping, passes, False), replay(everyone, passes, True)
    finally:
        skipping.close()
        everyone.close()


@pytest.mark.slow
@_REPLAYS
@given(mail=_mail([0, 0, 0, 1, 5]), steps=_STEPS)
def test_passes_of_changed_and_due_clients_alert_exactly_as_passes_of_every_client(
    tmp_path_factory, analyzer, mail, steps
) -> None:
    lean, full = _both_ways(
        tmp_path_factory,
        analyzer,
        steps,
        lambda s, passes, all_: _replay(s, mail, passes, everyone=all_),
    )

    assert lean == full


def _two_owners_month(tmp_path, analyzer) -> tuple[Scenario, datetime]:
    """Acme writing weekly and Falkenberg asking, each with its own owner, evaluated at the end
    of June."""
    s = Scenario(tmp_path, analyzer)
    _acme_weekly(s)
    _falkenberg_asks(s, "2026-06-03 09:15")
    now = at("2026-06-30 17:00").astimezone(UTC)
    s.evaluation(now)
    return s, now


def test_a_backtest_read_a_batch_at_a_time_replays_the_same_alerts(
    tmp_path, analyzer, monkeypatch
) -> None:
    from monitor.app import evaluation as evaluation_mod
    from monitor.app.backtests import backtest

    s, now = _two_owners_month(tmp_path, analyzer)
    whole = backtest(s.runtime, now, None)
    monkeypatch.setattr(evaluation_mod, "BATCH", 1)  # one owner, so one client, at a time
    batched = backtest(s.runtime, now, None)
    s.close()

    assert batched == whole
    assert [c["name"] for c in whole["clients"]] == [ACME, FALKENBERG]
    assert whole["totals"]["alerts"] > 0
    assert whole["since"].date() == at("2026-06-01 10:00").date()


@pytest.mark.slow
def test_a_backtest_replayed_in_several_processes_finds_what_one_process_finds(
    tmp_path, analyzer, monkeypatch
) -> None:
    from monitor.app import backtests
    from monitor.app.evaluation import batches

    s, now = _two_owners_month(tmp_path, analyzer)
    alone = backtests.backtest(s.runtime, now, None, jobs=1)
    monkeypatch.setattr(backtests, "WORKER_BATCH", 1)  # a batch per client: two processes
    assert len(list(batches(s.runtime.config.clients, 1))) == 2
    side_by_side = backtests.backtest(s.runtime, now, None, jobs=2)
    s.close()

    assert side_by_side == alone
    assert alone["totals"]["alerts"] > 0


def test_a_backtest_worker_that_dies_is_reported_with_what_to_do(
    tmp_path, analyzer, monkeypatch
) -> None:
    from concurrent.futures.process import BrokenProcessPool

    from monitor.app import backtests
    from monitor.errors import RelmonError

    class _Killed:
        """A pool whose worker the kernel killed (out of memory) mid-replay."""

        def __init__(self, **_options) -> None:
            pass

        def __enter__(self):
            return self

        def __exit__(self, *_exc) -> None:
            pass

        def map(self, *_args):
            raise BrokenProcessPool("A process in the process pool was terminated abruptly")

    s, now = _two_owners_month(tmp_path, analyzer)
    monkeypatch.setattr(backtests, "WORKER_BATCH", 1)
    monkeypatch.setattr(backtests, "ProcessPoolExecutor", _Killed)
    with pytest.raises(RelmonError, match=r"worker process died.*--jobs 1"):
        backtests.backtest(s.runtime, now, None, jobs=2)
    s.close()


def evaluated_at_first(store_url: str, analyzer) -> Scenario:  # type: ignore[no-untyped-def]
    """Acme's weekly mail on the store at ``store_url``, every client evaluated at FIRST."""
    s = Scenario.__new__(Scenario)
    s.analyzer = analyzer
    s.runtime = Runtime.open(team_config(store_url), analyzer=analyzer)
    _acme_weekly(s)
    s.evaluation(MONDAY)
    evaluate_alerts(s.runtime, now=FIRST)
    return s


def _on(store_url: str, analyzer) -> Scenario:  # type: ignore[no-untyped-def]
    """As :func:`evaluated_at_first`, and Falkenberg's request stored five minutes later."""
    s = evaluated_at_first(store_url, analyzer)
    _falkenberg_asks(s, "2026-06-17 12:05")
    return s


FIRST = at("2026-06-17 12:00").astimezone(UTC)


def test_clients_left_alone_are_shown_as_of_their_evaluation_on_sqlite_and_postgresql(
    store_url, analyzer, monkeypatch
) -> None:
    s = _on(store_url, analyzer)
    first = FIRST
    second = first + timedelta(minutes=15)
    evaluate_alerts(s.runtime, now=second)
    evaluate_alerts(s.runtime, now=second)  # again at once: nothing left to evaluate
    rows = views.health(s.runtime, second + timedelta(minutes=5), latest=True)
    s.close()

    assert {row["name"]: row["as_of"] for row in rows} == {ACME: first, FALKENBERG: second}


# ------------------------------------------------- the clients whose mail changed, found cheaply


def _revisions_read(monkeypatch: pytest.MonkeyPatch) -> list[list[str] | None]:
    """The clients each reading of records' numbers and revisions asks for (None: all)."""
    asked: list[list[str] | None] = []
    real = kept_store.revisions

    def counting(engine, as_of, clients=None):  # type: ignore[no-untyped-def]
        asked.append(sorted(clients) if clients is not None else None)
        return real(engine, as_of, clients)

    monkeypatch.setattr(kept_store, "revisions", counting)
    return asked


def test_a_pass_after_new_mail_reads_the_revisions_of_the_client_whose_mail_changed_only(
    store_url, analyzer, monkeypatch
) -> None:
    s = _on(store_url, analyzer)
    asked = _revisions_read(monkeypatch)
    passes = _evaluated_clients(monkeypatch)
    evaluate_alerts(s.runtime, now=FIRST + timedelta(minutes=15))
    s.close()

    assert passes == [[FALKENBERG]]
    assert asked == [[FALKENBERG]]


def test_mail_given_to_another_client_makes_the_next_pass_evaluate_both(
    tmp_path, analyzer, monkeypatch
) -> None:
    s = Scenario(tmp_path, analyzer)
    _acme_weekly(s)
    s.evaluation(MONDAY)
    first = at("2026-06-17 12:00").astimezone(UTC)
    evaluate_alerts(s.runtime, now=first)
    passes = _evaluated_clients(monkeypatch)
    with s.runtime.store.engine.begin() as connection:  # as a change of the clients' domains does
        connection.execute(
            sa.update(messages)
            .where(messages.c.client == ACME, messages.c.subject.like("%week 3%"))
            .values(client=FALKENBERG)
        )
    evaluate_alerts(s.runtime, now=first + timedelta(minutes=15))
    evaluate_alerts(s.runtime, now=first + timedelta(minutes=30))
    s.close()

    assert passes == [[ACME, FALKENBERG], []]


def _change(s: Scenario, sent: dict[int, object], index: int, kind: str) -> None:
    """Take Dana's message ``index`` out of the store (as the retention purge does) or give it
    to Falkenberg (as a change of the clients' domains does)."""
    message = sent.get(index)
    if message is None:
        return
    key = message.message_id  # type: ignore[attr-defined]
    with s.runtime.store.engine.begin() as connection:
        if kind == "delete":
            ids = sa.select(messages.c.id).where(messages.c.message_id == key).scalar_subquery()
            connection.execute(sa.delete(sightings).where(sightings.c.message.in_(ids)))
            connection.execute(sa.delete(messages).where(messages.c.message_id == key))
        else:
            connection.execute(
                sa.update(messages).where(messages.c.message_id == key).values(client=FALKENBERG)
            )


def _replay_with_changes(
    s: Scenario,
    mail: list[tuple[int, int, int | None, int]],
    changes: list[tuple[int, int, str]],
    passes: list[int],
    *,
    everyone: bool,
) -> list[tuple[int, list[tuple[object, ...]]]]:
    """As :func:`_replay`, with mail stored long after its date (``ahead`` below zero) and
    stored messages deleted or given to another client at their hours."""
    start = at("2026-06-01 08:00")
    events = sorted(
        [(hour, 0, "client", index) for index, (hour, *_) in enumerate(mail)]
        + [
            (max(hour, hour + ahead + answer), 1, "us", index)
            for index, (hour, _, answer, ahead) in enumerate(mail)
            if answer is not None
        ]
        + [(hour, 2, kind, index) for hour, index, kind in changes]
    )
    sent: dict[int, object] = {}
    seen = []
    for hour in passes:
        while events and events[0][0] <= hour:
            _, _, what, index = events.pop(0)
            stored, n, answer, ahead = mail[index] if index < len(mail) else (0, 0, None, 0)
            dated = start + timedelta(hours=stored + ahead)
            subject, body = _MAIL[n]
            if what == "client":
                text = dated.strftime("%Y-%m-%d %H:%M")
                sent[index] = s.client_writes(text, f"{subject} ({index})", body)
            elif what == "us" and index in sent:
                text = (dated + timedelta(hours=answer or 0)).strftime("%Y-%m-%d %H:%M")
                s.we_reply(sent[index], text, "Hi Dana, done and sent over. Best, Alice")  # type: ignore[arg-type]
            elif what in ("delete", "give"):
                _change(s, sent, index, what)
        seen.append((hour, _pass_at(s, start + timedelta(hours=hour), everyone=everyone)))
    return seen


@pytest.mark.slow
@_REPLAYS
@given(
    mail=_mail([0, 0, 1, 5, -30, -200]),
    changes=st.lists(
        st.tuples(st.integers(0, 24 * 20), st.integers(0, 7), st.sampled_from(["delete", "give"])),
        max_size=3,
    ),
    steps=_STEPS,
)
def test_passes_alert_as_passes_of_every_client_through_late_mail_deletions_and_moves(
    tmp_path_factory, analyzer, mail, changes, steps
) -> None:
    """Which clients changed is read from the store's marks (client_changes) and the numbers
    kept with each evaluation: mail stored long after its date, a message deleted or given to
    another client must each make the next pass evaluate the clients it touched (every pass
    checks it: :func:`_nothing_missed`)."""
    lean, full = _both_ways(
        tmp_path_factory,
        analyzer,
        steps,
        lambda s, passes, all_: _replay_with_changes(s, mail, changes, passes, everyone=all_),
    )

    assert lean == full
