"""A short closing ("Thanks!", "Great, see you then") needs no reply, whatever its case; a
short message that asks for something does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.core.text import is_closing_only


@pytest.mark.parametrize(
    "text",
    [
        "Thanks Ben!",
        "THANKS BEN!",
        "Hi Raj,\n\nGreat, See You Then.\n\nDana",
        "HELLO ALICE,\nPerfect, many thanks.",
        "Board confirmed go for 6 July. Thanks Ben.",
        "Hallo Jana,\nVielen Dank, alles klar!",
        "Hyvä Sam,\nKIITOS PALJON!",  # not ASCII: read as written
        "The draft looks good. Once again, thank you for the quick turnaround - much appreciated.",
    ],
)
def test_a_closing_needs_no_reply_whatever_its_case(text: str) -> None:
    assert is_closing_only(text)


@pytest.mark.parametrize(
    "text",
    [
        "Thanks. PLEASE SEND the signed SOW by Friday.",
        "THANKS, COULD YOU RESEND THE INVOICE",
        "Hi Dana,\nThe pallet count for Leeds is 42, not 24 as the manifest says.",
        "Thanks, when is the call?",
        "Danke! BITTE schicken Sie mir die Rechnung für März noch einmal zu.",
        # A request to report back, from a short reply that also thanks.
        "Sounds like a billing system mistake. Let us know what you find Scott. Thanks.",
        "Odd figures in the March run. Keep us posted. Thanks, Dana",
    ],
)
def test_a_short_message_that_asks_or_tells_is_not_a_closing(text: str) -> None:
    assert not is_closing_only(text)


@pytest.mark.parametrize(
    "text",
    [
        "The draft looks good. Once again, thank you for the quick turnaround - much appreciated.",
        "Le rapport est parfait. Encore une fois, merci beaucoup pour votre travail.",
        "El informe está perfecto. Una vez más, muchas gracias por vuestro trabajo.",
        "Der Bericht passt. Erneut vielen Dank für die schnelle Arbeit!",
        "Raportti on valmis. Kiitos jälleen kerran avusta!",
    ],
)
def test_a_thank_you_said_once_again_is_a_closing_not_a_pointed_reminder(analyzer, text) -> None:
    features = analyzer.analyse(text, date=datetime(2025, 10, 23, 9, 30, tzinfo=UTC))

    assert features.friction == ()
    assert features.closing_only
