"""relmon reads FETCH answers with its own fast reader: it must give exactly what imapclient's
reader gives, for a real server's answers and for any answer at all, and refuse a malformed
answer with imapclient's error."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from imapclient.exceptions import ProtocolError
from imapclient.response_parser import parse_fetch_response

from monitor.sources import imap_response
from monitor.sources.imap_fetch import _header_items
from monitor.sources.imap_mime import structure_from_bodystructure
from tests.factories import ALICE, BEN, email
from tests.servers.dovecot import Dovecot
from tests.sources.imap_helpers import client_mail


def _odd_mail() -> list[bytes]:
    """Mail whose structure puts quotes, backslashes, empty strings, parameters in RFC 2231
    form and 8-bit text into the server's answer."""
    nested = (
        b"From: Dana Whitfield <dana@acme-logistics.example>\r\nTo: alice@northwind-advisory.example\r\n"
        b"Subject: =?utf-8?q?Lieferplan_f=C3=BCr_KW_23?=\r\nMessage-ID: <nested-1@acme-logistics.example>\r\n"
        b"Date: Tue, 02 Jun 2026 09:12:00 +0200\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="outer"\r\n\r\n'
        b'--outer\r\nContent-Type: multipart/alternative; boundary="inner"\r\n\r\n'
        b"--inner\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + "Hallo Alice, der Lieferplan für KW 23 hängt an. Grüße, Dana\r\n".encode()
        + b"--inner\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hallo Alice</p>\r\n--inner--\r\n"
        b'--outer\r\nContent-Type: application/pdf; name="plan \\"final\\" v2.pdf"\r\n'
        b"Content-Disposition: attachment; filename*=utf-8''Lieferplan%20f%C3%BCr%20KW23.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
        b"--outer\r\nContent-Type: message/rfc822\r\n\r\nFrom: raj@acme-logistics.example\r\nSubject: \r\n\r\n"
        b"Forwarded note without a subject\r\n--outer--\r\n"
    )
    return [
        nested,
        email(
            subject='Re: "Go-live" \\ cut-over',
            cc=[BEN],
            to=[ALICE],
            message_id="quoted-1@x.example",
        ),
        email(subject="", body="", message_id=None),
    ]


@pytest.fixture
def no_second_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails a test whose answer the fast reader would hand over to imapclient's."""

    def handed_over(*args: object) -> None:
        raise AssertionError("the answer was handed to imapclient's reader")

    monkeypatch.setattr(imap_response, "parse_fetch_response", handed_over)


@pytest.mark.live
def test_every_answer_of_a_real_server_reads_as_imapclient_reads_it(
    dovecot: Dovecot, no_second_reader: None
) -> None:
    uids = dovecot.append("INBOX", client_mail(12, attachment_every=4) + _odd_mail())
    client = dovecot.client()
    client.normalise_times = False  # as relmon's connections are set
    client.select_folder("INBOX", readonly=True)
    heads = imap_response.fetch(client, uids, _header_items(gmail=False))
    assert heads == client.fetch(uids, _header_items(gmail=False))
    assert len(heads) == len(uids)
    assert all(isinstance(data[b"INTERNALDATE"], datetime) for data in heads.values())
    for uid in uids:
        paths = [
            p.path for p in structure_from_bodystructure(heads[uid][b"BODYSTRUCTURE"]).text_parts()
        ]
        items = [f"BODY.PEEK[{path}]<0.262144>" for path in paths] or ["RFC822.SIZE"]
        assert imap_response.fetch(client, [uid], items) == client.fetch([uid], items)
    # A UID the folder does not hold is simply absent, as with imapclient.
    assert imap_response.fetch(client, [max(uids) + 50], ["UID"]) == {}


def test_a_header_answer_becomes_imapclients_items_keyed_by_uid(no_second_reader: None) -> None:
    header = b"From: dana@acme-logistics.example\r\nSubject: Carrier contract\r\n\r\n"
    data: list[Any] = [
        (
            b'7 (UID 4107 RFC822.SIZE 2231 INTERNALDATE "02-Jun-2026 09:12:41 +0200" BODY[HEADER] {%d}'
            % len(header),
            header,
        ),
        b' BODYSTRUCTURE ("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 118 4 NIL NIL NIL NIL))',
    ]
    answer = imap_response.parse_fetch(data, normalise_times=False)
    assert answer == _imapclient(data, False)
    item = answer[4107]
    assert item[b"SEQ"] == 7 and item[b"RFC822.SIZE"] == 2231 and item[b"BODY[HEADER]"] == header
    assert item[b"INTERNALDATE"].astimezone(UTC) == datetime(2026, 6, 2, 7, 12, 41, tzinfo=UTC)
    assert item[b"BODYSTRUCTURE"][:2] == (b"text", b"plain")


@pytest.mark.parametrize(
    "data",
    [
        [b"7 (UID 4107 RFC822.SIZE 2231"],  # a list never closed
        [b"7 (UID 4107) 8"],  # a message number without its items
        [b"7 (UID 4107 RFC822.SIZE)"],  # an item without its value
        [(b"7 (UID 4107 BODY[HEADER] {12}", b"short")],  # a literal of another length
        [b'7 (UID 4107 BODY[HEADER] x"y")'],  # a quote right after a word
        [b"7 (UID 4107 BODY[HEADER] {5})"],  # a literal marker without its literal
    ],
)
def test_a_malformed_answer_is_refused_with_imapclients_error(data: list[Any]) -> None:
    with pytest.raises(ProtocolError):
        parse_fetch_response(data, False, True)
    with pytest.raises(ProtocolError):
        imap_response.parse_fetch(data, normalise_times=False)


@pytest.mark.parametrize(
    "line",
    [
        b"7 (UID 4107 BODY" + b"[" * 300_000 + b" NIL)",
        b'7 (UID 4107 X "' + b'\\"' * 300_000 + b" NIL)",
    ],
    ids=["brackets", "escaped-quotes"],
)
def test_a_line_of_openings_nothing_closes_is_refused_in_linear_time(line: bytes) -> None:
    started = time.process_time()
    with pytest.raises(ProtocolError):
        imap_response.parse_fetch([line], normalise_times=False)
    assert time.process_time() - started < 3.0  # each read to the line's end again: minutes


_PIECES = [
    b"(",
    b")",
    b"(",
    b")",
    b" ",
    b" ",
    b"  ",
    b"\r\n",
    b"\t",
    b"NIL",
    b"nil",
    b"0",
    b"7",
    b"012",
    b"4107",
    b"UID",
    b"uid",
    b"SEQ",
    b"RFC822.SIZE",
    b"INTERNALDATE",
    b"BODY",
    b"BODYSTRUCTURE",
    b"BODY[HEADER]",
    b"BODY[1.2]<0>",
    b"BODY[HEADER.FIELDS (FROM TO)]",
    b"BODY[",
    b"]",
    b"FLAGS",
    b"\\Seen",
    b'"text"',
    b'""',
    b'"a \\"quoted\\" \\\\ name"',
    b'"a \\x b"',
    b'"open',
    b'"',
    b'"02-Jun-2026 09:12:41 +0200"',
    b'"not a date"',
    b"%",
    b"\x01",
    b"\xc3\xbc",
    b"{3}",
    b"{x}",
    b"ENVELOPE",
    b"X-GM-LABELS",
    b'word"',
    b"[",
]
_record = st.one_of(
    st.lists(st.sampled_from(_PIECES), max_size=24).map(b"".join),
    st.tuples(
        st.lists(st.sampled_from(_PIECES), max_size=12).map(b"".join),
        st.binary(max_size=6),
    ).map(lambda pair: (pair[0] + b"{%d}" % len(pair[1]), pair[1])),
)


def _imapclient(data: list[Any], normalise: bool) -> Any:
    return parse_fetch_response(data, normalise, True)


def _outcome(read: Any, data: list[Any]) -> tuple[str, object]:
    try:
        return "answer", dict(read(data))
    except Exception as err:  # noqa: BLE001 - the kind of refusal is what is compared
        return "refused", type(err)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.lists(_record, max_size=4), normalise=st.booleans())
def test_any_answer_reads_as_imapclient_reads_it_or_is_refused_as_it_refuses(
    data: list[Any], normalise: bool
) -> None:
    fast = _outcome(lambda d: imap_response.parse_fetch(d, normalise_times=normalise), data)
    assert fast == _outcome(lambda d: parse_fetch_response(d, normalise, True), data)


# Well-formed answers: message numbers, each with its items in pairs; values nest.
_leaf = st.one_of(
    st.just(b"NIL"),
    st.integers(0, 10**12).map(lambda n: b"%d" % n),
    st.binary(max_size=8)
    .map(lambda raw: b'"' + raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"')
    .filter(lambda quoted: b"\r" not in quoted and b"\n" not in quoted),
    st.sampled_from([b"\\Seen", b"text", b"BODY[1.2]<0>", b"0123", b"<0.5>"]),
)
_value = st.recursive(
    _leaf,
    lambda inner: st.lists(inner, max_size=4).map(lambda items: b"(" + b" ".join(items) + b")"),
)
_name = st.sampled_from([b"RFC822.SIZE", b"FLAGS", b"BODY[HEADER]", b"X-GM-THRID", b"MODSEQ"])


@st.composite
def _answers(draw: st.DrawFn) -> list[Any]:
    records: list[Any] = []
    for number in draw(st.lists(st.integers(1, 500), max_size=3, unique=True)):
        pairs = [b"UID %d" % draw(st.integers(1, 10**9))]
        pairs += [b"%s %s" % pair for pair in draw(st.lists(st.tuples(_name, _value), max_size=4))]
        if draw(st.booleans()):
            pairs.append(b'INTERNALDATE "02-Jun-2026 09:12:41 +0200"')
        head = b"%d (" % number + b" ".join(pairs)
        if draw(st.booleans()):  # a literal after the items, then the list closes on its own line
            literal = draw(st.binary(max_size=40))
            records += [(head + b" BODY[TEXT] {%d}" % len(literal), literal), b")"]
        else:
            records.append(head + b")")
    return records


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_answers())
def test_a_well_formed_answer_is_read_without_imapclients_reader(data: list[Any]) -> None:
    expected = _outcome(lambda d: _imapclient(d, False), data)
    read = imap_response._assemble(imap_response._atoms(data), False)  # no hand-over possible
    assert ("answer", dict(read)) == expected
