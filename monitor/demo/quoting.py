"""The demo's quoted history as each mail program writes it: attribution lines and Outlook
header blocks in the sender's language, ``>`` quoting, and the HTML alternative."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr

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


def name_of(address: str) -> str:
    name, addr = parseaddr(address)
    return name or addr


def addr_of(address: str) -> str:
    return parseaddr(address)[1].lower()


def attribution(parent: Built, style: str, lang: str) -> str:
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


def outlook_header(parent: Built, lang: str) -> str:
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
        f"{labels[0]}: {name_of(parent.sender)} <{addr_of(parent.sender)}>",
        f"{labels[1]}: {sent}",
        f"{labels[2]}: {'; '.join(name_of(a) for a in parent.to)}",
    ]
    if parent.cc:
        lines.append(f"{labels[3]}: {'; '.join(name_of(a) for a in parent.cc)}")
    lines.append(f"{labels[4]}: {parent.subject}")
    return "\n".join(lines)


def quoted_history(parent: Built, style: str, lang: str) -> str:
    if style == "outlook":
        return outlook_header(parent, lang) + "\n\n" + parent.text
    quoted = "\n".join(("> " + line) if line else ">" for line in parent.text.split("\n"))
    return attribution(parent, style, lang) + "\n\n" + quoted


def html_body(own: str, quote: str | None, style: str, parent: Built | None, lang: str) -> str:
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
                f"{html.escape(outlook_header(parent, lang)).replace(chr(10), '<br>')}</font></div>"
                f"<div>{paragraphs(parent.text)}</div>"
            )
        else:
            body += (
                f'<br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">{html.escape(attribution(parent, style, lang))}<br></div>'
                f'<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">'
                f"{paragraphs(parent.text)}</blockquote></div>"
            )
    return f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>{body}</body></html>'
