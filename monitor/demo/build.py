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
import re
import sys
import tomllib
from datetime import UTC
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from typing import Any

from monitor.demo.quoting import Built, addr_of, html_body, quoted_history

HERE = Path(__file__).parent
THREADS = HERE / "sample_threads.toml"
MAILBOXES = HERE / "mail"

_REPLY_PREFIX = {
    ("outlook", "de"): "AW: ",
    ("outlook", "fr"): "RE : ",
    ("outlook", "es"): "RE: ",
    ("outlook", "fi"): "VS: ",
    ("outlook", "zh"): "答复: ",
    ("outlook", "en"): "RE: ",
}


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
    text = own if quote is None else f"{own}\n\n{quote}"
    headers = _headers(built, _noise_headers(built, kind, style), _MAILERS.get(style, ""))
    report = _report(built, kind, own)
    if report is not None:
        content_type, second = report
        return _multipart(headers, boundary, content_type, own, second)
    if message.get("html") or (style == "outlook" and quote is not None):
        return _multipart(
            headers,
            boundary,
            "multipart/alternative",
            text,
            f"Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n{_qp(html_body(own, quote, style, parent, lang))}",
        )
    headers += [
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
    ]
    return ("\n".join(headers) + "\n\n" + _qp(text) + "\n").encode("utf-8")


def _noise_headers(built: Built, kind: str, style: str) -> list[tuple[str, str]]:
    """The headers autoresponders and newsletter senders add."""
    extra: list[tuple[str, str]] = []
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
        domain = addr_of(built.sender).split("@")[1]
        extra += [
            ("List-Id", f"<news.{domain}>"),
            (
                "List-Unsubscribe",
                f"<https://{domain}/unsubscribe?u=demo>, <mailto:unsubscribe@{domain}>",
            ),
            ("Precedence", "bulk"),
        ]
    return extra


def _multipart(headers: list[str], boundary: str, content_type: str, *bodies: str) -> bytes:
    """Headers plus a multipart body; the first part is always the readable text."""
    headers.append(f'Content-Type: {content_type}; boundary="{boundary}"')
    parts = [
        f"--{boundary}\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n{_qp(bodies[0])}"
    ]
    parts += [f"--{boundary}\n{body}" for body in bodies[1:]]
    return ("\n".join(headers) + "\n\n" + "\n".join([*parts, f"--{boundary}--"]) + "\n").encode(
        "utf-8"
    )


def _report(built: Built, kind: str, own: str) -> tuple[str, str] | None:
    """(content type, machine-readable second part) of a bounce, read receipt or calendar reply."""
    if kind == "bounce":
        failed = next(
            (
                line.split()[-1]
                for line in own.split("\n")
                if "@" in line and "mailer-daemon" not in line
            ),
            "unknown@invalid",
        )
        return (
            "multipart/report; report-type=delivery-status",
            f"Content-Type: message/delivery-status\n\nReporting-MTA: dns; {addr_of(built.sender).split('@')[1]}\n\n"
            f"Final-Recipient: rfc822; {failed.strip('<>.,')}\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown",
        )
    if kind == "read_receipt":
        return (
            "multipart/report; report-type=disposition-notification",
            f"Content-Type: message/disposition-notification\n\nFinal-Recipient: rfc822; {addr_of(built.sender)}\n"
            f"Original-Message-ID: <{built.refs[-1] if built.refs else built.mid}>\nDisposition: manual-action/MDN-sent-manually; displayed",
        )
    if kind == "calendar_reply":
        stamp = built.date.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        ics = (
            "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nPRODID:Microsoft Exchange Server 2010\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\n"
            f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{addr_of(built.sender)}\r\nUID:{hashlib.sha1(built.subject.encode(), usedforsecurity=False).hexdigest()}\r\n"
            f"DTSTAMP:{stamp}\r\nSUMMARY:{built.subject.split(':', 1)[-1].strip()}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        )
        return (
            "multipart/alternative",
            f'Content-Type: text/calendar; charset="utf-8"; method=REPLY\nContent-Transfer-Encoding: 7bit\n\n{ics}',
        )
    return None


def build(threads_path: Path = THREADS) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Parse the threads file; returns (its data, mbox bytes per mailbox folder): each team
    member's mail as ``LOCAL/INBOX`` and what the member sent as ``LOCAL/Sent``, as a mail
    client exports it (relmon believes a message is ours only when it is in a Sent folder)."""
    data = tomllib.loads(threads_path.read_text(encoding="utf-8"))
    members = {m["address"].lower(): m for m in data["team"]["members"]}
    boxes: dict[str, list[Built]] = {}
    for thread in data["threads"]:
        built_thread: list[Built] = []
        for index, message in enumerate(thread["messages"]):
            parent: Built | None = None
            if index > 0:
                parent = built_thread[message.get("reply_to", index - 1)]
            built = _build_message(thread["id"], index, message, parent)
            built_thread.append(built)
            people = {addr_of(a) for a in [built.sender, *built.to, *built.cc]}
            owners = [a for a in people if a in members] or [next(iter(members))]
            for address in owners:
                folder = "Sent" if addr_of(built.sender).lower() == address else "INBOX"
                boxes.setdefault(f"{address.split('@')[0]}/{folder}", []).append(built)
    return data, {name: _mbox(items) for name, items in sorted(boxes.items())}


def _build_message(
    thread_id: str, index: int, message: dict[str, Any], parent: Built | None
) -> Built:
    """One message of a thread, with its identity, subject, quoted history and raw bytes."""
    date = message["date"]
    sender = message["from"]
    seed = f"{thread_id}/{index}/{sender}/{date.isoformat()}"
    digest = hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()
    domain = addr_of(sender).split("@")[1]
    mid = f"{digest[:12]}.{digest[12:20]}@{'mail.gmail.com' if domain == 'gmail.com' else domain}"
    style = message.get("style", "gmail")
    lang = message.get("lang", "en")
    own = message["body"].strip("\n")
    quote = None
    if parent is not None and message.get("quote", True) and message.get("kind", "") in ("", None):
        quote = quoted_history(parent, style, lang)
    built = Built(
        mid=mid,
        refs=[*(parent.refs if parent else []), parent.mid] if parent else [],
        subject=_subject(message, parent, style, lang),
        sender=sender,
        to=list(message.get("to", [])),
        cc=list(message.get("cc", [])),
        date=date,
        text=own if quote is None else f"{own}\n\n{quote}",
        lang=lang,
    )
    built.raw = _render(built, message, own, quote, parent)
    return built


def _subject(message: dict[str, Any], parent: Built | None, style: str, lang: str) -> str:
    """The message's own subject, or the parent's with the reply prefix of the sender's client."""
    if "subject" in message:
        return str(message["subject"])
    if parent is None:
        return "(no subject)"
    prefix = _REPLY_PREFIX.get((style, lang), "Re: ")
    if message.get("kind") == "auto_reply":
        prefix = {
            "de": "Automatische Antwort: ",
            "fr": "Réponse automatique : ",
            "es": "Respuesta automática: ",
            "fi": "Automaattinen vastaus: ",
            "zh": "自动回复: ",
        }.get(lang, "Automatic reply: ")
    stripped = re.sub(
        r"^(?:(?:re|aw|sv|vs|答复|fw|wg)\s*:\s*)+", "", parent.subject, flags=re.IGNORECASE
    )
    return prefix + stripped


def _mbox(items: list[Built]) -> bytes:
    """An mbox of the messages, oldest first, with "From " lines in bodies escaped."""
    items.sort(key=lambda b: (b.date.astimezone(UTC), b.mid))
    chunks = []
    for item in items:
        envelope = f"From {addr_of(item.sender)} {item.date.astimezone(UTC):%a %b %d %H:%M:%S %Y}\n".encode()
        body = b"\n".join(
            (b">" + line) if line.startswith(b"From ") else line for line in item.raw.split(b"\n")
        )
        chunks.append(envelope + body.rstrip(b"\n") + b"\n\n")
    return b"".join(chunks)


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
        path.parent.mkdir(exist_ok=True)
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
