"""A bounce forwarded with no words of its own is a delivery report; a person who forwards one
and writes something of their own, or forwards any other mail, is a person writing."""

from __future__ import annotations

import pytest

from monitor.config import Privacy
from monitor.core.bounce import remark_only
from monitor.core.model import Message, Noise
from monitor.sources.pipeline import from_raw
from tests.conftest import corpus
from tests.factories import ALICE, DANA, email

#: Apple Mail forwarding Sendmail's "Returned mail": the report's header block, no DSN fields.
APPLE_MAIL_FORWARD = (
    "Begin forwarded message:\n\n"
    "> From: Mail Delivery Subsystem <MAILER-DAEMON>\n"
    "> Date: 28 April 2026 23:45:01 JST\n"
    "> To: <dana.whitfield@acme-logistics.example>\n"
    "> Subject: Returned mail: see transcript for details\n>\n"
    ">    ----- The following addresses had permanent fatal errors -----\n"
    "> <alice.marsh@northwind-advisory.example>\n"
    ">     (reason: 550 5.1.1 <alice.marsh@northwind-advisory.example>... User unknown)\n"
)
#: Thunderbird forwarding Postfix's bounce inline: header block and the RFC 3464 fields.
THUNDERBIRD_FORWARD = (
    "-------- Forwarded Message --------\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "Date: Tue, 2 Jun 2026 09:14:08 +0100 (BST)\n"
    "From: MAILER-DAEMON@mail.acme-logistics.example (Mail Delivery System)\n"
    "To: dana.whitfield@acme-logistics.example\n\n"
    "This is the mail system at host mail.acme-logistics.example.\n\n"
    "I'm sorry to have to inform you that your message could not\n"
    "be delivered to one or more recipients.\n\n"
    "<kim.lee@northwind-advisory.example>: host mx.northwind-advisory.example said:\n"
    "    550 5.1.1 <kim.lee@northwind-advisory.example>: Recipient address rejected\n\n"
    "Reporting-MTA: dns; mail.acme-logistics.example\n"
    "X-Postfix-Queue-ID: 4Fq2xk1Xz9z9sWQ\n"
    "Arrival-Date: Tue,  2 Jun 2026 09:14:06 +0100 (BST)\n\n"
    "Final-Recipient: rfc822; kim.lee@northwind-advisory.example\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "Remote-MTA: dns; mx.northwind-advisory.example\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <kim.lee@northwind-advisory.example>: Recipient\n"
    "    address rejected: User unknown in virtual mailbox table\n"
)
#: German Outlook forwarding Exchange's non-delivery report.
OUTLOOK_DE_FORWARD = (
    "-----Ursprüngliche Nachricht-----\n"
    "Von: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@acme-logistics.example>\n"
    "Gesendet: Dienstag, 2. Juni 2026 09:14\n"
    "An: Dana Whitfield <dana.whitfield@acme-logistics.example>\n"
    "Betreff: Unzustellbar: Angebot Q3\n\n"
    "Ihre Nachricht hat einige oder alle Empfänger nicht erreicht.\n\n"
    "Betreff: Angebot Q3\n"
    "Gesendet: 02.06.2026 09:14\n\n"
    "Folgende(r) Empfänger konnte(n) nicht erreicht werden:\n\n"
    "kim.lee@northwind-advisory.example am 02.06.2026 09:14\n"
    "     550 5.1.1 RESOLVER.ADR.RecipNotFound; not found\n"
)


def read(raw: bytes, analyzer) -> Message:
    result = from_raw(raw, analyzer=analyzer, privacy=Privacy())
    assert isinstance(result, Message), result
    return result


@pytest.mark.corpus
def test_the_sisimai_forwarded_sendmail_bounce_is_a_delivery_report(analyzer) -> None:
    """Sisimai's lhost-sendmail-14: "Forward the message." above a quoted Sendmail DSN, sent
    with a References header as a reply would be."""
    raw = (corpus("sisimai") / "maildir" / "bsd" / "lhost-sendmail-14.eml").read_bytes()

    message = read(raw, analyzer)

    assert message.noise is Noise.DELIVERY_REPORT
    assert message.noise_reason is not None
    assert message.noise_reason.startswith("forwarded delivery report")
    assert not message.needs_reply


@pytest.mark.parametrize(
    ("remark", "forward", "subject"),
    [
        (
            "Forward the message.",
            APPLE_MAIL_FORWARD,
            "Fwd: Returned mail: see transcript for details",
        ),
        ("FYI", THUNDERBIRD_FORWARD, "Fwd: Undelivered Mail Returned to Sender"),
        ("", THUNDERBIRD_FORWARD, "Fwd: Undelivered Mail Returned to Sender"),
        ("Zur Info.", OUTLOOK_DE_FORWARD, "WG: Unzustellbar: Angebot Q3"),
        ("Bounced.", THUNDERBIRD_FORWARD.split("\nReporting-MTA")[0], "Kim's address"),
    ],
    ids=["apple-mail", "thunderbird-postfix", "no-remark", "outlook-de-exchange", "own-subject"],
)
def test_a_bounce_forwarded_with_a_short_remark_is_a_delivery_report(
    remark, forward, subject, analyzer
) -> None:
    raw = email(subject=subject, body=f"{remark}\n\n{forward}" if remark else forward)

    message = read(raw, analyzer)

    assert message.noise is Noise.DELIVERY_REPORT, message.noise_reason
    assert message.noise_reason is not None
    assert message.noise_reason.startswith("forwarded delivery report")
    assert not message.needs_reply


@pytest.mark.parametrize(
    "words",
    [
        "Your mail to Kim bounced, can you resend to her new address?",
        "Please update Kim's address in your records, she has left.",
        "Kim left Acme in May; her old address no longer works.",
    ],
)
def test_a_person_who_forwards_a_bounce_with_words_of_their_own_is_a_person(
    words, analyzer
) -> None:
    raw = email(
        subject="Fwd: Undelivered Mail Returned to Sender",
        body=f"Hi Alice,\n\n{words}\n\nDana\n\n{THUNDERBIRD_FORWARD}",
    )

    message = read(raw, analyzer)

    assert message.noise is None, message.noise_reason
    assert message.needs_reply


STATUS_REPORT = (
    "Status: amber\nAction: Dana to confirm the cut-over date with Northwind\n"
    "Status: 3 of 5 sites migrated\n\nRaj\n"
)


@pytest.mark.parametrize(
    "header",
    [
        "---------- Forwarded message ---------\n"
        "From: Raj Patel <raj.patel@acme-logistics.example>\n"
        "Date: Tue, 2 Jun 2026 at 08:40\n"
        "Subject: Warehouse migration: weekly status\n"
        f"To: {DANA}\n",
        # Lotus Notes: no "From:" line, so only the fields' values tell it from a report.
        "----- Forwarded by Dana Whitfield/Acme on 06/02/2026 08:45 AM -----\n\n"
        "Raj Patel\n06/02/2026 08:40 AM\n"
        "To: Dana Whitfield/Acme@Acme\ncc:\nSubject: Warehouse migration: weekly status\n",
    ],
    ids=["gmail", "lotus-notes"],
)
def test_a_short_forward_of_a_status_report_from_a_person_is_a_person(header, analyzer) -> None:
    """ "Status:" and "Action:" head the lines of a project report too, and the forwarded
    message is a colleague's, not a mail server's."""
    body = f"FYI\n\n{header}\n{STATUS_REPORT}"

    message = read(email(subject="Fwd: Warehouse migration: weekly status", body=body), analyzer)

    assert message.noise is None, message.noise_reason


def test_a_short_reply_quoting_our_forward_of_a_bounce_is_a_person(analyzer) -> None:
    """The quoted message is Alice's forward: the report sits one level further down, in a
    conversation between people."""
    quoted = "\n".join(f"> {line}" for line in THUNDERBIRD_FORWARD.splitlines())
    body = (
        "Thanks, fixed.\n\n"
        "On Tue, 2 Jun 2026 at 10:02, Alice Marsh <alice.marsh@northwind-advisory.example> wrote:\n"
        f"> From: {ALICE}\n"
        "> Subject: Fwd: Undelivered Mail Returned to Sender\n>\n"
        "> Dana, your mail to Kim bounced; she is at kim@northwind-advisory.example now.\n>\n"
        f"{quoted}\n"
    )
    raw = email(
        subject="Re: Fwd: Undelivered Mail Returned to Sender",
        body=body,
        in_reply_to="fwd-bounce-1@northwind-advisory.example",
    )

    assert read(raw, analyzer).noise is None


@pytest.mark.parametrize(
    ("text", "remark"),
    [
        ("Forward the message.", True),
        ("", True),
        ("FYI, see below", True),
        ("请查收", False),  # a request: "please check"
        ("转发给你，李伟已经离职了，邮件都被退回", False),  # a sentence of its own
        ("Can you check this?", False),
        ("Kim left Acme in May; her old address no longer works.", False),
    ],
)
def test_what_counts_as_a_short_remark(text: str, remark: bool) -> None:
    assert remark_only(text) is remark


def test_a_forwarded_reports_reason_names_the_daemon_not_the_forwarded_text(analyzer) -> None:
    # The forwarded block is body text: its "From:" line may carry anything after the "@".
    forward = THUNDERBIRD_FORWARD.split("\nReporting-MTA")[0].replace(
        "MAILER-DAEMON@mail.acme-logistics.example",
        "postmaster@acquisition-of-globex-closes-friday.example",
    )
    raw = email(subject="Fwd: Undelivered Mail Returned to Sender", body=f"FYI\n\n{forward}")

    message = read(raw, analyzer)

    assert message.noise is Noise.DELIVERY_REPORT
    assert message.noise_reason == "forwarded delivery report (sent by postmaster)"
