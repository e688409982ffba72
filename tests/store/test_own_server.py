"""Our reply seen only in a colleague's mailbox: ours when our own server vouched for the
sender (Authentication-Results with a trusted authserv-id), as a Sent-folder copy is; a
forgery of it, however dressed, stays nobody's."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from monitor.app.alerting import evaluate_alerts
from monitor.app.runtime import Runtime
from monitor.config import Config, Privacy, load_config_text
from monitor.core.model import Message
from monitor.errors import ConfigError
from monitor.sources.pipeline import from_raw
from monitor.store.conversations import rethread
from monitor.store.messages import Item, save_items
from monitor.store.schema import messages
from tests.authres import (
    GMAIL_OURS,
    POSTFIX_FORGED_BELOW_OUTSIDE_HOP,
    POSTFIX_FORGED_DMARC_FAIL,
    POSTFIX_OURS,
    with_trace,
)
from tests.factories import ALICE, BEN, CONFIG, DANA, email
from tests.scenario import Scenario, at

QUESTION = (
    "Hi Alice,\n\nCan you confirm the 6 July go-live still holds? The warehouse team needs "
    "to know by Friday.\n\nThanks,\nDana"
)
REPLY = "Hi Dana,\n\nYes, 6 July holds; the cut-over plan follows tomorrow.\n\nAlice"
WORKSPACE = ["mx.google.com"]
SELF_HOSTED = ["mx.northwind-advisory.example"]


def config(store_url: str, trusted: list[str], extra: str = "") -> Config:
    team = CONFIG.replace(
        'working_hours = "Mon-Fri 09:00-17:30"\n',
        f'working_hours = "Mon-Fri 09:00-17:30"\ntrusted_authserv_ids = {json.dumps(trusted)}\n',
        1,
    )
    return load_config_text(team + extra + f'\n[store]\nurl = "{store_url}"\n')


def scenario(store_url: str, analyzer, trusted: list[str]) -> Scenario:
    opened = Scenario.__new__(Scenario)
    opened.runtime = Runtime.open(config(store_url, trusted), analyzer=analyzer)
    opened.analyzer = analyzer
    return opened


def reply_in_bens_inbox(s: Scenario, question: Message, trace: str) -> None:
    """Alice's reply to Dana, Cc'd to Ben, read only from Ben's Inbox with its trace headers."""
    raw = with_trace(
        trace,
        email(
            frm=ALICE,
            to=DANA,
            cc=[BEN],
            subject=f"Re: {question.subject}",
            body=REPLY,
            date=at("Thu 2026-06-04 10:14"),
            message_id="CAHx7pQ2Ld0reply@mail.northwind-advisory.example",
            in_reply_to=question.message_id,
        ),
    )
    message = from_raw(raw, analyzer=s.analyzer, privacy=Privacy())
    assert isinstance(message, Message), message
    with s.runtime.store.engine.begin() as connection:
        save_items(
            connection,
            account="ben",
            folder="INBOX",
            items=[Item("ben-1", message)],
            directory=s.runtime.directory,
            now=datetime.now(UTC),
        )
    rethread(s.runtime.store.engine)


def stored_reply(s: Scenario) -> tuple[str, str | None]:
    with s.runtime.store.engine.connect() as connection:
        row = connection.execute(
            sa.select(messages.c.direction, messages.c.client).where(
                messages.c.subject == "Re: 6 July go-live"
            )
        ).one()
    return row.direction, row.client


@pytest.mark.parametrize(
    ("trusted", "trace"), [(WORKSPACE, GMAIL_OURS), (SELF_HOSTED, POSTFIX_OURS)]
)
def test_our_reply_seen_only_in_a_colleagues_inbox_closes_the_gap(
    store_url, analyzer, trusted, trace
) -> None:
    """GIVEN Dana's question unanswered long enough for a critical alert, WHEN Alice's reply,
    Cc'd to Ben, is read only from Ben's Inbox with our server's dmarc=pass for our domain,
    THEN it is our outbound reply to Acme: the question is answered and the alert resolved."""
    s = scenario(store_url, analyzer, trusted)
    question = s.client_writes("Mon 2026-06-01 10:00", "6 July go-live", QUESTION, cc=[BEN])
    opened = evaluate_alerts(s.runtime, now=at("Thu 2026-06-04 10:00").astimezone(UTC))
    assert ("unanswered", "critical") in {(e["kind"], e["severity"]) for e in opened.events}

    reply_in_bens_inbox(s, question, trace)
    after = evaluate_alerts(s.runtime, now=at("Thu 2026-06-04 10:30").astimezone(UTC))

    assert stored_reply(s) == ("outbound", "Acme Logistics")
    assert "resolved" in [e["event"] for e in after.events]
    assert not s.report("Acme Logistics", "Thu 2026-06-04 10:30").gaps.awaiting
    s.close()


@pytest.mark.parametrize(
    ("trusted", "trace"),
    [
        pytest.param(SELF_HOSTED, POSTFIX_FORGED_BELOW_OUTSIDE_HOP, id="stamp-below-outside-hop"),
        pytest.param(SELF_HOSTED, POSTFIX_FORGED_DMARC_FAIL, id="dmarc-fail-over-forged-pass"),
        pytest.param([], POSTFIX_OURS, id="no-trusted-authserv-id"),
        pytest.param(WORKSPACE, POSTFIX_OURS, id="another-servers-stamp"),
    ],
)
def test_a_forged_or_unvouched_reply_in_a_colleagues_inbox_answers_nothing(
    store_url, analyzer, trusted, trace
) -> None:
    """GIVEN the same unanswered question, WHEN a "From: Alice" reply reaches Ben's Inbox with
    Authentication-Results claiming our authserv-id below an outside hop, or our server's
    dmarc=fail over a forged pass, or no trusted authserv-id is configured, THEN it is
    nobody's: the question still waits and the alert stays open."""
    s = scenario(store_url, analyzer, trusted)
    question = s.client_writes("Mon 2026-06-01 10:00", "6 July go-live", QUESTION, cc=[BEN])
    evaluate_alerts(s.runtime, now=at("Thu 2026-06-04 10:00").astimezone(UTC))

    reply_in_bens_inbox(s, question, trace)
    after = evaluate_alerts(s.runtime, now=at("Thu 2026-06-04 10:30").astimezone(UTC))

    assert stored_reply(s) == ("other", None)
    assert "resolved" not in [e["event"] for e in after.events]
    assert s.report("Acme Logistics", "Thu 2026-06-04 10:30").gaps.awaiting
    s.close()


def test_a_vouched_reply_stays_ours_after_the_configuration_changes(store_url, analyzer) -> None:
    """GIVEN a vouched reply stored from Ben's Inbox, WHEN a client is added (every message is
    re-attributed without its headers), THEN it is still our outbound reply."""
    s = scenario(store_url, analyzer, SELF_HOSTED)
    question = s.client_writes("Mon 2026-06-01 10:00", "6 July go-live", QUESTION, cc=[BEN])
    reply_in_bens_inbox(s, question, POSTFIX_OURS)
    s.close()

    extra = '\n[[clients]]\nname = "Lumen Analytics"\ndomains = ["lumen-analytics.example"]\nowner = "alice.marsh@northwind-advisory.example"\n'
    s.runtime = Runtime.open(config(store_url, SELF_HOSTED, extra), analyzer=analyzer)
    assert stored_reply(s) == ("outbound", "Acme Logistics")
    s.close()


def test_a_vouched_copy_proves_a_reply_first_stored_unproven(store_url, analyzer) -> None:
    """GIVEN Alice's reply first stored from a copy with no trace headers (nobody's), WHEN
    the copy in Ben's Inbox with our server's stamp is read, THEN the reply becomes ours."""
    s = scenario(store_url, analyzer, SELF_HOSTED)
    question = s.client_writes("Mon 2026-06-01 10:00", "6 July go-live", QUESTION, cc=[BEN])
    reply_in_bens_inbox(s, question, "")
    assert stored_reply(s) == ("other", None)

    reply_in_bens_inbox(s, question, POSTFIX_OURS)
    assert stored_reply(s) == ("outbound", "Acme Logistics")
    s.close()


def test_trusted_authserv_ids_are_read_and_a_bad_one_is_named() -> None:
    """The setting is normalised and reaches the directory; a value that is not a host name
    is reported with its place."""
    read = config("sqlite:///:memory:", ["MX.Northwind-Advisory.example.", "mx.google.com"])
    assert read.team.trusted_authserv_ids == ("mx.northwind-advisory.example", "mx.google.com")
    assert read.directory().trusted_authserv_ids == {
        "mx.northwind-advisory.example",
        "mx.google.com",
    }
    assert config("sqlite:///:memory:", []).team.trusted_authserv_ids == ()
    with pytest.raises(ConfigError, match=r"team\.trusted_authserv_ids\[0\].*authserv-id"):
        config("sqlite:///:memory:", ["spf=pass; not a host"])
