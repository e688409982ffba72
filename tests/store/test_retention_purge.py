"""The retention purge removes what relmon wrote about mail past its retention, not only the
mail: alerts and their events quote subjects and senders, emails hold whole texts, kept answers
hold timelines. What is still current or still to be sent stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from monitor.config import Privacy
from monitor.core.model import Message
from monitor.sources.pipeline import from_raw
from monitor.store import Store
from monitor.store.kept_tables import kept_answers
from monitor.store.messages import Item, save_items
from monitor.store.retention import purge_before
from monitor.store.schema import alert_events, alerts, outbox, reply_actions
from tests.factories import DANA, email, team_config

CUT = datetime(2026, 6, 1, tzinfo=UTC)
OLD, RECENT = CUT - timedelta(days=40), CUT + timedelta(days=20)
OWNER = "alice.marsh@northwind-advisory.example"
QUOTED = "'Invoice 4471 dispute' from dana.whitfield@acme-logistics.example has waited 3 days"


def _mail(store: Store, analyzer, when: datetime, ident: str) -> None:
    raw = email(frm=DANA, subject="Invoice 4471 dispute", date=when, message_id=ident)
    message = from_raw(raw, analyzer=analyzer, privacy=Privacy())
    assert isinstance(message, Message)
    with store.engine.begin() as connection:
        save_items(
            connection,
            account="alice",
            folder="INBOX",
            items=[Item(ident, message)],
            directory=team_config().directory(),
            now=RECENT,
        )


def _alert(connection: sa.Connection, kind: str, state: str, resolved: datetime | None) -> int:
    values = {
        "client": "Acme Logistics",
        "kind": kind,
        "owner": OWNER,
        "state": state,
        "severity": "critical",
        "opened_at": OLD,
        "changed_at": resolved or OLD,
        "resolved_at": resolved,
        "explanation": QUOTED,
        "figures": {},
        "evidence": [{"subject": "Invoice 4471 dispute"}],
    }
    ident = connection.execute(sa.insert(alerts).values(**values).returning(alerts.c.id)).scalar()
    for at, event in ((OLD, "opened"), (RECENT, "notified")):
        connection.execute(
            sa.insert(alert_events).values(
                alert=ident,
                at=at,
                event=event,
                severity="critical",
                state=state,
                explanation=QUOTED,
            )
        )
    return int(ident)


def _email(connection: sa.Connection, ident: str, state: str, at: datetime) -> None:
    connection.execute(
        sa.insert(outbox).values(
            message_id=ident,
            channel="email",
            kind="alert",
            recipients=[OWNER],
            subject="relmon: Acme Logistics is waiting for our reply",
            payload=QUOTED.encode(),
            created_at=at,
            not_before=at,
            state=state,
            attempts=1,
            last_attempt_at=at,
            sent_at=at if state == "sent" else None,
        )
    )


def test_a_purge_removes_what_relmon_wrote_about_mail_past_its_retention(
    store: Store, analyzer
) -> None:
    _mail(store, analyzer, OLD, "invoice-1@acme-logistics.example")
    _mail(store, analyzer, RECENT, "invoice-2@acme-logistics.example")
    with store.engine.begin() as connection:
        resolved_long_ago = _alert(connection, "unanswered", "resolved", OLD + timedelta(days=2))
        still_open = _alert(connection, "friction", "notified", None)
        _email(connection, "<sent-old@relmon>", "sent", OLD)
        _email(connection, "<failed-old@relmon>", "failed", OLD)
        _email(connection, "<superseded-old@relmon>", "superseded", OLD)
        _email(connection, "<held@relmon>", "pending", OLD)  # not sent yet: it stays
        _email(connection, "<sent-recent@relmon>", "sent", RECENT)
        for key, at in (("ack-old", OLD), ("ack-recent", RECENT)):
            connection.execute(
                sa.insert(reply_actions).values(key=key, command="ack", outcome="applied", at=at)
            )
        for client in ("Acme Logistics", "Falkenberg Maschinenbau"):
            connection.execute(
                sa.insert(kept_answers).values(
                    view="client/40",
                    client=client,
                    at=RECENT,
                    fingerprint="f",
                    body='{"timeline": ["Invoice 4471 dispute"]}',
                )
            )

    purged = purge_before(store.engine, CUT)

    with store.engine.connect() as connection:
        left_alerts = set(connection.execute(sa.select(alerts.c.id)).scalars())
        left_events = connection.execute(sa.select(alert_events.c.alert, alert_events.c.at)).all()
        left_emails = set(connection.execute(sa.select(outbox.c.message_id)).scalars())
        left_replies = set(connection.execute(sa.select(reply_actions.c.key)).scalars())
        left_kept = set(connection.execute(sa.select(kept_answers.c.client)).scalars())
    assert purged["messages"] == 1
    assert left_alerts == {still_open} and resolved_long_ago not in left_alerts
    assert [(alert, at.replace(tzinfo=UTC)) for alert, at in left_events] == [(still_open, RECENT)]
    assert left_emails == {"<held@relmon>", "<sent-recent@relmon>"}
    assert left_replies == {"ack-recent"}
    assert left_kept == {"Falkenberg Maschinenbau"}  # Acme lost mail; Falkenberg's stands


def _waiting_alert(store: Store, severity, now: datetime) -> list:
    from monitor.alerts.store import apply
    from tests.store.test_one_open_alert import waiting

    with store.engine.begin() as connection:
        return apply(
            connection,
            [waiting(severity)],
            client="Acme Logistics",
            account=None,
            now=now,
            cooldown=timedelta(days=7),
        )


def test_a_purge_never_hands_an_old_alerts_ids_to_a_new_one(store: Store) -> None:
    """An alert's id and its event's are in its emails' Message-IDs and webhook keys: a new
    alert given the ids of one purged would thread under a year-old email, or be dropped by a
    receiver as a duplicate."""
    from monitor.core.detectors import Severity

    (first,) = _waiting_alert(store, Severity.CRITICAL, OLD)
    _waiting_alert(store, None, OLD + timedelta(days=1))  # cleared: resolved before the cut

    purge_before(store.engine, CUT + timedelta(days=100))
    (second,) = _waiting_alert(store, Severity.CRITICAL, RECENT + timedelta(days=100))

    assert second.alert.id != first.alert.id
    assert second.event_id > first.event_id


def test_an_email_still_waiting_about_an_alert_resolved_before_the_cut_is_not_sent(
    store: Store,
) -> None:
    """Held by a dry run or a relay that was down for weeks: once it can go, it is about an
    alert long resolved, and says nothing the owner needs."""
    from monitor.alerts.channel import OutboxKind
    from monitor.alerts.outbox import _item as item_of
    from monitor.alerts.outbox import superseded
    from monitor.core.detectors import Severity

    (opened,) = _waiting_alert(store, Severity.CRITICAL, OLD)
    with store.engine.begin() as connection:
        _email(connection, "<held-about-1@relmon>", "pending", OLD)
        connection.execute(sa.update(outbox).values(alert=opened.alert.id))
    _waiting_alert(store, None, OLD + timedelta(days=1))
    _waiting_alert(store, Severity.WARNING, RECENT)  # a newer alert: the first is not the newest

    purge_before(store.engine, CUT)
    with store.engine.connect() as connection:
        row = connection.execute(sa.select(outbox)).one()
        kept = connection.execute(sa.select(alerts.c.id).where(alerts.c.id == opened.alert.id))
        still_there = kept.first() is not None

    assert OutboxKind(row.kind) is OutboxKind.ALERT and still_there
    assert superseded(store.engine, item_of(row))


def test_a_retention_shorter_than_the_cool_down_keeps_a_resolved_alert_through_it(
    tmp_path, analyzer
) -> None:
    """GIVEN mail kept three days and Acme's unanswered alert cleared on Tuesday, WHEN the
    nightly purge runs on Friday and Dana's next question waits again, THEN the alert stays
    quiet for its week's cool-down as with any retention: purged, it would open anew and mail
    Alice again within days."""
    from dataclasses import replace

    from monitor.alerts.store import apply
    from monitor.app.retention import purge_expired
    from monitor.core.detectors import Severity
    from tests.scenario import Scenario
    from tests.store.test_one_open_alert import waiting

    s = Scenario(tmp_path, analyzer, extra_config="\n[privacy]\nretention_days = 3\n")
    monday = datetime(2026, 6, 1, 9, tzinfo=UTC)

    def evaluate(severity: Severity | None, at: datetime, client: str = "Acme Logistics"):  # type: ignore[no-untyped-def]
        condition = replace(waiting(Severity.CRITICAL), severity=severity)
        with s.runtime.store.engine.begin() as connection:
            happened = apply(
                connection,
                [condition],
                client=client,
                account=None,
                now=at,
                cooldown=timedelta(days=7),
            )
        return [t.event.kind.value for t in happened if t.event.notify]

    evaluate(Severity.CRITICAL, monday)
    evaluate(None, monday + timedelta(days=1))
    evaluate(Severity.CRITICAL, monday + timedelta(days=2), "Falkenberg Maschinenbau")
    purged = purge_expired(s.runtime, monday + timedelta(days=4, hours=16))
    friday = evaluate(Severity.CRITICAL, monday + timedelta(days=4, hours=17))
    next_week = evaluate(Severity.CRITICAL, monday + timedelta(days=8, hours=10))
    s.close()

    assert purged is not None and purged["alerts"] == 0
    assert (friday, next_week) == ([], ["reopened"])
