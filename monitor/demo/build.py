"""Turns ``sample_threads.toml`` into the demo's mbox mailboxes, one per consultant.

The threads file holds only what people typed; this adds what their mail programs add: Message-
IDs, In-Reply-To/References, "Re:"/"AW:" prefixes, quoted history in the sender's client style
and language, HTML alternatives, and the headers and MIME structure of auto-replies,
newsletters, bounces, calendar replies and read receipts. The output is deterministic, so the
shipped mailboxes can be checked against it (``python -m monitor.demo.build --check``).
"""

from __future__ import annotations

import argparse
import hashlib
import html
import sys
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
THREADS = HERE / "sample_threads.toml"
MAILBOXES = HERE / "mail"

_MONTHS = {
    "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),
    "de": "Jan. Feb. März Apr. Mai Juni Juli Aug. Sept. Okt. Nov. Dez.".split(),
    "fr": "janv. févr. mars avr. mai juin juil. août sept. oct. nov. déc.".split(),
    "es": "ene feb mar abr may jun jul ago sept oct nov dic".split(),
    "fi": "tammik. helmik. maalisk. huhtik. toukok. kesäk. heinäk. elok. syysk. lokak. marrask. jouluk.".split(),
}
_WEEKDAYS = {
    "en": "Mon Tue Wed Thu Fri Sat Sun".split(),
    "de": "Mo. Di. Mi. Do. Fr. Sa. So.".split(),
    "fr": "lun. mar. mer. jeu. ven. sam. dim.".split(),
    "es": "lun mar mié jue vie sáb dom".split(),
    "fi": "ma ti ke to pe la su".split(),
    "zh": "周一 周二 周三 周四 周五 周六 周日".split(),
}
_LONG_WEEKDAYS = {
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split(),
    "de": "Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag".split(),
}
_LONG_MONTHS = {
    "en": "January February March April May June July August September October November December".split(),
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember".split(),
}
_REPLY_PREFIX = {
    ("outlook", "de"): "AW: ",
    ("outlook", "fr"): "RE : ",
    ("outlook", "es"): "RE: ",
    ("outlook", "fi"): "VS: ",
    ("outlook", "zh"): "答复: ",
    ("outlook", "en"): "RE: ",
}
_OUTLOOK_LABELS = {
    "en": ("From", "Sent", "To", "Cc", "Subject"),
    "de": ("Von", "Gesendet", "An", "Cc", "Betreff"),
    "fr": ("De", "Envoyé", "À", "Cc", "Objet"),
    "es": ("De", "Enviado el", "Para", "CC", "Asunto"),
    "fi": ("Lähettäjä", "Lähetetty", "Vastaanottaja", "Kopio", "Aihe"),
    "zh": ("发件人", "发送时间", "收件人", "抄送", "主题"),
}


@dataclass
class Built:
    mid: str
    refs: list[str]
    subject: str
    sender: str
    to: list[str]
    cc: list[str]
    date: datetime
    text: str  # what a reader sees: own text plus quoted history
    lang: str
    raw: bytes = b""
    mailboxes: set[str] = field(default_factory=set)


def _name(address: str) -> str:
    name, addr = parseaddr(address)
    return name or addr


def _addr(address: str) -> str:
    return parseaddr(address)[1].lower()


def _attribution(parent: Built, style: str, lang: str) -> str:
    when = parent.date
    name, addr = parseaddr(parent.sender)
    who = f"{name} <{addr}>" if name else addr
    day = when.day
    month = when.month - 1
    hm = when.strftime("%H:%M")
    weekday = when.weekday()
    if style == "apple":
        return {
            "de": f"Am {when:%d.%m.%Y} um {hm} schrieb {who}:",
            "fr": f"Le {day} {_MONTHS['fr'][month]} {when.year} à {hm}, {who} a écrit :",
            "es": f"El {day} {_MONTHS['es'][month]} {when.year}, a las {hm}, {who} escribió:",
            "fi": f"{day}.{month + 1}.{when.year} kello {when.strftime('%H.%M')} {who} kirjoitti:",
            "zh": f"{when.year}年{month + 1}月{day}日 {hm}，{who} 写道：",
        }.get(lang, f"On {day} {_MONTHS['en'][month]} {when.year}, at {hm}, {who} wrote:")
    return {
        "de": f"Am {_WEEKDAYS['de'][weekday]}, {day}. {_MONTHS['de'][month]} {when.year} um {hm} Uhr schrieb {who}:",
        "fr": f"Le {_WEEKDAYS['fr'][weekday]} {day} {_MONTHS['fr'][month]} {when.year} à {hm}, {who} a écrit :",
        "es": f"El {_WEEKDAYS['es'][weekday]}, {day} {_MONTHS['es'][month]} {when.year} a las {hm}, {name or addr} (<{addr}>) escribió:",
        "fi": f"{_WEEKDAYS['fi'][weekday]} {day}. {_MONTHS['fi'][month]} {when.year} klo {when.strftime('%H.%M')} {name or addr} (<{addr}>) kirjoitti:",
        "zh": f"{who} 于{when.year}年{month + 1}月{day}日{_WEEKDAYS['zh'][weekday]} {hm}写道：",
    }.get(
        lang,
        f"On {_WEEKDAYS['en'][weekday]}, {day} {_MONTHS['en'][month]} {when.year} at {hm}, {who} wrote:",
    )


def _outlook_header(parent: Built, lang: str) -> str:
    labels = _OUTLOOK_LABELS.get(lang, _OUTLOOK_LABELS["en"])
    when = parent.date
    if lang in _LONG_WEEKDAYS:
        sent = (
            f"{_LONG_WEEKDAYS[lang][when.weekday()]}, {when.day}. {_LONG_MONTHS[lang][when.month - 1]} {when.year} {when:%H:%M}"
            if lang == "de"
            else f"{_LONG_WEEKDAYS[lang][when.weekday()]}, {_LONG_MONTHS[lang][when.month - 1]} {when.day}, {when.year} {when:%I:%M %p}"
        )
    else:
        sent = when.strftime("%Y-%m-%d %H:%M")
    lines = [
        "________________________________",
        f"{labels[0]}: {_name(parent.sender)} <{_addr(parent.sender)}>",
        f"{labels[1]}: {sent}",
        f"{labels[2]}: {'; '.join(_name(a) for a in parent.to)}",
    ]
    if parent.cc:
        lines.append(f"{labels[3]}: {'; '.join(_name(a) for a in parent.cc)}")
    lines.append(f"{labels[4]}: {parent.subject}")
    return "\n".join(lines)


def _quote(parent: Built, style: str, lang: str) -> str:
    if style == "outlook":
        return _outlook_header(parent, lang) + "\n\n" + parent.text
    quoted = "\n".join(("> " + line) if line else ">" for line in parent.text.split("\n"))
    return _attribution(parent, style, lang) + "\n\n" + quoted


def _html(own: str, quote: str | None, style: str, parent: Built | None, lang: str) -> str:
    def paragraphs(text: str) -> str:
        return "".join(
            f"<p>{html.escape(block).replace(chr(10), '<br>')}</p>"
            for block in text.split("\n\n")
            if block.strip()
        )

    body = f'<div dir="ltr">{paragraphs(own)}</div>'
    if quote is not None and parent is not None:
        if style == "outlook":
            body += (
                '<div id="appendonsend"></div><hr style="display:inline-block;width:98%">'
                f'<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" color="#000000">'
                f"{html.escape(_outlook_header(parent, lang)).replace(chr(10), '<br>')}</font></div>"
                f"<div>{paragraphs(parent.text)}</div>"
            )
        else:
            body += (
                f'<br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">{html.escape(_attribution(parent, style, lang))}<br></div>'
                f'<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">'
                f"{paragraphs(parent.text)}</blockquote></div>"
            )
    return f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>{body}</body></html>'


def _qp(text: str) -> str:
    import quopri

    return quopri.encodestring(text.encode("utf-8")).decode("ascii")


def _headers(built: Built, extra: list[tuple[str, str]], mailer: str) -> list[str]:
    from email.header import Header

    def addresses(values: list[str]) -> str:
        out = []
        for value in values:
            name, addr = parseaddr(value)
            out.append(
                formataddr(
                    (str(Header(name, "utf-8")) if name and not name.isascii() else name, addr)
                )
            )
        return ", ".join(out)

    subject = built.subject if built.subject.isascii() else Header(built.subject, "utf-8").encode()
    lines = [
        f"From: {addresses([built.sender])}",
        f"To: {addresses(built.to)}",
    ]
    if built.cc:
        lines.append(f"Cc: {addresses(built.cc)}")
    lines += [
        f"Subject: {subject}",
        f"Date: {format_datetime(built.date)}",
        f"Message-ID: <{built.mid}>",
    ]
    if built.refs:
        lines.append(f"In-Reply-To: <{built.refs[-1]}>")
        lines.append("References: " + "\n ".join(f"<{r}>" for r in built.refs[-8:]))
    lines.append("MIME-Version: 1.0")
    if mailer:
        lines.append(mailer)
    lines += [f"{k}: {v}" for k, v in extra]
    return lines


_MAILERS = {
    "outlook": "X-Mailer: Microsoft Outlook 16.0",
    "apple": "X-Mailer: Apple Mail (2.3774.500.171)",
    "gmail": "",
    "plain": "User-Agent: Mozilla Thunderbird",
}


def _render(
    built: Built, message: dict[str, Any], own: str, quote: str | None, parent: Built | None
) -> bytes:
    kind = message.get("kind", "")
    style = message.get("style", "gmail")
    lang = message.get("lang", "en")
    boundary = "b1_" + hashlib.sha1(built.mid.encode(), usedforsecurity=False).hexdigest()[:20]
    extra: list[tuple[str, str]] = []
    text = own if quote is None else f"{own}\n\n{quote}"
    if kind == "auto_reply":
        if style == "outlook":
            extra += [("Auto-Submitted", "auto-generated"), ("X-Auto-Response-Suppress", "All")]
        else:
            extra += [
                ("Auto-Submitted", "auto-replied"),
                ("X-Autoreply", "yes"),
                ("Precedence", "bulk"),
            ]
    if kind == "newsletter":
        domain = _addr(built.sender).split("@")[1]
        extra += [
            ("List-Id", f"<news.{domain}>"),
            (
                "List-Unsubscribe",
                f"<https://{domain}/unsubscribe?u=demo>, <mailto:unsubscribe@{domain}>",
            ),
            ("Precedence", "bulk"),
        ]
    headers = _headers(built, extra, _MAILERS.get(style, ""))

    def multipart(content_type: str, *bodies: str) -> bytes:
        """Headers plus a multipart body; the first part is always the readable text."""
        headers.append(f'Content-Type: {content_type}; boundary="{boundary}"')
        parts = [
            f"--{boundary}\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n{_qp(bodies[0])}"
        ]
        parts += [f"--{boundary}\n{body}" for body in bodies[1:]]
        return ("\n".join(headers) + "\n\n" + "\n".join([*parts, f"--{boundary}--"]) + "\n").encode(
            "utf-8"
        )

    if kind == "bounce":
        failed = next(
            (
                line.split()[-1]
                for line in own.split("\n")
                if "@" in line and "mailer-daemon" not in line
            ),
            "unknown@invalid",
        )
        return multipart(
            "multipart/report; report-type=delivery-status",
            own,
            f"Content-Type: message/delivery-status\n\nReporting-MTA: dns; {_addr(built.sender).split('@')[1]}\n\n"
            f"Final-Recipient: rfc822; {failed.strip('<>.,')}\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown",
        )
    if kind == "read_receipt":
        return multipart(
            "multipart/report; report-type=disposition-notification",
            own,
            f"Content-Type: message/disposition-notification\n\nFinal-Recipient: rfc822; {_addr(built.sender)}\n"
            f"Original-Message-ID: <{built.refs[-1] if built.refs else built.mid}>\nDisposition: manual-action/MDN-sent-manually; displayed",
        )
    if kind == "calendar_reply":
        stamp = built.date.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        ics = (
            "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nPRODID:Microsoft Exchange Server 2010\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\n"
            f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{_addr(built.sender)}\r\nUID:{hashlib.sha1(built.subject.encode(), usedforsecurity=False).hexdigest()}\r\n"
            f"DTSTAMP:{stamp}\r\nSUMMARY:{built.subject.split(':', 1)[-1].strip()}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        )
        return multipart(
            "multipart/alternative",
            own,
            f'Content-Type: text/calendar; charset="utf-8"; method=REPLY\nContent-Transfer-Encoding: 7bit\n\n{ics}',
        )
    if message.get("html") or (style == "outlook" and quote is not None):
        return multipart(
            "multipart/alternative",
            text,
            f"Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n{_qp(_html(own, quote, style, parent, lang))}",
        )
    headers += [
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
    ]
    return ("\n".join(headers) + "\n\n" + _qp(text) + "\n").encode("utf-8")


def build(threads_path: Path = THREADS) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Parse the threads file; returns (its data, mbox bytes per team member's local part)."""
    data = tomllib.loads(threads_path.read_text(encoding="utf-8"))
    members = {m["address"].lower(): m for m in data["team"]["members"]}
    boxes: dict[str, list[Built]] = {address: [] for address in members}
    for thread in data["threads"]:
        built_thread: list[Built] = []
        for index, message in enumerate(thread["messages"]):
            parent: Built | None = None
            if index > 0:
                parent = built_thread[message.get("reply_to", index - 1)]
            date = message["date"]
            sender = message["from"]
            seed = f"{thread['id']}/{index}/{sender}/{date.isoformat()}"
            digest = hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()
            domain = _addr(sender).split("@")[1]
            mid = f"{digest[:12]}.{digest[12:20]}@{'mail.gmail.com' if domain == 'gmail.com' else domain}"
            style = message.get("style", "gmail")
            lang = message.get("lang", "en")
            if "subject" in message:
                subject = message["subject"]
            elif parent is not None:
                base = parent.subject
                prefix = _REPLY_PREFIX.get((style, lang), "Re: ")
                if message.get("kind") == "auto_reply":
                    prefix = {
                        "de": "Automatische Antwort: ",
                        "fr": "Réponse automatique : ",
                        "es": "Respuesta automática: ",
                        "fi": "Automaattinen vastaus: ",
                        "zh": "自动回复: ",
                    }.get(lang, "Automatic reply: ")
                import re as _re

                stripped = _re.sub(
                    r"^(?:(?:re|aw|sv|vs|答复|fw|wg)\s*:\s*)+", "", base, flags=_re.IGNORECASE
                )
                subject = prefix + stripped
            else:
                subject = "(no subject)"
            own = message["body"].strip("\n")
            quote = None
            if (
                parent is not None
                and message.get("quote", True)
                and message.get("kind", "") in ("", None)
            ):
                quote = _quote(parent, style, lang)
            built = Built(
                mid=mid,
                refs=[*(parent.refs if parent else []), parent.mid] if parent else [],
                subject=subject,
                sender=sender,
                to=list(message.get("to", [])),
                cc=list(message.get("cc", [])),
                date=date,
                text=own if quote is None else f"{own}\n\n{quote}",
                lang=lang,
            )
            built.raw = _render(built, message, own, quote, parent)
            built_thread.append(built)
            people = {_addr(a) for a in [sender, *built.to, *built.cc]}
            owners = [a for a in people if a in members] or [next(iter(members))]
            for address in owners:
                boxes[address].append(built)
    out: dict[str, bytes] = {}
    for address, items in boxes.items():
        items.sort(key=lambda b: (b.date.astimezone(UTC), b.mid))
        chunks = []
        for item in items:
            envelope = f"From {_addr(item.sender)} {item.date.astimezone(UTC):%a %b %d %H:%M:%S %Y}\n".encode()
            body = b"\n".join(
                (b">" + line) if line.startswith(b"From ") else line
                for line in item.raw.split(b"\n")
            )
            chunks.append(envelope + body.rstrip(b"\n") + b"\n\n")
        out[address.split("@")[0]] = b"".join(chunks)
    return data, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--check",
        action="store_true",
        help="fail if the shipped mailboxes differ from a fresh build",
    )
    args = parser.parse_args(argv)
    _, boxes = build()
    MAILBOXES.mkdir(exist_ok=True)
    stale = []
    for name, content in boxes.items():
        path = MAILBOXES / f"{name}.mbox"
        if args.check:
            if not path.exists() or path.read_bytes() != content:
                stale.append(path.name)
        else:
            path.write_bytes(content)
    if stale:
        print(f"out of date: {', '.join(stale)}; run python -m monitor.demo.build", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
