"""The shape of a language table, and how its phrases become a pattern."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Table", "alternatives"]


@dataclass(frozen=True, slots=True)
class Table:
    language: str
    #: Outlook/Apple/Thunderbird header fields above a quoted message ("From:", "Von:", "发件人:").
    from_: tuple[str, ...] = ()
    sent: tuple[str, ...] = ()
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    subject: tuple[str, ...] = ()
    #: Banners that open quoted or forwarded mail, alone on their line or after a run of dashes
    #: ("-----Original Message-----", "----- Forwarded by NAME/ORG on DATE -----").
    banners: tuple[str, ...] = ()
    #: Whole lines that introduce a forwarded message ("Begin forwarded message:").
    forward_intros: tuple[str, ...] = ()
    #: First words of an attribution line with the date first ("Am", "Le", "El", "在").
    attribution_starts: tuple[str, ...] = ()
    #: The verb that ends an attribution line ("wrote", "schrieb", "a écrit", "写道").
    wrote: tuple[str, ...] = ()
    #: Mobile footers, a whole line: the phrase and at most a few words ("Sent from my iPhone").
    mobile: tuple[str, ...] = ()
    #: Closing words of a sign-off ("Best regards", "Mit freundlichen Grüßen").
    valedictions: tuple[str, ...] = ()
    #: Words that never stand in a person's name, though capitalised in a heading or a form
    #: field ("Contact Us", "Your Name"): a line holding one is no sign-off name.
    not_in_names: tuple[str, ...] = ()
    #: Nouns of headings ("Meeting Details", "Dial-In Information"): never in a name, and a
    #: heading announces the room, number or address below it as the message's own.
    headings: tuple[str, ...] = ()
    #: Short answers that make up a whole line ("Agreed.", "Erledigt.", "收到"): text, never a
    #: sign-off name, though a lone capitalised word below the greeting looks like one.
    answers: tuple[str, ...] = ()
    #: Names of a list a text gives below its sign-off, before a colon ("Distribution:",
    #: "Verteiler:", "Participants :"): the list is the message's, not the signature's.
    lists: tuple[str, ...] = ()
    #: Words a sentence speaks with, in the case they are written ("me", "my", "you"; first
    #: letter capitalised too): a line that gives a number with one ("Call me at 713-853-9188")
    #: is the text, never a line of the sender's signature.
    speaker_words: tuple[str, ...] = ()


def _phrase(text: str) -> str:
    return r"\s+".join(re.escape(word) for word in text.split())


def alternatives(phrases: tuple[str, ...] | list[str]) -> str:
    """One regex alternation of plain phrases, longest first, white space between words free."""
    unique = sorted(set(phrases), key=lambda p: (-len(p), p))
    return "|".join(_phrase(p) for p in unique)
