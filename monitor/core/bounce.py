"""What a delivery report looks like: the subjects and senders of bounces, and a bounce that a
person forwards without words of their own.

A mail server's report (RFC 3464) comes as ``multipart/report``, from the null sender or a
mailer daemon, under a failure subject; :mod:`monitor.core.noise` reads those forms with the
patterns here. People forward such reports too: "Forward the message." above "Begin forwarded
message:" and the quoted report. Such a forward says nothing of its own, so it is a delivery
report as well (:func:`forwarded_report`), when both hold:

- the own text is at most a short remark (:data:`REMARK_WORDS` words) that asks nothing: no
  question and no request (:func:`monitor.core.text.asks`). "Your mail to Kim bounced, can you
  resend to her new address?" is a person writing, whatever it forwards;
- the forwarded or quoted part is plainly a report: the fields of a delivery status report
  (:data:`DSN_FIELDS`, two of them), or a forwarded header block whose first sender is a mailer
  daemon or postmaster, under a bounce subject.

The quoted part is only read for this, and only when the own text is such a remark.
"""

from __future__ import annotations

import re

from monitor.core.quoting import pattern
from monitor.core.text import asks

__all__ = [
    "BOUNCE_SUBJECT",
    "DAEMON_SENDER",
    "DSN_FIELDS",
    "REMARK_WORDS",
    "forwarded_report",
    "remark_only",
]

BOUNCE_SUBJECT = re.compile(
    r"(?:undeliverable|undelivered\s+mail|delivery\s+status\s+notification|delivery\s+(?:has\s+)?failed|"
    r"mail\s+delivery\s+(?:failed|failure|system)|returned\s+mail|failure\s+notice|delivery\s+failure|"
    r"message\s+not\s+delivered|delivery\s+delayed|warning:\s+could\s+not\s+send|"
    r"unzustellbar|nicht\s+zustellbar|non\s+remis|échec\s+de\s+(?:la\s+)?remise|no\s+se\s+puede\s+entregar|"
    r"no\s+entregado|toimitus\s+epäonnistui|ei\s+voitu\s+toimittaa|退信|未送达|无法投递|系统退信|"
    r"returned\s+mail|non[-\s]?deliver(?:able|y)|delivery\s+(?:status|notification|problem|report)|"
    r"could\s+not\s+be\s+delivered|mail\s+(?:system\s+)?error|delayed\s+mail|rejected\s+mail|"
    r"übermittlungsstatus|zustellungsbericht|unzustellbare|nicht\s+zugestellt|"
    r"rapport\s+de\s+non-?remise|notification\s+d'état\s+de\s+(?:la\s+)?distribution|"
    r"non\s+distribu|notificación\s+de\s+estado\s+de\s+(?:la\s+)?entrega|mensaje\s+no\s+entregado|"
    r"onbestelbaar|niet\s+bezorgd|non\s+recapitabile|mancato\s+recapito|"
    r"não\s+(?:foi\s+)?entregue|falha\s+na\s+entrega|"
    r"toimitusraportti|palautettu\s+viesti|"
    r"邮件投递失败|投递失败|退回|配信エラー|メールエラー|エラー通知|不達|返送|送信エラー|"
    r"недоставленн|не\s+доставлен)",
    re.IGNORECASE,
)
DAEMON_SENDER = re.compile(
    r"^(?:mailer[-_.]?daemon|post[-_.]?master|mail[-_.]?daemon|mdaemon|mail[-_.]?delivery[-_.]?(?:system|subsystem)|"
    r"microsoftexchange[0-9a-f]*)(?:@|$)",
    re.IGNORECASE,
)

#: Fields of a delivery status report (RFC 3464, 2.2 and 2.3) that nothing but a report writes.
#: "Action:" and "Status:", which people write too, count only with a value the RFC gives them.
DSN_FIELDS: tuple[str, ...] = (
    "reporting-mta",
    "received-from-mta",
    "final-recipient",
    "original-recipient",
    "remote-mta",
    "diagnostic-code",
    "last-attempt-date",
    "will-retry-until",
)
DSN_ACTIONS: tuple[str, ...] = ("failed", "delayed", "delivered", "relayed", "expanded")
#: A forwarding remark is a handful of words: "Forward the message.", "FYI, see below".
REMARK_WORDS = 6
#: … and never longer than this: a link or a pasted block is more than a remark.
REMARK_CHARS = 200

# A word; Chinese and Japanese, written without spaces, count two ideographs or kana as one.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(rf"[{_CJK}]{{1,2}}|[^\W\d_{_CJK}]+")
_QUOTE_MARKS = re.compile(r"^(?:\s*(?:>|&gt;|\|(?=\s)))+")
_FIELD = re.compile(r"^\s*([a-z][a-z-]{1,30})\s*:\s*(\S[^\n]*)$", re.IGNORECASE)
_STATUS = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}\b")
# "From: …", "*Von:* …" (Outlook's bold field names in a text part); one run of spaces and
# stars on each side of the colon keeps the match linear in the line.
_HEADER_VALUE = r"[\s*]*[:：][\s*]*(\S[^\n]*)$"
_FROM = re.compile(rf"^[\s*]*(?:{pattern('from_')}){_HEADER_VALUE}", re.IGNORECASE)
_SUBJECT = re.compile(rf"^[\s*]*(?:{pattern('subject')}){_HEADER_VALUE}", re.IGNORECASE)
_ADDRESS_TOKEN = re.compile(r"[^\s<>\"'()\[\],;]+")


def remark_only(own_text: str) -> bool:
    """Whether the own text is at most a short remark that asks nothing ("Forward the
    message.", "FYI", or no text at all)."""
    return (
        len(own_text) <= REMARK_CHARS
        and len(_WORD.findall(own_text)) <= REMARK_WORDS
        and not asks(own_text)
    )


def _dsn_field(line: str) -> str | None:
    """The name of the report field on ``line``, as written, or ``None``."""
    match = _FIELD.match(line)
    if match is None:
        return None
    name, value = match.group(1).lower(), match.group(2).strip()
    if (
        name in DSN_FIELDS
        or (name == "action" and value.split()[0].lower() in DSN_ACTIONS)
        or (name == "status" and _STATUS.match(value))
    ):
        return match.group(1)
    return None


def _daemon(value: str) -> str | None:
    """The mailer daemon's or postmaster's address in a From: value, or ``None``."""
    return next((t for t in _ADDRESS_TOKEN.findall(value) if DAEMON_SENDER.match(t)), None)


def forwarded_report(own_text: str, body: str, subject: str) -> str | None:
    """What shows ``body`` to hold a delivery report forwarded with at most a short remark
    (``own_text``, the part of ``body`` the sender wrote), or ``None``.

    The first forwarded header block must be the report's: a reply that quotes a person's
    message, which in turn forwarded a bounce, is that person's conversation, not a report.
    """
    if not remark_only(own_text):
        return None
    own = {line.strip() for line in own_text.splitlines() if line.strip()}
    fields: dict[str, str] = {}  # lower-case name -> as written
    sender: str | None = None
    bounce_subject = bool(BOUNCE_SUBJECT.search(subject))
    quoted_subject = False
    for raw in body.splitlines():
        if not raw.strip() or raw.strip() in own:
            continue
        line = _QUOTE_MARKS.sub("", raw)
        if sender is None and (found := _FROM.match(line)):
            sender = _daemon(found[1])
            if sender is None:
                return None  # the forwarded message is a person's
            continue
        if not quoted_subject and (found := _SUBJECT.match(line)):
            # The forwarded block's subject, above or below its "From:" (Thunderbird puts it
            # first).
            quoted_subject = True
            bounce_subject = bounce_subject or bool(BOUNCE_SUBJECT.search(found[1]))
        field = _dsn_field(line)
        if field is not None:
            fields.setdefault(field.lower(), field)
    if len(fields) >= 2:
        named = list(fields.values())
        more = " …" if len(named) > 3 else ""
        return "forwarded delivery report (" + ", ".join(named[:3]) + more + ")"
    if sender is not None and bounce_subject:
        # The daemon's name, not its whole address: the forwarded text is the body's.
        return f"forwarded delivery report (sent by {sender.partition('@')[0][:40]})"
    return None
