"""Reading a server's VANISHED answer: a UID set, or nothing relmon acts on."""

from __future__ import annotations

import pytest

from monitor.sources.imap_vanished import MOST_VANISHED, as_set, uid_set


def test_a_vanished_set_of_single_uids_and_ranges_is_read_in_full() -> None:
    assert uid_set(b" 41,97:99,7:5") == [41, 97, 98, 99, 5, 6, 7]


@pytest.mark.parametrize(
    "answer",
    [
        b"41,*",
        b"1:*",
        b"",
        b"41,,42",
        b"0:3",
        b"forty-one",
        b"41 42",
        b"1:" + str(MOST_VANISHED + 1).encode(),
    ],
    ids=["star", "open range", "empty", "empty part", "zero", "words", "space", "too many"],
)
def test_an_answer_that_is_not_a_set_of_uids_is_not_acted_on(answer: bytes) -> None:
    """A server's answer relmon cannot read as UIDs (or one naming more than it takes at once)
    sends the sync to list the folder instead; it never marks a message expunged."""
    assert uid_set(answer) is None


def test_the_uids_still_asked_about_go_as_ranges() -> None:
    """The UIDs a server named are asked about in one short command, whatever their number."""
    assert as_set([3, 5, 6, 7, 9, 10, 40]) == "3,5:7,9:10,40"
    assert as_set(list(range(1, 100_001))) == "1:100000"
