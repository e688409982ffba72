"""A short closing ("Thanks!", "Great, see you then") needs no reply, whatever its case; a
short message that asks for something does."""

from __future__ import annotations

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
    ],
)
def test_a_short_message_that_asks_or_tells_is_not_a_closing(text: str) -> None:
    assert not is_closing_only(text)
