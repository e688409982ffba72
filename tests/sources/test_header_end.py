"""Where a header section ends: the first blank line, whatever mix of line breaks it has."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from monitor.sources.mime import find_header_end

# The rule as a pattern, for comparison: the first line break directly followed by another.
BLANK_LINE = re.compile(rb"\r?\n\r?\n")


def by_pattern(raw: bytes, start: int, stop: int) -> tuple[int, int]:
    if raw.startswith(b"\n", start) or raw.startswith(b"\r\n", start):
        return start, start + (1 if raw.startswith(b"\n", start) else 2)
    match = BLANK_LINE.search(raw, start, stop)
    return (match.start(), match.end()) if match else (stop, stop)


def test_a_crlf_message_ends_its_headers_at_the_first_blank_line() -> None:
    raw = b"From: dana@client.example\r\nSubject: Invoice 4471\r\n\r\nPlease find it attached.\r\n\r\n"

    assert find_header_end(raw) == (raw.index(b"\r\n\r\n"), raw.index(b"Please"))


def test_a_part_without_a_blank_line_is_all_header() -> None:
    raw = b"Content-Type: text/plain\nContent-Transfer-Encoding: 7bit\n"

    assert find_header_end(raw) == (len(raw), len(raw))


@given(
    st.lists(
        st.sampled_from([b"\n", b"\r", b"\r\n", b"X-Mailer: a", b" b", b":", b"\r\n\r\n"]),
        max_size=14,
    ),
    st.integers(0, 40),
    st.integers(0, 60),
)
@example([b"X-Mailer: a", b"\n", b"\r\n", b" b", b"\n", b"\n"], 0, 60)  # CRLF blank line first
@example([b"X-Mailer: a", b"\r\n", b"\n", b" b"], 0, 60)  # a carriage return, then a bare one
@settings(max_examples=500)
def test_the_header_end_is_where_the_blank_line_pattern_finds_it(
    pieces: list[bytes], start: int, length: int
) -> None:
    raw = b"".join(pieces)
    start = min(start, len(raw))
    stop = min(len(raw), start + length)

    assert find_header_end(raw, start, stop) == by_pattern(raw, start, stop)
