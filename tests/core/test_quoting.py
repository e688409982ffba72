"""Quoted history, forwards and signatures in the forms real clients send, one language at a time.

Each language table in ``monitor/core/quoting`` has a realistic reply here: an Outlook header
block, an attribution line with the date first or the verb at the end, and a mobile footer.
All people, companies and addresses are fictional.
"""

from __future__ import annotations

import time

import pytest

from monitor.core.owntext import own_text
from monitor.core.quoting import TABLES
from monitor.core.signature import is_mobile_footer

OUTLOOK_BLOCKS = {
    "en": (
        "From: Alice Marsh <alice.marsh@northwind-advisory.example>\n"
        "Sent: Monday, 1 June 2026 09:12\nTo: Dana Whitfield\nSubject: Pilot planning\n"
    ),
    "de": (
        "Von: Alice Marsh <alice.marsh@northwind-advisory.example>\n"
        "Gesendet: Montag, 1. Juni 2026 09:12\nAn: Jonas Keller\nBetreff: Pilotplanung\n"
    ),
    "fr": (
        "De : Alice Marsh <alice.marsh@northwind-advisory.example>\n"
        "Envoyé : lundi 1 juin 2026 09:12\nÀ : Claire Dubois\nObjet : Planning du pilote\n"
    ),
    "es": (
        "De: Alice Marsh <alice.marsh@northwind-advisory.example>\n"
        "Enviado el: lunes, 1 de junio de 2026 9:12\nPara: Lucía Romero\nAsunto: Plan piloto\n"
    ),
    "fi": (
        "Lähettäjä: Alice Marsh <alice.marsh@northwind-advisory.example>\n"
        "Lähetetty: maanantai 1. kesäkuuta 2026 9.12\nVastaanottaja: Matti Virtanen\n"
        "Aihe: Pilotin aikataulu\n"
    ),
    "zh": (
        "发件人: Alice Marsh <alice.marsh@northwind-advisory.example>\n"
        "发送时间: 2026年6月1日 9:12\n收件人: 李伟\n主题: 试点计划\n"
    ),
    "nl": (
        "Van: Alice Marsh <alice.marsh@northwind-advisory.example>\n"
        "Verzonden: maandag 1 juni 2026 09:12\nAan: Sanne de Vries\nOnderwerp: Pilotplanning\n"
    ),
    "it": (
        "Da: Alice Marsh <alice.marsh@northwind-advisory.example>\n"
        "Inviato: lunedì 1 giugno 2026 09:12\nA: Giulia Rossi\nOggetto: Piano pilota\n"
    ),
    "pt": (
        "De: Alice Marsh <alice.marsh@northwind-advisory.example>\n"
        "Enviado: segunda-feira, 1 de junho de 2026 09:12\nPara: João Silva\n"
        "Assunto: Plano piloto\n"
    ),
    "other": (
        "Från: Alice Marsh <alice.marsh@northwind-advisory.example>\n"
        "Skickat: den 1 juni 2026 09:12\nTill: Erik Lindqvist\nÄmne: Pilotplanering\n"
    ),
}

ATTRIBUTIONS = {
    "en": "On Mon, 1 Jun 2026 at 09:12, Alice Marsh <alice.marsh@northwind-advisory.example> wrote:",
    "de": "Am 31.05.17 um 09:43 schrieb Alice Marsh:",
    "fr": "Le lun. 1 juin 2026 à 09:12, Alice Marsh <alice.marsh@northwind-advisory.example> a écrit :",
    "es": "El lun, 1 jun 2026 a las 9:12, Alice Marsh (<alice.marsh@northwind-advisory.example>) escribió:",
    "fi": "Alice Marsh (<alice.marsh@northwind-advisory.example>) kirjoitti ma 1.6.2026 klo 9.12:\n"
    "Alice Marsh kirjoitti:",
    "zh": "在 2026年6月1日 09:12，Alice Marsh <alice.marsh@northwind-advisory.example> 写道：",
    "nl": "Op ma 1 jun. 2026 om 09:12 schreef Alice Marsh <alice.marsh@northwind-advisory.example>:",
    "it": "Il giorno lun 1 giu 2026 alle ore 09:12 Alice Marsh <alice.marsh@northwind-advisory.example> ha scritto:",
    "pt": "Em seg., 1 de jun. de 2026 às 09:12, Alice Marsh <alice.marsh@northwind-advisory.example> escreveu:",
    "other": "Den 1 juni 2026 09:12 skrev Alice Marsh <alice.marsh@northwind-advisory.example>:",
}

MOBILE_FOOTERS = {
    "en": "Sent from my iPhone",
    "de": "Von meinem iPhone gesendet",
    "fr": "Envoyé de mon iPhone",
    "es": "Enviado desde mi iPhone",
    "fi": "Lähetetty iPhonesta",
    "zh": "发自我的iPhone",
    "nl": "Verzonden vanaf mijn iPhone",
    "it": "Inviato da iPhone",
    "pt": "Enviado do meu iPhone",
}

# A closing and a name, then the list the text names below them: one per language table.
LISTS_BELOW_SIGN_OFF = {
    "en": ("Regards,\nBilly", "Distribution:\nTana Jones\nSara Shackleton\nCredit - Houston"),
    "de": ("Viele Grüße\nJonas", "Verteiler:\nAnna Berg\nMarkus Vogel\nEinkauf Hamburg"),
    "fr": ("Cordialement,\nClaire", "Diffusion : Paul Martin, Sophie Laurent, Achats Lyon"),
    "es": ("Un saludo,\nLucía", "Lista de distribución:\nJavier Ortega\nMarta Gil"),
    "fi": ("Terveisin\nMatti", "Jakelu:\nLiisa Korhonen\nJuha Nieminen\nHankinta"),
    "zh": ("谢谢\n李伟", "分发：\n王芳\n张强\n采购部"),
    "nl": ("Met vriendelijke groet,\nSanne", "Verdeellijst:\nDaan de Vries\nEmma Bakker"),
    "it": ("Cordiali saluti,\nGiulia", "Distribuzione:\nMarco Rossi\nElena Bianchi"),
    "pt": ("Atenciosamente,\nAna", "Distribuição:\nPedro Santos\nBeatriz Costa"),
}

NEW_TEXT = "The scanners arrived this morning, so week 34 works for us."
OLD_TEXT = "Can the pilot start in week 34, or do you need more time?"


def test_every_language_table_has_its_examples_here() -> None:
    languages = {table.language for table in TABLES}
    assert languages == set(OUTLOOK_BLOCKS) == set(ATTRIBUTIONS)
    assert languages - {"other"} == set(MOBILE_FOOTERS) == set(LISTS_BELOW_SIGN_OFF)


@pytest.mark.parametrize("language", sorted(OUTLOOK_BLOCKS))
def test_an_outlook_header_block_starts_quoted_history(language: str) -> None:
    body = f"Hi Alice,\n\n{NEW_TEXT}\n\n{OUTLOOK_BLOCKS[language]}\n{OLD_TEXT}\n"

    result = own_text(body)

    assert NEW_TEXT in result.text
    assert OLD_TEXT not in result.text
    assert "alice.marsh@" not in result.text


@pytest.mark.parametrize("language", sorted(ATTRIBUTIONS))
def test_an_attribution_line_starts_quoted_history(language: str) -> None:
    attribution = ATTRIBUTIONS[language].split("\n")[0]
    body = f"Hi Alice,\n\n{NEW_TEXT}\n\n{attribution}\n\n{OLD_TEXT}\n\nAlice\n"

    result = own_text(body)

    assert NEW_TEXT in result.text
    assert OLD_TEXT not in result.text
    assert attribution not in result.text


def test_a_finnish_attribution_with_only_the_verb_at_the_end_starts_quoted_history() -> None:
    body = f"Hei Alice,\n\n{NEW_TEXT}\n\nAlice Marsh kirjoitti:\n> {OLD_TEXT}\n"

    result = own_text(body)

    assert NEW_TEXT in result.text and OLD_TEXT not in result.text
    assert "kirjoitti" not in result.text


def test_gmails_iso_date_attribution_without_a_verb_starts_quoted_history() -> None:
    body = (
        f"Hallo Alice,\n\n{NEW_TEXT}\n\n"
        "2017-04-24 13:48 GMT+02:00 Alice Marsh <alice.marsh@northwind-advisory.example>:\n\n"
        f"{OLD_TEXT}\n"
    )

    result = own_text(body)

    assert NEW_TEXT in result.text
    assert OLD_TEXT not in result.text and "GMT+02:00" not in result.text


@pytest.mark.parametrize("language", sorted(MOBILE_FOOTERS))
def test_a_mobile_footer_is_not_own_text(language: str) -> None:
    body = f"{NEW_TEXT}\n\n{MOBILE_FOOTERS[language]}\n"

    result = own_text(body)

    assert result.text == NEW_TEXT
    assert "mobile_signature" in result.removed


@pytest.mark.parametrize(
    ("line", "footer"),
    [
        *((footer, True) for footer in MOBILE_FOOTERS.values()),
        ("Sent from Yahoo Mail on Android", True),
        ("Sent from my desk at the depot: the pallets are loaded and leave at 14:00.", False),
        ("Von meinem Kollegen habe ich gehört, dass die Lieferung heute kommt.", False),
    ],
)
def test_a_line_that_is_only_a_mobile_footer_is_told_from_a_sentence(
    line: str, footer: bool
) -> None:
    assert is_mobile_footer(line) is footer


@pytest.mark.parametrize("language", sorted(LISTS_BELOW_SIGN_OFF))
def test_a_distribution_list_below_the_sign_off_is_own_text(language: str) -> None:
    sign_off, listed = LISTS_BELOW_SIGN_OFF[language]
    body = f"{NEW_TEXT}\n\n{sign_off}\n\n{listed}\n"

    result = own_text(body)

    assert result.text == f"{NEW_TEXT}\n\n{listed}"
    assert "valediction" in result.removed


def test_a_distribution_list_keeps_its_names_while_the_signature_above_it_goes() -> None:
    body = (
        "Attached is the revised credit worksheet for the Tenaska deal; changes are in yellow.\n\n"
        "Regards,\nBilly Braddock\nCredit Analyst, Enron North America\n(713) 853-4420\n\n"
        "Distribution:\nTana Jones\nSara Shackleton\nCredit - Houston\n"
    )

    text = own_text(body).text

    assert "(713) 853-4420" not in text and "Billy" not in text
    assert text.endswith("Distribution:\nTana Jones\nSara Shackleton\nCredit - Houston")


def test_a_closing_below_the_attendee_list_is_still_cut() -> None:
    body = (
        "Minutes of Monday's call are below.\n\nAttendees:\nTana Jones\nSara Shackleton\n\n"
        "Thanks,\nBilly\n"
    )

    assert own_text(body).text == (
        "Minutes of Monday's call are below.\n\nAttendees:\nTana Jones\nSara Shackleton"
    )


def test_a_sentence_that_starts_like_a_mobile_footer_stays() -> None:
    body = "Sent from my desk at the depot: the pallets are loaded and leave at 14:00.\n"

    assert own_text(body).text == body.strip()


def test_a_lotus_notes_forward_banner_starts_quoted_history() -> None:
    body = (
        "Sara, can you look at the credit terms before Friday?\n\n"
        "----- Forwarded by Jeff Marsh/HOU/NWA on 04/04/2001 11:04 PM -----\n\n"
        "\tTom Baker@NWA\n\t04/04/2001 05:20 PM\n\t\t\n"
        "\t\t To: Jeff Marsh/HOU/NWA@NWA\n\t\t cc: \n\t\t Subject: Credit terms\n\n"
        "The counterparty wants 60 days instead of 30.\n"
    )

    result = own_text(body)

    assert result.text == "Sara, can you look at the credit terms before Friday?"
    assert "forwarded" in result.removed


def test_a_lotus_notes_banner_wrapped_over_two_lines_starts_quoted_history() -> None:
    body = (
        "FYI - see below.\n\n"
        "---------------------- Forwarded by Kate Hill/PDX/NWA on 02/05/2001\n"
        "08:43 AM ---------------------------\n"
        "please check fees on the following trades, thanks\n"
    )

    assert own_text(body).text == "FYI - see below."


def test_a_lotus_notes_reply_header_without_from_starts_quoted_history() -> None:
    body = (
        "Can't remember at this point what the question was!  Thanks for following up.\n\n\n\n"
        "Rebecca Ford\n07/26/2000 05:20 PM\nTo: Sally Beck/HOU/NWA@NWA\ncc:  \n"
        "Subject: Question\n\nHi Sally,\n\nDid you still need to ask me something?\n"
    )

    result = own_text(body)

    assert result.text.startswith("Can't remember at this point")
    assert "Rebecca Ford" not in result.text and "Did you still need" not in result.text
    assert "notes_header" in result.removed


def test_a_lotus_notes_header_with_name_and_date_on_one_line_and_a_long_to_list() -> None:
    body = (
        "512927 has also been changed to the .005 broker fee.\n\n\n"
        "Stephanie Piwetz   02/05/2001 06:37 AM\n\n"
        "To: Kate Hill/PDX/NWA@NWA, Tom Baker/HOU/NWA@NWA, Mark Greene/HOU/NWA@NWA, Ann \n"
        "Lee/HOU/NWA@NWA, Bob Stone/HOU/NWA@NWA\ncc:  \n\nSubject: bro fees with Bloomberg\n\n"
        "please check fees on the following trades,  thanks\n"
    )

    result = own_text(body)

    assert result.text == "512927 has also been changed to the .005 broker fee."


def test_a_to_line_in_prose_is_not_a_reply_header() -> None:
    body = (
        "Here is the distribution we agreed:\n\nTo: the steering group, every Monday\n"
        "Subject: the pilot's weekly figures\n\nLet me know if anyone is missing.\n"
    )

    assert own_text(body).text == body.strip()


def test_a_one_word_heading_followed_by_a_phone_line_is_not_a_sign_off() -> None:
    body = (
        "Hi Alice,\n\nHere are the details for Thursday's site visit.\n\n"
        "Security\n+44 20 7946 0734\n\n"
        "Please call that number from the gate and they will let you in.\n"
        "Parking is behind the warehouse, bays 14 to 20 are ours.\n"
        "Bring your safety boots; we have hard hats and vests for everyone.\n"
        "The walk-through starts at 10:00 sharp and takes about two hours.\n"
        "Lunch is in the canteen afterwards.\n\nSee you then,\nDana\n"
    )

    text = own_text(body).text

    assert "Security\n+44 20 7946 0734" in text
    assert "Lunch is in the canteen afterwards." in text


def test_a_wrapped_sentence_ending_in_a_phone_number_is_kept() -> None:
    body = (
        "Hi Alice,\n\nThe courier confirmed the pallets leave Rotterdam on Monday. If anything\n"
        "changes over the weekend, the duty manager can be reached on\n+31 10 555 0199\n"
    )

    assert own_text(body).text.endswith("the duty manager can be reached on\n+31 10 555 0199")


def test_a_link_shared_on_the_last_line_is_kept() -> None:
    body = (
        "You can set this per collection, see the reference guide:\n"
        "https://solr.apache.org/guide/collections-api.html\n"
    )

    assert own_text(body).text == body.strip()


def test_a_postscript_below_the_sign_off_is_kept() -> None:
    body = (
        "The contract is signed and on its way.\n\nThanks,\nDana\n\n"
        "P.S. Our external candidates did very well in the interviews.\n"
    )

    text = own_text(body).text

    assert "The contract is signed" in text
    assert "P.S. Our external candidates did very well" in text


def test_a_heading_above_the_real_sign_off_name_is_kept() -> None:
    body = (
        "Tana -\n\nFYI\n\nMark\nSenior Counsel, NWA\nPhone:     713-555-8897\n"
        "E-Mail:      mark.greene@northwind-advisory.example\n"
    )

    text = own_text(body).text

    assert "FYI" in text
    assert "Senior Counsel" not in text and "713-555-8897" not in text


def test_a_real_name_block_is_still_cut() -> None:
    body = (
        "The revised schedule is attached.\n\nSara Shackleton\nNorthwind Advisory Corp.\n"
        "1400 Smith Street, EB 3801a\nHouston, Texas  77002\n713-555-5620 (phone)\n"
        "sara.shackleton@northwind-advisory.example\n"
    )

    assert own_text(body).text == "The revised schedule is attached."


@pytest.mark.parametrize(
    "line",
    [
        "To:" + " " * 48_000,
        "Am 1" + " schrieb" * 6_000 + " x",
        "----- Forwarded by" + "-" * 48_000 + "x",
        "2017-04-24 13:48 GMT+02:00 <" + "a@" * 500 + " x",
        "Sent from my" + " " * 48_000 + "x.",
        "P.S." + " 713-555" * 6_000,
        "=09" * 16_000 + "To:",
    ],
    ids=["to", "verbs", "banner", "iso-date", "mobile", "phone-run", "qp-tabs"],
)
def test_own_text_of_a_crafted_header_line_takes_linear_time(line: str) -> None:
    started = time.process_time()
    own_text(f"Hi Alice,\n\nCan you confirm?\n{line}\ncc: x\nSubject: y\nThanks,\nDana")
    assert time.process_time() - started < 0.5


def test_a_quoted_sentence_rewrapped_without_its_marker_stays_quoted() -> None:
    body = (
        "Opening a ticket now.\n\n"
        "On Thu, 9 Feb 2017 at 16:53, Joel Berg <joel.berg@northwind-advisory.example> wrote:\n"
        "> Ah, then this is unexpected behaviour. Can you open a ticket\n"
        "for\n"
        "> this? In that scenario the export handler would continue\n"
        "to send\n"
        "> data until the stream is closed.\n"
    )

    assert own_text(body).text == "Opening a ticket now."


def test_a_last_thank_you_with_no_signature_below_is_own_text() -> None:
    body = "We have never been closer to an agreement, we need these people on board.\nThanks.\n"

    assert own_text(body).text.endswith("on board.\nThanks.")


def test_a_thank_you_above_a_name_is_still_a_sign_off() -> None:
    body = "We need these people on board.\n\nThanks,\nDana Whitfield\n"

    assert own_text(body).text == "We need these people on board."


def test_a_sentence_wrapped_before_its_last_capitalised_words_is_not_a_sign_off() -> None:
    body = (
        "In an effort to bring in revenue I researched the outstanding invoices.\n"
        "There is $600,000 to collect; attached are the spreadsheets from\n"
        "Accounts Receivable.\n"
    )

    assert own_text(body).text.endswith("spreadsheets from\nAccounts Receivable.")


def test_the_last_item_of_a_list_is_not_a_sign_off_name() -> None:
    body = (
        "Lunch on Thursday is from Kelly's:\n\n"
        "Chicken Fried Steak or Meat Loaf\n"
        "Mashed Potatoes/Corn/Green Beans\n"
        "Assorted Desserts\n"
        "Iced Tea\n"
    )

    assert own_text(body).text.endswith("Assorted Desserts\nIced Tea")


def test_a_name_below_a_finished_sentence_is_still_a_sign_off() -> None:
    body = "The counts for Leeds are in the shared sheet now.\nDana\n"

    assert own_text(body).text == "The counts for Leeds are in the shared sheet now."


@pytest.mark.parametrize(
    "closing", ["With regards,", "Kindest regards,", "Thanks and best regards,"]
)
def test_a_longer_english_closing_goes_with_the_name_below_it(closing: str) -> None:
    body = f"I merged the fix for the plugin; please verify my commit.\n\n{closing}\nRobert\n"

    assert own_text(body).text == "I merged the fix for the plugin; please verify my commit."


def test_a_shared_link_with_a_date_in_it_is_not_a_contact_block() -> None:
    body = (
        "The minutes of Tuesday's steering meeting are on the portal now.\n\n"
        "http://portal.northwind-advisory.example/minutes?meeting=10/27/2026\n"
    )

    assert own_text(body).text == body.strip()


def test_a_date_stamp_below_a_forwarded_news_story_is_not_a_phone_number() -> None:
    body = (
        "Worth reading before Thursday's call.\n\n"
        "Copper stocks rose for a fifth day as traders moved metal into warehouses ahead of the\n"
        "July spread, analysts in London said.\n"
        "-By Anna Berg and Tom Reyes of the Northwind Newswires desk in London, +44 20 7946 0734;\n"
        "anna.berg@northwind-news.example -0- 06/07/26 17-00 GMT\n"
    )

    assert own_text(body).text.endswith("anna.berg@northwind-news.example -0- 06/07/26 17-00 GMT")


def test_list_items_wrapped_before_their_last_words_are_not_a_sign_off_name() -> None:
    body = (
        "The following investors have confirmed for Thursday's breakfast:\n\n"
        "Maria Lindqvist, Harbour Bridge \n"
        "Capital\n"
        "Tom Okafor, Eastgate Ventures\n"
        "Jay Morrison, \n"
        "Newbury Ventures\n"
        "Priya Raman, Northwind Partners (+44 20 7946 0122)\n"
    )

    assert own_text(body).text == "\n".join(line.rstrip() for line in body.strip().split("\n"))


def test_a_closing_followed_by_a_soft_line_break_still_signs_off() -> None:
    body = (
        "Please send me the revised tariff table by Friday.\n\n"
        "Cordially, \nJeff Dasovich\nDirector, Regulatory Affairs\n415-555-0193\n"
    )

    assert own_text(body).text == "Please send me the revised tariff table by Friday."


def test_a_form_field_is_not_a_sign_off_name() -> None:
    body = (
        "Here is the order form from the catalogue, please fill it in:\n\n"
        "Name of Recipient\n\nCity, Postcode and Country\n\nYour Name\n"
    )

    assert own_text(body).text == body.strip()


def test_a_heading_above_an_address_is_not_a_sign_off_name() -> None:
    body = (
        "This is the ring I meant, from their spring catalogue:\n\n"
        "Cultured pearl cross in 14k gold, 30 day guarantee\nPrice: $462.00\n\n"
        "Contact Us\nservice@jewellers.example\n"
    )

    assert "Contact Us" in own_text(body).text


def test_a_thank_you_sentence_above_the_closing_is_own_text() -> None:
    body = (
        "Can someone recommend a field type in the schema to index a JSON field from MongoDB?\n"
        "Thanks.\n\nRegards,\nAbhijit\n"
    )

    assert own_text(body).text.endswith("from MongoDB?\nThanks.")


def test_pasted_command_output_with_addresses_is_not_a_contact_block() -> None:
    body = (
        "When I set ServerLimit to 500, does that include every TCP connection state?\n"
        "Here is what netstat shows on the proxy:\n\n"
        "tcp6  0  0 192.168.168.91:443  10.0.4.17:18212  FIN_WAIT2\n"
        "tcp6  0  0 192.168.168.91:443  10.0.4.22:14756  TIME_WAIT\n"
        "tcp6  0  0 192.168.168.91:443  10.0.4.31:49650  ESTABLISHED\n"
    )

    assert own_text(body).text == body.strip()


def test_a_pasted_table_of_figures_is_not_a_contact_block() -> None:
    rows = "\n".join(f"    'token-{n}' {600 + 37 * n} 0.0{n}1" for n in range(1, 10))
    body = f"The best discriminators after retraining:\n\n{rows}\n"

    assert own_text(body).text == body.strip()


def test_a_pasted_diff_with_an_rcs_file_line_is_not_a_company_registration() -> None:
    body = (
        "This stops the test from failing when the socket option is missing.\n\n"
        "Index: configure\n"
        "===================================================================\n"
        "RCS file: /cvsroot/northwind/northwind/configure,v\n"
        "retrieving revision 1.1.2.1\n"
        "diff -u -r1.1.2.1 -r1.1.2.2\n"
        "--- configure\t27 Aug 2026 23:07:13 -0000\t1.1.2.1\n"
        "+++ configure\t28 Aug 2026 23:29:04 -0000\t1.1.2.2\n"
        "@@ -1273,6 +1273,7 @@\n"
        ' #include "confdefs.h"\n'
        "+#include <sys/types.h>\n"
        " #include <sys/socket.h>\n"
        " int main() {\n"
        ' printf ("%d", SHUT_RD); return 0;\n'
    )

    assert own_text(body).text == body.strip()


def test_registration_details_at_the_foot_of_the_mail_are_still_cut() -> None:
    body = (
        "Die Zahlen für März sind im Anhang.\n\nViele Grüße\nJonas Keller\n\n"
        "Keller Beratung GmbH\nSitz der Gesellschaft: München\nAmtsgericht München HRB 123456\n"
    )

    assert own_text(body).text == "Die Zahlen für März sind im Anhang."


def test_a_sentence_that_opens_like_a_german_disclaimer_is_own_text() -> None:
    body = (
        "Hallo Jonas,\n\n"
        "diese E-Mail enthält die Zahlen für März, die Tabelle folgt morgen.\n"
        "Bitte prüfe vor allem die Reisekosten, die sind höher als geplant.\n"
    )

    assert own_text(body).text == body.strip()


def test_a_german_disclaimer_is_still_cut() -> None:
    body = (
        "Die Zahlen für März sind im Anhang.\n\n"
        "Diese E-Mail enthält vertrauliche Informationen. Wenn Sie nicht der richtige\n"
        "Empfänger sind, informieren Sie bitte sofort den Absender.\n"
    )

    assert own_text(body).text == "Die Zahlen für März sind im Anhang."


def test_links_cited_below_the_sign_off_are_kept() -> None:
    body = (
        "The review has been merged, but the change is not in the repository [2] (or the\n"
        "mirror [3]). How can we fix this?\n\nThanks,\nTill\n\n"
        "[1] https://review.northwind-advisory.example/c/2012/\n"
        "[2] https://git.northwind-advisory.example/repos/bad.git\n"
        "[3] https://github.example/northwind/bad/commits/main\n"
    )

    text = own_text(body).text

    assert "How can we fix this?" in text and "Till" not in text
    assert text.endswith("[3] https://github.example/northwind/bad/commits/main")


def test_a_line_that_starts_like_a_mobile_footer_above_more_text_is_own_text() -> None:
    body = (
        "The signed contracts went out this morning.\n"
        "Sent via FedEx priority to both offices\n"
        "Tracking numbers are in the shared sheet, the Leeds copy should arrive first.\n"
        "Let me know when yours arrives so I can close the ticket.\n"
        "The Manchester copy needs a countersignature from your finance director.\n"
        "After that we can schedule the kickoff for the week of the 14th.\n"
        "I will send the agenda on Monday, with the list of people from our side.\n"
        "Our travel is booked for the Tuesday, returning Thursday evening.\n"
        "If the room in your office is free on the Wednesday, we would use it for the workshop.\n"
        "Otherwise we can book the hotel's meeting room nearby.\n"
        "The workshop needs a projector and a whiteboard, nothing more.\n"
        "We'll bring printed copies of the plan for everyone.\n"
    )

    assert own_text(body).text == body.strip()


@pytest.mark.parametrize("word", ["break", "regardless", "thanksgiving"])
def test_a_word_that_starts_with_a_closing_is_not_one(word: str) -> None:
    body = (
        "The loop still exits early on the second account:\n\n"
        "    for key, value in accounts.items():\n"
        "        if value.verified:\n"
        f"            {word}\n"
    )

    assert own_text(body).text.endswith(word)


def test_a_mobile_footer_above_a_quote_rewrapped_without_its_marker_is_cut() -> None:
    body = (
        "Sorry, I am not using Tomcat. This is a fresh build of Solr.\n\n"
        "Sent from my iPhone\n\n"
        "> On 1 Sep 2026, at 15:33, Rick Lee <rick.lee@northwind-advisory.example> wrote:\n"
        "> Did you say you are using Tomcat? Solr does not use Tomcat by default, so you need\n"
        "to tell us more about your configuration, please.\n"
        "> Cheers -- Rick\n"
    )

    assert own_text(body).text == "Sorry, I am not using Tomcat. This is a fresh build of Solr."


def test_a_shared_link_wrapped_over_two_lines_is_not_a_contact_block() -> None:
    body = (
        "I put the proposal on the wiki. Comments are welcome.\n"
        "https://wiki.northwind-advisory.example/display/PILOT/Model+Version+5?\n"
        "focusedCommentId=74687410&refresh=1510912447661#comment-74687410\n\n"
        "Regards,\nHerve\n"
    )

    assert own_text(body).text.endswith(
        "focusedCommentId=74687410&refresh=1510912447661#comment-74687410"
    )


@pytest.mark.parametrize(
    ("greeting", "answer"),
    [
        ("Hi Dana,", "Approved."),
        ("Dana,", "Done"),
        ("Hallo Jonas,", "Erledigt."),
        ("Bonjour Claire,", "Entendu."),
        ("Hola Lucía,", "Aprobado."),
        ("Hei Matti,", "Sovittu."),
        ("李伟，", "收到"),
        ("Hoi Sanne,", "Akkoord."),
        ("Ciao Giulia,", "Confermato."),
        ("Olá João,", "Combinado."),
    ],
)
def test_a_one_word_answer_below_the_greeting_is_own_text(greeting: str, answer: str) -> None:
    assert own_text(f"{greeting}\n\n{answer}\n").text == f"{greeting}\n\n{answer}"


def test_a_lone_first_name_below_the_text_still_signs_off() -> None:
    assert own_text("Hi Alice,\n\nThe figures are in the shared sheet.\n\nTorsten\n").text == (
        "Hi Alice,\n\nThe figures are in the shared sheet."
    )


def test_a_contact_the_text_announces_is_own_text() -> None:
    body = (
        "The gate is locked on Saturdays. For access, please call our site manager:\n\n"
        "Raj Patel\n+44 7700 900215\n"
    )

    assert own_text(body).text == body.strip()


def test_a_number_the_text_announces_is_own_text() -> None:
    body = (
        "The pallets leave Rotterdam on Monday.\n\nDuty desk over the weekend:\n+31 10 555 0199\n"
    )

    assert own_text(body).text == body.strip()


def test_a_smiley_above_the_sign_off_name_announces_nothing() -> None:
    assert own_text("Why should I? (:\nCindy\n").text == "Why should I? (:"


def test_a_eudora_forward_banner_starts_the_forwarded_message() -> None:
    body = (
        "Worth a look before the board meeting.\n\n"
        "--- begin forwarded text\n\n\n"
        "Date: Thu,  5 Sep 2026 09:17:13 -0700\n"
        "From: Anna Berg <anna.berg@northwind-news.example>\n"
        "Subject: Copper stocks rise again\n\n"
        "Copper stocks rose for a fifth day as traders moved metal into warehouses.\n"
        "--- end forwarded text\n"
    )

    assert own_text(body).text == "Worth a look before the board meeting."


def test_pasted_program_output_at_the_end_is_not_a_sign_off() -> None:
    body = (
        "Still failing after the mirror change:\n\n"
        "root@build02:/tmp # apt-get install acme-agent\n"
        "Reading Package Lists... Done\n"
        "Building Dependency Tree... Done\n"
        "E: Couldn't find package acme-agent\n\n"
        "I'm stumped.\n\n-Steve\n"
    )

    assert own_text(body).text == body.strip()


def test_a_one_letter_label_before_words_is_no_contact_field() -> None:
    body = (
        "Same again this morning, on both boxes.\n\n"
        "Building Dependency Tree\nE: Couldn't find package acme-agent\n"
    )

    assert own_text(body).text == body.strip()


@pytest.mark.parametrize("remark", ["Enjoy.", "Discuss.", "Just FYI.", "FYI"])
def test_a_last_word_to_the_reader_is_not_a_sign_off_name(remark: str) -> None:
    body = f"The Q3 board pack is in the shared folder, with the freight figures.\n\n{remark}\n"

    assert own_text(body).text == body.strip()


def test_a_heading_above_the_links_it_lists_is_not_a_sign_off_name() -> None:
    body = (
        "The satellite series agrees with the balloon data within a tenth of a degree.\n\n"
        "SEE ALSO\nhttps://science.example.org/headlines/essd5feb97_1.htm\n"
        "https://science.example.org/msu/measuretemp.htm\n"
    )

    assert own_text(body).text == body.strip()


def test_a_real_one_letter_contact_field_is_still_cut() -> None:
    body = (
        "The pallets leave Rotterdam on Monday.\n\nBest,\nDana Whitfield\n"
        "T: +44 20 7946 0734\nE: dana.whitfield@acme-logistics.example\n"
    )

    assert own_text(body).text == "The pallets leave Rotterdam on Monday."


SPEAKING_LINES = {
    "en": "Call me at 713-853-9188",
    "de": "Ruf mich an: 0171 2345678",
    "fr": "Mon tél : 06 12 34 56 78",
    "es": "Mi móvil: 612 345 678",
    "fi": "Minun gsm: 040 123 4567",
    "nl": "Bel me op 06-12345678",
    "it": "Il mio cell: 333 123 4567",
    "pt": "Meu celular: 11 91234-5678",
}


def test_every_language_with_speaker_words_has_its_example_here() -> None:
    assert {table.language for table in TABLES if table.speaker_words} == set(SPEAKING_LINES)


@pytest.mark.parametrize("language", sorted(SPEAKING_LINES))
def test_a_sentence_that_gives_a_phone_number_is_not_a_contact_block(language: str) -> None:
    body = f"{NEW_TEXT}\n\n{SPEAKING_LINES[language]}\n"

    assert own_text(body).text == body.strip()


def test_a_note_after_a_signature_link_leaves_the_line_in_the_signature() -> None:
    body = (
        "Boost the title field at query time rather than at index time.\n\n"
        "wunder@wunderwood.example\nhttp://observer.wunderwood.example/  (my blog)\n"
    )

    assert own_text(body).text == ("Boost the title field at query time rather than at index time.")


@pytest.mark.parametrize(
    "block",
    [
        "Meeting Details\nEB 3321\n713-853-9188",
        "Dial-In Information\n1-888-296-1938\nParticipant code 143538",
    ],
)
def test_a_heading_above_a_phone_line_is_kept_as_own_text(block: str) -> None:
    body = f"The revised schedule for the Cal PX filing is attached.\n\n{block}\n"

    assert own_text(body).text == body.strip()


def test_a_title_with_a_heading_word_in_it_is_still_signature() -> None:
    body = (
        "The revised schedule for the Cal PX filing is attached.\n\n"
        "Kate Symes\nMeeting Planner\n713-853-9188\n"
    )

    assert own_text(body).text == "The revised schedule for the Cal PX filing is attached."


def test_a_sentence_about_what_the_message_is_intended_for_is_own_text() -> None:
    body = (
        "Hi all,\n\nThis message is intended to start the discussion on the 3.0 roadmap.\n"
        "Please add your items to the wiki page by Friday.\n\nThanks,\nBob\n"
    )

    assert own_text(body).text == (
        "Hi all,\n\nThis message is intended to start the discussion on the 3.0 roadmap.\n"
        "Please add your items to the wiki page by Friday."
    )


def test_a_disclaimer_that_names_whom_the_message_is_intended_for_is_cut() -> None:
    body = (
        "See you at the Friday call.\n\n"
        "This e-mail is intended solely for use of the individual to whom it is\n"
        "addressed and may contain information that is privileged or confidential.\n"
    )

    assert own_text(body).text == "See you at the Friday call."


def test_a_table_the_sender_typed_with_bars_is_own_text() -> None:
    body = (
        "Benchmark results on the new index:\n\n"
        "| run | docs | time |\n| 1   | 10M  | 12s  |\n| 2   | 20M  | 25s  |\n\n"
        "Looks linear to me.\n"
    )

    assert own_text(body).text == body.strip()


def test_a_line_quoted_with_a_bar_is_still_quoted() -> None:
    body = "Jeff,\n\n| The deal was signed on 5/3.\n\nI agree, the filing can go out today.\n"

    assert own_text(body).text == "Jeff,\n\nI agree, the filing can go out today."


def test_a_sentence_wrapped_into_words_a_mobile_footer_starts_with_is_own_text() -> None:
    body = (
        "Jeff,\n\nThe signed originals of the confirmation were\n"
        "sent via Federal Express this morning\n\nKate\n"
    )

    assert "sent via Federal Express this morning" in own_text(body).text


def test_a_sentence_ending_in_writes_without_a_date_is_own_text() -> None:
    body = (
        "Please call me when you get a chance.\n\n"
        "On Monday I will be in Portland; Tim writes:\nthe desk is ready for the move.\n"
    )

    assert own_text(body).text == body.strip()


def test_an_attribution_without_a_date_above_a_quote_still_starts_quoted_history() -> None:
    body = "Agreed, let's move the desk.\n\nOn Monday, Tim wrote:\n> the desk is ready.\n"

    assert own_text(body).text == "Agreed, let's move the desk."


@pytest.mark.parametrize("after", ["Also need the Q3 numbers", "Call if any questions"])
def test_a_line_of_text_below_the_sign_off_is_kept(after: str) -> None:
    body = f"Sally,\n\nThe file is attached.\n\nThanks,\nKate\nx3-5550\n\n{after}\n"

    assert own_text(body).text.endswith(after)


def test_a_mailing_list_footer_below_the_sign_off_is_still_cut() -> None:
    body = (
        "Any idea how I would do this?\n\nThanks\nSiva\n\n"
        "_______________________________________________\n"
        "Exmh-users mailing list\nexmh-users@lists.example.org\n"
    )

    assert own_text(body).text == "Any idea how I would do this?"


def test_a_short_sentence_below_an_opening_thank_you_is_not_signature() -> None:
    body = "Kate,\n\nThanks!\n\nNumbers attached.\n\nJeff\n"

    assert own_text(body).text == "Kate,\n\nThanks!\n\nNumbers attached."


def test_an_extension_and_team_below_the_closing_are_still_signature() -> None:
    body = (
        "Any adjustments will be highlighted in blue.\n\nBest Rgds.\n\n"
        "Samuel x3-9890 (GCP Team)\nEnron Net Works - Global Data Management\n"
    )

    assert own_text(body).text == "Any adjustments will be highlighted in blue."


@pytest.mark.parametrize("last", ["SOLR-12345", "NullPointerException", "Java8"])
def test_an_issue_key_or_class_name_ending_the_text_is_not_a_sign_off_name(last: str) -> None:
    body = f"The test still fails on the release branch, see\n\n{last}\n"

    assert own_text(body).text == body.strip()


def test_thanks_to_above_what_is_thanked_is_not_a_closing() -> None:
    body = "It works now with the new flag.\n\nThanks to\nLuceneTestCase\n"

    assert own_text(body).text == body.strip()


@pytest.mark.parametrize("name", ["Angus MacKenzie", "RONALD MCDONALD"])
def test_names_with_two_capitals_or_in_capitals_still_sign_off(name: str) -> None:
    body = f"Done, the branch is merged.\n\nCheers,\n{name}\n"

    assert own_text(body).text == "Done, the branch is merged."


def test_a_sentence_broken_off_before_a_name_and_number_is_kept() -> None:
    body = (
        "I will be out of the office on Friday.\nIn my absence please contact\n"
        "Susan Mara 415-782-7802\n\nJeff\n"
    )

    assert own_text(body).text == body.strip().removesuffix("\n\nJeff")


def test_from_and_to_lines_of_a_trip_without_date_or_address_are_own_text() -> None:
    body = (
        "Flight details:\nFrom: Houston\nTo: Portland\nDate: May 3\n\n"
        "See you at the Portland office.\n"
    )

    assert own_text(body).text == body.strip()


def test_an_outlook_header_without_an_address_but_with_its_date_is_still_quoted() -> None:
    body = (
        "Sure, week 34 works.\n\nFrom: Alice Marsh\nSent: Monday, June 01, 2026 9:12 AM\n"
        "To: Dana Whitfield\nSubject: Pilot planning\n\nCan the pilot start in week 34?\n"
    )

    assert own_text(body).text == "Sure, week 34 works."


def test_a_sentence_with_a_date_above_a_header_without_from_stays_own_text() -> None:
    body = (
        "Kate,\n\nThe meeting moved to 5/3/01 at 10:00\n\n\n"
        "To: Kate Symes/PDX/ECT@ECT\ncc: Jeff Dasovich/NA/Enron@Enron\nSubject: meeting\n\n"
        "Can we meet on Thursday instead?\n"
    )

    assert own_text(body).text == "Kate,\n\nThe meeting moved to 5/3/01 at 10:00"


def test_a_notes_header_with_a_please_respond_to_line_is_cut_from_its_name() -> None:
    body = (
        "Fine with me.\n\n\nJeff Dasovich\n05/01/2001 04:51 PM\n"
        "Please respond to Jeff Dasovich\nTo: Kate Symes/PDX/ECT@ECT\ncc:\n"
        "Subject: meeting\n\nCan we meet on Thursday instead?\n"
    )

    assert own_text(body).text == "Fine with me."


@pytest.mark.parametrize(
    "people",
    [
        "Jeff Dasovich\n415-782-7822\n\nSusan Mara\n415-782-7802",
        "Mark Taylor\nmark.taylor@enron.example\nSara Shackleton\nsara.shackleton@enron.example",
    ],
)
def test_a_list_of_people_and_their_numbers_is_not_a_signature(people: str) -> None:
    body = f"Here are the contacts for the Cal PX filing.\n\n{people}\n"

    assert own_text(body).text == body.strip()


def test_a_signature_with_a_title_in_title_case_is_still_cut() -> None:
    body = (
        "The parade starts at ten.\n\nCara White\nCommunity Development Coordinator\n"
        "713-853-9188\ncara.white@enron.example\n"
    )

    assert own_text(body).text == "The parade starts at ten."
