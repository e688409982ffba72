"""The analysis behind an IMAP fetch: the fetch never waits for it, what it stores comes in the
order it was fetched, and the text that waits for a worker is readable by no one."""

from __future__ import annotations

import errno
import threading
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from monitor.config import Privacy
from monitor.core.model import Quarantined
from monitor.sources.imap_analysis import Analysed, Batch, Fetched, unpacked
from monitor.sources.imap_behind import Behind, Spool, WorkersFailed, limit_of
from monitor.sources.mime import Part, Structure

SECRET = b"our offer for the Lisbon migration is EUR 184,000"


def fetched(uid: int) -> Fetched:
    header = (
        f"From: Maria Keller <maria.keller@fabrikam.example>\r\n"
        f"To: Jana Novak <jana@northwind-advisory.example>\r\n"
        f"Subject: Re: Lisbon migration, revised quote\r\n"
        f"Message-ID: <quote-{uid}@fabrikam.example>\r\n"
        f"Date: Tue, 14 Apr 2026 09:{uid % 60:02d}:00 +0200\r\n\r\n"
    ).encode()
    body = b"Hi Jana,\r\n\r\nthanks for the revised figures. To confirm: " + SECRET + b".\r\n"
    return Fetched(
        uid=uid,
        header=header,
        structure=Structure(parts=[Part("1", "text/plain", "utf-8", size=len(body))]),
        payloads={"1": body},
        size=len(header) + len(body),
        internaldate=datetime(2026, 4, 14, 7, uid % 60, tzinfo=UTC),
    )


def batch(first: int, count: int = 3) -> list[Fetched]:
    return [fetched(uid) for uid in range(first, first + count)]


class HeldAnalysis:
    """Worker processes that finish only when the test says so."""

    parallel = True

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers
        self.submitted: list[tuple[list[int], Future[list[Analysed]]]] = []

    def submit(self, batch: Batch, privacy: Privacy) -> Future[list[Analysed]]:
        future: Future[list[Analysed]] = Future()
        self.submitted.append(([f.uid for f in unpacked(batch)], future))
        return future

    def finish(self, index: int) -> None:
        uids, future = self.submitted[index]
        future.set_result(
            [Analysed(uid, Quarantined("no_sender", "test stand-in"), 100) for uid in uids]
        )


class Journal:
    """What the store was asked to write, in order."""

    def __init__(self) -> None:
        self.writes: list[tuple[str, object]] = []

    def batch(self, folder: str):  # type: ignore[no-untyped-def]
        def apply(analysed: list[Analysed] | None) -> None:
            assert analysed is not None
            self.writes.append((folder, [a.uid for a in analysed]))

        return apply

    def cursor(self, folder: str):  # type: ignore[no-untyped-def]
        def apply(analysed: list[Analysed] | None) -> None:
            assert analysed is None
            self.writes.append((folder, "final cursor"))

        return apply


@pytest.fixture(autouse=True)
def state_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The spool's file goes to relmon's state directory: here, the test's own."""
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))
    return tmp_path / "state"


def behind() -> Behind:
    return Behind(Privacy(), limit_of, "alice-imap")


def test_the_fetch_goes_on_while_workers_are_busy_and_batches_are_stored_in_fetch_order(
    state_directory: Path,
) -> None:
    analysis, journal, queue = HeldAnalysis(workers=1), Journal(), behind()

    for first in (1, 4, 7, 10):
        queue.add_batch("INBOX", batch(first), analysis, journal.batch("INBOX"))
    queue.add_write("INBOX", journal.cursor("INBOX"))

    # Two batches went to the one worker (two per worker); the other two wait in the spool.
    assert [uids for uids, _ in analysis.submitted] == [[1, 2, 3], [4, 5, 6]]
    analysis.finish(1)  # the second batch is done before the first
    queue.pump(wait=False)
    assert journal.writes == []  # nothing is stored out of order
    analysis.finish(0)
    queue.pump(wait=False)
    assert journal.writes == [("INBOX", [1, 2, 3]), ("INBOX", [4, 5, 6])]
    assert [uids for uids, _ in analysis.submitted][2:] == [[7, 8, 9], [10, 11, 12]]
    assert state_directory.is_dir()  # where the two batches waited
    analysis.finish(2)
    analysis.finish(3)
    queue.pump(wait=True)
    assert journal.writes[2:] == [
        ("INBOX", [7, 8, 9]),
        ("INBOX", [10, 11, 12]),
        ("INBOX", "final cursor"),
    ]


def test_a_folders_final_cursor_waits_for_its_batches_but_not_for_the_next_folders_fetch() -> None:
    analysis, journal, queue = HeldAnalysis(workers=2), Journal(), behind()

    queue.add_batch("INBOX", batch(1), analysis, journal.batch("INBOX"))
    queue.add_write("INBOX", journal.cursor("INBOX"))
    queue.add_batch("Sent", batch(1), analysis, journal.batch("Sent"))
    queue.add_write("Sent", journal.cursor("Sent"))
    assert journal.writes == [] and queue.unfinished() == {"INBOX", "Sent"}

    analysis.finish(0)
    queue.pump(wait=False)
    assert journal.writes == [("INBOX", [1, 2, 3]), ("INBOX", "final cursor")]
    assert queue.unfinished() == {"Sent"}


def test_the_fetch_waits_once_the_spool_holds_as_much_as_it_may() -> None:
    analysis, journal = HeldAnalysis(workers=1), Journal()
    queue = Behind(Privacy(), limit_of, "alice-imap", most_spooled=1)
    for first in (1, 4, 7):
        queue.add_batch("INBOX", batch(first), analysis, journal.batch("INBOX"))
    assert journal.writes == []  # two with the worker, one in the spool: no need to wait yet
    threading.Timer(0.2, analysis.finish, args=(0,)).start()

    queue.add_batch("INBOX", batch(10), analysis, journal.batch("INBOX"))

    assert journal.writes == [("INBOX", [1, 2, 3])]  # the fetch waited for the oldest batch
    assert [uids for uids, _ in analysis.submitted] == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]


def test_a_spool_that_cannot_be_written_makes_the_fetch_wait_instead_of_failing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    analysis, journal, queue = HeldAnalysis(workers=1), Journal(), behind()

    def disk_full(self: Spool, batch: list[Fetched]) -> tuple[int, int, int]:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Spool, "put", disk_full)
    queue.add_batch("INBOX", batch(1), analysis, journal.batch("INBOX"))
    queue.add_batch("INBOX", batch(4), analysis, journal.batch("INBOX"))
    threading.Timer(0.2, analysis.finish, args=(0,)).start()

    with capture_logs() as logs:
        queue.add_batch("INBOX", batch(7), analysis, journal.batch("INBOX"))
        # The third batch waited for the first to be stored, as the fetch did before the spool.
        assert journal.writes == [("INBOX", [1, 2, 3])]
        threading.Timer(0.2, analysis.finish, args=(1,)).start()
        queue.add_batch("INBOX", batch(10), analysis, journal.batch("INBOX"))

    assert journal.writes == [("INBOX", [1, 2, 3]), ("INBOX", [4, 5, 6])]
    assert [uids for uids, _ in analysis.submitted] == [
        [1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
        [10, 11, 12],
    ]
    assert [entry["event"] for entry in logs] == ["imap_spool_unwritable"]  # said once
    assert "No space left on device" in logs[0]["error"]


def test_a_stop_stores_nothing_more_and_names_the_folders_to_read_again() -> None:
    analysis, journal, queue = HeldAnalysis(workers=1), Journal(), behind()
    queue.add_batch("INBOX", batch(1), analysis, journal.batch("INBOX"))
    queue.add_batch("INBOX", batch(4), analysis, journal.batch("INBOX"))
    queue.add_batch("INBOX", batch(7), analysis, journal.batch("INBOX"))
    queue.add_write("INBOX", journal.cursor("INBOX"))
    analysis.finish(0)

    queue.pump(wait=True, should_stop=lambda: True)

    assert journal.writes == [("INBOX", [1, 2, 3])]
    assert queue.unfinished() == set() and queue.take_dropped() == {"INBOX"}
    assert all(future.cancelled() for _, future in analysis.submitted[1:])


def test_a_worker_that_dies_drops_what_waits_and_says_so() -> None:
    analysis, journal, queue = HeldAnalysis(workers=1), Journal(), behind()
    queue.add_batch("INBOX", batch(1), analysis, journal.batch("INBOX"))
    queue.add_write("INBOX", journal.cursor("INBOX"))
    analysis.submitted[0][1].set_exception(BrokenProcessPool("a worker was killed"))

    with pytest.raises(WorkersFailed, match="alice-imap"):
        queue.pump(wait=True)

    assert journal.writes == [] and queue.take_dropped() == {"INBOX"}


def test_a_pool_found_broken_when_a_batch_is_handed_over_drops_that_batch_too() -> None:
    analysis, journal, queue = HeldAnalysis(workers=1), Journal(), behind()
    queue.add_batch("INBOX", batch(1), analysis, journal.batch("INBOX"))

    def broken(batch: list[Fetched], privacy: Privacy) -> Future[list[Analysed]]:
        raise BrokenProcessPool("a child process terminated abruptly")

    analysis.submit = broken  # type: ignore[method-assign]
    with pytest.raises(WorkersFailed):
        queue.add_batch("Sent", batch(1), analysis, journal.batch("Sent"))

    assert journal.writes == [] and queue.take_dropped() == {"INBOX", "Sent"}


def test_mail_waiting_in_the_spool_cannot_be_read_from_its_file_and_the_file_empties(
    tmp_path: Path,
) -> None:
    spool = Spool(tmp_path)
    place = spool.put(batch(1, count=20))
    assert spool._file is not None
    assert list(tmp_path.iterdir()) == []  # the file has no name to find it by
    spool._file.seek(0)
    on_disk = spool._file.read()
    assert len(on_disk) > 20 * len(SECRET)
    assert SECRET not in on_disk and b"maria.keller" not in on_disk

    back = spool.take(place).unpack()

    assert [f.uid for f in back] == list(range(1, 21)) and back[0].payloads["1"].endswith(
        SECRET + b".\r\n"
    )
    spool._file.seek(0, 2)
    assert spool._file.tell() == 0  # nothing waits: the file was emptied
    spool.close()
