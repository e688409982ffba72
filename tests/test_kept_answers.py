"""`relmon health` keeps each client's row and reads it back while nothing it was computed from
has changed; a kept row always equals the row computed from scratch, whatever arrives, late or
not, and whatever is removed or re-analysed."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.app import kept as kept_mod
from monitor.app import views
from monitor.app.alerting import evaluate_alerts
from monitor.app.evaluation import prepare
from monitor.app.runtime import Runtime
from monitor.cli import cli
from monitor.store import kept as kept_store
from monitor.store.schema import evaluated_clients, kept_answers, messages
from tests.factories import BEN, CONFIG, JANA, team_config
from tests.scenario import Scenario, at

ACME = "Acme Logistics"
FALKENBERG = "Falkenberg Maschinenbau"
AS_OF = at("2026-06-26 17:00").astimezone(UTC)


_COMPUTED_HEALTH = views.computed_health  # as it is, whatever a test counts


def _from_scratch(runtime: Runtime, as_of: datetime) -> list[dict[str, object]]:
    rows = _COMPUTED_HEALTH(runtime, prepare(runtime, as_of), views.TREND_DAYS)
    return sorted(rows.values(), key=views._worst_first)  # type: ignore[arg-type]


def _two_clients(s: Scenario) -> None:
    """Acme answered the next morning each week; Falkenberg waiting for an offer."""
    for day in ("01", "08", "15", "22"):
        asked = s.client_writes(
            f"2026-06-{day} 10:00",
            f"Warehouse figures for week {day}",
            "Hi Alice, could you send the updated warehouse figures? Thanks, Dana",
        )
        s.we_reply(asked, f"2026-06-{int(day) + 1:02d} 09:30", "Hi Dana, attached. Alice")
    s.client_writes(
        "2026-06-03 09:15",
        "Angebot Wartungsvertrag",
        "Dear Ben, could you send us the maintenance contract offer? Regards, Jana",
        frm=JANA,
        to=BEN,
    )


def _evaluated(s: Scenario) -> Scenario:
    """The two clients' mail, threaded, and the daemon's evaluation pass at AS_OF."""
    _two_clients(s)
    s.evaluation(AS_OF)
    evaluate_alerts(s.runtime, now=AS_OF)
    return s


def _computed_clients(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Which clients each health question computes (rather than reads back)."""
    asked: list[list[str]] = []
    real = views.computed_health

    def counting(runtime, evaluation, trend_days):  # type: ignore[no-untyped-def]
        asked.append(sorted(evaluation.histories))
        return real(runtime, evaluation, trend_days)

    monkeypatch.setattr(views, "computed_health", counting)
    return asked


def test_health_asked_again_reads_every_row_back_and_computes_none(
    tmp_path, analyzer, monkeypatch
) -> None:
    s = Scenario(tmp_path, analyzer)
    _two_clients(s)
    s.evaluation(AS_OF)  # threads the stored mail
    first = views.health(s.runtime, AS_OF)
    computed = _computed_clients(monkeypatch)

    again = views.health(s.runtime, AS_OF)
    s.close()

    assert computed == []
    assert again == first
    assert [row["name"] for row in first] == [FALKENBERG, ACME]


def test_new_mail_computes_again_only_the_client_it_belongs_to(
    tmp_path, analyzer, monkeypatch
) -> None:
    s = Scenario(tmp_path, analyzer)
    _two_clients(s)
    s.evaluation(AS_OF)
    before = {row["name"]: row for row in views.health(s.runtime, AS_OF)}
    computed = _computed_clients(monkeypatch)

    s.client_writes(
        "2026-06-25 16:40",
        "Delivery slots for July",
        "Hi Alice, can you confirm the July delivery slots by Monday? Thanks, Dana",
    )
    after = {row["name"]: row for row in views.health(s.runtime, AS_OF)}
    scratch = _from_scratch(s.runtime, AS_OF)
    s.close()

    assert computed == [[ACME]]
    assert after[FALKENBERG] == before[FALKENBERG]
    assert after[ACME]["awaiting"]["count"] == before[ACME]["awaiting"]["count"] + 1
    assert sorted(after.values(), key=views._worst_first) == scratch  # type: ignore[arg-type]


def test_a_stricter_threshold_is_never_answered_from_rows_kept_before_it(
    tmp_path, analyzer
) -> None:
    s = Scenario(tmp_path, analyzer)
    _two_clients(s)
    s.evaluation(AS_OF)
    lenient = views.health(s.runtime, AS_OF)
    stricter = Runtime.open(
        team_config(
            f"sqlite:///{tmp_path / 'relmon.db'}",
            "\n[thresholds]\nunanswered_warning_hours = 1\nunanswered_critical_hours = 2\n",
        ),
        analyzer=analyzer,
    )
    strict = views.health(stricter, AS_OF)
    scratch = _from_scratch(stricter, AS_OF)
    stricter.close()
    s.close()

    assert strict == scratch
    assert strict != lenient


def test_rows_are_kept_for_the_instant_asked_about_only(tmp_path, analyzer, monkeypatch) -> None:
    s = Scenario(tmp_path, analyzer)
    _two_clients(s)
    s.evaluation(AS_OF)
    views.health(s.runtime, AS_OF)
    computed = _computed_clients(monkeypatch)

    later = views.health(s.runtime, AS_OF + timedelta(hours=1))
    scratch = _from_scratch(s.runtime, AS_OF + timedelta(hours=1))
    s.close()

    # An hour later every wait is an hour longer: nothing kept for 17:00 answers for 18:00.
    assert computed == [[ACME, FALKENBERG]]
    assert later == scratch


def test_a_kept_row_reads_back_equal_with_its_instants_and_dates(tmp_path, analyzer) -> None:
    s = Scenario(tmp_path, analyzer)
    _two_clients(s)
    s.evaluation(AS_OF)
    rows = views.health(s.runtime, AS_OF)
    s.close()

    for row in rows:
        back = kept_mod.decode(kept_mod.encode(row))
        assert back == row
        assert isinstance(back["trend"][0]["date"], date)
        last = back["last_inbound"]
        assert last is not None and last["date"].tzinfo is not None


def test_the_evaluation_pass_keeps_every_row_and_health_then_answers_as_of_it(
    tmp_path, analyzer
) -> None:
    s = Scenario(tmp_path, analyzer)
    _two_clients(s)
    s.evaluation(AS_OF)
    evaluated = datetime.now(UTC)  # after the mail was stored
    evaluate_alerts(s.runtime, now=evaluated)
    kept = kept_store.read(
        s.runtime.store.engine, kept_mod.health_view(views.TREND_DAYS), evaluated
    )
    scratch = _from_scratch(s.runtime, evaluated)
    config = tmp_path / "relmon.toml"
    config.write_text(CONFIG + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n')
    s.close()

    answer = CliRunner().invoke(cli, ["--config", str(config), "health", "--json"])
    table = CliRunner().invoke(cli, ["--config", str(config), "health"])

    assert {name: kept_mod.decode(k.body) for name, k in kept.items()} == {
        row["name"]: row for row in scratch
    }
    assert answer.exit_code == 0, answer.output
    assert datetime.fromisoformat(json.loads(answer.output)["as_of"]) == evaluated
    assert "As of relmon's last evaluation" in table.output


def test_mail_stored_after_the_evaluation_makes_health_answer_for_now(tmp_path, analyzer) -> None:
    s = Scenario(tmp_path, analyzer)
    _two_clients(s)
    s.evaluation(AS_OF)
    evaluated = datetime.now(UTC) - timedelta(seconds=1)
    evaluate_alerts(s.runtime, now=evaluated)
    s.client_writes(
        "2026-06-25 16:40",
        "Delivery slots for July",
        "Hi Alice, can you confirm the July delivery slots by Monday? Thanks, Dana",
    )
    config = tmp_path / "relmon.toml"
    config.write_text(CONFIG + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n')
    s.close()

    table = CliRunner().invoke(cli, ["--config", str(config), "health"])

    assert table.exit_code == 0, table.output
    assert "As of relmon's last evaluation" not in table.output


def test_an_evaluation_older_than_the_refresh_and_an_interval_is_not_taken_for_now(
    tmp_path, analyzer
) -> None:
    s = Scenario(tmp_path, analyzer)
    _two_clients(s)
    now = datetime.now(UTC)
    reach = kept_mod.REFRESH + timedelta(minutes=15) + kept_mod.SLACK
    with s.runtime.store.engine.begin() as connection:  # the mail was stored long before
        connection.execute(sa.update(messages).values(first_seen=now - timedelta(days=1)))
    evaluate_alerts(s.runtime, now=now - reach - timedelta(seconds=1))
    _nothing_due(s)
    stale = {row["as_of"] for row in views.health(s.runtime, now, latest=True)}
    recent = now - reach + timedelta(seconds=1)
    with s.runtime.store.engine.begin() as connection:  # evaluated again, whatever is due
        connection.execute(sa.delete(evaluated_clients))
    evaluate_alerts(s.runtime, now=recent)
    _nothing_due(s)
    fresh = {row["as_of"] for row in views.health(s.runtime, now, latest=True)}
    s.close()

    assert stale == {now}
    assert fresh == {recent}


def _nothing_due(s: Scenario) -> None:
    """As if no finding could change with the time for a month (only the age is tested)."""
    with s.runtime.store.engine.begin() as connection:
        connection.execute(
            sa.update(evaluated_clients).values(due_at=datetime.now(UTC) + timedelta(days=30))
        )


# ------------------------------------------------------------------ any order, any change

_REQUESTS = (
    ("Warehouse figures", "Hi Alice, could you send the updated warehouse figures? Thanks, Dana"),
    ("Invoice 4471", "Alice, this invoice is wrong again. This is unacceptable. Dana"),
    ("Any update?", "Hi Alice, any update on the Leeds rollout? We need it by EOD. Dana"),
    ("Thank you", "Alice, thanks a lot for the quick fix, the team is delighted. Dana"),
)


@pytest.mark.slow
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    mail=st.lists(
        st.tuples(st.integers(0, 24 * 24), st.sampled_from(range(len(_REQUESTS))), st.booleans()),
        min_size=2,
        max_size=7,
    ),
    data=st.data(),
)
def test_kept_rows_equal_rows_computed_from_scratch_whatever_arrives_or_goes(
    store_scenario, mail, data
) -> None:
    s = store_scenario
    engine = s.runtime.store.engine
    with engine.begin() as connection:
        connection.execute(sa.delete(kept_answers))
        connection.execute(sa.delete(messages))
    first = at("2026-06-01 08:00")
    # Mail arrives in any order (old mail late); some is removed; a re-analysis changes one.
    for hours, kind, answered in data.draw(st.permutations(mail)):
        when = first + timedelta(hours=hours)
        subject, body = _REQUESTS[kind]
        asked = s.client_writes(f"{when:%Y-%m-%d %H:%M}", subject, body)
        if answered:
            reply = when + timedelta(hours=20)
            s.we_reply(asked, f"{reply:%Y-%m-%d %H:%M}", "Hi Dana, done, see attached. Alice")
        step = data.draw(st.sampled_from(["look", "quiet", "remove", "rescore"]))
        with engine.begin() as connection:
            keys = connection.execute(sa.select(messages.c.key)).scalars().all()
            chosen = data.draw(st.sampled_from(sorted(keys)))
            if step == "remove":
                connection.execute(sa.delete(messages).where(messages.c.key == chosen))
            elif step == "rescore":
                connection.execute(
                    sa.update(messages).where(messages.c.key == chosen).values(sentiment=-0.9)
                )
        if step != "quiet":
            assert views.health(s.runtime, AS_OF) == _from_scratch(s.runtime, AS_OF)
    assert views.health(s.runtime, AS_OF) == _from_scratch(s.runtime, AS_OF)


def test_a_clients_detail_kept_by_the_evaluation_pass_is_read_back_unchanged(
    tmp_path, analyzer, monkeypatch
) -> None:
    s = _evaluated(Scenario(tmp_path, analyzer))
    scratch = views.detail(
        *_history_report_points(s.runtime, ACME, AS_OF), kept_mod.DEFAULT_TIMELINE
    )

    def unread(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a kept detail reads no mail")

    monkeypatch.setattr(views, "prepare", unread)
    kept = views.client_detail(s.runtime, ACME, AS_OF)
    s.close()

    assert kept == scratch
    assert kept["timeline"] and kept["findings"]


def _history_report_points(runtime: Runtime, name: str, as_of: datetime):  # type: ignore[no-untyped-def]
    evaluation = prepare(runtime, as_of)
    reports, points = views.health_points(runtime, evaluation, views.TREND_DAYS)
    return evaluation.histories[name], reports[name], points[name]


def test_a_question_about_another_instant_leaves_the_evaluations_answers_kept(
    tmp_path, analyzer, monkeypatch
) -> None:
    s = _evaluated(Scenario(tmp_path, analyzer))
    views.health(s.runtime, AS_OF - timedelta(days=1))  # computed for yesterday, and kept
    views.health(s.runtime, AS_OF - timedelta(days=2))  # yesterday's make way for these
    computed = _computed_clients(monkeypatch)

    rows = views.health(s.runtime, AS_OF)
    with s.runtime.store.engine.connect() as connection:
        instants = connection.execute(sa.select(kept_answers.c.at).distinct()).scalars().all()
    s.close()

    assert computed == []
    assert [row["name"] for row in rows] == [FALKENBERG, ACME]
    assert sorted(instants) == [AS_OF - timedelta(days=2), AS_OF]


def test_answers_are_kept_and_read_back_on_sqlite_and_postgresql(
    store_url, analyzer, monkeypatch
) -> None:
    s = Scenario.__new__(Scenario)
    s.analyzer = analyzer
    s.runtime = Runtime.open(team_config(store_url), analyzer=analyzer)
    _evaluated(s)
    scratch = _from_scratch(s.runtime, AS_OF)
    computed = _computed_clients(monkeypatch)

    rows = views.health(s.runtime, AS_OF)
    s.client_writes(
        "2026-06-25 16:40",
        "Delivery slots for July",
        "Hi Alice, can you confirm the July delivery slots by Monday? Thanks, Dana",
    )
    after = views.health(s.runtime, AS_OF)
    s.close()

    assert rows == scratch
    assert computed == [[ACME]]
    assert after != rows


def test_while_no_stored_message_changes_kept_answers_are_read_without_any_fingerprint(
    store_url, analyzer, monkeypatch
) -> None:
    s = Scenario.__new__(Scenario)
    s.analyzer = analyzer
    s.runtime = Runtime.open(team_config(store_url), analyzer=analyzer)
    _evaluated(s)
    s.client_writes(
        "2026-06-25 16:40",
        "Delivery slots for July",
        "Hi Alice, can you confirm the July delivery slots by Monday? Thanks, Dana",
    )
    views.health(s.runtime, AS_OF)  # Acme computed again, Falkenberg checked and renewed
    real = kept_store.revisions
    fingerprinted: list[object] = []

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        fingerprinted.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(kept_store, "revisions", counting)
    again = views.health(s.runtime, AS_OF)
    with s.runtime.store.engine.begin() as connection:  # an expunge moves the counter too
        connection.execute(sa.delete(messages).where(messages.c.subject.like("%July%")))
    after = views.health(s.runtime, AS_OF)
    scratch = _from_scratch(s.runtime, AS_OF)
    s.close()

    assert len(fingerprinted) == 1  # only after the expunge
    assert after == scratch and after != again


def test_an_answer_kept_by_another_process_meanwhile_is_not_renewed_as_checked(
    store_url, analyzer, monkeypatch
) -> None:
    """A question that finds a kept answer still holds records that at the current counter;
    a slower process that meanwhile keeps an answer computed from older records in its place
    must not have that answer stamped as current."""
    s = Scenario.__new__(Scenario)
    s.analyzer = analyzer
    s.runtime = Runtime.open(team_config(store_url), analyzer=analyzer)
    _evaluated(s)
    views.health(s.runtime, AS_OF)
    engine = s.runtime.store.engine
    view = kept_mod.health_view(views.TREND_DAYS)
    held = kept_store.read(engine, view, AS_OF, [ACME])[ACME]
    older = json.loads(held.body)
    older["awaiting"] = {**older["awaiting"], "count": 7}  # what the slower process computed
    real_renew = kept_store.renew

    def renew_after_the_slower_process_kept_its_answer(*args, **kwargs):  # type: ignore[no-untyped-def]
        slower = kept_store.KeptAnswer(
            view, ACME, AS_OF, "from-older-records", json.dumps(older), held.settings, held.counter
        )
        kept_store.save(engine, [slower], also_keep={})
        return real_renew(*args, **kwargs)

    s.client_writes(  # the counter moves; Acme's records do not
        "2026-06-25 09:00",
        "Termin Dienstag",
        "Hallo Ben, passt Ihnen Dienstag um zehn? Viele Grüße, Jana",
        frm=JANA,
        to=BEN,
    )
    monkeypatch.setattr(kept_store, "renew", renew_after_the_slower_process_kept_its_answer)
    views.health(s.runtime, AS_OF)  # Acme's answer checked and renewed
    monkeypatch.setattr(kept_store, "renew", real_renew)
    served = {row["name"]: row for row in views.health(s.runtime, AS_OF)}
    scratch = {row["name"]: row for row in _from_scratch(s.runtime, AS_OF)}
    s.close()

    assert served[ACME] == scratch[ACME]
    assert served[ACME]["awaiting"]["count"] != 7


def test_a_mailbox_added_as_ours_makes_the_answers_kept_before_it_stale(tmp_path, analyzer) -> None:
    """Mail to an address that becomes one of our mailboxes waits for our reply from then on:
    the message's client and direction stay as they were, so only the configuration says so."""
    desk = "Ops Desk <ops@northwind-help.example>"
    mailbox = (
        '\n[[accounts]]\nname = "ops"\nkind = "maildir"\n'
        'address = "ops@northwind-help.example"\npath = "/srv/mail/ops"\n'
    )
    s = Scenario(tmp_path, analyzer)
    s.client_writes(
        "2026-06-22 10:00",
        "Corrected invoice",
        "Hi, could you please send the corrected invoice today? Thanks, Dana",
        to=desk,
    )
    s.evaluation(AS_OF)
    before = {row["name"]: row for row in views.health(s.runtime, AS_OF)}
    s.close()
    runtime = Runtime.open(
        team_config(f"sqlite:///{tmp_path / 'relmon.db'}", mailbox), analyzer=analyzer
    )
    after = {row["name"]: row for row in views.health(runtime, AS_OF)}
    scratch = {row["name"]: row for row in _from_scratch(runtime, AS_OF)}
    runtime.close()

    assert before[ACME]["awaiting"]["count"] == 0
    assert after[ACME] == scratch[ACME]
    assert after[ACME]["awaiting"]["count"] == 1
