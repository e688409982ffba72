"""Raw RFC 5322 bytes to a normalised message: headers, dates, identity, MIME, memory."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.config import Privacy
from monitor.core.model import DateProblem, Mailbox, Message, Quarantined
from monitor.sources import decoding
from monitor.sources.decoding import parse_mailboxes
from monitor.sources.parse import decode_header_text, parse_raw
from monitor.sources.pipeline import from_raw
from tests.factories import ALICE, DANA, email


def read(raw: bytes, analyzer, **kwargs) -> Message:
    result = from_raw(raw, analyzer=analyzer, privacy=Privacy(), **kwargs)
    assert isinstance(result, Message), result
    return result


def test_a_plain_client_message_is_normalised(analyzer) -> None:
    message = read(email(), analyzer)

    assert message.key == "roadmap-1@acme-logistics.example"
    assert message.sender is not None
    assert message.sender.address == "dana.whitfield@acme-logistics.example"
    assert message.sender.name == "Dana Whitfield"
    assert [m.address for m in message.to] == ["alice.marsh@northwind-advisory.example"]
    assert message.date == datetime(2026, 6, 2, 8, 12, tzinfo=UTC)
    assert message.date.tzinfo is UTC
    assert message.subject == "Q3 roadmap review"
    assert message.noise is None
    assert message.needs_reply
    assert message.text.language == "en"


def test_addresses_are_lower_cased_and_groups_skipped(analyzer) -> None:
    raw = email(
        frm="Dana Whitfield <Dana.Whitfield@ACME-Logistics.example>",
        to="undisclosed-recipients:;, Alice <ALICE.MARSH@northwind-advisory.example>",
    )

    message = read(raw, analyzer)

    assert message.sender is not None
    assert message.sender.address == "dana.whitfield@acme-logistics.example"
    assert [m.address for m in message.to] == ["alice.marsh@northwind-advisory.example"]


@pytest.mark.parametrize(
    ("raw_value", "decoded"),
    [
        (
            "=?UTF-8?B?UmU6IEFuZ2Vib3Qgw7xiZXIgZGllIFByb3plc3NhbmFseXNl?=",
            "Re: Angebot über die Prozessanalyse",
        ),
        ("=?ISO-8859-1?Q?R=E9union_de_lancement_=E0_Lyon?=", "Réunion de lancement à Lyon"),
        ("=?koi8-r?B?5MXMz9fPyiDP1N7F1A==?=", "Деловой отчет"),
        ("=?ISO-2022-JP?B?GyRCJTclOSVGJWAbKEI=?=", "システム"),
        ("=?gb2312?B?z+7Ev7e9sLg=?=", "项目方案"),
        ("=?Big5?B?sU2u17Zpq9c=?=", "專案進度"),
        ("=?windows-1252?Q?=93Quoted=94_status?=", "“Quoted” status"),
        # A multibyte character split across two encoded words must survive.
        (
            "=?UTF-8?B?UHLD?= =?UTF-8?B?pHNlbnRhdGlvbiBmw7w=?= =?UTF-8?B?ciBkZW4gVm9yc3RhbmQ=?=",
            "Präsentation für den Vorstand",
        ),
        (
            "=?UTF-8?Q?Kickoff_=E2=80=93?=\r\n =?UTF-8?Q?_Helsinki_office?=",
            "Kickoff – Helsinki office",
        ),
        ("Status: =?utf-8?q?f=C3=A4llig?= morgen", "Status: fällig morgen"),
        ("=?x-unknown-charset?Q?Plan?=", "Plan"),
    ],
)
def test_encoded_word_headers_are_decoded_in_many_charsets(raw_value: str, decoded: str) -> None:
    assert decode_header_text(raw_value) == decoded


_HEADER_PIECES = [
    "Kickoff",
    " ",
    "\t",
    "\r\n ",
    "\n\t",
    "\r\n",
    "\n",
    "\r",
    "=?utf-8?q?f=C3=A4llig?=",
]


@settings(max_examples=500, deadline=None)
@given(
    # A value read from bytes holds raw 8-bit bytes as escapes; one from elsewhere, characters.
    pieces=st.one_of(
        st.lists(st.sampled_from([*_HEADER_PIECES, "R\udcc3\udcbcckfrage", "\udcff"]), max_size=12),
        st.lists(st.sampled_from([*_HEADER_PIECES, "Präsentation", "專案"]), max_size=12),
    )
)
def test_a_header_value_is_unfolded_as_the_fold_pattern_unfolds_it(pieces: list[str]) -> None:
    # Values without a line break or a byte beyond ASCII skip the patterns; the rest use them.
    value = "".join(pieces)

    assert decoding._unfolded(value) == decoding._fix_raw_8bit(decoding._FOLD.sub(" ", value))


def test_raw_utf8_headers_are_read_as_utf8(analyzer) -> None:
    raw = email(
        subject="Rückfrage zur Kostenschätzung",
        frm="Jürgen Müller <j.mueller@falkenberg-maschinenbau.example>",
    )

    message = read(raw, analyzer)

    assert message.subject == "Rückfrage zur Kostenschätzung"
    assert message.sender is not None
    assert message.sender.name == "Jürgen Müller"


def test_an_encoded_display_name_with_a_comma_stays_one_address(analyzer) -> None:
    raw = email(frm="=?UTF-8?Q?Whitfield=2C_Dana?= <dana.whitfield@acme-logistics.example>")

    message = read(raw, analyzer)

    assert message.sender is not None
    assert message.sender.name == "Whitfield, Dana"
    assert message.sender.address == "dana.whitfield@acme-logistics.example"


def test_a_missing_date_falls_back_to_the_delivery_time_and_is_flagged(analyzer) -> None:
    delivered = datetime(2026, 6, 3, 7, 0, tzinfo=UTC)

    message = read(email(date=None), analyzer, delivered_at=delivered)

    assert message.date == delivered
    assert message.date_problem is DateProblem.MISSING


def test_an_unparseable_date_falls_back_to_the_received_header(analyzer) -> None:
    raw = email(
        date="Thursday",
        headers={
            "Received": "from mx.acme-logistics.example by mx.northwind-advisory.example; Thu, 4 Jun 2026 10:00:00 +0200"
        },
    )

    message = read(raw, analyzer)

    assert message.date == datetime(2026, 6, 4, 8, 0, tzinfo=UTC)
    assert message.date_problem is DateProblem.UNPARSEABLE


@pytest.mark.parametrize(
    "bad", ["Mon, 01 Jan 1970 00:00:00 +0000", "Sat, 12 Jun 2094 10:00:00 +0000"]
)
def test_an_implausible_date_is_replaced_by_the_delivery_time(analyzer, bad: str) -> None:
    raw = email(date=bad, headers={"Received": "from a by b; Fri, 5 Jun 2026 09:30:00 +0000"})

    message = read(raw, analyzer)

    assert message.date == datetime(2026, 6, 5, 9, 30, tzinfo=UTC)
    assert message.date_problem is DateProblem.IMPLAUSIBLE


def test_minus_zero_offset_means_utc_not_a_naive_time(analyzer) -> None:
    message = read(email(date="Tue, 02 Jun 2026 09:12:00 -0000"), analyzer)

    assert message.date == datetime(2026, 6, 2, 9, 12, tzinfo=UTC)


def test_a_message_without_message_id_gets_a_stable_content_hash(analyzer) -> None:
    first = read(email(message_id=None), analyzer)
    copy_in_another_mailbox = read(
        b"Received: from mx by mailbox-two; Tue, 2 Jun 2026 08:13:00 +0000\r\nX-Folder: Sent\r\n"
        + email(message_id=None),
        analyzer,
    )
    different = read(
        email(message_id=None, body="Hi Alice,\n\nPlease ignore my last note.\n\nDana"), analyzer
    )

    assert first.key.startswith("sha256:")
    assert first.key == copy_in_another_mailbox.key
    assert first.key != different.key


def test_html_only_message_is_read_through_its_text(analyzer) -> None:
    raw = email(
        body="",
        html="<html><body><p>Hi Alice,</p><p>The <b>signed</b> change request is attached &amp; filed.</p>"
        "<script>alert(1)</script></body></html>",
    ).replace(
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\r\n",
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n",
    )
    result = from_raw(
        raw, analyzer=analyzer, privacy=Privacy(store_snippets=True, snippet_chars=200)
    )

    assert isinstance(result, Message)
    assert result.snippet is not None
    assert "signed change request is attached & filed" in result.snippet
    assert "alert" not in result.snippet


def test_no_body_text_is_kept_unless_snippets_are_enabled(analyzer) -> None:
    assert read(email(), analyzer).snippet is None


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"   \r\n\r\n", "empty"),
        (b"Hello Alice, this is not a message at all.\nJust text.\n", "no_header_section"),
        (
            b"To: alice.marsh@northwind-advisory.example\r\nSubject: who sent this?\r\nDate: Tue, 02 Jun 2026 09:12:00 +0100\r\n\r\nbody\r\n",
            "no_sender",
        ),
        (
            b"From: Dana <not an address>\r\nSubject: x\r\nDate: Tue, 02 Jun 2026 09:12:00 +0100\r\n\r\nbody\r\n",
            "no_sender",
        ),
        (
            b"From: dana.whitfield@acme-logistics.example\r\nSubject: when?\r\n\r\nno date anywhere\r\n",
            "no_date",
        ),
    ],
)
def test_unreadable_input_is_quarantined_with_a_specific_reason(
    analyzer, raw: bytes, reason: str
) -> None:
    result = from_raw(raw, analyzer=analyzer, privacy=Privacy())

    assert isinstance(result, Quarantined)
    assert result.reason == reason
    assert result.detail


def test_a_body_split_from_its_message_is_quarantined_without_its_words(analyzer) -> None:
    # An unescaped "From " line in an mbox body starts a new "message" that is body text.
    fragment = (
        b"the merger with Globex closes Friday; 40 jobs in Leeds go.\n"
        b"Please keep this between us until the board meets.\n"
    )

    result = from_raw(fragment, analyzer=analyzer, privacy=Privacy())

    assert isinstance(result, Quarantined)
    assert result.reason == "no_header_section"
    assert "Globex" not in result.detail and "merger" not in result.detail
    assert "58 bytes" in result.detail


def test_cr_only_line_endings_are_understood(analyzer) -> None:
    raw = email().replace(b"\r\n", b"\r")

    message = read(raw, analyzer)

    assert message.subject == "Q3 roadmap review"
    assert message.text.own_chars > 20


def test_a_missing_closing_boundary_keeps_the_text_and_notes_it(analyzer) -> None:
    raw = email(html="<p>Hi Alice, the plan is attached.</p>").replace(
        b"------=_Part_4471_1130519.1780000000000--\r\n", b""
    )

    message = read(raw, analyzer)

    assert message.text.own_chars > 0
    assert any("no closing boundary" in note for note in message.notes)


def test_endlessly_nested_multiparts_stop_at_a_depth_limit(analyzer) -> None:
    depth = 60
    head = b"From: Dana Whitfield <dana.whitfield@acme-logistics.example>\r\nTo: alice.marsh@northwind-advisory.example\r\nSubject: nested\r\nDate: Tue, 02 Jun 2026 09:12:00 +0100\r\nMIME-Version: 1.0\r\n"
    body = b"Hi Alice, the innermost part.\r\n"
    for level in range(depth):
        boundary = f"level{level}".encode()
        body = (
            b'Content-Type: multipart/mixed; boundary="'
            + boundary
            + b'"\r\n\r\n--'
            + boundary
            + b"\r\n"
            + (b"Content-Type: text/plain\r\n\r\n" + body if level == 0 else body)
            + b"\r\n--"
            + boundary
            + b"--\r\n"
        )
    message = read(head + body, analyzer)

    assert any("nesting deeper than" in note for note in message.notes)


def test_a_20_mb_attachment_costs_no_more_than_its_raw_size_once(analyzer) -> None:
    """The attachment is never decoded or copied: only header blocks and text parts are sliced."""
    attachment = bytes(range(256)) * (20 * 1024 * 1024 // 256)
    raw = email(attachment=attachment, html=None)
    raw_size = len(raw)
    assert raw_size > 26_000_000  # base64 grows 20 MB to ~27 MB on the wire

    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        envelope = parse_raw(raw)
        result = from_raw(raw, analyzer=analyzer, privacy=Privacy())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert not isinstance(envelope, Quarantined)
    assert isinstance(result, Message)
    assert result.has_attachments
    assert result.text.own_chars > 0
    # Parsing on top of the raw bytes already in memory: far below one more copy.
    assert peak < 0.1 * raw_size, (
        f"parsing allocated {peak / 1e6:.1f} MB for a {raw_size / 1e6:.1f} MB message"
    )


def test_reading_a_large_message_file_holds_it_in_memory_once(analyzer, tmp_path) -> None:
    from monitor.sources.local import discover, read_folder

    attachment = bytes(range(256)) * (20 * 1024 * 1024 // 256)
    (tmp_path / "big.eml").write_bytes(email(attachment=attachment, to=ALICE, frm=DANA))
    folder = discover(tmp_path)[0]

    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        for local in read_folder(folder):
            assert local.raw is not None
            size = len(local.raw)
            result = from_raw(local.raw, analyzer=analyzer, privacy=Privacy())
            local.raw = None
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert isinstance(result, Message)
    assert peak < 1.15 * size, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB file"


def test_an_encoded_name_cannot_smuggle_in_a_second_address(analyzer) -> None:
    raw = email(
        frm="=?UTF-8?Q?Dana=E2=80=AE=0D=0ABcc:_evil@attacker.example?= <dana.whitfield@acme-logistics.example>"
    )

    message = read(raw, analyzer)

    assert message.sender is not None
    assert message.sender.address == "dana.whitfield@acme-logistics.example"
    assert (
        "evil@attacker.example" in message.sender.name
    )  # shown as a name, never used as an address


def test_a_remembered_sender_is_read_the_same_each_time_and_a_bare_local_part_only_where_allowed() -> (
    None
):
    """Header values are parsed once and remembered; what is allowed still depends on the
    header: a bounce's ``MAILER-DAEMON`` is a sender, never a recipient."""
    sender = ["Mail Delivery Subsystem <MAILER-DAEMON@mx.northwind-advisory.example>"]
    bare = ["MAILER-DAEMON"]

    first = parse_mailboxes(sender, allow_local=True)
    again = parse_mailboxes(list(sender), allow_local=True)

    assert (
        first
        == again
        == (Mailbox("mailer-daemon@mx.northwind-advisory.example", "Mail Delivery Subsystem"),)
    )
    assert parse_mailboxes(bare, allow_local=True) == (Mailbox("mailer-daemon"),)
    assert parse_mailboxes(bare) == ()
    long_list = [", ".join(f"Person {n} <p{n}@client.example>" for n in range(60))]
    assert len(parse_mailboxes(long_list)) == 60


def test_a_message_cut_off_inside_its_header_section_is_kept_with_a_note() -> None:
    """The last message of an mbox copied while it was being written: stored (nothing is
    lost), and its record says why its Message-ID and body look wrong."""

    whole = email(subject="Pallets again", message_id="a2@acme-logistics.example")
    cut = whole[: whole.index(b"Message-ID:") + len(b"Message-ID: <a2@acme-logi")]

    truncated = parse_raw(cut)
    complete = parse_raw(whole)
    headers_only = parse_raw(whole[: whole.index(b"\r\n\r\n") + 2])

    assert not isinstance(truncated, Quarantined) and not isinstance(complete, Quarantined)
    assert not isinstance(headers_only, Quarantined)
    assert any(note.startswith("cut short:") for note in truncated.notes)
    assert not any(note.startswith("cut short:") for note in complete.notes + headers_only.notes)
