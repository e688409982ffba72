"""Noise: auto-replies, bulk and list mail, delivery reports, read receipts, calendar replies and
relmon's own alert emails. Noise is stored and flagged with its reason; it never counts as a
reply, a contact or a sentiment sample.

The rules read headers first (RFC 3834 ``Auto-Submitted``, ``X-Autoreply``, ``Precedence``,
``List-Id`` …), then the MIME structure (``multipart/report``, ``text/calendar; method=REPLY``),
then subjects and, for out-of-office replies sent without any header (some Exchange setups), the
own text. ``X-Auto-Response-Suppress`` alone is not a marker: it is a request Outlook puts on
ordinary mail too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

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
_BOUNCE_SUBJECT = re.compile(
    r"(?:undeliverable|undelivered\s+mail|delivery\s+status\s+notification|delivery\s+(?:has\s+)?failed|"
    r"mail\s+delivery\s+(?:failed|failure|system)|returned\s+mail|failure\s+notice|delivery\s+failure|"
    r"message\s+not\s+delivered|delivery\s+delayed|warning:\s+could\s+not\s+send|"
    r"unzustellbar|nicht\s+zustellbar|non\s+remis|échec\s+de\s+(?:la\s+)?remise|no\s+se\s+puede\s+entregar|"
    r"no\s+entregado|toimitus\s+epäonnistui|ei\s+voitu\s+toimittaa|退信|未送达|无法投递|系统退信)",
    re.IGNORECASE,
)
_DAEMON_SENDER = re.compile(
    r"^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon|mdaemon|"
    r"microsoftexchange[0-9a-f]*)(?:@|$)",
    re.IGNORECASE,
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


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    return value.strip() if value is not None else None


def classify_noise(signals: NoiseSignals) -> NoiseVerdict | None:
    """Why this message is noise, or ``None`` if it is a real message from a person."""
    # Surest first: what machines declare (structure, headers), then senders, subjects, text.
    for check in _CHECKS:
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
            _BOUNCE_SUBJECT.search(signals.subject)
            and signals.sender
            and _DAEMON_SENDER.match(signals.sender)
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
    if "feedback-id" in headers:
        return NoiseVerdict(Noise.BULK, "Feedback-ID header (bulk sender)")
    return None


def _by_sender(signals: NoiseSignals) -> NoiseVerdict | None:
    """Bounces: a failure subject from a mailer daemon or the null sender, or any daemon mail."""
    sender = signals.sender or ""
    return_path = (_header(signals.headers, "return-path") or "").strip()
    if _BOUNCE_SUBJECT.search(signals.subject) and (
        _DAEMON_SENDER.match(sender) or return_path == "<>"
    ):
        return NoiseVerdict(
            Noise.DELIVERY_REPORT, f"delivery failure notice from {sender or 'null sender'}"
        )
    if _DAEMON_SENDER.match(sender):
        return NoiseVerdict(Noise.DELIVERY_REPORT, f"sent by {sender}")
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


def _by_text(signals: NoiseSignals) -> NoiseVerdict | None:
    """A short text that reads as an out-of-office reply."""
    text = signals.own_text
    if 0 < len(text) <= 1500:
        head = text[:600]
        weak = {m.group(0).lower() for m in _OOO_WEAK.finditer(head)}
        if _OOO_STRONG.search(head) and ("?" not in text or weak):
            return NoiseVerdict(Noise.AUTO_REPLY, "out-of-office text")
        if len(weak) >= 3 and "?" not in text:
            return NoiseVerdict(Noise.AUTO_REPLY, "out-of-office text")
    return None


_CHECKS: tuple[Callable[[NoiseSignals], NoiseVerdict | None], ...] = (
    _by_structure,
    _by_auto_headers,
    _by_bulk_headers,
    _by_sender,
    _by_subject,
    _by_text,
)
