"""Graph message JSON to the normalised form (pure), and the HTTP layer's small rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.config import Privacy
from monitor.core.model import Message, Quarantined
from monitor.sources.graph_http import RetryPolicy, retry_after_seconds
from monitor.sources.graph_map import envelope_from_graph, expand_clause, is_complete, needs_body
from monitor.sources.pipeline import from_envelope

ALICE = "alice.marsh@northwind-advisory.example"


def person(name: str, address: str) -> dict:
    return {"emailAddress": {"name": name, "address": address}}


def inbox_message(**changes) -> dict:
    """A client's message as Graph returns it from Alice's Inbox with relmon's $select."""
    message = {
        "@odata.type": "#microsoft.graph.message",
        "@odata.etag": 'W/"CQAAABYAAAARn2vdzPFjSbaPPxzjlzOTAAASsKZz"',
        "id": "AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AoWz1",
        "receivedDateTime": "2026-06-02T08:12:41Z",
        "sentDateTime": "2026-06-02T08:12:20Z",
        "hasAttachments": False,
        "internetMessageId": "<DB9PR08MB6587.roadmap@acme-logistics.example>",
        "subject": "Q3 roadmap review",
        "bodyPreview": "Hi Alice, could you send the revised rollout plan before Thursday's steering call?",
        "conversationId": "AAQkAGI1ZjM5ZDg3LTFmZTgtNDRmZS04YmUzLQAQAKo1",
        "isDraft": False,
        "uniqueBody": {
            "contentType": "text",
            "content": "Hi Alice,\r\n\r\nCould you send the revised rollout plan before Thursday's steering call?\r\n\r\nThanks,\r\nDana\r\n",
        },
        "sender": person("Dana Whitfield", "dana.whitfield@acme-logistics.example"),
        "from": person("Dana Whitfield", "Dana.Whitfield@Acme-Logistics.example"),
        "toRecipients": [person("Alice Marsh", ALICE)],
        "ccRecipients": [
            person("Raj Patel", "raj.patel@acme-logistics.example"),
            {"emailAddress": {"name": "All staff"}},
        ],
        "internetMessageHeaders": [
            {
                "name": "Received",
                "value": "from AM0PR03MB.eurprd03.prod.outlook.com; Tue, 2 Jun 2026 08:12:41 +0000",
            },
            {"name": "Content-Type", "value": 'multipart/alternative; boundary="_000_DB9PR"'},
            {"name": "Message-ID", "value": "<DB9PR08MB6587.roadmap@acme-logistics.example>"},
            {"name": "In-Reply-To", "value": "<AM0PR03MB.plan@northwind-advisory.example>"},
            {
                "name": "References",
                "value": "<AM0PR03MB.kickoff@northwind-advisory.example> <AM0PR03MB.plan@northwind-advisory.example>",
            },
        ],
    }
    message.update(changes)
    return message


def test_an_inbox_message_maps_to_an_envelope() -> None:
    envelope = envelope_from_graph(inbox_message(), mailbox=ALICE, folder="inbox")

    assert envelope.message_id == "DB9PR08MB6587.roadmap@acme-logistics.example"
    assert (
        envelope.sender is not None
        and envelope.sender.address == "dana.whitfield@acme-logistics.example"
    )
    assert [m.address for m in envelope.cc] == [
        "raj.patel@acme-logistics.example"
    ]  # the nameless entry is skipped
    assert envelope.date == datetime(2026, 6, 2, 8, 12, 20, tzinfo=UTC)
    assert envelope.received_at == datetime(2026, 6, 2, 8, 12, 41, tzinfo=UTC)
    assert envelope.in_reply_to == ("AM0PR03MB.plan@northwind-advisory.example",)
    assert envelope.references == (
        "AM0PR03MB.kickoff@northwind-advisory.example",
        "AM0PR03MB.plan@northwind-advisory.example",
    )
    assert envelope.unique_body is not None and envelope.unique_body.startswith("Hi Alice")
    assert envelope.content_type == "multipart/alternative"
    assert envelope.conversation_id == "AAQkAGI1ZjM5ZDg3LTFmZTgtNDRmZS04YmUzLQAQAKo1"


def test_a_sent_items_copy_takes_threading_from_its_mapi_properties() -> None:
    message = inbox_message(
        internetMessageHeaders=None,
        **{"from": person("Alice Marsh", ALICE)},
        sender=person("Alice Marsh", ALICE),
        singleValueExtendedProperties=[
            {"id": "String 0x1042", "value": "<DB9PR08MB6587.roadmap@acme-logistics.example>"},
            {
                "id": "String 0x1039",
                "value": "<AM0PR03MB.plan@northwind-advisory.example> <DB9PR08MB6587.roadmap@acme-logistics.example>",
            },
            {"id": "String 0x1a", "value": "IPM.Note"},
            {"id": "Integer 0xe08", "value": "48211"},
        ],
    )
    del message["internetMessageHeaders"]

    envelope = envelope_from_graph(message, mailbox=ALICE, folder="sentitems")

    assert envelope.in_reply_to == ("DB9PR08MB6587.roadmap@acme-logistics.example",)
    assert envelope.references[-1] == "DB9PR08MB6587.roadmap@acme-logistics.example"
    assert envelope.size == 48211
    assert envelope.headers == {}


def test_a_sent_items_copy_without_a_usable_from_is_the_mailbox_owners() -> None:
    message = inbox_message(
        **{"from": {"emailAddress": {"name": "{ME}"}}}, sender={"emailAddress": {"name": "{ME}"}}
    )

    envelope = envelope_from_graph(message, mailbox=ALICE, folder="sentitems")

    assert envelope.sender is not None and envelope.sender.address == ALICE
    assert any("mailbox owner" in note for note in envelope.notes)


def test_an_inbox_message_without_a_sender_address_is_quarantined(analyzer) -> None:
    message = inbox_message(
        **{"from": {"emailAddress": {"name": "/O=EXCHANGELABS/OU=EXCHANGE ADMINISTRATIVE GROUP"}}},
        sender=None,
    )

    result = from_envelope(
        envelope_from_graph(message, mailbox=ALICE, folder="inbox"), analyzer, Privacy()
    )

    assert isinstance(result, Quarantined) and result.reason == "no_sender"


def test_an_html_unique_body_is_read_as_text() -> None:
    message = inbox_message(
        uniqueBody={
            "contentType": "html",
            "content": "<html><body><p>Hi Alice,</p><p>Can we meet on <b>Tuesday</b>?</p></body></html>",
        }
    )

    envelope = envelope_from_graph(message, mailbox=ALICE, folder="inbox")

    assert envelope.unique_body is not None
    assert "Can we meet on Tuesday?" in envelope.unique_body and "<b>" not in envelope.unique_body


@pytest.mark.parametrize(
    ("message_class", "noise"),
    [
        ("REPORT.IPM.Note.NDR", "delivery_report"),
        ("REPORT.IPM.Note.IPNRN", "read_receipt"),
        ("IPM.Schedule.Meeting.Resp.Pos", "calendar_reply"),
        ("IPM.Note", None),
    ],
)
def test_the_exchange_message_class_marks_reports_and_meeting_responses(
    analyzer, message_class: str, noise: str | None
) -> None:
    message = inbox_message(
        internetMessageHeaders=[],
        singleValueExtendedProperties=[{"id": "String 0x001A", "value": message_class}],
        subject="Steering call",
        uniqueBody={
            "contentType": "text",
            "content": "See you on Thursday, can you bring the plan?",
        },
    )

    result = from_envelope(
        envelope_from_graph(message, mailbox=ALICE, folder="inbox"), analyzer, Privacy()
    )

    assert isinstance(result, Message)
    assert result.noise == noise


def test_list_headers_make_bulk_noise(analyzer) -> None:
    headers = [
        *inbox_message()["internetMessageHeaders"],
        {"name": "List-Unsubscribe", "value": "<mailto:leave@news.acme-logistics.example>"},
    ]

    result = from_envelope(
        envelope_from_graph(
            inbox_message(internetMessageHeaders=headers), mailbox=ALICE, folder="inbox"
        ),
        analyzer,
        Privacy(),
    )

    assert isinstance(result, Message) and result.noise == "bulk"


def test_a_delta_update_with_only_changed_properties_is_not_a_complete_message() -> None:
    assert is_complete(inbox_message())
    assert not is_complete(
        {
            "@odata.type": "#microsoft.graph.message",
            "id": "AAkAL",
            "isRead": True,
            "parentFolderId": "AAMkAGI1",
        }
    )


def test_a_missing_unique_body_with_a_preview_asks_for_the_body() -> None:
    assert not needs_body(inbox_message())
    without = inbox_message()
    del without["uniqueBody"]
    assert needs_body(without)
    assert not needs_body({**without, "bodyPreview": ""})


def test_the_preview_is_the_last_resort_for_text() -> None:
    message = inbox_message()
    del message["uniqueBody"]

    envelope = envelope_from_graph(message, mailbox=ALICE, folder="inbox")

    assert envelope.plain is not None and envelope.plain.startswith("Hi Alice")
    assert any("preview" in note for note in envelope.notes)


def test_the_expand_clause_asks_for_the_threading_properties() -> None:
    clause = expand_clause()

    assert clause.startswith("singleValueExtendedProperties($filter=")
    assert "id eq 'String 0x1042'" in clause and "id eq 'String 0x1039'" in clause


def test_retry_after_is_read_as_seconds_or_as_an_http_date() -> None:
    now = datetime(2026, 6, 2, 8, 0, 0, tzinfo=UTC)

    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Tue, 02 Jun 2026 08:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Tue, 02 Jun 2026 07:59:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_backoff_grows_exponentially_with_jitter_and_a_ceiling() -> None:
    policy = RetryPolicy(base_seconds=1.0, max_backoff_seconds=8.0)

    waits = {attempt: [policy.backoff(attempt) for _ in range(200)] for attempt in (1, 2, 3, 6)}

    assert all(0.5 <= w <= 1.0 for w in waits[1])
    assert all(1.0 <= w <= 2.0 for w in waits[2])
    assert all(2.0 <= w <= 4.0 for w in waits[3])
    assert all(4.0 <= w <= 8.0 for w in waits[6])
    assert len({round(w, 6) for w in waits[3]}) > 100  # jitter: retries spread out
