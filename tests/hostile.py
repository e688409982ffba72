"""Hostile mail: the crafted messages of issue 12, at full size, as a corpus.

Every message is an ordinary exchange between Dana Whitfield (operations at Acme Logistics, a
client) and Alice Marsh (Northwind Advisory, the consultant who owns the client), with real
From/To/Subject/Date headers, except for the one hostile thing its name says. Generation is
deterministic: the same name always gives the same bytes, so a message can be cited by name in
a test, a bench table or a bug report.

Kinds, after the numbered breaks of the issue:

``time``      text analysis super-linear in its input (item 1)
``memory``    size that a reader or parser may hold more than once (item 5)
``store``     values PostgreSQL cannot hold: NUL, over-long keys and addresses (item 2)
``charset``   charset labels that name a codec which is not a text encoding (item 9)
``date``      impossible dates stored silently shifted (item 9)
``identity``  forged Message-ID and forged From: the consultant (item 4)
``baseline``  a normal message, for comparison

Use it as a module (:data:`CORPUS`, :func:`corpus`, :func:`write_maildir`) or from the shell::

    python -m tests.hostile DIR            # write the corpus as a maildir in DIR
    python -m tests.hostile --list         # names, kinds and sizes
    python -m tests.hostile DIR --only spaces-line-16k --only emoji-64k
    python -m tests.hostile DIR --huge     # also the 600 MB message (written in chunks)
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import itertools
import quopri
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

KB = 1024
MB = 1024 * KB
#: The hostile payload of a "full size" message: the largest that is still read whole
#: (text parts are read up to 512 KB), leaving room for headers and the polite text around it.
FULL = 500 * KB

ALICE = ("Alice Marsh", "alice.marsh@northwind-advisory.example")
DANA = ("Dana Whitfield", "dana.whitfield@acme-logistics.example")
CLIENT_DOMAIN = "acme-logistics.example"
TEAM_DOMAIN = "northwind-advisory.example"
#: Delivery time of the first message (2026-03-02 09:00 UTC, a Monday); each message of the
#: corpus is delivered a quarter of an hour after the one before.
FIRST_DELIVERY = 1772442000

#: A configuration that makes Dana a client and Alice one of us (for benches and tests).
CONFIG = f"""
[team]
name = "Northwind Advisory"
domains = ["{TEAM_DOMAIN}"]
timezone = "Europe/London"

[[team.members]]
name = "{ALICE[0]}"
address = "{ALICE[1]}"

[[clients]]
name = "Acme Logistics"
domains = ["{CLIENT_DOMAIN}"]
owner = "{ALICE[1]}"
"""


@dataclass(frozen=True)
class Hostile:
    """One message of the corpus: a stable name, what it breaks, and how to build it."""

    name: str
    kind: str  # time, memory, store, charset, date, identity, baseline
    issue: str  # the break of issue 12 it reproduces
    what: str
    build: Callable[[], bytes]

    @property
    def delivered(self) -> int:
        """Unix time of delivery (also the start of its maildir file name)."""
        return FIRST_DELIVERY + 900 * _INDEX[self.name]

    @property
    def filename(self) -> str:
        return f"{self.delivered}.{self.name}:2,S"


# --------------------------------------------------------------------------- building blocks


def _digest(*parts: str, length: int = 24) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:length]


def message_id(name: str) -> str:
    """A realistic, stable Message-ID for a corpus message."""
    return f"<CAJ{_digest(name).upper()}@mail.gmail.com>"


def _address(person: tuple[str, str]) -> str:
    return f"{person[0]} <{person[1]}>"


def _headers(
    name: str,
    *,
    subject: str,
    date: str = "Mon, 02 Mar 2026 10:14:37 +0000",
    sender: str | None = None,
    to: str | None = None,
    msgid: str | None = None,
    extra: Iterable[tuple[str, str]] = (),
    content_type: str = 'text/plain; charset="UTF-8"',
    encoding: str = "8bit",
    mime: bool = True,
) -> bytes:
    """A header section as a mail client writes it, ending with the blank line."""
    lines = [
        ("Return-Path", f"<{DANA[1]}>"),
        (
            "Received",
            f"from mail-ed1-f41.google.com (mail-ed1-f41.google.com [209.85.208.41])\n"
            f"\tby mx1.{TEAM_DOMAIN} (Postfix) with ESMTPS id 4Q{_digest(name, 'rcv', length=9).upper()}\n"
            f"\tfor <{ALICE[1]}>; {date}",
        ),
        ("From", sender if sender is not None else _address(DANA)),
        ("To", to if to is not None else _address(ALICE)),
        ("Subject", subject),
        ("Date", date),
        ("Message-ID", msgid if msgid is not None else message_id(name)),
        *extra,
    ]
    if mime:
        lines += [
            ("MIME-Version", "1.0"),
            ("Content-Type", content_type),
            ("Content-Transfer-Encoding", encoding),
        ]
    head = "".join(f"{key}: {value}\n" for key, value in lines)
    return head.encode("utf-8", "surrogateescape") + b"\n"


def _text(lines: Iterable[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def _ask(*middle: str, greeting: str = "Hi Alice,", sign: str = "Thanks,\nDana") -> list[str]:
    """Dana's usual question around whatever goes in the middle."""
    return [
        greeting,
        "",
        "Could you send the revised rollout plan before Thursday's steering call?",
        "Raj wants to see the warehouse numbers first.",
        "",
        *middle,
        "",
        sign,
    ]


_PROSE = (
    "the rollout plan for the northern stores still depends on the warehouse data we have not "
    "received from the new system and the team in Leeds says the numbers will only be ready "
    "after the stock count next week so we would like to move the steering call and agree on "
    "what the board sees first because Raj asked for a version without the pilot stores and "
    "the regional managers want to keep the old ordering rules until the training is done "
)


def _words(size: int) -> str:
    """``size`` characters of plain business prose without any punctuation."""
    text = (_PROSE * (size // len(_PROSE) + 1))[:size]
    return text.rstrip() + "x" * (size - len(text.rstrip()))


def _qp(data: bytes) -> bytes:
    """Quoted-printable as Outlook sends it: soft line breaks, one long decoded line."""
    return quopri.encodestring(data)


def _b64(data: bytes) -> bytes:
    return base64.encodebytes(data)


_PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)


# --------------------------------------------------------------------------- the messages


def baseline() -> bytes:
    return _headers("baseline", subject="Rollout plan before Thursday?") + _text(_ask())


def spaces(name: str, size: int) -> Callable[[], bytes]:
    """A line of nothing but spaces (a pasted table, a broken signature) between real text."""

    def build() -> bytes:
        return _headers(name, subject="Rollout plan before Thursday?") + _text(_ask(" " * size))

    return build


def spaced_line(name: str, start: str, size: int, end: str) -> Callable[[], bytes]:
    """A line of the body that starts like a structural line (a quoted header, a greeting)
    and then runs on with ``size`` spaces before its end, so that the pattern almost matches."""

    def build() -> bytes:
        line = start + " " * size + end
        return _headers(name, subject="Rollout plan before Thursday?") + _text(
            _ask(line) if not start.startswith("Hi") else _ask(greeting=line)
        )

    return build


def emoji(name: str, size: int) -> Callable[[], bytes]:
    """``size`` bytes of emoji with no space between them: one token run."""
    signs = "😊🙂👍🙏😀😡😢🎉"

    def build() -> bytes:
        count = size // 4  # every sign above is four bytes in UTF-8
        run = "".join(itertools.islice(itertools.cycle(signs), count))
        return _headers(name, subject="Go-live done!") + _text(
            ["Hi Alice,", "", "The northern stores went live this morning.", "", run, "", "Dana"]
        )

    return build


def sentence(name: str, size: int) -> Callable[[], bytes]:
    """One sentence of ``size`` characters without punctuation, quoted-printable encoded the
    way Outlook sends long paragraphs (soft line breaks; one line once decoded)."""

    def build() -> bytes:
        body = _text(["Hi Alice", "", _words(size), "", "Dana"])
        return _headers(
            name,
            subject="Warehouse numbers",
            content_type='text/plain; charset="us-ascii"',
            encoding="quoted-printable",
        ) + _qp(body)

    return build


def html_comments(name: str, size: int) -> Callable[[], bytes]:
    """An HTML body part (with a PDF attached) that ends in ``<!--`` repeated: no ``-->`` and
    no ``>`` after it, as in an HTML body cut short (by a client, a gateway or a size cap)."""

    def build() -> bytes:
        boundary = f"000000000000{_digest(name, 'b', length=16)}"
        html = (
            '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            '</head><body><div dir="ltr"><p>Hi Alice,</p><p>Attached is the store list for the '
            "second wave. Could you check the opening dates before Thursday?</p>"
            + "<p>Thanks,<br>Dana</p>"
            + "<!--" * (size // 4)
            + "\n"
        ).encode()
        body = (
            f"--{boundary}\n"
            'Content-Type: text/html; charset="UTF-8"\n'
            "Content-Transfer-Encoding: 8bit\n\n"
        ).encode() + html
        body += (
            f"\n--{boundary}\n"
            'Content-Type: application/pdf; name="second-wave-stores.pdf"\n'
            'Content-Disposition: attachment; filename="second-wave-stores.pdf"\n'
            "Content-Transfer-Encoding: base64\n\n"
        ).encode() + _b64(_PDF)
        body += f"--{boundary}--\n".encode()
        return (
            _headers(
                name,
                subject="Second wave store list",
                content_type=f'multipart/mixed; boundary="{boundary}"',
                encoding="7bit",
            )
            + body
        )

    return build


def _continuations(size: int) -> str:
    """RFC 2231 ``name*N*=`` continuation parameters, folded one a line, about ``size`` bytes:
    a file name cut into thousands of pieces."""
    pieces = ["\tname*0*=utf-8''Q3%20rollout%20plan%20%E2%80%93%20"]
    total = len(pieces[0])
    number = 1
    while total < size:
        piece = f"\tname*{number}*=northern%20stores%20v{number % 10}"
        pieces.append(piece)
        total += len(piece) + 2
        number += 1
    pieces.append(f"\tname*{number}*=.pdf")
    return ";\n".join(pieces)


def rfc2231_params(name: str, size: int) -> Callable[[], bytes]:
    """An attachment whose *part* header carries an RFC 2231 file name split into thousands of
    continuation parameters (``name*0*=``, ``name*1*=``, …), about ``size`` bytes in all."""

    def build() -> bytes:
        boundary = f"_004_{_digest(name, 'b', length=20)}_"
        part_header = "Content-Type: application/pdf;\n" + _continuations(size) + "\n"
        body = (
            f"--{boundary}\n"
            'Content-Type: text/plain; charset="utf-8"\n'
            "Content-Transfer-Encoding: 8bit\n\n"
        ).encode() + _text(_ask("The draft is attached."))
        body += (
            f"\n--{boundary}\n{part_header}"
            "Content-Disposition: attachment\n"
            "Content-Transfer-Encoding: base64\n\n"
        ).encode() + _b64(_PDF)
        body += f"--{boundary}--\n".encode()
        return (
            _headers(
                name,
                subject="Q3 rollout plan (draft)",
                content_type=f'multipart/mixed; boundary="{boundary}"',
                encoding="7bit",
            )
            + body
        )

    return build


def rfc2231_top(name: str, size: int) -> Callable[[], bytes]:
    """The same continuations in the message's own Content-Type (a single-part message), inside
    the 4 MiB cap on top-level headers."""

    def build() -> bytes:
        content_type = 'text/plain; charset="utf-8";\n' + _continuations(size)
        return _headers(name, subject="Q3 rollout plan (draft)", content_type=content_type) + _text(
            _ask()
        )

    return build


def long_subject(name: str, size: int) -> Callable[[], bytes]:
    """A subject of ``size`` bytes, folded into ordinary header lines; the header section stays
    just under the 4 MiB cap on top-level headers."""

    def build() -> bytes:
        words = ("Re: Q3 rollout plan revised figures for the northern stores " * (size // 60 + 1))[
            :size
        ].split(" ")
        lines: list[str] = []
        current = ""
        for word in words:
            if current and len(current) + 1 + len(word) > 76:
                lines.append(current)
                current = word
            else:
                current = f"{current} {word}" if current else word
        lines.append(current)
        return _headers(name, subject="\n ".join(lines)) + _text(_ask())

    return build


def cr_only(name: str, size: int) -> Callable[[], bytes]:
    """Old Mac line endings: no line feed anywhere in ``size`` bytes, so a reader that splits on
    line feeds sees one line, and the parser makes a copy to give it line feeds."""

    def build() -> bytes:
        paragraph = [
            "The stock counts from the northern stores are below, one store a line.",
            *(
                f"Store {n:04d}: counted {n * 37 % 900 + 100} pallets, system says {n * 41 % 900 + 100}."
                for n in range(1, 41)
            ),
            "",
        ]
        filler = "\n".join(paragraph) + "\n"
        text = "\n".join(_ask(filler * (size // len(filler) + 1)))[:size]
        raw = _headers(name, subject="Stock counts (northern stores)") + (text + "\n").encode()
        return raw.replace(b"\n", b"\r")

    return build


def header_value(
    name: str,
    *,
    subject: str = "Revised invoice for March",
    sender: str | None = None,
    to: str | None = None,
    msgid: str | None = None,
    body: list[str] | None = None,
) -> Callable[[], bytes]:
    def build() -> bytes:
        return _headers(name, subject=subject, sender=sender, to=to, msgid=msgid) + _text(
            body if body is not None else _ask()
        )

    return build


def long_message_id(name: str, length: int) -> str:
    """A Message-ID of ``length`` characters between the angle brackets, as some list servers
    and ticket systems make them (a long opaque token before the host name)."""
    host = "@tickets.acme-logistics.example"
    token = "".join(_digest(name, str(n), length=64) for n in range(length // 64 + 1))
    return "<" + token[: length - len(host)] + host + ">"


def long_address(local_prefix: str, domain: str, length: int) -> str:
    """An address of ``length`` characters (a tracking local part as bulk senders use)."""
    tail = f"@{domain}"
    filler = "".join(_digest(local_prefix, str(n), length=64) for n in range(length // 64 + 1))
    return (local_prefix + "+" + filler)[: length - len(tail)] + tail


def charset(name: str, label: str) -> Callable[[], bytes]:
    """A readable UTF-8 message (a curly apostrophe, an en dash) whose text part declares a
    codec that is not a text charset."""

    def build() -> bytes:
        return _headers(
            name,
            subject="Steering call moved to Thursday",
            content_type=f"text/plain; charset={label}",
        ) + _text(_ask("Thursday’s slot – 10:00 to 11:00 – still works for Raj."))

    return build


def charset_word(name: str, label: str) -> Callable[[], bytes]:
    """The same label in an RFC 2047 encoded word of the subject."""

    def build() -> bytes:
        return _headers(
            name, subject=f"=?{label}?Q?Steering_call_=E2=80=93_moved_to_Thursday?="
        ) + _text(_ask())

    return build


def dated(name: str, date: str) -> Callable[[], bytes]:
    def build() -> bytes:
        return _headers(name, subject="Rollout plan before Thursday?", date=date) + _text(_ask())

    return build


GENUINE_ID = message_id("identity-genuine-question")


def genuine_question() -> bytes:
    return _headers(
        "identity-genuine-question",
        subject="Can we still make the 6 July go-live?",
        date="Tue, 03 Mar 2026 08:41:02 +0000",
    ) + _text(
        [
            "Hi Alice,",
            "",
            "Can we still make the 6 July go-live for the northern stores?",
            "I need an answer for the board pack by Wednesday.",
            "",
            "Thanks,",
            "Dana",
        ]
    )


def forged_duplicate_noise() -> bytes:
    """A stranger's auto-reply that reuses the genuine question's Message-ID."""
    return _headers(
        "identity-forged-duplicate-id-noise",
        subject="Automatic reply: Can we still make the 6 July go-live?",
        date="Tue, 03 Mar 2026 09:02:10 +0000",
        sender="Helpdesk <noreply@parcel-tracking.example>",
        msgid=GENUINE_ID,
        extra=[("Auto-Submitted", "auto-replied"), ("X-Autoreply", "yes")],
    ) + _text(["Thank you for your message. I am out of the office until 9 March.", ""])


def forged_duplicate_friction() -> bytes:
    """A stranger's angry message that reuses the genuine question's Message-ID."""
    return _headers(
        "identity-forged-duplicate-id-friction",
        subject="Can we still make the 6 July go-live?",
        date="Tue, 03 Mar 2026 09:05:44 +0000",
        sender="Dana Whitfield <dana.whitfield@acme-logistics-support.example>",
        msgid=GENUINE_ID,
    ) + _text(
        [
            "Alice,",
            "",
            "This is unacceptable. Per my last email I expected the plan yesterday.",
            "I am escalating this to your director and to our CEO.",
            "",
            "Dana",
        ]
    )


def forged_from_consultant() -> bytes:
    """From: the consultant, delivered from outside into her own Inbox: a forged reply."""
    head = (
        f"Return-Path: <bounce@bulk-relay.example>\n"
        f"Received: from bulk-relay.example (unknown [203.0.113.77])\n"
        f"\tby mx1.{TEAM_DOMAIN} (Postfix) with ESMTP id 4QFORGED01\n"
        f"\tfor <{ALICE[1]}>; Tue, 03 Mar 2026 09:30:00 +0000\n"
        f"Authentication-Results: mx1.{TEAM_DOMAIN};\n"
        f"\tspf=fail smtp.mailfrom=bulk-relay.example;\n"
        f"\tdkim=none;\n\tdmarc=fail (p=NONE) header.from={TEAM_DOMAIN}\n"
        f"From: {_address(ALICE)}\n"
        f"To: {_address(DANA)}\n"
        f"Subject: Re: Can we still make the 6 July go-live?\n"
        f"Date: Tue, 03 Mar 2026 09:29:51 +0000\n"
        f"Message-ID: {message_id('identity-forged-from-consultant')}\n"
        f"In-Reply-To: {GENUINE_ID}\n"
        f"References: {GENUINE_ID}\n"
        f"MIME-Version: 1.0\n"
        f'Content-Type: text/plain; charset="UTF-8"\n'
        f"Content-Transfer-Encoding: 8bit\n\n"
    )
    return head.encode() + _text(
        ["Hi Dana,", "", "Yes, 6 July holds. Details follow.", "", "Alice"]
    )


_FILLER_LOCAL = long_address("dana.whitfield", CLIENT_DOMAIN, 330)
_FILLER_TO = long_address("dana.whitfield", CLIENT_DOMAIN, 340)

CORPUS: tuple[Hostile, ...] = (
    Hostile("baseline", "baseline", "-", "an ordinary question from the client", baseline),
    # item 1: super-linear text analysis
    Hostile(
        "spaces-line-16k",
        "time",
        "1",
        "16 KB of spaces on one line",
        spaces("spaces-line-16k", 16 * KB),
    ),
    Hostile(
        "spaces-line-48k",
        "time",
        "1",
        "48 KB of spaces on one line (the maildir that stalled the daemon)",
        spaces("spaces-line-48k", 48 * KB),
    ),
    Hostile(
        "spaces-line-full",
        "time",
        "1",
        "500 KB of spaces on one line",
        spaces("spaces-line-full", FULL),
    ),
    Hostile(
        "from-line-spaces-48k",
        "time",
        "1",
        'a body line "From:" and 48 KB of trailing spaces (Outlook header pattern)',
        spaced_line("from-line-spaces-48k", "From:", 48 * KB, ""),
    ),
    Hostile(
        "greeting-spaces-48k",
        "time",
        "1",
        'the greeting "Hi Alice" and 48 KB of spaces before "!" (the tone greeting pattern)',
        spaced_line("greeting-spaces-48k", "Hi Alice", 48 * KB, "!"),
    ),
    Hostile("emoji-64k", "time", "1", "64 KB of emoji, no spaces", emoji("emoji-64k", 64 * KB)),
    Hostile("emoji-full", "time", "1", "500 KB of emoji, no spaces", emoji("emoji-full", FULL)),
    Hostile(
        "sentence-64k",
        "time",
        "1",
        "a 64 KB sentence without punctuation (quoted-printable)",
        sentence("sentence-64k", 64 * KB),
    ),
    Hostile(
        "sentence-full",
        "time",
        "1",
        "a 485 KB sentence without punctuation (quoted-printable: 500 KB as sent)",
        sentence("sentence-full", 485 * KB),
    ),
    Hostile(
        "html-comment-64k",
        "time",
        "1",
        "<!-- repeated over 64 KB at the end of the HTML part, nothing closes it",
        html_comments("html-comment-64k", 64 * KB),
    ),
    Hostile(
        "html-comment-full",
        "time",
        "1",
        "<!-- repeated over 500 KB at the end of the HTML part, nothing closes it",
        html_comments("html-comment-full", FULL),
    ),
    Hostile(
        "rfc2231-part-params-800k",
        "time",
        "1",
        "RFC 2231 name*N*= continuations in a part header, 0.8 MB",
        rfc2231_params("rfc2231-part-params-800k", 800 * KB),
    ),
    Hostile(
        "rfc2231-top-params-3900k",
        "time",
        "1",
        "RFC 2231 name*N*= continuations in the message's Content-Type, 3.9 MB (under the cap)",
        rfc2231_top("rfc2231-top-params-3900k", 3900 * KB),
    ),
    Hostile(
        "subject-4m",
        "time",
        "9",
        "a 4 MB subject (folded), header section just under the 4 MiB cap",
        long_subject("subject-4m", 4_000_000),
    ),
    # item 5: memory
    Hostile(
        "cr-only-full",
        "memory",
        "5",
        "500 KB with CR line ends only (no line feed at all)",
        cr_only("cr-only-full", FULL),
    ),
    # item 2: values PostgreSQL cannot hold
    Hostile(
        "nul-in-subject",
        "store",
        "2",
        "a NUL byte in the Subject",
        header_value("nul-in-subject", subject="Revised invoice\x00 for March"),
    ),
    Hostile(
        "nul-in-from-name",
        "store",
        "2",
        "a NUL byte in the From display name",
        header_value("nul-in-from-name", sender=f"Dana\x00 Whitfield <{DANA[1]}>"),
    ),
    Hostile(
        "nul-in-message-id",
        "store",
        "2",
        "a NUL byte inside the Message-ID (so in the key)",
        header_value(
            "nul-in-message-id", msgid=f"<CAJ{_digest('nul-id').upper()}\x00@mail.gmail.com>"
        ),
    ),
    Hostile(
        "nul-in-body",
        "store",
        "2",
        "a NUL byte in the own text (evidence and snippet when snippets are on)",
        header_value(
            "nul-in-body",
            body=_ask("This delay is really frustrating and\x00 unacceptable for us."),
        ),
    ),
    Hostile(
        "control-chars-in-subject",
        "store",
        "2",
        "C0 control characters (BEL, ESC, DEL, …) in the Subject",
        header_value(
            "control-chars-in-subject", subject="Revised\x01 invoice\x07 for\x1b[2J March\x7f"
        ),
    ),
    Hostile(
        "message-id-600",
        "store",
        "2",
        "a 600-character Message-ID (the key column holds 512)",
        header_value(
            "message-id-600", msgid=long_message_id("message-id-600", 600), subject="Ticket update"
        ),
    ),
    Hostile(
        "message-id-1200",
        "store",
        "2",
        "a 1200-character Message-ID (message_id holds 998, key 512)",
        header_value(
            "message-id-1200",
            msgid=long_message_id("message-id-1200", 1200),
            subject="Ticket update",
        ),
    ),
    Hostile(
        "from-address-330",
        "store",
        "2",
        "a 330-character From address at the client (from_addr and counterpart hold 320)",
        header_value("from-address-330", sender=f"{DANA[0]} <{_FILLER_LOCAL}>"),
    ),
    Hostile(
        "to-address-340",
        "store",
        "2",
        "our reply to a 340-character client address (counterpart holds 320)",
        header_value(
            "to-address-340",
            sender=_address(ALICE),
            to=f"{DANA[0]} <{_FILLER_TO}>",
            subject="Re: Rollout plan before Thursday?",
            body=["Hi Dana,", "", "Attached before lunch tomorrow.", "", "Alice"],
        ),
    ),
    # item 9: charsets that are codecs, impossible dates
    Hostile(
        "charset-idna",
        "charset",
        "9",
        "text part labelled charset=idna, readable UTF-8",
        charset("charset-idna", "idna"),
    ),
    Hostile(
        "charset-punycode",
        "charset",
        "9",
        "text part labelled charset=punycode, readable UTF-8",
        charset("charset-punycode", "punycode"),
    ),
    Hostile(
        "charset-idna-subject",
        "charset",
        "9",
        "an =?idna?Q?…?= encoded word (with an en dash) in the Subject",
        charset_word("charset-idna-subject", "idna"),
    ),
    Hostile(
        "date-year-0000",
        "date",
        "9",
        "Date in year 0000",
        dated("date-year-0000", "Mon, 02 Mar 0000 10:14:37 +0000"),
    ),
    Hostile(
        "date-offset-9999",
        "date",
        "9",
        "Date with zone offset +9999",
        dated("date-offset-9999", "Mon, 02 Mar 2026 10:14:37 +9999"),
    ),
    Hostile(
        "date-hour-99",
        "date",
        "9",
        "Date at hour 99",
        dated("date-hour-99", "Mon, 02 Mar 2026 99:14:37 +0000"),
    ),
    # item 4: identity
    Hostile(
        "identity-genuine-question",
        "identity",
        "4",
        "the genuine client question the forgeries below target",
        genuine_question,
    ),
    Hostile(
        "identity-forged-duplicate-id-noise",
        "identity",
        "4",
        "a stranger's auto-reply reusing the genuine Message-ID",
        forged_duplicate_noise,
    ),
    Hostile(
        "identity-forged-duplicate-id-friction",
        "identity",
        "4",
        "a stranger's angry mail reusing the genuine Message-ID",
        forged_duplicate_friction,
    ),
    Hostile(
        "identity-forged-from-consultant",
        "identity",
        "4",
        "From: the consultant, delivered from outside (SPF and DMARC fail)",
        forged_from_consultant,
    ),
)
_INDEX = {entry.name: number for number, entry in enumerate(CORPUS)}
BY_NAME = {entry.name: entry for entry in CORPUS}

#: The 600 MB message of item 5; not in :data:`CORPUS` (see :func:`write_huge`).
HUGE_NAME = "huge-600m"
HUGE_SIZE = 600 * MB


def corpus(names: Iterable[str] | None = None) -> Iterator[tuple[Hostile, bytes]]:
    """``(entry, raw bytes)`` for each message, in corpus order (or for the ``names`` given)."""
    wanted = list(names) if names is not None else [entry.name for entry in CORPUS]
    for name in wanted:
        entry = BY_NAME[name]
        yield entry, entry.build()


def _maildir(directory: Path) -> Path:
    for sub in ("cur", "new", "tmp"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    return directory / "cur"


def write_maildir(directory: Path, names: Iterable[str] | None = None) -> list[Path]:
    """Write the corpus (or the ``names`` given) as a maildir; returns the message files."""
    cur = _maildir(Path(directory))
    written = []
    for entry, raw in corpus(names):
        path = cur / entry.filename
        path.write_bytes(raw)
        written.append(path)
    return written


def write_huge(directory: Path, size: int = HUGE_SIZE) -> Path:
    """A message of ``size`` bytes: a short question with a base64 attachment, written in
    chunks so that writing it needs little memory."""
    cur = _maildir(Path(directory))
    path = cur / f"{FIRST_DELIVERY + 900 * len(CORPUS)}.{HUGE_NAME}:2,S"
    boundary = "_huge_" + _digest(HUGE_NAME, length=20)
    head = _headers(
        HUGE_NAME,
        subject="Warehouse export (full)",
        content_type=f'multipart/mixed; boundary="{boundary}"',
        encoding="7bit",
    ) + (
        f"--{boundary}\nContent-Type: text/plain; charset=utf-8\n\n".encode()
        + _text(_ask("The full export is attached."))
        + (
            f"\n--{boundary}\nContent-Type: application/octet-stream; name=export.csv\n"
            "Content-Disposition: attachment; filename=export.csv\n"
            "Content-Transfer-Encoding: base64\n\n"
        ).encode()
    )
    tail = f"--{boundary}--\n".encode()
    line = base64.b64encode(b"store,pallets,counted,system,date\n" * 2)[:76] + b"\n"
    with open(path, "wb") as handle:
        handle.write(head)
        remaining = size - len(head) - len(tail)
        block = line * (MB // len(line))
        while remaining > len(block):
            handle.write(block)
            remaining -= len(block)
        handle.write(line * (remaining // len(line)))
        handle.write(tail)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.hostile", description="Write the hostile-mail corpus as a maildir."
    )
    parser.add_argument("directory", nargs="?", type=Path, help="maildir to write (created)")
    parser.add_argument("--only", action="append", metavar="NAME", help="just these messages")
    parser.add_argument("--list", action="store_true", help="list the messages and exit")
    parser.add_argument("--huge", action="store_true", help=f"also write {HUGE_NAME}")
    args = parser.parse_args(argv)
    unknown = [name for name in args.only or () if name not in BY_NAME]
    if unknown:
        parser.error(f"unknown message(s): {', '.join(unknown)}")
    if args.list:
        for entry, raw in corpus(args.only):
            print(f"{entry.name:40} {entry.kind:9} {len(raw):>9} B  {entry.what}")
        return 0
    if args.directory is None:
        parser.error("a directory is needed (or --list)")
    written = write_maildir(args.directory, args.only)
    if args.huge:
        written.append(write_huge(args.directory))
    total = sum(path.stat().st_size for path in written)
    print(f"{len(written)} messages, {total / MB:.1f} MB, in {args.directory / 'cur'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
