"""Named people and realistic mail for tests.

Alice Marsh and Ben Okafor are consultants at Northwind Advisory (us). Dana Whitfield runs
operations at Acme Logistics, a client Alice owns; Raj Patel is Acme's CFO. Jana Becker works for
Falkenberg Maschinenbau, Ben's client, from a gmail.com address. Sam Reed is a prospect at Lumen
Analytics, not yet a client.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from monitor.config import Config, load_config_text

ALICE = "Alice Marsh <alice.marsh@northwind-advisory.example>"
BEN = "Ben Okafor <ben.okafor@northwind-advisory.example>"
DANA = "Dana Whitfield <dana.whitfield@acme-logistics.example>"
RAJ = "Raj Patel <raj.patel@acme-logistics.example>"
JANA = "Jana Becker <j.becker.falkenberg@gmail.com>"
SAM = "Sam Reed <sam.reed@lumen-analytics.example>"
LONDON = timezone(timedelta(hours=1))

CONFIG = """
[team]
name = "Northwind Advisory"
domains = ["northwind-advisory.example"]
timezone = "Europe/London"
working_hours = "Mon-Fri 09:00-17:30"

[[team.members]]
name = "Alice Marsh"
address = "alice.marsh@northwind-advisory.example"

[[team.members]]
name = "Ben Okafor"
address = "ben.okafor@northwind-advisory.example"

[[clients]]
name = "Acme Logistics"
domains = ["acme-logistics.example"]
owner = "alice.marsh@northwind-advisory.example"

[[clients]]
name = "Falkenberg Maschinenbau"
domains = ["falkenberg-maschinenbau.example"]
addresses = ["j.becker.falkenberg@gmail.com"]
owner = "ben.okafor@northwind-advisory.example"
"""


def team_config(store_url: str = "sqlite:///:memory:", extra: str = "") -> Config:
    return load_config_text(CONFIG + extra + f'\n[store]\nurl = "{store_url}"\n')


def email(
    *,
    frm: str = DANA,
    to: str | list[str] = ALICE,
    cc: list[str] | None = None,
    subject: str = "Q3 roadmap review",
    body: str = "Hi Alice,\n\nCould you send the revised rollout plan before Thursday's steering call?\n\nThanks,\nDana",
    date: datetime | str | None = datetime(2026, 6, 2, 9, 12, tzinfo=LONDON),
    message_id: str | None = "roadmap-1@acme-logistics.example",
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    headers: dict[str, str] | None = None,
    html: str | None = None,
    attachment: bytes | None = None,
    attachment_name: str = "rollout-plan.pdf",
    charset: str = "utf-8",
) -> bytes:
    """A realistic RFC 5322 message as bytes (CRLF line ends, as on the wire)."""
    lines = [f"From: {frm}", f"To: {', '.join(to) if isinstance(to, list) else to}"]
    if cc:
        lines.append(f"Cc: {', '.join(cc)}")
    lines.append(f"Subject: {subject}")
    if date is not None:
        lines.append(f"Date: {date if isinstance(date, str) else format_datetime(date)}")
    if message_id:
        lines.append(f"Message-ID: <{message_id}>")
    if in_reply_to:
        lines.append(f"In-Reply-To: <{in_reply_to}>")
        lines.append("References: " + " ".join(f"<{r}>" for r in (references or [in_reply_to])))
    lines.append("MIME-Version: 1.0")
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    text_part = body.encode(charset)
    if html is None and attachment is None:
        lines += [f"Content-Type: text/plain; charset={charset}", "Content-Transfer-Encoding: 8bit"]
        return (
            ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
            + text_part.replace(b"\n", b"\r\n")
            + b"\r\n"
        )
    boundary = "----=_Part_4471_1130519.1780000000000"
    outer = "multipart/mixed" if attachment is not None else "multipart/alternative"
    lines.append(f'Content-Type: {outer}; boundary="{boundary}"')
    chunks = [
        ("\r\n".join(lines) + "\r\n\r\nThis is a multi-part message in MIME format.\r\n").encode()
    ]
    chunks.append(
        f"--{boundary}\r\nContent-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n".encode()
    )
    chunks.append(text_part.replace(b"\n", b"\r\n") + b"\r\n")
    if html is not None:
        chunks.append(
            f"--{boundary}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n".encode()
        )
        chunks.append(html.encode("utf-8") + b"\r\n")
    if attachment is not None:
        chunks.append(
            f'--{boundary}\r\nContent-Type: application/pdf; name="{attachment_name}"\r\n'
            f'Content-Disposition: attachment; filename="{attachment_name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n'.encode()
        )
        chunks.append(base64.encodebytes(attachment).replace(b"\n", b"\r\n"))
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks)
