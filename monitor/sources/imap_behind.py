"""Analysis behind the fetch: the fetch of a pass never waits for the analysis of what it read.

A first sync reads mail faster than it can analyse it. Waiting for the analysis would keep the
IMAP connection open for as long as the slower of the two takes, and leave the fetch idle
whenever the analysis workers are busy. So a pass hands each fetched batch to a
:class:`Behind`, which keeps a few batches in the analysis workers and the rest in a
:class:`Spool`, and stores the results in the order the batches were fetched. The folder's last
write (its final cursor) waits in the same queue behind its batches, so what is stored is
always what a pass that waited would have stored, step by step: a batch and the cursor that
covers it, or neither.

Nothing in the spool is stored. The cursor covers a batch only once its analysed form is
written, so a pass that stops or fails anywhere loses nothing: the next pass fetches again what
was never stored. The spool is a temporary file in relmon's state directory that has no name on
disk, written with AES-GCM under a key that exists only in this process's memory: message text
never reaches the store or a readable file, even for the moment it waits. When the spool
cannot be written (a full disk), the fetch waits for the analysis instead, as it did before
there was a spool: a sync never fails for want of it.
"""

from __future__ import annotations

import os
import tempfile
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from monitor.config import Privacy
from monitor.config.paths import state_directory
from monitor.errors import TransientError
from monitor.log import get_logger
from monitor.sources.imap_analysis import (
    STALE_CODE,
    Analysed,
    Analysis,
    Batch,
    Fetched,
    Packed,
    discard_shared_pool,
    workers_stale,
)

logger = get_logger()


class WorkersFailed(TransientError):
    """An analysis worker process died (killed, out of memory). The pass goes on without them."""


def spool_directory() -> Path | None:
    """Where the spool's file goes: relmon's state directory (systemd's StateDirectory, the
    container's volume), not the system's temporary directory, which is often memory (tmpfs)
    and would hold what the fetch is ahead in RAM. None (the system's default) when the state
    directory cannot be made or written."""
    directory = state_directory()
    try:
        directory.mkdir(parents=True, mode=0o700, exist_ok=True)
    except OSError:
        return None
    return directory if os.access(directory, os.W_OK | os.X_OK) else None


class Spool:
    """Batches of fetched mail waiting for a worker: an unnamed, encrypted temporary file in
    ``directory`` (by default :func:`spool_directory`, found when the first batch is written).

    The file is emptied whenever no batch waits in it, so it holds at most what the fetch is
    ahead of the analysis."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self._file: IO[bytes] | None = None
        self._cipher = AESGCM(AESGCM.generate_key(bit_length=128))
        self._written = 0  # batches written: each one's nonce
        self.waiting = 0  # batches written and not read back

    def put(self, batch: list[Fetched]) -> tuple[int, int, int]:
        """Write a batch; returns where it is (offset, length, nonce number)."""
        if self._file is None:
            # Closed by close(); no name on disk from the start (gone with the process).
            where = self.directory or spool_directory()
            self._file = tempfile.TemporaryFile(prefix="relmon-spool-", dir=where)  # noqa: SIM115
        number = self._written
        self._written += 1
        sealed = self._cipher.encrypt(_nonce(number), Packed.of(batch).data, None)
        offset = self._file.seek(0, os.SEEK_END)
        self._file.write(sealed)
        self.waiting += 1
        return offset, len(sealed), number

    def take(self, place: tuple[int, int, int]) -> Packed:
        """Read a batch back (once), packed as it was written: its worker unpacks it."""
        assert self._file is not None
        offset, length, number = place
        self._file.seek(offset)
        sealed = self._file.read(length)
        # Authenticated under this process's own key: only this spool can have written it.
        batch = Packed(self._cipher.decrypt(_nonce(number), sealed, None))
        self.waiting -= 1
        if self.waiting == 0:  # nothing waits: give the disk space back
            self._file.seek(0)
            self._file.truncate()
        return batch

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self.waiting = 0


def _nonce(number: int) -> bytes:
    return number.to_bytes(12, "big")


#: Stores a batch's analysed messages (a list) or, for a folder's last write, nothing (None).
Apply = Callable[[list[Analysed] | None], object]


@dataclass
class _Step:
    folder: str
    apply: Apply
    analysis: Analysis | None = None  # None: a folder's last write, nothing to analyse
    place: tuple[int, int, int] | None = None  # where the batch waits in the spool, if it does
    future: Future[list[Analysed]] | None = None  # its analysis, once submitted


@dataclass
class Behind:
    """The writes of one pass, in the order they were made, each applied once its analysis is
    done. ``limit(analysis)`` is how many batches that analysis may hold at once."""

    privacy: Privacy
    limit: Callable[[Analysis], int]
    account: str
    #: Batches the spool holds at most; beyond them the fetch waits for the analysis. At the
    #: default batch size that is 50,000 messages, a few hundred MB of text at most.
    most_spooled: int = 100
    dropped: set[str] = field(default_factory=set)  # folders whose writes were discarded
    _queue: deque[_Step] = field(default_factory=deque)
    _spool: Spool = field(default_factory=Spool)
    _spool_failed: bool = False  # said once per pass

    def add_batch(
        self, folder: str, batch: list[Fetched], analysis: Analysis, apply: Apply
    ) -> None:
        """A fetched batch: analysed now if the analysis has room, else spooled (or, when the
        spool cannot be written, analysed once the analysis has room). Then whatever is done at
        the head of the queue is stored."""
        step = _Step(folder, apply, analysis)
        if self._spool.waiting or self._busy(analysis) >= self.limit(analysis):
            try:
                step.place = self._spool.put(batch)
            except OSError as err:  # a full disk, say: the fetch waits for the analysis instead
                self._without_spool(err)
                while self._spool.waiting or self._busy(analysis) >= self.limit(analysis):
                    self._apply_head(wait=True)
        self._queue.append(step)
        if step.place is None:
            self._submit(step, batch)
        self.pump(wait=False)
        while self._spool.waiting > self.most_spooled:  # the fetch is far enough ahead
            self._apply_head(wait=True)

    def add_write(self, folder: str, apply: Apply) -> None:
        """A folder's last write: applied after every batch added before it."""
        self._queue.append(_Step(folder, apply))
        self.pump(wait=False)

    def pump(self, *, wait: bool, should_stop: Callable[[], bool] = lambda: False) -> None:
        """Store what is done at the head of the queue, in order; with ``wait``, everything.
        Stops early (the rest discarded, never stored) when ``should_stop`` says so."""
        while self._queue and self._apply_head(wait=wait and not should_stop()):
            pass
        if wait and should_stop():
            self.discard()
        self._feed()

    def _apply_head(self, *, wait: bool) -> bool:
        """Apply the oldest write if it is ready (with ``wait``, once it is); False if not."""
        head = self._queue[0]
        if head.analysis is None:
            self._queue.popleft()
            head.apply(None)
            return True
        self._feed()
        assert head.future is not None  # the head is always submitted by _feed
        if not wait and not head.future.done():
            return False
        results = self._result(head.future)
        self._queue.popleft()
        head.apply(results)
        self._feed()  # its worker has room again
        return True

    def take_dropped(self) -> set[str]:
        """The folders whose writes were discarded since last asked."""
        dropped, self.dropped = self.dropped, set()
        return dropped

    def unfinished(self) -> set[str]:
        """Folders with writes not yet applied."""
        return {step.folder for step in self._queue}

    def discard(self) -> None:
        """Drop every write not yet applied (nothing of it was stored)."""
        self.dropped |= self.unfinished()
        for step in self._queue:
            if step.future is not None:
                step.future.cancel()
        self._queue.clear()
        self._spool.close()

    def _without_spool(self, err: OSError) -> None:
        if not self._spool_failed:
            self._spool_failed = True
            logger.warning("imap_spool_unwritable", account=self.account, error=str(err)[:200])

    def _busy(self, analysis: Analysis) -> int:
        return sum(1 for s in self._queue if s.analysis is analysis and s.future is not None)

    def _feed(self) -> None:
        """Submit spooled batches, oldest first, while their analysis has room."""
        for step in self._queue:
            if step.analysis is None or step.future is not None:
                continue
            if step is not self._queue[0] and self._busy(step.analysis) >= self.limit(
                step.analysis
            ):
                break
            assert step.place is not None
            batch = self._spool.take(step.place)
            step.place = None
            self._submit(step, batch)

    def _submit(self, step: _Step, batch: Batch) -> None:
        assert step.analysis is not None
        try:
            step.future = step.analysis.submit(batch, self.privacy)
        except BrokenProcessPool as err:  # a worker died before this batch was handed over
            raise self._workers_failed() from err

    def _result(self, future: Future[list[Analysed]]) -> list[Analysed]:
        try:
            return future.result()
        except BrokenProcessPool as err:
            raise self._workers_failed() from err

    def _workers_failed(self) -> WorkersFailed:
        """Give up the pool and every write waiting (a worker died: what it held is lost)."""
        discard_shared_pool()
        self.discard()
        if workers_stale():
            return WorkersFailed(
                f"account {self.account!r}: analysis workers refused to start: {STALE_CODE}"
            )
        return WorkersFailed(
            f"account {self.account!r}: an analysis worker died; the pass resumes with analysis in-process"
        )


def limit_of(analysis: Analysis) -> int:
    """Batches one analysis holds at once: two per worker keeps every worker busy while the
    results of the last are stored; in-process analysis is done when submitted."""
    workers = getattr(analysis, "workers", 1)
    return 2 * int(workers) if analysis.parallel else 1
