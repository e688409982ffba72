"""Acting on an alert by replying to its email: which alert a reply answers, and what it says.

An owner answers an alert email with "ack", "snooze 3d" or "resolve" on the first line of the
reply, in any case and in several languages ("erledigt", "vu", "kuitattu", "más tarde 2 días").
Only the first line of the reply's own text is read (quoted history and signature are already
gone), and only when that whole line is a command: "Ok, but the client called me yesterday"
is a remark, not an acknowledgement.

Which alert: relmon's alert emails carry Message-IDs of the form
``<relmon.alert.ALERT[.oOPENED][.EVENT]@DOMAIN>`` (:func:`monitor.alerts.render.alert_message_id`),
and a reply names one in ``In-Reply-To``. Whether the reply may act (relmon sent that email, and
the reply was sent from the owner's own mailbox) is decided by the application, which knows what
it sent and where the message was seen.

Pure: text in, a command out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from monitor.core.alerts import MAX_SNOOZE

#: A snooze without a duration lasts a day; no snooze lasts longer than MAX_SNOOZE.
DEFAULT_SNOOZE = timedelta(days=1)
#: Only this much of the first line is read.
_MAX_LINE = 80

_ALERT_ID = re.compile(
    r"^<?relmon\.alert\.(\d{1,12})(?:\.o\d{14})?(?:\.\d{1,12})?@([^<>\s@]+)>?$", re.IGNORECASE
)


class Verb(StrEnum):
    ACK = "ack"
    SNOOZE = "snooze"
    RESOLVE = "resolve"


# The common words for each verb: English, German, French, Spanish, Finnish, Dutch, Italian,
# Portuguese, Swedish. Multi-word phrases are written with single spaces.
_WORDS: dict[Verb, tuple[str, ...]] = {
    Verb.ACK: (
        "ack",
        "acknowledge",
        "acknowledged",
        "ok",
        "okay",
        "seen",
        "got it",
        "gesehen",
        "bestätigt",
        "zur kenntnis",
        "vu",
        "reçu",
        "visto",
        "recibido",
        "entendido",
        "kuitattu",
        "kuittaan",
        "nähty",
        "gezien",
        "ontvangen",
        "ricevuto",
        "recebido",
        "sett",
        "mottaget",
    ),
    Verb.SNOOZE: (
        "snooze",
        "later",
        "remind me",
        "später",
        "schlummern",
        "plus tard",
        "reporter",
        "más tarde",
        "posponer",
        "torkku",
        "myöhemmin",
        "uitstellen",
        "rimanda",
        "più tardi",
        "adiar",
        "mais tarde",
        "senare",
    ),
    Verb.RESOLVE: (
        "resolve",
        "resolved",
        "done",
        "close",
        "closed",
        "fixed",
        "erledigt",
        "gelöst",
        "résolu",
        "résolue",
        "terminé",
        "resuelto",
        "resuelta",
        "hecho",
        "ratkaistu",
        "hoidettu",
        "opgelost",
        "afgehandeld",
        "risolto",
        "resolvido",
        "löst",
        "klart",
    ),
}
_VERB_OF = {word: verb for verb, words in _WORDS.items() for word in words}

# Units of a snooze's duration, in hours.
_UNITS: dict[str, int] = {
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours", "std", "stunde", "stunden"), 1),
    **dict.fromkeys(("heure", "heures", "hora", "horas", "tunti", "tuntia", "uur", "ore"), 1),
    **dict.fromkeys(("d", "day", "days", "t", "tag", "tage", "tagen", "j", "jour", "jours"), 24),
    **dict.fromkeys(("día", "días", "dia", "dias", "pv", "päivä", "päivää", "dag", "dagen"), 24),
    **dict.fromkeys(("dagar", "g", "giorno", "giorni"), 24),
    **dict.fromkeys(("w", "wk", "week", "weeks", "woche", "wochen", "semaine", "semaines"), 168),
    **dict.fromkeys(("semana", "semanas", "vk", "viikko", "viikkoa", "weken", "vecka"), 168),
    **dict.fromkeys(("veckor", "settimana", "settimane"), 168),
}
_DURATION = re.compile(r"^(\d{1,3})\s*([^\d\s]+)$")
_TRIM = re.compile(r"[\s.!,;:)(\-–—*_\"'»«]+")


@dataclass(frozen=True, slots=True)
class ReplyCommand:
    """What an owner's reply asks for; ``snooze`` is set for :attr:`Verb.SNOOZE` only."""

    verb: Verb
    snooze: timedelta | None = None

    def encode(self) -> str:
        """As stored: ``ack``, ``resolve``, ``snooze:SECONDS``."""
        if self.snooze is None:
            return self.verb.value
        return f"{self.verb.value}:{int(self.snooze.total_seconds())}"

    @classmethod
    def decode(cls, text: str) -> ReplyCommand:
        verb, _, seconds = text.partition(":")
        return cls(Verb(verb), timedelta(seconds=int(seconds)) if seconds else None)


@dataclass(frozen=True, slots=True)
class AlertRef:
    """The alert an email answers, and the domain of relmon's sender that named it."""

    alert_id: int
    domain: str


def alert_answered(in_reply_to: Iterable[str]) -> AlertRef | None:
    """The relmon alert a message replies to, read from its ``In-Reply-To`` ids."""
    for value in in_reply_to:
        match = _ALERT_ID.match(value.strip())
        if match:
            return AlertRef(int(match.group(1)), match.group(2).casefold())
    return None


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:_MAX_LINE]
    return ""


def _duration(rest: str) -> timedelta | None:
    """``3d``, ``3 days``, ``2 Wochen``, ``12h``; nothing means the default; None: not one."""
    if not rest:
        return DEFAULT_SNOOZE
    match = _DURATION.match(rest)
    if match is None or match.group(2) not in _UNITS:
        return None
    hours = int(match.group(1)) * _UNITS[match.group(2)]
    if hours <= 0:
        return None
    return min(timedelta(hours=hours), MAX_SNOOZE)


def parse_command(own_text: str) -> ReplyCommand | None:
    """The command on the first line of a reply's own text, or None when it is not one."""
    line = _TRIM.sub(" ", _first_line(own_text).casefold()).strip()
    if not line:
        return None
    words = line.split()
    # The longest phrase first: "plus tard 2 jours" before "plus".
    for size in (3, 2, 1):
        phrase = " ".join(words[:size])
        verb = _VERB_OF.get(phrase)
        if verb is None:
            continue
        rest = " ".join(words[size:])
        if verb is Verb.SNOOZE:
            snooze = _duration(rest)
            return ReplyCommand(verb, snooze) if snooze is not None else None
        return ReplyCommand(verb) if not rest else None
    return None
