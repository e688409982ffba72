"""Noise: every rule of DESIGN.md on realistic messages, and the messages it must not catch."""

from __future__ import annotations

import re
import time
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.config import Privacy
from monitor.core import bulk, footer, noise
from monitor.core.model import Message, Noise, Quarantined
from monitor.core.noise import NoiseSignals, classify_noise
from monitor.core.normalise import _keyed, _own_text, _signals
from monitor.sources.parse import parse_raw
from monitor.sources.pipeline import from_raw
from tests.factories import DANA, email

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail" / "noise"
CASES = tomllib.loads((FIXTURES / "manifest.toml").read_text(encoding="utf-8"))["case"]


def read(raw: bytes, analyzer) -> Message:
    result = from_raw(raw, analyzer=analyzer, privacy=Privacy())
    assert isinstance(result, Message), result
    return result


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_noise_is_recognised_and_people_are_not(case, analyzer) -> None:
    message = read((FIXTURES / case["file"]).read_bytes(), analyzer)

    expected = Noise(case["noise"]) if case["noise"] else None
    assert message.noise == expected, f"{case['file']}: {message.noise_reason}"
    if expected is not None:
        assert message.noise_reason
        assert not message.needs_reply  # noise never waits for an answer


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "Auto-Submitted: auto-replied"),
        ({"Auto-Submitted": "auto-generated"}, "Auto-Submitted: auto-generated"),
        ({"X-Autoreply": "yes"}, "X-Autoreply header"),
        ({"X-Autorespond": "Out of office"}, "X-Autorespond header"),
        ({"Precedence": "auto_reply"}, "Precedence: auto_reply"),
    ],
)
def test_each_auto_reply_header_rule(headers, reason, analyzer) -> None:
    message = read(email(headers=headers, subject="Re: Q3 roadmap review"), analyzer)

    assert (message.noise, message.noise_reason) == (Noise.AUTO_REPLY, reason)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Precedence": "bulk"}, "Precedence: bulk"),
        ({"Precedence": "list"}, "Precedence: list"),
        ({"Precedence": "junk"}, "Precedence: junk"),
        (
            {"List-Id": "Acme partner news <news.acme-logistics.example>"},
            "List-Id: Acme partner news <news.acme-logistics.example>",
        ),
        (
            {"List-Unsubscribe": "<mailto:unsubscribe@acme-logistics.example>"},
            "List-Unsubscribe header",
        ),
    ],
)
def test_each_bulk_rule(headers, reason, analyzer) -> None:
    message = read(email(headers=headers, subject="Acme partner newsletter – June"), analyzer)

    assert (message.noise, message.noise_reason) == (Noise.BULK, reason)


def test_auto_submitted_no_is_a_person(analyzer) -> None:
    assert read(email(headers={"Auto-Submitted": "no"}), analyzer).noise is None


def test_x_auto_response_suppress_alone_is_not_an_auto_reply(analyzer) -> None:
    # Outlook puts it on ordinary mail: it asks others not to auto-reply.
    assert read(email(headers={"X-Auto-Response-Suppress": "All"}), analyzer).noise is None


def test_relmons_own_alert_emails_are_noise(analyzer) -> None:
    message = read(
        email(headers={"X-Relmon-Alert": "acme/silence/3", "Auto-Submitted": "auto-generated"}),
        analyzer,
    )

    assert message.noise is Noise.OWN_ALERT


@pytest.mark.parametrize(
    "subject",
    [
        "Automatic reply: Q3 roadmap review",
        "Out of Office: Q3 roadmap review",
        "Abwesenheitsnotiz: Q3 roadmap review",
        "Automatische Antwort: Q3 roadmap review",
        "Réponse automatique : Q3 roadmap review",
        "Respuesta automática: Q3 roadmap review",
        "Automaattinen vastaus: Q3 roadmap review",
        "自动回复: Q3 roadmap review",
        "Dana Whitfield is out of the office.",
    ],
)
def test_out_of_office_subjects_in_six_languages(subject: str) -> None:
    verdict = classify_noise(
        NoiseSignals(
            headers={}, sender=DANA, subject=subject, own_text="Thank you for your message."
        )
    )

    assert verdict is not None
    assert verdict.kind is Noise.AUTO_REPLY


@pytest.mark.parametrize(
    "subject",
    [
        "Re: Out of office policy for the support team",
        "Out of office cover for August?",
        "Re: Automatic replenishment rules",
    ],
)
def test_subjects_that_merely_mention_absence_are_not_auto_replies(subject: str) -> None:
    verdict = classify_noise(
        NoiseSignals(
            headers={},
            sender=DANA,
            subject=subject,
            own_text="Could we agree who covers the warehouse desk while I'm away?",
        )
    )

    assert verdict is None


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Feedback-ID": "2291734:campaign-88:stellar:sendgrid"}, "Feedback-ID header"),
        ({"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}, "List-Unsubscribe-Post header"),
        ({"X-Campaign": "spring-2026-eu"}, "X-Campaign header"),
        ({"X-Mailgun-Variables": '{"campaign": "q2"}'}, "X-Mailgun-Variables header"),
        ({"X-SES-Configuration-Set": "newsletters"}, "X-SES-Configuration-Set header"),
        ({"X-MC-User": "8a1f0c7d2e9b4a6f"}, "X-MC-User header"),
    ],
)
def test_headers_that_bulk_mail_services_add(headers, reason, analyzer) -> None:
    message = read(email(headers=headers, subject="Spring offers for Acme customers"), analyzer)

    assert message.noise is Noise.BULK
    assert message.noise_reason.startswith(reason)


def test_an_ses_relay_header_alone_leaves_a_person_a_person(analyzer) -> None:
    # Amazon WorkMail relays people's own mail through SES.
    message = read(email(headers={"X-SES-Outgoing": "2026.06.02-54.240.1.1"}), analyzer)

    assert message.noise is None


@pytest.mark.parametrize(
    "sender",
    [
        "MAILER-DAEMON <>",
        '"Mail Delivery System" <>',
        "<>",
        "Mail Delivery Subsystem <>",
    ],
)
def test_the_null_sender_in_every_form_is_a_delivery_report_not_quarantined(
    sender, analyzer
) -> None:
    raw = email(frm=sender, subject="Undelivered Mail Returned to Sender", body="Bounce.")

    message = read(raw, analyzer)

    assert message.noise is Noise.DELIVERY_REPORT
    assert message.sender is None
    assert not message.needs_reply


@pytest.mark.parametrize(
    "subject",
    [
        "Unzustellbar: Q3 roadmap review",
        "Non remis : Q3 roadmap review",
        "Mensaje no entregado: Q3 roadmap review",
        "Onbestelbaar: Q3 roadmap review",
        "Mancato recapito: Q3 roadmap review",
        "Não entregue: Q3 roadmap review",
        "メールエラー通知",
        "邮件投递失败",
        "Mail",
    ],
)
def test_bounce_subjects_in_more_languages_from_a_machine(subject, analyzer) -> None:
    raw = email(frm="no-reply@mx.acme-logistics.example", subject=subject, body="Failed.")

    message = read(raw, analyzer)

    assert message.noise is Noise.DELIVERY_REPORT


def test_a_person_whose_subject_is_mail_is_a_person(analyzer) -> None:
    message = read(email(subject="Mail"), analyzer)

    assert message.noise is None


def test_a_reply_that_quotes_a_newsletter_footer_is_a_person(analyzer) -> None:
    body = (
        "Yes, let's discuss the Rotterdam change on Thursday.\n\nDana\n\n"
        "On Tue, 17 Mar 2026 at 07:02, Northwind Freight <team@northwind.example> wrote:\n"
        "> New Rotterdam hub from 1 April.\n"
        "> You are receiving this email because you signed up. Unsubscribe here:\n"
        "> https://northwind.example/u/8f3a\n"
    )
    raw = email(subject="Re: March update", body=body, in_reply_to="nl-1@northwind.example")

    assert read(raw, analyzer).noise is None


@pytest.mark.parametrize(
    "subject", ["ADV: Lowest rates of the year", "(광고) 봄 신상품 안내", "[AD] Spring sale"]
)
def test_subjects_labelled_as_advertising(subject, analyzer) -> None:
    assert read(email(subject=subject), analyzer).noise is Noise.BULK


def test_srs_forwarding_return_path_is_not_verp(analyzer) -> None:
    headers = {"Return-Path": "<SRS0=x7Qa=ZB=acme-logistics.example=dana@forward.example>"}

    assert read(email(headers=headers), analyzer).noise is None


@pytest.mark.parametrize(
    "body",
    [
        "Hi Alice,\n\nPlease ask Raj to remove the pallets listed here before Friday: "
        "https://acme-logistics.example/dock/7\n\nDana",
        "Hi Alice,\n\nWe do not wish to receive the goods in this condition again.\n"
        "Photos: https://acme-logistics.example/claims/88\n\nDana",
        "Alice,\n\nNo more e-mails about this until Monday, please. "
        "Everything is in https://acme-logistics.example/q3\n\nDana",
        "Hi Alice,\n\nI'd like to be removed from the weekly status mailing list; "
        "the monthly summary is enough.\n\nDana",
    ],
)
def test_a_client_who_writes_remove_or_receive_is_still_a_person(body, analyzer) -> None:
    assert read(email(body=body), analyzer).noise is None


def test_remote_links_and_images_are_counted_in_linear_time_on_crafted_html() -> None:
    from monitor.core.bulk import html_refs

    crafted = "<a " * 70_000 + "<img " * 70_000
    started = time.process_time()
    refs = html_refs(crafted)

    assert time.process_time() - started < 0.5
    assert (refs.links, refs.images) == (0, 0)


def test_images_a_client_attaches_are_not_remote_images() -> None:
    from monitor.core.bulk import html_refs

    html = '<p>Photos of the damaged pallets:</p><img src="cid:image001.jpg@01DA">' * 4

    assert html_refs(html).images == 0


OFFER = (
    "Compare life insurance quotes from the top 20 carriers in seconds.\n"
    "$250,000 of cover from $6.50 a month.\n\n"
    "See your quotes: http://quotes.sure-cover.example/q/LF06-237600/\n"
)


@pytest.mark.parametrize(
    "footer",
    [
        "Click here to delete your address from future updates.\n"
        "http://quotes.sure-cover.example/rm/",
        "Do not reply to this message -\nTo be off from future mailings:\n"
        "mailto:offers@sure-cover.example?Subject=off",
        "THERE IS NO NEED TO RESPOND TO THIS E-MAIL IF YOU DO NOT WISH TO RECEIVE\n"
        "FURTHER CORRESPONDENCE. THIS IS A ONETIME E-MAIL.",
        "To stop these offers, send a message with the word UNSUBSCRIBE in the subject heading.",
        "If you do not want this account, click below to remove it entirely.\n"
        "http://accounts.sure-cover.example/b2b-remove.cgi?id=62898",
    ],
    ids=["delete-address", "be-off", "one-time", "word-in-subject", "remove-script"],
)
def test_more_unsubscribe_footers_make_mass_mail_bulk(footer, analyzer) -> None:
    raw = email(frm="Sure Cover <quotes@sure-cover.example>", body=f"{OFFER}\n{footer}\n")

    message = read(raw, analyzer)

    assert (message.noise, message.noise_reason) == (Noise.BULK, "unsubscribe footer")


def test_a_footer_in_capitals_is_found_in_text_that_is_not_ascii(analyzer) -> None:
    body = f"{OFFER}\nVous recevez ce message car vous êtes inscrit.\nTO UNSUBSCRIBE CLICK HERE\n"
    raw = email(frm="Sure Cover <quotes@sure-cover.example>", body=body)

    assert read(raw, analyzer).noise_reason == "unsubscribe footer"


@settings(max_examples=2000, deadline=None)
@given(text=st.from_regex(footer._FOOTER))
def test_every_footer_phrase_holds_a_word_of_the_quick_check(text: str) -> None:
    # unsubscribe_footer reads a body for its phrases only when one of these words is in it.
    read, lowered = footer.caseless_text(text)

    assert footer._FOOTER_WORDS.on(lowered).search(read)


def test_mail_without_a_footer_word_is_not_read_for_footer_phrases() -> None:
    body = "Hi Alice,\n\nThe carrier contract is signed; the pilot site opens on Monday.\n\nDana"

    assert footer._FOOTER_WORDS.on(True).search(body.lower()) is None
    assert not footer.unsubscribe_footer(body)


def test_the_footer_phrases_hold_no_capitals_so_lower_cased_text_matches_them() -> None:
    # Lower-cased ASCII bodies are matched case-sensitively (monitor.core.bulk): a capital in
    # a phrase would never match there.
    literal = re.sub(r"\\.", "", footer._FOOTER.pattern)

    assert literal == literal.lower()


@pytest.mark.parametrize("pattern", [noise._OOO_STRONG, noise._OOO_WEAK])
def test_the_out_of_office_phrases_hold_no_capitals_so_lower_cased_text_matches_them(
    pattern: re.Pattern[str],
) -> None:
    # Lower-cased ASCII text is matched case-sensitively (monitor.core.noise._by_text).
    literal = re.sub(r"\\.", "", pattern.pattern)

    assert literal == literal.lower()


@pytest.mark.parametrize(
    "tag",
    ["1918BQhX5-227CpaM0598cJWr2-912YmJg32l34", "(K3)8456DyGH8-805KZkP1399", "mcmfkhcpedgetqj"],
)
def test_a_random_tag_ending_mass_mail_makes_it_bulk(tag, analyzer) -> None:
    raw = email(frm="Sure Cover <quotes@sure-cover.example>", body=f"{OFFER}\n{tag}\n")

    assert read(raw, analyzer).noise is Noise.BULK


def test_a_subject_padded_out_to_a_random_tag_makes_mass_mail_bulk(analyzer) -> None:
    subject = "Lowest life insurance rates of the year                    NTICY"
    raw = email(frm="Sure Cover <quotes@sure-cover.example>", subject=subject, body=OFFER)

    assert read(raw, analyzer).noise is Noise.BULK


@pytest.mark.parametrize(
    "ending",
    [
        "SOLR-12345",
        "Rechnungsnummer",
        "Dana",
        "B2B-2026-Q3",
        "9f3c2a1e7b0d4c5a",
        "internationalisation",
    ],
)
def test_a_person_whose_text_ends_with_one_word_or_a_ticket_key_is_a_person(
    ending, analyzer
) -> None:
    body = f"Hi Alice,\n\nThe fix for the import is merged, see the ticket:\n\n{ending}\n"

    assert read(email(body=body), analyzer).noise is None


def test_a_code_the_text_announces_is_not_a_random_tag(analyzer) -> None:
    body = "Hi Alice,\n\nThe data room is open until Friday. Your access code:\n\nXk9mP2qL7vR4\n"

    assert read(email(body=body), analyzer).noise is None


def test_a_client_who_wants_no_more_correspondence_is_still_a_person(analyzer) -> None:
    body = (
        "Alice,\n\nAfter the way the audit was handled, I do not wish to receive further "
        "correspondence from your team on this matter until our lawyers have reviewed it.\n\nDana"
    )

    assert read(email(body=body), analyzer).noise is None


def test_a_mass_mailer_posing_as_outlook_express_is_bulk(analyzer) -> None:
    """Dark Mailer writes Outlook Express's version with "DM" after it, which Outlook Express
    itself never did."""
    body = (
        "Dear Friend,\n\nI am Dr James Alabi, chairman of the contract review committee. "
        "I seek your assistance to transfer US$21,320,000.00 and will give you 30%.\n\n"
        "Kindly reply with your private telephone number.\n\nDr James Alabi"
    )
    headers = {"X-Mailer": "Microsoft Outlook Express 5.00.2919.6900 DM"}
    raw = email(frm='"Dr.James Alabi" <jamesalabi@mail.example>', headers=headers, body=body)

    message = read(raw, analyzer)

    assert message.noise is Noise.BULK
    assert message.noise_reason.startswith("bulk mailer")


def test_a_person_writing_with_outlook_express_is_a_person(analyzer) -> None:
    headers = {"X-Mailer": "Microsoft Outlook Express 6.00.2800.1106"}

    assert read(email(headers=headers), analyzer).noise is None


SMOKES = (
    "Dear Sir / Madam\n\nIf you are fed up of being ripped off every time you buy your "
    "tobacco, visit our website, where you can buy 4 cartons from as little as 170 Euros.\n\n"
    "Visit our website at\nhttp://www.smokes-direct.example/?ID=2\n\n"
    "Best regards\nSales Department\nSmokes Direct\nSpain\n"
)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"X-Library": "Indy 8.0.25"}, "sent by a program: X-Library Indy 8.0.25"),
        (
            {"Return-Path": "<nobody@web3.smokes-direct.example>"},
            "sent by a script: Return-Path of a server account",
        ),
        (
            {"Return-Path": "<root@mimas.smokes-direct.example>"},
            "sent by a script: Return-Path of a server account",
        ),
    ],
    ids=["mail-library", "web-server-account", "system-account"],
)
def test_mail_a_program_or_script_sent_is_bulk(headers, reason, analyzer) -> None:
    raw = email(
        frm='"Sales Department" <info@smokes-direct.example>',
        subject="Discount Smokes",
        headers=headers,
        body=SMOKES,
    )

    message = read(raw, analyzer)

    assert (message.noise, message.noise_reason) == (Noise.BULK, reason)


def test_a_person_whose_return_path_is_their_own_address_is_a_person(analyzer) -> None:
    raw = email(
        frm="root@ops.acme-logistics.example",
        headers={"Return-Path": "<root@ops.acme-logistics.example>"},
    )

    assert read(raw, analyzer).noise is None


REPLIES = [
    path
    for path in sorted(FIXTURES.glob("*.eml")) + sorted(FIXTURES.parent.glob("owntext/*.eml"))
    if b"\nIn-Reply-To:" in path.read_bytes() or b"\nReferences:" in path.read_bytes()
]
MASS_MAIL_BODY = (
    "Big savings this week on every plan!\n\nYou are receiving this email because you signed up."
    " To unsubscribe from these emails click here. Update your preferences. View in browser."
)


@pytest.mark.parametrize("path", REPLIES, ids=[p.name for p in REPLIES])
def test_a_reply_is_never_judged_by_its_body(path: Path) -> None:
    """What the body rules read (footer, tags, remote links and images) cannot make a reply noise,
    so a reply's body is not read for them."""
    keyed = _keyed(parse_raw(path.read_bytes()))  # type: ignore[arg-type]
    assert not isinstance(keyed, Quarantined)
    envelope, _ = keyed
    signals = _signals(envelope, _own_text(envelope), null_sender=False)
    assert signals.is_reply
    mass_mail = replace(
        signals,
        body=MASS_MAIL_BODY,
        html_only=True,
        html_refs=bulk.HtmlRefs(links=40, images=25),
    )

    assert classify_noise(mass_mail) == classify_noise(signals)


_OOO_PIECES = [
    "I am currently out of the office",
    "I AM ON ANNUAL LEAVE",
    "Out Of Office",
    "Je suis actuellement absente",
    "this is an automatic reply",
    "I will respond to your message upon my return",
    "out of office",
    "on annual leave",
    "in my absence",
    "for urgent matters",
    "please contact",
    "returning on",
    "back in the office",
    "Ich bin derzeit nicht im Büro",
    "en cas d'urgence",
    "Could you send the rollout plan?",
    "What exactly fails?",
    "Thanks, Dana",
    "the carrier contract is attached",
    "?",
    "\n",
]


def _plain_out_of_office_text(text: str) -> bool:
    """The out-of-office text rule read plainly: every phrase looked for every time."""
    if not 0 < len(text) <= 1500:
        return False
    head = text[:600]
    weak = {m.group(0).lower() for m in noise._OOO_WEAK.finditer(head)}
    if noise._OOO_STRONG.search(head) and ("?" not in text or weak):
        return True
    return len(weak) >= 3 and "?" not in text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_OOO_PIECES), max_size=12), st.integers(0, 1600))
def test_out_of_office_text_reads_the_weak_phrases_only_where_they_decide(
    pieces: list[str], padding: int
) -> None:
    text = ". ".join(pieces) + " " * (padding if padding > 1400 else 0)
    signals = NoiseSignals(headers={}, sender=DANA, subject="Re: rollout", own_text=text)
    verdict = noise._by_text(signals)
    assert (verdict is not None) == _plain_out_of_office_text(text)
    assert verdict is None or verdict.reason == "out-of-office text"
