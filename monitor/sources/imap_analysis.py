"""Analysing fetched IMAP messages: in this process, or in worker processes beside the fetch.

Fetching is bound by the client's response parsing, analysis by VADER and quote stripping; on a
machine with two cores they only add up to a useful rate when they run at the same time. A sync
therefore hands each fetched batch to an :class:`Analysis`:

- :class:`InlineAnalysis` analyses in the calling thread (small passes, tests, one core);
- :class:`ProcessAnalysis` sends batches to worker processes, which run at a lower CPU
  priority than the fetch. Workers come from a ``forkserver`` (never ``fork`` from a process
  that may hold threads and sockets), build their own :class:`TextAnalyzer` once, and live as
  long as the pool, across passes.

How many batches a worker holds, and where the others wait, is
:mod:`monitor.sources.imap_behind`'s: memory stays bounded by the batch size, not by the size of
the mailbox. What travels to a worker is only what relmon reads: the header block, the MIME
structure and the size-capped text parts.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import multiprocessing
import os
import pickle
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from monitor.config import Privacy
from monitor.core.model import Mailbox, Message, Quarantined, Sentence, TextFeatures
from monitor.core.slotstate import layout, tuple_state
from monitor.core.text import TextAnalyzer
from monitor.log import get_logger
from monitor.sources.mime import Part, Structure, parse_headers
from monitor.sources.parse import envelope_from
from monitor.sources.pipeline import excluded, from_envelope

logger = get_logger()


@tuple_state
@dataclass(frozen=True, slots=True)
class Fetched:
    """One message as fetched: headers, structure, text parts (never attachments)."""

    uid: int
    header: bytes
    structure: Structure
    payloads: Mapping[str, bytes]
    size: int
    internaldate: datetime | None
    gm_thread: str | None = None
    sent: bool = False  # Gmail's \Sent label: the server's word that we sent it


@tuple_state
@dataclass(frozen=True, slots=True)
class Analysed:
    uid: int
    result: Message | Quarantined
    size: int
    excluded: str | None = None  # why privacy settings keep it out of the store


def analyse_one(fetched: Fetched, analyzer: TextAnalyzer, privacy: Privacy) -> Analysed:
    """Parse and normalise one fetched message; never raises for bad input."""
    digest = hashlib.sha256(
        fetched.header + b"".join(fetched.payloads[p] for p in sorted(fetched.payloads))
    ).hexdigest()[:32]
    try:
        if not fetched.header.strip():
            return Analysed(
                fetched.uid,
                Quarantined(
                    "no_header_section", "the message has no header fields", key=f"sha256:{digest}"
                ),
                fetched.size,
            )
        if len(fetched.header) > 4 * 1024 * 1024:
            return Analysed(
                fetched.uid,
                Quarantined(
                    "header_too_large",
                    f"header section is {len(fetched.header)} bytes",
                    key=f"sha256:{digest}",
                ),
                fetched.size,
            )
        block = parse_headers(fetched.header)
        if not block.keys():
            return Analysed(
                fetched.uid,
                Quarantined(
                    "no_header_section", "no header fields could be read", key=f"sha256:{digest}"
                ),
                fetched.size,
            )
        basis = b"".join(fetched.payloads[p] for p in sorted(fetched.payloads))[:65536]
        envelope = envelope_from(
            block,
            fetched.structure,
            fetched.payloads,
            size=fetched.size,
            delivered_at=fetched.internaldate,
            hash_basis=basis,
            gm_thread=fetched.gm_thread,
        )
        result = from_envelope(envelope, analyzer, privacy)
    except (RecursionError, MemoryError) as err:
        result = Quarantined(
            "parser_limit", f"{type(err).__name__} while parsing", key=f"sha256:{digest}"
        )
    except Exception as err:  # noqa: BLE001 - one broken message must never stop a sync
        logger.warning(
            "message_unreadable", uid=fetched.uid, error=type(err).__name__, detail=str(err)[:200]
        )
        result = Quarantined(
            "parser_error", f"{type(err).__name__}: {str(err)[:300]}", key=f"sha256:{digest}"
        )
    reason = excluded(result, privacy) if isinstance(result, Message) else None
    return Analysed(fetched.uid, result, fetched.size, reason)


def analyse_batch(batch: list[Fetched], analyzer: TextAnalyzer, privacy: Privacy) -> list[Analysed]:
    return [analyse_one(item, analyzer, privacy) for item in batch]


@dataclass(frozen=True, slots=True)
class Packed:
    """A batch of fetched mail as pickled bytes. A batch that waited in the spool travels on to
    its worker as it was written there: the sync process does not rebuild every message only to
    pickle it again for the worker."""

    data: bytes

    @classmethod
    def of(cls, batch: list[Fetched]) -> Packed:
        return cls(pickle.dumps(batch, protocol=5))

    def unpack(self) -> list[Fetched]:
        # Written by this process or its parent (the spool, the pool's queue), never read from
        # elsewhere.
        batch: list[Fetched] = pickle.loads(self.data)  # noqa: S301
        return batch


#: What an analysis is given: the fetched messages, or the same packed (see :class:`Packed`).
Batch = list[Fetched] | Packed


def unpacked(batch: Batch) -> list[Fetched]:
    return batch.unpack() if isinstance(batch, Packed) else batch


class Analysis(Protocol):
    """Where fetched batches are analysed; the caller bounds how many are submitted at once."""

    parallel: bool

    def submit(self, batch: Batch, privacy: Privacy) -> Future[list[Analysed]]: ...


class InlineAnalysis:
    """Analysis in the calling thread: the future is already done when ``submit`` returns."""

    parallel = False

    def __init__(self, analyzer: TextAnalyzer) -> None:
        self.analyzer = analyzer

    def submit(self, batch: Batch, privacy: Privacy) -> Future[list[Analysed]]:
        future: Future[list[Analysed]] = Future()
        try:
            future.set_result(analyse_batch(unpacked(batch), self.analyzer, privacy))
        except BaseException as err:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(err)
        return future


# ---------------------------------------------------------------------- worker processes

_worker_analyzer: TextAnalyzer | None = None

#: Analysis workers give way to the fetch, and to the mail server when it runs on the same
#: machine: a batch not analysed yet can wait in the spool, while a stalled fetch keeps the
#: server's connection waiting.
WORKER_NICENESS = 10


#: The classes pickled between the sync process and its workers (their state is their values
#: in field order, :func:`~monitor.core.slotstate.tuple_state`).
TRAVELLING: tuple[type, ...] = (
    Fetched,
    Structure,
    Part,
    Analysed,
    Message,
    Mailbox,
    TextFeatures,
    Sentence,
    Quarantined,
)


class StaleWorker(RuntimeError):
    """A worker started with other code than the sync process that uses it."""


#: What a worker that refuses says, and the sync process after it: why, and what to do.
STALE_CODE = (
    "relmon's code on disk changed since it started (upgraded while it runs): restart relmon; "
    "until then mail is analysed in-process"
)


def _start_worker(
    extra_cues: Mapping[str, tuple[str, ...]],
    parent: int,
    expected: str | None = None,
    refused: Any = None,
) -> None:
    """Set up one worker process. ``expected``: the layout of the travelling classes in the
    sync process. A daemon whose package was upgraded on disk while it runs can start workers
    with the new code: they refuse to start, before any batch reaches them (their values would
    land in the wrong fields), and the pass goes on with analysis in-process. ``refused``: a
    shared flag the worker raises first, so that the sync process knows why its pool broke."""
    global _worker_analyzer  # one analyzer per worker process, built once
    if expected is not None and layout(TRAVELLING) != expected:
        if refused is not None:
            refused.value = 1
        raise StaleWorker(f"an analysis worker refused to start: {STALE_CODE}")
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)
    _worker_analyzer = TextAnalyzer.load(extra_cues)
    threading.Thread(
        target=_exit_with_parent, args=(parent,), name="parent-watch", daemon=True
    ).start()


def _exit_with_parent(parent: int) -> None:
    """End this worker when the process that uses the pool is gone (killed with SIGKILL, say).
    A worker holds both ends of its task queue, so it would otherwise wait for work forever."""
    while True:
        time.sleep(1.0)
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:  # pragma: no cover - the pid now belongs to someone else
            os._exit(0)


def _work(batch: Batch, privacy: Privacy) -> list[Analysed]:
    if _worker_analyzer is None:  # pragma: no cover - the initializer always runs first
        _start_worker({}, os.getppid())
    assert _worker_analyzer is not None
    return analyse_batch(unpacked(batch), _worker_analyzer, privacy)


class ProcessAnalysis:
    """Batches analysed by ``workers`` processes of a long-lived pool."""

    parallel = True

    def __init__(
        self,
        workers: int,
        extra_cues: Mapping[str, tuple[str, ...]] | None = None,
        *,
        expected: str | None = None,
    ) -> None:
        """``expected``: the layout the workers' travelling classes must have (this process's
        by default)."""
        self.workers = workers
        self.extra_cues = {k: tuple(v) for k, v in (extra_cues or {}).items()}
        context = multiprocessing.get_context("forkserver")
        # The fork server imports these once; each worker then starts in milliseconds.
        context.set_forkserver_preload(["monitor.sources.imap_analysis"])
        self._refused = context.Value("b", 0, lock=False)
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(self.extra_cues, os.getpid(), expected or layout(TRAVELLING), self._refused),
        )

    @property
    def refused(self) -> bool:
        """Whether a worker refused to start because it runs other code than this process."""
        return bool(self._refused.value)

    def submit(self, batch: Batch, privacy: Privacy) -> Future[list[Analysed]]:
        return self._pool.submit(_work, batch, privacy)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


_shared: ProcessAnalysis | None = None
_shared_lock = threading.Lock()
#: Set when the shared pool's workers refused to start with other code than this process's:
#: relmon was upgraded on disk while it runs, and every new worker would refuse again, so
#: mail is analysed in-process until relmon restarts.
_stale_code = False


def workers_stale() -> bool:
    """Whether analysis workers refused to start because relmon's code on disk changed since
    this process started (a restart is needed to analyse in worker processes again)."""
    return _stale_code


def default_workers() -> int:
    """Worker processes for analysis: one per core, at most four (the fetch needs a core too,
    but it waits on the network much of the time)."""
    return max(1, min(4, os.cpu_count() or 1))


def shared_pool(
    extra_cues: Mapping[str, tuple[str, ...]], workers: int | None = None
) -> ProcessAnalysis:
    """The process-wide analysis pool (built on first use, rebuilt if the cues changed)."""
    global _shared  # one pool per process, reused by every pass
    wanted = workers or default_workers()
    cues = {k: tuple(v) for k, v in extra_cues.items()}
    with _shared_lock:
        if _shared is not None and (_shared.extra_cues != cues or _shared.workers != wanted):
            _shared.close()
            _shared = None
        if _shared is None:
            _shared = ProcessAnalysis(wanted, cues)
        return _shared


def discard_shared_pool() -> None:
    """Shut the shared pool down (after a worker died, and at exit); remember whether its
    workers refused to start with other code (:func:`workers_stale`)."""
    global _shared, _stale_code
    with _shared_lock:
        if _shared is not None:
            pool, _shared = _shared, None
            _stale_code = _stale_code or pool.refused
            with contextlib.suppress(Exception):  # a broken pool has nothing left to close
                pool.close()


atexit.register(discard_shared_pool)
