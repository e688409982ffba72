"""Normalisation makes every value fit every store, and leaves real mail as it was."""

from __future__ import annotations

from monitor.core.addresses import is_sent_folder
from monitor.core.model import Mailbox, Message, Quarantined
from monitor.core.normalise import Envelope, content_key, normalise
from monitor.core.sanitise import canonical_id, clean_text, fit_address

DANA = Mailbox("dana.whitfield@acme-logistics.example", "Dana Whitfield")
ALICE = Mailbox("alice.marsh@northwind-advisory.example", "Alice Marsh")


def envelope(**fields) -> Envelope:
    base = {
        "message_id": "q3-plan@acme-logistics.example",
        "sender": DANA,
        "to": (ALICE,),
        "subject": "Q3 roadmap review",
        "date_header": "Tue, 02 Jun 2026 09:12:00 +0100",
        "plain": "Hi Alice,\n\nCould you send the revised plan before Thursday?\n\nDana",
    }
    base.update(fields)
    return Envelope(**base)


def test_ordinary_mail_is_left_exactly_as_it_was(analyzer) -> None:
    plain = envelope(in_reply_to=("a@b.example",), references=("a@b.example",))

    message = normalise(plain, analyzer).message

    assert message.subject == "Q3 roadmap review"
    assert (message.key, message.message_id) == ("q3-plan@acme-logistics.example",) * 2
    assert (message.sender, message.to) == (DANA, (ALICE,))
    assert message.in_reply_to == ("a@b.example",) and message.notes == ()


def test_a_4_mb_subject_is_cut_and_a_message_without_id_keeps_its_old_key(analyzer) -> None:
    huge = envelope(message_id=None, subject="Invoice " * 500_000)

    message = normalise(huge, analyzer).message

    assert len(message.subject) == 998
    assert message.key == content_key(huge)  # the key stores already hold
    assert "subject cut at 998 of 4000000 characters" in message.notes


def test_nul_and_control_characters_never_reach_a_message(analyzer) -> None:
    dirty = envelope(
        subject="Revised\x00 invoice\x1b[2J",
        sender=Mailbox(DANA.address, "Dana\x00 Whitfield\x07"),
        headers={"auto-submitted": "auto-replied\x00"},
    )

    message = normalise(dirty, analyzer, snippet_chars=200).message

    assert message.subject == "Revised invoice [2J"
    assert message.sender == Mailbox(DANA.address, "Dana Whitfield ")
    assert message.noise_reason is not None and "\x00" not in message.noise_reason


def test_long_ids_become_one_hash_wherever_they_appear(analyzer) -> None:
    long_id = "t" * 600 + "@tickets.acme-logistics.example"

    root = normalise(envelope(message_id=long_id), analyzer).message
    reply = normalise(
        envelope(message_id="r@x.example", in_reply_to=(long_id,), references=(long_id,)),
        analyzer,
    ).message

    assert root.key == canonical_id(long_id) and len(root.key) < 80
    assert reply.in_reply_to == reply.references == (root.key,)
    assert canonical_id("a\x00b@c.example") != "a\x00b@c.example"


def test_an_address_too_long_keeps_its_domain_or_quarantines_the_message(analyzer) -> None:
    long_local = "d" * 330 + "@acme-logistics.example"
    impossible = "dana@" + "x" * 330 + ".example"

    kept = normalise(envelope(sender=Mailbox(long_local)), analyzer)
    refused = normalise(envelope(sender=Mailbox(impossible)), analyzer)

    assert isinstance(kept, type(normalise(envelope(), analyzer)))
    assert isinstance(kept.message, Message)
    assert kept.message.sender is not None
    assert kept.message.sender.address == fit_address(long_local)
    assert kept.message.sender.address.endswith("@acme-logistics.example")
    assert isinstance(refused, Quarantined) and refused.reason == "address_too_long"
    assert refused.key == "q3-plan@acme-logistics.example"


def test_clean_text_keeps_tabs_and_newlines() -> None:
    assert clean_text("a\tb\nc\x00d\x7fe") == "a\tb\ncd e"


def test_sent_folders_are_known_by_their_names() -> None:
    sent = ["Sent", "INBOX.Sent", "[Gmail]/Sent Mail", "alice@x.example/sentitems", ".Sent"]
    sent += ["Sent.mbox", "sent-2025.mbox", "Gesendete Elemente", "Отправленные"]
    other = ["INBOX", "Sentiment", "alice.marsh.mbox", "Kunden/Acme", "Archive"]

    assert all(is_sent_folder(name) for name in sent)
    assert not any(is_sent_folder(name) for name in other)
