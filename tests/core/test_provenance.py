"""Whether our own server vouches for a sender: only the Authentication-Results our trusted
server wrote, above any hop from outside, and only a pass for one of our domains."""

from __future__ import annotations

import time

import pytest

from monitor.core.provenance import (
    MAX_TRACE_FIELDS,
    keep_trace,
    parse_authentication_results,
    received_by,
    server_vouches,
    trusted_stamp,
)
from tests.authres import (
    GMAIL_OURS,
    MICROSOFT_365,
    POSTFIX_FORGED_BELOW_OUTSIDE_HOP,
    POSTFIX_FORGED_DMARC_FAIL,
    POSTFIX_OURS,
    fields,
)

ALICE = "alice.marsh@northwind-advisory.example"
OURS = ("northwind-advisory.example",)
GOOGLE = frozenset({"mx.google.com"})
MX = frozenset({"mx.northwind-advisory.example"})


def vouches(block: str, trusted: frozenset[str], sender: str = ALICE) -> bool:
    return server_vouches(keep_trace(fields(block)), sender, trusted, OURS)


def test_a_gmail_stamp_below_its_own_hop_vouches_for_our_sender() -> None:
    assert vouches(GMAIL_OURS, GOOGLE)


def test_an_opendmarc_stamp_above_postfix_vouches_for_our_sender() -> None:
    assert vouches(POSTFIX_OURS, MX)


def test_nothing_vouches_without_a_trusted_authserv_id() -> None:
    assert not vouches(GMAIL_OURS, frozenset())
    assert not vouches(POSTFIX_OURS, GOOGLE)  # another server's id is not ours


def test_a_stamp_claiming_our_id_below_an_outside_hop_is_not_read() -> None:
    assert not vouches(POSTFIX_FORGED_BELOW_OUTSIDE_HOP, MX)


def test_our_servers_fail_is_not_rescued_by_a_forged_pass_below_it() -> None:
    assert not vouches(POSTFIX_FORGED_DMARC_FAIL, MX)


def test_microsoft_365_results_have_no_authserv_id_and_prove_nothing() -> None:
    trace = keep_trace(fields(MICROSOFT_365))
    stamp = trace[2][1]
    assert parse_authentication_results(stamp) is None
    assert not server_vouches(trace, ALICE, MX, OURS)


def test_a_pass_for_a_domain_not_ours_or_not_the_senders_proves_nothing() -> None:
    stamp = "mx.google.com; dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=gmail.com"
    trace = (("authentication-results", stamp),)
    assert not server_vouches(trace, "alice.marsh@gmail.com", GOOGLE, OURS)
    other = "mx.google.com; dkim=pass header.d=bulk-relay.example; dmarc=fail header.from=northwind-advisory.example"
    assert not server_vouches((("authentication-results", other),), ALICE, GOOGLE, OURS)


def test_dkim_alone_proves_with_header_i_and_a_subdomain_aligns() -> None:
    stamp = "MX.Google.com; DKIM=Pass (good signature) Header.I=@eu.northwind-advisory.example"
    trace = (("authentication-results", stamp),)
    assert server_vouches(trace, "alice@eu.northwind-advisory.example", GOOGLE, OURS)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            'mx.example.org 1; dkim = pass (comment; with "quotes" (nested)) header.d="example.org"',
            ("mx.example.org", "dkim", "pass", {"header.d": "example.org"}),
        ),
        (
            "mx.example.org; none",
            ("mx.example.org", None, None, None),
        ),
        (
            "(leading comment) mx.example.org;\r\n\tdmarc=pass\r\n\t header.from=example.org",
            ("mx.example.org", "dmarc", "pass", {"header.from": "example.org"}),
        ),
    ],
)
def test_results_parse_through_comments_folding_and_spaces(value: str, expected: tuple) -> None:
    parsed = parse_authentication_results(value)
    assert parsed is not None
    authserv_id, method, result, properties = expected
    assert parsed.authserv_id == authserv_id
    if method is None:
        assert parsed.results == ()
    else:
        assert (parsed.results[0].method, parsed.results[0].result) == (method, result)
        assert parsed.results[0].properties == properties


def test_received_by_names_the_host_or_none_for_an_address() -> None:
    assert received_by("from a.example (a [192.0.2.1]) by MX.Google.com with SMTPS id x") == (
        "mx.google.com"
    )
    assert received_by("by 2002:a05:7300:8b0c:b0:13f:6d22:2b4a with SMTP id hx12") is None
    assert received_by("from x (by the way) with local id 1") is None


def test_the_topmost_trusted_stamp_is_the_one_read() -> None:
    stamp = trusted_stamp(keep_trace(fields(POSTFIX_FORGED_DMARC_FAIL)), MX)
    assert stamp is not None
    assert [(r.method, r.result) for r in stamp.results] == [("dmarc", "fail")]


def test_a_huge_or_hostile_header_is_read_in_bounded_time() -> None:
    """Thousands of trace fields, a megabyte of nested comments, spaces and '=' signs."""
    hostile = [
        ("Authentication-Results", "mx.google.com; " + "(" * 500_000 + ")" * 500_000),
        ("Authentication-Results", "mx.google.com; dmarc" + " " * 1_000_000 + "= pass"),
        ("Authentication-Results", "mx.google.com; " + "a=" * 500_000),
        ("Received", "from " + "by " * 300_000),
    ] * 5_000
    started = time.perf_counter()
    trace = keep_trace(hostile)
    vouched = server_vouches(trace, ALICE, GOOGLE, OURS)
    elapsed = time.perf_counter() - started
    assert len(trace) == MAX_TRACE_FIELDS
    assert not vouched
    assert elapsed < 0.5
