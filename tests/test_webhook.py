"""The webhook channel: alerts reach a real HTTP receiver signed, once, with the same claims,
retries and identity as email; the receiver can prove who sent them and drop duplicates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from monitor.alerts.outbox import dispatch
from monitor.alerts.webhook import WebhookChannel, sign, verify
from monitor.app.alerting import deliver, evaluate_alerts, send_alerts
from monitor.config import load_config_text
from monitor.errors import ConfigError
from monitor.store.schema import alert_events, outbox
from tests.claims import let_claims_expire
from tests.factories import CONFIG
from tests.scenario import Scenario, at

pytestmark = pytest.mark.live

QUESTION = "Hi Alice,\n\nCould you confirm the revised rollout dates and the budget change before Thursday?\n\nThanks,\nDana"
CRITICAL = "Thu 2026-06-04 10:30"  # 25 business hours after Monday's question


def utc(text: str) -> datetime:
    return at(text).astimezone(UTC)


@pytest.fixture
def secret_file(tmp_path, webhook_server):
    path = tmp_path / "webhook.key"
    path.write_bytes(webhook_server.secret + b"\n")
    return str(path)


@pytest.fixture
def scenario(tmp_path, analyzer, smtp_server, webhook_server, secret_file):
    webhook_server.clock = utc(CRITICAL)
    s = Scenario(
        tmp_path, analyzer, extra_config=smtp_server.config() + webhook_server.config(secret_file)
    )
    yield s
    s.close()


def rows(scenario) -> list:
    with scenario.runtime.store.engine.connect() as connection:
        return connection.execute(sa.select(outbox).order_by(outbox.c.id)).all()


def test_a_critical_alert_reaches_the_webhook_signed_and_the_email_still_goes(
    scenario, smtp_server, webhook_server
) -> None:
    scenario.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)

    result = send_alerts(scenario.runtime, now=utc(CRITICAL))

    assert result.sent == 2 and result.delivery is None
    assert len(smtp_server.inbox.messages) == 1
    (request,) = webhook_server.requests
    assert request.status == 200
    headers, body = request.headers, request.json
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Relmon-Event"] == "alert"
    assert headers["X-Relmon-Timestamp"] == str(int(utc(CRITICAL).timestamp()))
    assert headers["X-Relmon-Signature"] == sign(
        webhook_server.secret, headers["X-Relmon-Timestamp"], request.body
    )
    assert headers["Idempotency-Key"] == body["id"]
    assert body["id"].startswith("webhook:ops-chat:relmon.alert.")
    assert body["schema"] == "relmon/webhook/v1" and body["type"] == "alert"
    assert body["owner"] == "alice.marsh@northwind-advisory.example"
    alert = body["alert"]
    assert (alert["client"], alert["kind"], alert["severity"], alert["event"]) == (
        "Acme Logistics",
        "unanswered",
        "critical",
        "opened",
    )
    assert alert["evidence"][0]["subject"] == "Revised rollout dates"
    assert len(alert["trend"]) == 30
    assert body["text"].startswith("CRITICAL: Acme Logistics is waiting for our reply.")
    email_row, hook_row = rows(scenario)
    assert (email_row.channel, hook_row.channel) == ("email", "webhook:ops-chat")
    assert hook_row.recipients == ["webhook:ops-chat"]  # never the URL: it may carry a token
    assert hook_row.payload == request.body


def test_a_receiver_that_is_down_gets_the_same_request_again_after_the_backoff(
    scenario, webhook_server
) -> None:
    scenario.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)
    webhook_server.answers = [503]

    first = send_alerts(scenario.runtime, now=utc(CRITICAL))
    waiting = rows(scenario)[1]
    too_early = deliver(scenario.runtime, now=utc(CRITICAL) + timedelta(seconds=10))
    webhook_server.clock = utc(CRITICAL) + timedelta(minutes=5)
    later = deliver(scenario.runtime, now=utc(CRITICAL) + timedelta(minutes=5))

    assert (first.sent, first.retried) == (1, 1)  # the email went; the webhook waits
    assert too_early.sent == 0 and later.sent == 1
    failed, delivered = webhook_server.requests
    assert (failed.status, delivered.status) == (503, 200)
    assert failed.body == delivered.body  # the same row: the same identity and payload
    assert failed.headers["Idempotency-Key"] == delivered.headers["Idempotency-Key"]
    assert delivered.headers["X-Relmon-Timestamp"] != failed.headers["X-Relmon-Timestamp"]
    assert waiting.state == "pending" and "webhook ops-chat at 127.0.0.1" in waiting.last_error
    assert "answered 503" in waiting.last_error
    hook_row = rows(scenario)[1]
    assert hook_row.state == "sent" and hook_row.attempts == 2


def test_a_refused_signature_is_a_permanent_failure_not_retried(
    tmp_path, analyzer, smtp_server, webhook_server
) -> None:
    wrong = tmp_path / "wrong.key"
    wrong.write_text("not-the-receivers-key")
    webhook_server.clock = utc(CRITICAL)
    s = Scenario(
        tmp_path, analyzer, extra_config=smtp_server.config() + webhook_server.config(str(wrong))
    )
    s.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)

    first = send_alerts(s.runtime, now=utc(CRITICAL))
    later = deliver(s.runtime, now=utc("Fri 2026-06-05 10:30"))
    hook_row = rows(s)[1]
    s.close()

    assert first.failed == 1 and later.sent == 0 and later.failed == 0
    assert hook_row.state == "failed" and hook_row.attempts == 1
    assert "answered 401" in hook_row.last_error and "/hooks/relmon" not in hook_row.last_error
    assert [r.status for r in webhook_server.requests] == [401]


def test_a_crash_after_the_receiver_answered_resends_one_identity_that_it_drops(
    scenario, webhook_server, secret_file
) -> None:
    scenario.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)
    evaluate_alerts(scenario.runtime, now=utc(CRITICAL))
    config = scenario.runtime.config
    real = WebhookChannel(config.webhooks[0], webhook_server.secret)

    class AnsweredThenCrashed:
        name = real.name
        deliverable = True

        def send(self, item, *, now):
            real.send(item, now=now)
            raise KeyboardInterrupt  # the process dies before recording the delivery

    with pytest.raises(KeyboardInterrupt):
        dispatch(
            scenario.runtime.store.engine,
            {real.name: AnsweredThenCrashed()},
            now=utc(CRITICAL),
            max_attempts=5,
        )
    webhook_server.clock = utc(CRITICAL) + timedelta(minutes=15)
    assert let_claims_expire(scenario.runtime.store.engine) == 1
    after_claim = deliver(scenario.runtime, now=utc(CRITICAL) + timedelta(minutes=15))

    assert after_claim.sent == 2  # the email, and the webhook row again after its claim expired
    first, again = webhook_server.requests
    assert first.headers["Idempotency-Key"] == again.headers["Idempotency-Key"]
    assert len(webhook_server.processed) == 1  # the receiver processed it once


def test_a_webhook_alone_delivers_without_email_and_carries_the_digest(
    tmp_path, analyzer, webhook_server, secret_file
) -> None:
    webhook_server.clock = utc("Wed 2026-06-03 10:30")
    steady = '\n[alerts]\ndry_run = false\nfirst_run = "alerts"\n'  # not a first run
    s = Scenario(tmp_path, analyzer, extra_config=steady + webhook_server.config(secret_file))
    s.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)

    result = send_alerts(s.runtime, now=utc("Wed 2026-06-03 10:30"))  # a warning: digest
    with s.runtime.store.engine.connect() as connection:
        events = connection.execute(
            sa.select(alert_events.c.event, alert_events.c.route).order_by(alert_events.c.id)
        ).all()
    s.close()

    assert result.digests == 1 and result.sent == 1 and result.delivery is None
    (request,) = webhook_server.requests
    body = request.json
    assert body["type"] == "digest" and body["day"] == "2026-06-03"
    assert [a["client"] for a in body["alerts"]] == ["Acme Logistics"]
    assert [tuple(e) for e in events] == [("opened", "digest"), ("notified", "digest")]


def test_a_captured_request_cannot_be_replayed_later_or_altered() -> None:
    secret, body = b"key", b'{"id": "webhook:ops:relmon.alert.1.2"}'
    sent = datetime(2026, 6, 4, 9, 30, tzinfo=UTC)
    stamp = str(int(sent.timestamp()))
    signature = sign(secret, stamp, body)

    assert verify(secret, stamp, body, signature, now=sent + timedelta(seconds=30))
    assert not verify(secret, stamp, body, signature, now=sent + timedelta(minutes=6))
    assert not verify(secret, stamp, body.replace(b"1.2", b"1.3"), signature, now=sent)
    later = str(int(sent.timestamp()) + 600)
    assert not verify(secret, later, body, signature, now=sent + timedelta(minutes=10))


def test_webhook_settings_are_checked_and_the_secret_is_never_inline(tmp_path) -> None:
    good = load_config_text(
        CONFIG
        + '\n[[webhooks]]\nname = "ops-chat"\nurl = "https://hooks.example.com/relmon"\n'
        + 'secret_env = "RELMON_WEBHOOK_SECRET"\n'
    )
    with pytest.raises(ConfigError) as problems:
        load_config_text(
            CONFIG
            + '\n[[webhooks]]\nname = "Ops Chat"\nurl = "http://hooks.example.com/relmon"\n'
            + 'secret = "inline"\ntimeout = 3\n'
            + '\n[[webhooks]]\nname = "b"\nurl = "https://b.example"\nsecret_file = "b.key"\n'
            + '\n[[webhooks]]\nname = "b"\nurl = "https://b.example"\nsecret_file = "b.key"\n'
        )

    (hook,) = good.webhooks
    assert (hook.name, hook.url, hook.timeout_seconds) == (
        "ops-chat",
        "https://hooks.example.com/relmon",
        10.0,
    )
    assert ("webhooks[0].secret", hook.secret) in list(good.secrets())
    text = "\n".join(problems.value.problems)
    assert "webhooks[0].name" in text and "webhooks[0].url" in text
    assert "secrets are not accepted inline" in text
    assert "did you mean 'timeout_seconds'" in text
    assert "a second webhook named 'b'" in text


def test_a_webhook_alone_hears_of_the_critical_alerts_of_a_first_run(
    tmp_path, analyzer, webhook_server, secret_file
) -> None:
    """The first run's summary is an email: an installation with a webhook and no email gets
    the alerts themselves, never nothing."""
    webhook_server.clock = utc(CRITICAL)
    live = "\n[alerts]\ndry_run = false\n"  # first_run left at its default, the summary
    s = Scenario(tmp_path, analyzer, extra_config=live + webhook_server.config(secret_file))
    s.client_writes("Mon 2026-06-01 10:00", "Revised rollout dates", QUESTION)

    result = send_alerts(s.runtime, now=utc(CRITICAL))
    s.close()

    assert result.sent == 1 and result.delivery is None
    (request,) = webhook_server.requests
    assert request.json["type"] == "alert" and request.json["alert"]["severity"] == "critical"
