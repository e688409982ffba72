"""A sync pass's garbage collection looks only at objects the pass made; a backtest's runs
less often.

Python's cyclic garbage collector scans every object it tracks when it collects its oldest
generation, and a first sync makes it do so again and again as the pass's own objects pile up:
each time it scans again the modules, the configuration, the text analyzer and the database
engine, which were alive before the pass and outlive it. Measured on a first sync of 20,000
messages, the sync process spent about 1.3 s of its 13 s collecting, 0.9 s of it in the oldest
generation; with what was alive before the pass set aside (``gc.freeze``), 0.65 s.

Objects set aside are still freed as soon as nothing refers to them; only a reference cycle
among them waits until the pass ends, when they are handed back to the collector. Passes
running at once in several threads set aside and hand back once: the last one to end hands
back.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_passes = 0  # passes running now, in any thread


@contextmanager
def collecting_only_new_objects() -> Iterator[None]:
    """While the block runs, the garbage collector leaves alone what was alive before it."""
    global _passes  # one count for the process: the collector is the process's
    with _lock:
        if _passes == 0:
            gc.freeze()
        _passes += 1
    try:
        yield
    finally:
        with _lock:
            _passes -= 1
            if _passes == 0:
                gc.unfreeze()


#: A backtest's replay runs the collector's youngest generation after this many new objects
#: (Python's default: 700).
REPLAY_COLLECTS_AFTER = 10_000


def collect_less_often() -> None:
    """Run the cyclic garbage collector less often (for the rest of a backtest's worker).

    A backtest's replay makes and drops millions of small objects (each day's facts of each
    client), few of them ever in a cycle, while what it keeps grows (each conversation's
    pairing, the calendars' answers): at the default threshold the collector walks all it
    keeps again and again, about a tenth of a replay's time. Cycles are still collected, later.
    """
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(REPLAY_COLLECTS_AFTER, middle, oldest)


@contextmanager
def collecting_less_often() -> Iterator[None]:
    """:func:`collect_less_often` while the block runs."""
    before = gc.get_threshold()
    collect_less_often()
    try:
        yield
    finally:
        gc.set_threshold(*before)
