"""Starting on a mailbox with history: one summary per owner instead of a burst of old alerts,
and a dry run that shows what would be sent before anything is."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from monitor.alerts.store import listing
from monitor.app.alerting import deliver, send_alerts
from monitor.cli import cli
from tests import factories
from tests.factories import BEN
from tests.scenario import Scenario, at

pytestmark = pytest.mark.live

ALICE_ADDRESS = "alice.marsh@northwind-advisory.example"
BEN_ADDRESS = "ben.okafor@northwind-advisory.example"
HARBOUR = (
    '\n[[clients]]\nname = "Harbour Board"\ndomains = ["harbour-board.example"]\n'
    'owner = "alice.marsh@northwind-advisory.example"\n'
)
QUESTION = (
    "Hi Alice,\n\nCould you confirm the berth schedule for the pilot before Thursday?\n\n"
    "Thanks,\nMia"
)


def utc(text: str) -> datetime:
    return at(text).astimezone(UTC)


def _scenario(tmp_path, analyzer, alerts_config: str, clients: str = HARBOUR) -> Scenario:
    original = factories.CONFIG
    factories.CONFIG = original + clients
    try:
        return Scenario(tmp_path, analyzer, extra_config=alerts_config)
    finally:
        factories.CONFIG = original


def _history(s: Scenario) -> None:
    """A year's worth of trouble: Acme went quiet in April and was never written to since;
    Harbour Board's question has waited a week; Ben's Falkenberg wrote last week, answered."""
    s.weekly_history("Mon 2026-02-02 10:00", 11)
    s.client_writes(
        "Mon 2026-05-25 10:00",
        "Berth schedule",
        QUESTION,
        frm="Mia Holt <mia.holt@harbour-board.example>",
    )
    question = s.client_writes(
        "Tue 2026-05-26 11:00",
        "Drawing set rev. C",
        "Hallo Ben,\n\nanbei die Zeichnungen, Revision C.\n\nGruss\nJana",
        frm="Jana Becker <jana.becker@falkenberg-maschinenbau.example>",
        to=BEN,
    )
    s.we_reply(
        question,
        "Tue 2026-05-26 15:00",
        "Hallo Jana,\n\ndanke, ist angekommen.\n\nBen",
        frm=BEN,
        to="Jana Becker <jana.becker@falkenberg-maschinenbau.example>",
    )


def test_the_first_evaluation_sends_one_summary_per_owner_instead_of_a_burst(
    tmp_path, analyzer, smtp_server
) -> None:
    s = _scenario(tmp_path, analyzer, smtp_server.config("dry_run = false\n", steady=False))
    _history(s)

    first = send_alerts(s.runtime, now=utc("Mon 2026-06-01 10:00"))
    again = send_alerts(s.runtime, now=utc("Mon 2026-06-01 11:00"))
    states = {(a.client, a.kind): a.state.value for a in listing(s.runtime.store.engine)}
    s.close()

    assert len(first.events) >= 3 and again.events == []
    by_owner = {m.recipients[0]: m.message for m in smtp_server.inbox.messages}
    assert len(smtp_server.inbox.messages) == 2 == len(by_owner)
    alice = by_owner[ALICE_ADDRESS]
    assert alice["Subject"] == "relmon now watches 2 clients: 2 need attention"
    text = alice.get_body(("plain",)).get_content()
    assert text.startswith("relmon now watches 2 clients for you; 2 need attention:")
    assert "Acme Logistics" in text and "has gone quiet" in text and "is due a check-in" in text
    assert "Harbour Board" in text and "is waiting for our reply" in text
    ben = by_owner[BEN_ADDRESS].get_body(("plain",)).get_content()
    assert ben.startswith("relmon now watches 1 client for you; none needs attention today.")
    assert "Watched: Falkenberg Maschinenbau." in ben  # which client, even when all is well
    assert (
        by_owner[BEN_ADDRESS]["Subject"] == "relmon now watches 1 client: nothing needs attention"
    )
    # The summary told the owners: the alerts it carries are notified, none left to re-send.
    assert states[("Acme Logistics", "silence")] == "notified"
    assert states[("Harbour Board", "unanswered")] == "notified"


def test_a_client_added_later_is_summarised_alone_while_the_others_alert_as_usual(
    tmp_path, analyzer, smtp_server
) -> None:
    alerts = smtp_server.config("dry_run = false\n", steady=False)
    s = _scenario(tmp_path, analyzer, alerts, clients="")
    _history(s)
    send_alerts(s.runtime, now=utc("Mon 2026-06-01 10:00"))
    s.close()
    before = len(smtp_server.inbox.messages)
    s = _scenario(tmp_path, analyzer, alerts)  # the configuration gains Harbour Board

    send_alerts(s.runtime, now=utc("Mon 2026-06-01 12:00"))
    s.close()

    new = smtp_server.inbox.messages[before:]
    assert [m.message["Subject"] for m in new] == [
        "relmon now also watches 1 client: 1 needs attention"
    ]
    text = new[0].message.get_body(("plain",)).get_content()
    assert "Harbour Board" in text and "Acme" not in text


def test_a_dry_run_lists_what_would_be_sent_and_go_live_sends_it(
    tmp_path, analyzer, smtp_server
) -> None:
    """GIVEN the default configuration (a dry run for the first day)
    WHEN alerts are evaluated
    THEN nothing is sent but `alerts send` lists it; after `go-live` it is sent."""
    s = _scenario(tmp_path, analyzer, smtp_server.config(steady=False))
    _history(s)
    config = tmp_path / "relmon.toml"
    url = s.runtime.config.store.url
    config.write_text(
        factories.CONFIG
        + HARBOUR
        + smtp_server.config(steady=False)
        + f'\n[store]\nurl = "{url}"\n'
    )

    held = send_alerts(s.runtime, now=utc("Mon 2026-06-01 10:00"))
    still = send_alerts(s.runtime, now=utc("Mon 2026-06-01 18:00"))
    nothing_sent = list(smtp_server.inbox.messages)
    live = CliRunner().invoke(cli, ["--config", str(config), "alerts", "go-live"])
    sent = deliver(s.runtime, now=utc("Mon 2026-06-01 18:05"))
    s.close()

    assert nothing_sent == []
    assert held.delivery is not None and held.delivery.startswith("dry run: nothing is sent until")
    assert sorted(h["recipients"][0] for h in held.held) == [ALICE_ADDRESS, BEN_ADDRESS]
    assert len(still.held) == 2
    assert live.exit_code == 0, live.output
    assert "alerts are live since" in live.output
    assert sent.sent == 2 and len(smtp_server.inbox.messages) == 2


def test_the_default_dry_run_ends_a_day_after_the_first_evaluation(
    tmp_path, analyzer, smtp_server
) -> None:
    s = _scenario(tmp_path, analyzer, smtp_server.config(steady=False))
    _history(s)

    held = send_alerts(s.runtime, now=utc("Mon 2026-06-01 10:00"))
    sent = send_alerts(s.runtime, now=utc("Tue 2026-06-02 10:01"))
    s.close()

    assert held.sent == 0 and len(held.held) == 2
    assert sent.sent >= 2 and sent.held == []


def test_a_dry_run_holds_for_the_first_day_or_until_go_live() -> None:
    from monitor.app.firstrun import holding

    started = datetime(2026, 6, 1, 9, tzinfo=UTC)
    day_later = datetime(2026, 6, 2, 9, tzinfo=UTC)
    hour_later = datetime(2026, 6, 1, 10, tzinfo=UTC)

    assert holding(None, started, None, hour_later)
    assert not holding(None, started, None, day_later)
    assert holding(True, started, None, day_later)
    assert not holding(True, started, hour_later, day_later)
    assert not holding(None, started, day_later, hour_later)  # live, whatever the clock says
    assert not holding(False, started, None, hour_later)


def test_clients_alerted_on_before_the_summary_existed_are_not_new(
    tmp_path, analyzer, smtp_server
) -> None:
    """GIVEN a store whose alerts were evaluated before first runs were recorded
    WHEN relmon evaluates again with the first-run summary on
    THEN a client with alerts is not new: a change alerts as usual, no summary."""
    old = _scenario(tmp_path, analyzer, smtp_server.config(), clients="")
    _history(old)
    send_alerts(old.runtime, now=utc("Mon 2026-06-01 10:00"))
    with old.runtime.store.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM meta WHERE name LIKE 'client_first_evaluated:%'")
    old.close()
    before = len(smtp_server.inbox.messages)
    s = _scenario(tmp_path, analyzer, smtp_server.config("dry_run = false\n", steady=False), "")
    s.client_writes("Mon 2026-06-01 11:00", "Pilot go-live date", QUESTION.replace("Mia", "Dana"))

    send_alerts(s.runtime, now=utc("Thu 2026-06-04 12:00"))
    s.close()

    subjects = [m.message["Subject"] for m in smtp_server.inbox.messages[before:]]
    assert subjects and not any("now watches" in str(subject) for subject in subjects)


def test_a_dry_run_does_not_list_an_email_its_owner_has_already_handled(
    tmp_path, analyzer, smtp_server
) -> None:
    from monitor.alerts.store import Action, act

    alerts = smtp_server.config('dry_run = true\nfirst_run = "alerts"\n', steady=False)
    s = _scenario(tmp_path, analyzer, alerts)
    _history(s)
    send_alerts(s.runtime, now=utc("Mon 2026-06-01 10:00"))
    harbour = next(a for a in listing(s.runtime.store.engine) if a.client == "Harbour Board")
    act(s.runtime.store.engine, harbour.id, Action.ACK, utc("Mon 2026-06-01 10:05"), by="alice")

    held = send_alerts(s.runtime, now=utc("Tue 2026-06-09 10:00"))  # true: past the first day
    s.close()

    subjects = [h["subject"] for h in held.held]
    assert subjects == ["relmon: Acme Logistics: 2 alerts (has gone quiet; is due a check-in)"]
    assert held.held[0]["due"] == "2026-06-09T09:00:00Z"
    assert smtp_server.inbox.messages == []
