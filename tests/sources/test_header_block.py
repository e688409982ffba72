"""relmon reads a plain header section itself; the result must be exactly the ``Message`` the
``email`` package builds, and anything that is not plain goes to the ``email`` package."""

from __future__ import annotations

import time
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.sources.header_block import plain_header_block
from monitor.sources.mime import find_header_end, parse_headers
from tests.factories import BEN, RAJ, email

_EMAIL = BytesHeaderParser(policy=compat32)


def _shape(block: Message) -> dict[str, object]:
    """Everything a ``Message`` holds; its defects by kind and text (they compare by identity)."""
    return {**block.__dict__, "defects": [(type(d), str(d)) for d in block.defects]}


def _section(raw: bytes) -> bytes:
    return raw[: find_header_end(raw)[1]]


@pytest.mark.parametrize(
    "raw",
    [
        email(),
        email(
            cc=[BEN, RAJ], in_reply_to="roadmap-1@acme-logistics.example", subject="Re: Q3 roadmap"
        ),
        email(
            subject="=?utf-8?q?Lieferplan_f=C3=BCr_KW_23?=",
            headers={
                "Received": "from mx.acme-logistics.example (mx.acme-logistics.example\r\n"
                "\t[192.0.2.10]) by mail.northwind-advisory.example; Tue, 2 Jun 2026 09:12:41 +0200",
                "X-Empty": "",
                "Thread-Topic": "Lieferplan für KW 23",  # 8-bit, as some clients send it
            },
        ),
    ],
    ids=["plain", "reply-with-cc", "folded-empty-8bit"],
)
def test_real_header_sections_are_read_as_the_email_package_reads_them(raw: bytes) -> None:
    section = _section(raw)
    plain = plain_header_block(section)

    assert plain is not None
    assert _shape(plain) == _shape(_EMAIL.parsebytes(section))
    assert plain["Subject"] == _EMAIL.parsebytes(section)["Subject"]


@pytest.mark.parametrize(
    "section",
    [
        b"From dana@acme-logistics.example Tue Jun  2 09:12:41 2026\r\nSubject: Hi\r\n\r\n",
        b" folded first line\r\nSubject: Hi\r\n\r\n",
        b"Subject: Hi\r\nthis is no field\r\nTo: alice@northwind-advisory.example\r\n\r\n",
        b"Subject : Hi\r\n\r\n",
        b": no name\r\nSubject: Hi\r\n\r\n",
        b"Subject: Hi\rTo: alice@northwind-advisory.example\r\n\r\n",
        b"Subject: Hi\x0bthere\r\n\r\n",
    ],
    ids=[
        "unix-from",
        "folded-first",
        "not-a-field",
        "space-before-colon",
        "no-name",
        "lone-cr",
        "vt",
    ],
)
def test_a_section_that_is_not_plain_is_left_to_the_email_package(section: bytes) -> None:
    assert plain_header_block(section) is None
    assert _shape(parse_headers(section)) == _shape(_EMAIL.parsebytes(section))


_PIECES = [
    b"Subject: Q3 roadmap",
    b"From: Dana <dana@acme-logistics.example>",
    b"X-Empty:",
    b"X-Blank: ",
    b"To:\t alice@northwind-advisory.example",
    b" folded",
    b"\tfolded",
    b" ",
    b"\t",
    b"Subject : x",
    b":x",
    b"From dana",
    b"no field",
    b"\xc3\xbc",
    b"\xff",
    b"\x00",
    b"\x0b",
    b"\x0c",
    b"\x1c",
    b"\r",
    b"\n",
    b"\r\n",
    b"\r\n",
    b"\n",
    b"Received: by mx;",
    b"X-\x7fDel: 1",
    b"body text",
]


@settings(max_examples=1500, deadline=None)
@given(pieces=st.lists(st.sampled_from(_PIECES), max_size=30))
def test_any_section_reads_as_the_email_package_reads_it(pieces: list[bytes]) -> None:
    section = b"".join(pieces)
    expected = _shape(_EMAIL.parsebytes(section))

    plain = plain_header_block(section)

    assert plain is None or _shape(plain) == expected
    assert _shape(parse_headers(section)) == expected


@settings(max_examples=300, deadline=None)
@given(
    fields=st.lists(
        st.tuples(
            st.from_regex(r"[\x21-\x39\x3b-\x7e]{1,20}", fullmatch=True),
            st.lists(
                st.from_regex(r"[ \t]?[^\r\n\x0b\x0c\x1c-\x1e]{0,30}", fullmatch=True),
                min_size=1,
                max_size=3,
            ),
        ),
        max_size=8,
    ),
    ending=st.sampled_from(["\r\n", "\n"]),
    # After the fields: an empty line and a body (IMAP's BODY[HEADER]), the last line break
    # only, or nothing (a local file's section, cut where the fields end).
    tail=st.sampled_from(["blank", "blank and body", "line break", "nothing"]),
)
def test_plain_sections_are_read_without_the_email_package(
    fields: list[tuple[str, list[str]]], ending: str, tail: str
) -> None:
    lines = []
    for name, values in fields:
        lines.append(f"{name}: {values[0]}")
        lines.extend((" " + value) for value in values[1:])
    text = (
        ending.join(lines)
        + {
            "blank": ending + ending,
            "blank and body": ending + ending + "Hi Alice," + ending,
            "line break": ending,
            "nothing": "",
        }[tail]
    )
    section = text.encode("utf-8", "surrogateescape")

    plain = plain_header_block(section)

    assert plain is not None
    assert _shape(plain) == _shape(_EMAIL.parsebytes(section))


@pytest.mark.parametrize(
    "section",
    [
        b"X-Pad:" + b" " * 200_000 + b"\r\nno field here\r\n\r\n",
        b"Received: from mx\r\n \r\n" * 40_000 + b"no field here\r\n\r\n",
        b"Subject: " + b"\t " * 100_000 + b"x" * 100_000 + b"\r\n: no name\r\n\r\n",
    ],
    ids=["blanks-then-no-field", "many-folds-then-no-field", "long-value-then-no-name"],
)
def test_a_crafted_section_that_is_not_plain_is_refused_in_linear_time(section: bytes) -> None:
    started = time.process_time()

    assert plain_header_block(section) is None
    assert time.process_time() - started < 0.5
