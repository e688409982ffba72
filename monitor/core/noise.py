"""Noise: auto-replies, bulk and list mail, delivery reports, read receipts, calendar replies and
relmon's own alert emails. Noise is stored and flagged with its reason; it never counts as a
reply, a contact or a sentiment sample.

The rules read headers first (RFC 3834 ``Auto-Submitted``, ``X-Autoreply``, ``Precedence``,
``List-Id`` …), then the MIME structure (``multipart/report``, ``text/calendar; method=REPLY``),
then subjects and, for out-of-office replies sent without any header (some Exchange setups), the
own text; a delivery report forwarded with no more than a short remark is read in the forwarded
part (:mod:`monitor.core.bounce`). ``X-Auto-Response-Suppress`` alone is not a marker: it is a request Outlook puts on
ordinary mail too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from monitor.core import bulk
from monitor.core.bounce import BOUNCE_SUBJECT, DAEMON_SENDER, forwarded_report
from monitor.core.caseless import Caseless, caseless_text
from monitor.core.footer import unsubscribe_footer
from monitor.core.masstag import random_tag
from monitor.core.model import Noise

#: Header relmon puts on its own alert emails, so they are recognised if they come back.
ALERT_HEADER = "x-relmon-alert"


@dataclass(frozen=True, slots=True)
class NoiseSignals:
    headers: Mapping[str, str]  # lower-cased header name -> first value, decoded
    sender: str | None
    subject: str
    own_text: str
    report_type: str | None = None  # from multipart/report
    calendar_method: str | None = None  # from text/calendar
    content_type: str = "text/plain"
    # The whole decoded text (plain, else HTML as text), read for footers at ingest, never stored;
    # with ``html_only`` and ``html_refs``, read only when the message is not a reply.
    body: str = ""
    html_only: bool = False
    html_refs: bulk.HtmlRefs = bulk.NO_REFS  # remote links and images of the HTML body
    # In-Reply-To or References present. A "Re:" or "Fw:" subject alone is no proof (mass mail
    # fakes both); a forwarded newsletter is cut from ``body`` with the rest of the history.
    is_reply: bool = False
    attached_message: bool = False  # a message/rfc822 part (bounces and abuse reports carry one)
    null_sender: bool = (
        False  # From: <> in any form ("MAILER-DAEMON <>", "Mail Delivery System <>")
    )
    # The whole decoded text, quoted and forwarded parts included, given only when the own text
    # is at most a short remark (:func:`monitor.core.bounce.remark_only`): read for a forwarded
    # delivery report, never stored.
    forwarded: str = ""


@dataclass(frozen=True, slots=True)
class NoiseVerdict:
    kind: Noise
    reason: str


_OOO_SUBJECT = re.compile(
    r"^\s*(?:"
    r"(?:automatic|automated|auto)[\s-]*(?:reply|response|antwort|answer)\b|autoreply\b|auto-?responder\b|"
    r"out\s+of\s+(?:the\s+)?office(?:\s+(?:autoreply|auto\s+reply|reply|alert|notice|message))?\s*(?::|$)|"
    r"ooo\s*[:\-]|away\s+from\s+(?:the\s+)?office\s*(?::|$)|on\s+(?:vacation|holiday|leave)\s*(?::|$)|"
    r"abwesenheitsnotiz|automatische\s+antwort|abwesend\s*(?::|$)|nicht\s+im\s+büro\s*(?::|$)|"
    r"réponse\s+automatique|reponse\s+automatique|absence\s+du\s+bureau|absent\s+du\s+bureau|message\s+d'absence|"
    r"respuesta\s+automática|respuesta\s+automatica|fuera\s+de\s+la\s+oficina|ausente\s+de\s+la\s+oficina|"
    r"automaattinen\s+vastaus|poissa\s+toimistolta|lomaviesti|poissaoloviesti|"
    r"自动回复|自動回覆|自动答复|自動回復|外出|不在办公室|休假中|"
    r"automatisch\s+antwoord|afwezig\s*(?::|$)|risposta\s+automatica|fuori\s+sede|fuori\s+ufficio|"
    r"frånvaro|autosvar|automatiskt\s+svar|resposta\s+automática|fora\s+do\s+escritório"
    r")",
    re.IGNORECASE,
)
_OOO_SUBJECT_SUFFIX = re.compile(r"\bis\s+out\s+of\s+(?:the\s+)?office\.?\s*$", re.IGNORECASE)

_READ_RECEIPT_SUBJECT = re.compile(
    r"^\s*(?:read|not\s+read|gelesen|nicht\s+gelesen|lu|non\s+lu|leído|leido|no\s+leído|luettu|"
    r"已读|已讀|未读|gelezen|letto|läst|lest)\s*[:：]|^\s*(?:read\s+receipt|return\s+receipt|"
    r"lesebestätigung|accusé\s+de\s+lecture|confirmación\s+de\s+lectura|lukukuittaus)\b",
    re.IGNORECASE,
)
_CALENDAR_SUBJECT = re.compile(
    r"^\s*(?:accepted|declined|tentative|tentatively\s+accepted|angenommen|zugesagt|abgelehnt|"
    r"mit\s+vorbehalt(?:\s+angenommen)?|vorläufig\s+angenommen|accepté|refusé|provisoire|"
    r"accepté\s+provisoirement|aceptado|rechazado|provisional|aceptado\s+provisionalmente|"
    r"hyväksytty|hylätty|alustava|alustavasti\s+hyväksytty|已接受|已拒绝|暂定|暫定|已謝絕|"
    r"geaccepteerd|geweigerd|accettato|rifiutato|accepterat|avböjt)\s*[:：]",
    re.IGNORECASE,
)
#: Subjects that only say "mail" (a Japanese carrier's bounce): a bounce from a daemon or the
#: null sender, never alone.
_BARE_SUBJECT = re.compile(r"^\s*(?:mail|e-?mail|message)?\s*$", re.IGNORECASE)
_ABUSE_SUBJECT = re.compile(
    r"^\s*(?:complaint\s+about\s+message\s+from|abuse\s+report\b|email\s+feedback\s+report|"
    r"\[spamcop\b|spam\s+report\b|fbl\s+report)",
    re.IGNORECASE,
)
#: Headers of mailing-list servers: their posts and notices (subscription, moderation).
LIST_SERVER_HEADERS = (
    "list-post",
    "list-subscribe",
    "list-help",
    "list-owner",
    "list-archive",
    "x-ml-server",
    "x-ml-name",
    "x-mailman-version",
    "x-beenthere",
    "mailing-list",
    "x-mailing-list",
)
# Out-of-office bodies. "Strong" phrases are what auto-replies say and people rarely write in a
# normal message; "weak" ones need company. A question from the sender vetoes weak evidence.
_OOO_STRONG = re.compile(
    r"(?:this\s+is\s+an\s+(?:automatic|automated|auto-generated)\s+(?:reply|response|message)|"
    r"\bi\s+am\s+(?:currently\s+|presently\s+)?(?:out\s+of\s+(?:the\s+)?office|away\s+from\s+(?:the|my)\s+(?:office|desk)|"
    r"on\s+(?:annual\s+|parental\s+|maternity\s+|paternity\s+|sick\s+)?leave|on\s+(?:vacation|holiday|holidays))\b|"
    r"\bi'?m\s+(?:currently\s+)?out\s+of\s+(?:the\s+)?office\s+(?:until|till|and|with|from)|"
    r"(?:limited|no|restricted|intermittent)\s+access\s+to\s+(?:my\s+)?e-?mails?|"
    r"will\s+(?:respond|reply|get\s+back\s+to\s+you)\s+(?:to\s+your\s+(?:e-?mail|message)\s+)?(?:up)?on\s+my\s+return|"
    r"ich\s+bin\s+(?:derzeit|zurzeit|momentan|aktuell|bis\s+(?:einschließlich\s+)?[^.\n]{0,40})\s*(?:nicht\s+im\s+büro|abwesend|im\s+urlaub|außer\s+haus)|"
    r"ich\s+bin\s+(?:ab|am)\s+[^.\n]{0,40}\s+wieder\s+(?:im\s+büro|erreichbar)|"
    r"(?:eingeschränkt|keinen\s+zugriff\s+auf\s+(?:meine\s+)?e-?mails)|"
    r"je\s+suis\s+(?:actuellement\s+)?(?:absente?|en\s+congés?|en\s+vacances|hors\s+du\s+bureau)|"
    r"je\s+serai\s+de\s+retour\s+le|réponse\s+automatique|"
    r"(?:estoy|me\s+encuentro)\s+(?:actualmente\s+)?(?:fuera\s+de\s+la\s+oficina|de\s+vacaciones|ausente)|"
    r"estaré\s+de\s+(?:vuelta|regreso)\s+el|respuesta\s+automática|"
    r"olen\s+(?:tällä\s+hetkellä\s+)?(?:poissa\s+toimistolta|lomalla|vuosilomalla|poissa)|palaan\s+(?:toimistolle|töihin)|"
    r"automaattinen\s+vastaus|"
    r"我(?:目前|现在)?不在办公室|我正在休假|我(?:将|会)于.{1,20}(?:返回|回来|回到)|自动回复|此为自动回复)",
    re.IGNORECASE,
)
_OOO_WEAK = re.compile(
    r"(?:out\s+of\s+(?:the\s+)?office|(?:automatic|automated)\s+(?:reply|response)|ticket\s*(?:number|no\.?|#)|"
    r"we\s+have\s+received\s+your\s+(?:request|message|e-?mail|enquiry|inquiry)|on\s+(?:annual\s+)?leave|on\s+vacation|on\s+holiday|back\s+(?:on|in\s+the\s+office)|"
    r"return(?:ing)?\s+on|in\s+my\s+absence|in\s+urgent\s+cases|for\s+urgent\s+matters|please\s+contact|"
    r"nicht\s+im\s+büro|in\s+dringenden\s+fällen|wieder\s+im\s+büro|de\s+retour|en\s+cas\s+d'urgence|"
    r"de\s+vuelta|en\s+caso\s+de\s+urgencia|kiireellisissä\s+asioissa|palaan|不在|返回|紧急)",
    re.IGNORECASE,
)


_OOO_STRONG_PHRASES = Caseless.of(_OOO_STRONG)
_OOO_WEAK_PHRASES = Caseless.of(_OOO_WEAK)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    return value.strip() if value is not None else None


def classify_noise(signals: NoiseSignals) -> NoiseVerdict | None:
    """Why this message is noise, or ``None`` if it is a real message from a person."""
    # Surest first: what machines declare (structure, headers), then senders, subjects, text.
    return _first(_CHECKS, signals)


def noise_from_headers(signals: NoiseSignals) -> NoiseVerdict | None:
    """The verdict of :func:`classify_noise` when the headers, the sender, the subject and the
    MIME structure decide it alone, else ``None`` (the text may decide it).

    These checks come first and never read ``own_text`` or ``body``, so a verdict here is
    :func:`classify_noise`'s whatever the text: the caller may leave both empty and need not
    extract the own text of mail this proves noise.
    """
    return _first(_HEADER_CHECKS, signals)


def _first(
    checks: tuple[Callable[[NoiseSignals], NoiseVerdict | None], ...], signals: NoiseSignals
) -> NoiseVerdict | None:
    for check in checks:
        verdict = check(signals)
        if verdict is not None:
            return verdict
    return None


def _by_structure(signals: NoiseSignals) -> NoiseVerdict | None:
    """relmon's own alerts, delivery and read reports, calendar replies."""
    if ALERT_HEADER in signals.headers:
        return NoiseVerdict(Noise.OWN_ALERT, "relmon alert email (X-Relmon-Alert)")
    if signals.content_type == "multipart/report" or signals.report_type:
        report = (signals.report_type or "").lower()
        if report == "disposition-notification":
            return NoiseVerdict(
                Noise.READ_RECEIPT, "multipart/report; report-type=disposition-notification"
            )
        return NoiseVerdict(
            Noise.DELIVERY_REPORT, f"multipart/report; report-type={report or 'unknown'}"
        )
    method = (signals.calendar_method or "").upper()
    if method in ("REPLY", "COUNTER"):
        return NoiseVerdict(Noise.CALENDAR_REPLY, f"text/calendar; method={method}")
    return None


def _by_auto_headers(signals: NoiseSignals) -> NoiseVerdict | None:
    """Auto-Submitted and the X-Auto* headers of autoresponders."""
    headers = signals.headers
    auto_submitted = _header(headers, "auto-submitted")
    if auto_submitted and auto_submitted.split(";")[0].strip().lower() != "no":
        value = auto_submitted.split(";")[0].strip().lower()
        if (
            BOUNCE_SUBJECT.search(signals.subject)
            and signals.sender
            and DAEMON_SENDER.match(signals.sender)
        ):
            return NoiseVerdict(
                Noise.DELIVERY_REPORT, f"Auto-Submitted: {value} from {signals.sender}"
            )
        return NoiseVerdict(Noise.AUTO_REPLY, f"Auto-Submitted: {value}")
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder"):
        if name in headers:
            return NoiseVerdict(Noise.AUTO_REPLY, f"{name.title()} header")
    return None


def _by_bulk_headers(signals: NoiseSignals) -> NoiseVerdict | None:
    """Precedence, mailing-list and bulk-sender headers."""
    headers = signals.headers
    precedence = (_header(headers, "precedence") or "").lower()
    if precedence == "auto_reply":
        return NoiseVerdict(Noise.AUTO_REPLY, "Precedence: auto_reply")
    if precedence in ("bulk", "list", "junk"):
        return NoiseVerdict(Noise.BULK, f"Precedence: {precedence}")
    if "list-id" in headers:
        return NoiseVerdict(Noise.BULK, f"List-Id: {_header(headers, 'list-id')}"[:200])
    if "list-unsubscribe" in headers:
        return NoiseVerdict(Noise.BULK, "List-Unsubscribe header")
    service = bulk.service_header(headers)
    if service is not None:
        return NoiseVerdict(Noise.BULK, f"{_title(service)} header (bulk-mail service)")
    for name in LIST_SERVER_HEADERS:
        if name in headers:
            return NoiseVerdict(Noise.BULK, f"{_title(name)} header (mailing-list server)")
    return None


def _title(name: str) -> str:
    return "-".join(
        part.upper() if part in ("id", "ml", "mc", "ses") else part.title()
        for part in name.split("-")
    )


def _by_sender(signals: NoiseSignals) -> NoiseVerdict | None:
    """Bounces and system notices: the null sender in any form, mailer daemons and postmasters,
    a failure subject from a daemon, a no-reply address or with the returned message attached."""
    sender = signals.sender or ""
    if signals.null_sender:
        if _OOO_SUBJECT.match(signals.subject):
            return NoiseVerdict(Noise.AUTO_REPLY, "out-of-office reply from the null sender")
        return NoiseVerdict(Noise.DELIVERY_REPORT, "null sender (From: <>), a system notice")
    daemon = bool(DAEMON_SENDER.match(sender))
    machine = daemon or bulk.no_reply_sender(sender) or _null_return_path(signals)
    subject = signals.subject
    # A person forwarding a bounce writes "Fwd:"; a daemon's own failure notice may say "Re:".
    bounce_like = machine or (signals.attached_message and not signals.is_reply)
    if BOUNCE_SUBJECT.search(subject) and bounce_like:
        return NoiseVerdict(
            Noise.DELIVERY_REPORT, f"delivery failure notice from {sender or 'null sender'}"
        )
    if _ABUSE_SUBJECT.match(subject) and (machine or signals.attached_message):
        return NoiseVerdict(Noise.DELIVERY_REPORT, "abuse report with the reported message")
    if _BARE_SUBJECT.match(subject) and machine:
        return NoiseVerdict(Noise.DELIVERY_REPORT, f"notice without a subject from {sender}")
    if daemon:
        return NoiseVerdict(Noise.DELIVERY_REPORT, f"sent by {sender}")
    return None


def _null_return_path(signals: NoiseSignals) -> bool:
    return (_header(signals.headers, "return-path") or "").replace(" ", "") == "<>"


def _by_null_return_path(signals: NoiseSignals) -> NoiseVerdict | None:
    """Only notifications travel with a null Return-Path (RFC 5321 4.5.5): people's mail never."""
    if _null_return_path(signals):
        return NoiseVerdict(Noise.DELIVERY_REPORT, "Return-Path: <> (a system notice)")
    return None


def _by_bulk_mail(signals: NoiseSignals) -> NoiseVerdict | None:
    """Newsletters and mass mail without list headers (see :mod:`monitor.core.bulk`)."""
    headers = signals.headers
    if bulk.bulk_mailer(headers.get("x-mailer")):
        return NoiseVerdict(Noise.BULK, f"bulk mailer: X-Mailer {headers['x-mailer'][:80]}")
    if bulk.mail_library(headers.get("x-library")):
        return NoiseVerdict(Noise.BULK, f"sent by a program: X-Library {headers['x-library'][:80]}")
    if bulk.script_return_path(headers.get("return-path"), signals.sender):
        return NoiseVerdict(Noise.BULK, "sent by a script: Return-Path of a server account")
    if bulk.verp_return_path(headers.get("return-path"), signals.sender):
        return NoiseVerdict(Noise.BULK, "bounce-handling (VERP) Return-Path")
    if bulk.no_reply_sender(signals.sender):
        return NoiseVerdict(Noise.BULK, f"no-reply or newsletter sender {signals.sender}")
    if bulk.AD_SUBJECT.match(signals.subject):
        return NoiseVerdict(Noise.BULK, "advertising label in the subject")
    if signals.is_reply:
        return None
    if unsubscribe_footer(signals.body):
        return NoiseVerdict(Noise.BULK, "unsubscribe footer")
    if random_tag(signals.body, signals.subject):
        return NoiseVerdict(Noise.BULK, "random tag of mass mail (text or subject end)")
    hints = bulk.weak_hints(
        headers, signals.body, html_only=signals.html_only, refs=signals.html_refs
    )
    if len(hints) >= 2:
        return NoiseVerdict(Noise.BULK, "bulk mail: " + ", ".join(hints))
    return None


def _by_subject(signals: NoiseSignals) -> NoiseVerdict | None:
    """Read receipts and calendar responses (when short), out-of-office subjects."""
    subject = signals.subject
    short_text = len(signals.own_text) < 400
    if _READ_RECEIPT_SUBJECT.match(subject) and short_text:
        return NoiseVerdict(Noise.READ_RECEIPT, "read-receipt subject")
    method = (signals.calendar_method or "").upper()
    if _CALENDAR_SUBJECT.match(subject) and (short_text or method):
        return NoiseVerdict(Noise.CALENDAR_REPLY, "calendar response subject")
    if _OOO_SUBJECT.match(subject) or _OOO_SUBJECT_SUFFIX.search(subject):
        return NoiseVerdict(Noise.AUTO_REPLY, "out-of-office subject")
    return None


def _by_forwarded_report(signals: NoiseSignals) -> NoiseVerdict | None:
    """A delivery report a person forwarded with no words of their own beyond a short remark
    (:mod:`monitor.core.bounce`)."""
    if not signals.forwarded:
        return None
    reason = forwarded_report(signals.own_text, signals.forwarded, signals.subject)
    return NoiseVerdict(Noise.DELIVERY_REPORT, reason) if reason is not None else None


def _by_text(signals: NoiseSignals) -> NoiseVerdict | None:
    """A short text that reads as an out-of-office reply."""
    text = signals.own_text
    if not 0 < len(text) <= 1500:
        return None
    head, asks = text[:600], "?" in text
    read, lowered = caseless_text(head)
    strong, weak = _OOO_STRONG_PHRASES.on(lowered), _OOO_WEAK_PHRASES.on(lowered)
    # A strong phrase decides unless the text asks something, when one weak phrase must back
    # it; without one, three distinct weak phrases in a text that asks nothing. The weak
    # phrases are looked for only where they decide (the read costs more than the rule).
    if strong.search(read):
        found = not asks or weak.search(read) is not None
    else:
        found = not asks and len({m.group(0).lower() for m in weak.finditer(read)}) >= 3
    return NoiseVerdict(Noise.AUTO_REPLY, "out-of-office text") if found else None


#: The checks that read neither the own text nor the body; they run first.
_HEADER_CHECKS: tuple[Callable[[NoiseSignals], NoiseVerdict | None], ...] = (
    _by_structure,
    _by_auto_headers,
    _by_bulk_headers,
    _by_sender,
)
_CHECKS: tuple[Callable[[NoiseSignals], NoiseVerdict | None], ...] = (
    *_HEADER_CHECKS,
    _by_subject,
    _by_forwarded_report,
    _by_null_return_path,
    _by_text,
    _by_bulk_mail,
)
