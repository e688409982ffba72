"""Where a command's time goes, sampled from outside by py-spy (``pip install relmon[bench]``).

cProfile times every Python call it sees, so code made of many small calls looks far dearer
than it is: in one first sync it gave imapclient's byte-at-a-time FETCH reader 16% of the time,
while timed alone that reader cost about 65 µs a message, about 2% of the sync. A sampling
profiler reads the stacks of the running processes a few hundred times a second instead, the
analysis workers included, and costs them almost nothing. :func:`record` runs a command under
it; :func:`report` prints, per kind of process, the functions with the most samples on top of
the stack (own time) and anywhere in it (inclusive time), as shares of that kind's samples.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path


def py_spy() -> str | None:
    """The py-spy executable beside this Python, or on the PATH; None when not installed."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def record(command: Sequence[str], output: Path, *, env: dict[str, str], rate: int = 200) -> str:
    """Run ``command`` (and its child processes) under py-spy; its samples go to ``output``, as
    one line per distinct stack with its count. Returns the command's standard output."""
    spy = py_spy()
    if spy is None:
        raise SystemExit("py-spy is not installed: pip install 'relmon[bench]'")
    options = ["--subprocesses", "--rate", str(rate), "--format", "raw", "--output", str(output)]
    done = subprocess.run(
        [spy, "record", *options, "--", *command],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return done.stdout


def report(samples: Path, kind_of: Callable[[str], str], top: int) -> None:
    """Print the ``top`` functions by own and by inclusive samples for each kind of process
    (``kind_of`` names it from py-spy's process label)."""
    total: Counter[str] = Counter()
    own: defaultdict[str, Counter[str]] = defaultdict(Counter)
    anywhere: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for line in samples.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        parts = stack.split(";")
        processes = [i for i, part in enumerate(parts) if part.startswith("process ")]
        if not processes:
            continue
        kind = kind_of(parts[processes[-1]])
        frames = [f for f in parts[processes[-1] + 1 :] if not f.startswith("thread ")]
        if not frames:
            continue
        total[kind] += int(count)
        own[kind][frames[-1]] += int(count)
        for frame in set(frames):
            anywhere[kind][frame] += int(count)
    for kind, count in total.most_common():
        print(f"--- {kind}: {count:,} samples ({count / sum(total.values()):.0%} of all) ---")
        for title, counter in (("own", own[kind]), ("inclusive", anywhere[kind])):
            print(f"  top {top} by {title} samples:")
            for frame, n in counter.most_common(top):
                print(f"    {n / count:6.1%}  {frame[:150]}")
