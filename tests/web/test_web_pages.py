"""What each person sees and can do in the dashboard, page by page (Starlette's test client
against the demo consultancy; see conftest for who owns what)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from monitor.cli import cli
from monitor.store.sources import record_attempt
from monitor.store.web import password_hash
from monitor.web.app import create_app
from tests.factories import CONFIG
from tests.web.conftest import (
    ALICE,
    BEN,
    CHLOE,
    NOW,
    PASSWORD,
    csrf_of,
    open_runtime,
    sign_in,
    web_config,
)

ALICES = {"Brightwater Energy", "Halden Marine", "Saaristo Design Oy"}
EVERYONE = ALICES | {
    "Kestrel Retail Group",
    "Meridian Freight",
    "Orchard Health Partners",
    "Falkenberg Maschinenbau GmbH",
}


def _portfolio_names(html: str) -> list[str]:
    return re.findall(r'<a href="/clients/[a-z0-9-]+"><strong>([^<]+)</strong></a>', html)


@pytest.fixture
def fresh(demo_store, tmp_path):
    """A private copy of the demo for tests that change alerts."""
    runtime = open_runtime(web_config(demo_store, tmp_path))
    with TestClient(create_app(runtime, lambda: NOW), follow_redirects=False) as test_client:
        yield test_client
    runtime.close()


def test_a_visitor_who_has_not_signed_in_is_sent_to_sign_in(client):
    response = client.get("/clients/halden-marine")

    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fclients%2Fhalden-marine"
    assert "<title>Sign in · relmon</title>" in client.get(response.headers["location"]).text


def test_a_consultant_sees_only_the_clients_she_owns_worst_first(client):
    sign_in(client, ALICE)

    html = client.get("/").text
    names = _portfolio_names(html)

    assert set(names) == ALICES
    assert f"{len(ALICES)} of {len(ALICES)} clients" in html
    assert names[0] == "Halden Marine"  # two critical alerts open


def test_a_lead_sees_every_client_with_its_trend_alerts_and_waiting_replies(client):
    sign_in(client, CHLOE)

    html = client.get("/").text
    names = _portfolio_names(html)

    assert set(names) == EVERYONE
    assert html.count('<svg class="spark"') == len(EVERYONE)
    assert "Health over 13 weeks" in html
    assert "critical: micromanagement" in html  # Kestrel's stored alert, with its severity
    # The wait as `relmon health` tells it: working days of the team's 8.5-hour day, and the
    # calendar beside them.
    assert 'data-label="Awaiting reply">1, oldest 3.9 working days (4 days)' in html


def test_the_portfolio_filters_by_owner_pattern_alert_kind_and_name(client):
    sign_in(client, CHLOE)

    by_owner = _portfolio_names(client.get("/", params={"owner": BEN}).text)
    by_kind = _portfolio_names(client.get("/", params={"kind": "silence"}).text)
    by_pattern = _portfolio_names(client.get("/", params={"pattern": "savvy"}).text)
    by_name = _portfolio_names(client.get("/", params={"q": "marine"}).text)

    assert set(by_owner) == {"Kestrel Retail Group", "Meridian Freight"}
    assert by_kind == ["Halden Marine"]
    assert "Brightwater Energy" in by_pattern and "Halden Marine" not in by_pattern
    assert by_name == ["Halden Marine"]


def test_a_consultant_who_guesses_another_owners_client_address_gets_not_found(client):
    sign_in(client, ALICE)

    theirs = client.get("/clients/kestrel-retail-group")
    unknown = client.get("/clients/no-such-client")

    assert theirs.status_code == 404 and unknown.status_code == 404
    assert "Kestrel" not in theirs.text
    assert theirs.text == unknown.text


def test_the_client_page_draws_the_year_and_says_why_each_alert_fires_or_not(client):
    sign_in(client, ALICE)

    html = client.get("/clients/halden-marine").text

    # Each of the four panels drawn for a screen and for a phone.
    assert html.count('<svg class="panel wide"') == 4
    assert html.count('<svg class="panel narrow"') == 4
    assert "erik.solheim@halden-marine.example: 01 Jul 2026 to 03 Aug 2026" in html  # away
    for kind in ("silence", "checkin_due", "unanswered", "friction", "micromanagement"):
        assert f"<strong>{kind}</strong>" in html
    assert "usually writes every 13 days" in html
    assert "Check in by email or phone every few weeks" in html  # laissez-faire advice
    assert "critical silence" in html  # the alert marked on the health chart


def test_the_client_page_tells_durations_and_measures_as_the_terminal_does(client):
    sign_in(client, ALICE)

    html = client.get("/clients/halden-marine").text

    assert "working hours" in html or "working days" in html  # our usual reply gap
    assert " h (" not in html  # no bare business hours
    assert "business hours" not in html and "percentile" not in html  # the terminal's words
    assert re.search(r"silent for \d+ (days|hours)\b", html)  # "silent for 45 days", not 44.873
    assert re.search(r"tone \d+", html)  # the health component, as the terminal names it
    assert re.search(r"sentiment \d", html) is None  # one name per measure
    assert re.search(r"20\d\d \d\d:\d\d (GMT|BST)", html)  # times name their zone


def test_an_owner_acknowledges_snoozes_and_resolves_from_the_alerts_page(fresh):
    sign_in(fresh, ALICE)
    token = csrf_of(fresh.get("/alerts").text)

    acked = fresh.post("/alerts/2", data={"csrf": token, "action": "ack"})
    snoozed = fresh.post("/alerts/3", data={"csrf": token, "action": "snooze", "duration": "1w"})
    page = fresh.get("/alerts").text
    resolved = fresh.post("/alerts/2", data={"csrf": token, "action": "resolve"})
    client_page = fresh.get("/clients/halden-marine").text

    assert acked.status_code == snoozed.status_code == resolved.status_code == 303
    assert "acknowledged" in page
    assert "snoozed until 27 Nov 2026" in page
    assert "acknowledged (critical) by web:alice.marsh@northwind-advisory.example" in client_page
    assert "resolved by hand (critical) by web:alice.marsh" in client_page


def test_an_acknowledged_alert_offers_no_acknowledge_and_a_second_one_is_a_notice(fresh):
    """Alice and Ben both click Acknowledge on alert 2 (or Alice twice): the second is told it
    was done already, not that something went wrong."""
    sign_in(fresh, ALICE)
    token = csrf_of(fresh.get("/alerts").text)

    fresh.post("/alerts/2", data={"csrf": token, "action": "ack"})
    page = fresh.get("/alerts").text
    again = fresh.post("/alerts/2", data={"csrf": token, "action": "ack"})
    told = fresh.get(again.headers["location"]).text

    (card,) = [c for c in page.split('<li class="alert">') if 'action="/alerts/2"' in c]
    assert "· acknowledged ·" in card
    assert 'value="snooze"' in card and 'value="ack"' not in card
    assert again.status_code == 303
    assert "Alert 2 was already acknowledged." in told and 'role="status"' in told
    assert "was not changed" not in told


def test_a_snooze_with_a_duration_that_cannot_be_read_says_so_on_the_alerts_page(fresh):
    sign_in(fresh, ALICE)
    token = csrf_of(fresh.get("/alerts").text)

    response = fresh.post(
        "/alerts/3", data={"csrf": token, "action": "snooze", "duration": "next tuesday"}
    )
    page = fresh.get(response.headers["location"]).text

    assert response.status_code == 303
    assert "Alert 3 was not changed: cannot read &#39;next tuesday&#39; as a duration" in page
    assert 'class="error" role="alert"' in page
    assert "snoozed until" not in page


def test_what_an_action_did_is_said_once_and_no_link_can_make_the_page_say_anything(fresh):
    sign_in(fresh, ALICE)
    token = csrf_of(fresh.get("/alerts").text)
    lure = "Session expired. Sign in again at https://evil.example"

    planted = fresh.get("/alerts", params={"done": lure, "problem": lure}).text
    acted = fresh.post("/alerts/2", data={"csrf": token, "action": "ack"})
    told = fresh.get(acted.headers["location"]).text
    again = fresh.get("/alerts").text

    assert "evil.example" not in planted and 'role="status"' not in planted
    assert acted.headers["location"] == "/alerts"
    assert "Alert 2 (Halden Marine, silence) is now acknowledged." in told
    assert "is now acknowledged." not in again


def test_the_portfolio_shows_an_alert_resolved_a_moment_ago(fresh):
    sign_in(fresh, ALICE)
    before = fresh.get("/").text
    token = csrf_of(fresh.get("/alerts").text)

    fresh.post("/alerts/2", data={"csrf": token, "action": "resolve"})
    after = fresh.get("/").text

    assert "critical: silence" in before
    assert "critical: silence" not in after


def test_the_portfolio_shows_a_snoozed_alert_with_the_day_its_snooze_ends(fresh):
    sign_in(fresh, ALICE)
    token = csrf_of(fresh.get("/alerts").text)
    before = fresh.get("/").text

    fresh.post("/alerts/3", data={"csrf": token, "action": "snooze", "duration": "1w"})
    after = fresh.get("/").text

    assert "snoozed until" not in before
    assert "snoozed until 27 Nov 2026" in after


def test_a_consultant_cannot_act_on_another_owners_alert(fresh):
    sign_in(fresh, ALICE)
    token = csrf_of(fresh.get("/alerts").text)

    response = fresh.post("/alerts/1", data={"csrf": token, "action": "resolve"})
    sign_in(fresh, CHLOE)

    assert response.status_code == 404
    assert "Kestrel Retail Group" in fresh.get("/alerts").text.split("Resolved in the last")[0]


def test_operations_are_for_the_lead_and_list_accounts_outbox_and_quarantine(demo_store, tmp_path):
    mail = Path(__file__).parents[2] / "monitor" / "demo" / "mail"
    accounts = "".join(
        f'\n[[accounts]]\nname = "{who}"\nkind = "mbox"\naddress = "{address}"\npath = "{mail / folder}"\n'
        for who, address, folder in (("alice", ALICE, "alice.marsh"), ("ben", BEN, "ben.okafor"))
    )
    runtime = open_runtime(web_config(demo_store, tmp_path, accounts))
    record_attempt(
        runtime.store.engine,
        "ben",
        now=NOW,
        error_kind="auth",
        error="LOGIN refused",
        escalate_after=3,
    )
    with TestClient(create_app(runtime, lambda: NOW), follow_redirects=False) as client:
        sign_in(client, ALICE)
        refused = client.get("/operations")
        sign_in(client, CHLOE)
        page = client.get("/operations")
    runtime.close()

    assert refused.status_code == 404
    assert page.status_code == 200
    assert '<td data-label="Account">alice</td>' in page.text
    assert "auth: LOGIN refused" in page.text
    assert re.search(r"\d+ waiting to be sent", page.text)
    assert "Waiting and retrying" in page.text  # the demo's alert emails, never sent
    assert "Quarantined messages" in page.text


def test_web_passwd_sets_a_members_password_and_refuses_strangers(demo_store, tmp_path):
    config = web_config(demo_store, tmp_path)
    runner = CliRunner()

    done = runner.invoke(
        cli, ["--config", str(config), "web", "passwd", BEN], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    stranger = runner.invoke(
        cli,
        ["--config", str(config), "web", "passwd", "mallory@example.org"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )

    assert done.exit_code == 0, done.output
    assert "dashboard password set for ben.okafor@northwind-advisory.example" in done.output
    assert PASSWORD not in done.output
    assert stranger.exit_code == 1 and "not a member" in stranger.output
    runtime = open_runtime(config)
    stored = password_hash(runtime.store.engine, BEN)
    runtime.close()
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored


def test_below_a_proxy_path_every_link_and_redirect_carries_that_path(demo_store, tmp_path):
    web = 'base_url = "https://intranet.example/relmon"\n'
    runtime = open_runtime(web_config(demo_store, tmp_path, web))
    with TestClient(create_app(runtime, lambda: NOW), follow_redirects=False) as client:
        to_login = client.get("/alerts")
        login = client.get("/login").text
        signed = sign_in(client, ALICE)
        page = client.get("/").text
    runtime.close()

    assert to_login.headers["location"] == "/relmon/login?next=%2Falerts"
    assert 'action="/relmon/login"' in login
    assert signed.headers["location"] == "/relmon/"
    assert 'href="/relmon/clients/halden-marine"' in page
    assert 'href="/relmon/static/relmon.css"' in page
    assert not re.search(r'(?:href|action)="/(?!relmon/)', page)


def test_a_snooze_from_a_dashboard_showing_the_past_lasts_from_now_not_from_then(
    demo_store, tmp_path
):
    """GIVEN `relmon web --as-of 2026-11-20T09:00Z`, weeks after that instant
    WHEN Alice snoozes an alert for a week from its alerts page
    THEN the snooze runs a week from when she pressed it: dated by the page's instant it would
    have ended already, and the next evaluation would mail her again at once."""
    from monitor.alerts.store import get
    from monitor.clock import utcnow
    from monitor.web.server import server

    runtime = open_runtime(web_config(demo_store, tmp_path))
    app = server(runtime, "127.0.0.1:0", lambda: NOW).config.app
    with TestClient(app, follow_redirects=False) as dashboard:
        sign_in(dashboard, ALICE)
        token = csrf_of(dashboard.get("/alerts").text)
        pressed = utcnow()
        dashboard.post("/alerts/3", data={"csrf": token, "action": "snooze", "duration": "1w"})
    with runtime.store.engine.connect() as connection:
        snoozed = get(connection, 3)
    runtime.close()

    assert snoozed is not None and snoozed.snoozed_until is not None
    assert snoozed.snoozed_until - pressed >= timedelta(days=7)


def test_a_new_password_ends_the_sessions_signed_in_with_the_old_one(demo_store, tmp_path):
    """Alice's laptop was stolen while she was signed in: she sets a new password from a
    script, and the cookie on the laptop no longer opens her pages."""
    config = web_config(demo_store, tmp_path)
    runtime = open_runtime(config)
    with TestClient(create_app(runtime, lambda: NOW), follow_redirects=False) as laptop:
        sign_in(laptop, ALICE)
        before = laptop.get("/clients/halden-marine")
        changed = CliRunner().invoke(
            cli,
            ["--config", str(config), "web", "passwd", ALICE, "--password-stdin"],
            input="a much longer new passphrase\n",
        )
        after = laptop.get("/clients/halden-marine")
        sign_in(laptop, ALICE, "a much longer new passphrase")
        again = laptop.get("/clients/halden-marine")
    runtime.close()

    assert changed.exit_code == 0, changed.output
    assert before.status_code == 200 and again.status_code == 200
    assert after.status_code == 303 and after.headers["location"].startswith("/login")


def test_a_returning_clients_page_gives_the_pattern_figures_relmon_client_gives(tmp_path, analyzer):
    """Acme wrote once in June 2024, then chased sixteen times in a month from November 2026:
    over the half-year a pattern is read over, that is 0.6 messages a week, not the 3.4 a week
    of counting only from the first message the page happened to load."""
    from datetime import UTC, datetime

    from monitor.store.web import set_password_hash
    from monitor.web.security import hash_password
    from tests.scenario import Scenario

    world = Scenario(tmp_path, analyzer)
    question = "Hi Alice,\n\nCould you send the revised rollout plan?\n\nThanks,\nDana"
    chasing = "Alice,\n\nAny update on the pallet count? Where are we with this?\n\nDana"
    first = world.client_writes("Mon 2024-06-03 10:00", "Rollout plan", question)
    world.we_reply(first, "Mon 2024-06-03 12:00", "Hi Dana,\n\nAttached.\n\nAlice")
    for day in range(16):
        when = datetime(2026, 11, 2) + timedelta(days=2 * day)
        asked = world.client_writes(f"{when:%a %Y-%m-%d} 10:00", f"Pallet count {day}", chasing)
        world.we_reply(asked, f"{when:%a %Y-%m-%d} 11:00", "Done.")
    now = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    set_password_hash(world.runtime.store.engine, ALICE, hash_password(PASSWORD), now)
    with TestClient(create_app(world.runtime, lambda: now), follow_redirects=False) as web:
        sign_in(web, ALICE)
        page = web.get("/clients/acme-logistics").text
    config = tmp_path / "relmon.toml"
    config.write_text(
        CONFIG + f'\n[store]\nurl = "{world.runtime.config.store.url}"\n', encoding="utf-8"
    )
    world.close()
    shown = CliRunner().invoke(
        cli,
        ["--config", str(config), "client", "acme", "--json", "--as-of", now.isoformat()],
        catch_exceptions=False,
    )

    reasons = json.loads(shown.output)["client"]["pattern"]["reasons"]
    assert reasons and "; ".join(reasons) in page
