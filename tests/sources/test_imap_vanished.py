"""Reading a server's VANISHED answer: a UID set, or nothing relmon acts on."""

from __future__ import annotations

import imaplib

import pytest
from imapclient.exceptions import IMAPClientError

from monitor.sources import imap_vanished
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


def test_a_line_longer_than_imaplib_reads_is_read_while_vanished_messages_are_asked_about() -> None:
    """imaplib reads lines of up to 1 MB; scattered deletions in a large folder make a longer
    answer. Its limit is raised while the question runs, and put back after, also when two
    questions overlap (the limit is one for the whole process)."""
    before = imaplib._MAXLINE
    with imap_vanished._long_lines():
        with imap_vanished._long_lines():
            inner = imaplib._MAXLINE
        outer = imaplib._MAXLINE

    assert inner == outer == imap_vanished.LONGEST_LINE > before
    assert before == imaplib._MAXLINE


@pytest.mark.parametrize(
    ("error", "breaks_off"),
    [
        ("fetch failed: [NOMODSEQ] No mod-sequences in this folder", False),
        ("FETCH command error: BAD [b'Error in IMAP command UID FETCH: Invalid modifier']", False),
        ("command: FETCH => got more than 1000000 bytes", True),
    ],
)
def test_a_refusal_lists_the_folder_and_an_answer_broken_off_reconnects(
    error: str, breaks_off: bool
) -> None:
    """A server that says NO or BAD leaves the connection as it was: the folder is listed on
    it. An answer imaplib could not read to its end leaves the rest of it to be read as the
    next answer: the pass must reconnect."""
    if breaks_off:
        with pytest.raises(imap_vanished.VanishedUnread):
            imap_vanished._refused(IMAPClientError(error))
    else:
        assert imap_vanished._refused(IMAPClientError(error)) is None
