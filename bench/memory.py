"""Memory of big local ingests and of re-threading after a small sync; prints peak RSS.

1. ``mbox``: a generated mbox of ``--gb`` GB (default 2) is streamed to a scratch directory
   (deleted afterwards) and ingested by a child process into a fresh SQLite store, as
   ``relmon ingest`` does; the child's peak resident size is printed (target: under 300 MB).
   The mail is realistic: factories' people and clients, threads of replies, text bodies
   from the public VADER ground truth (../shared/data) when present, 15% with attachments of
   50 KB to 1 MB and 1% with 5 to 20 MB ones; in the middle, one message of ``--huge-mb``
   MB (default 600) whose attachment is base64 on one line, as broken exporters write it.
2. ``rethread``: a store of ``--store`` messages (written directly, without analysis) is
   threaded once; then a small sync of 20 messages arrives and is re-threaded, incrementally
   and by a full rebuild, each in its own child process: seconds and the peak RSS added. Last,
   the whole store re-threaded as after a first ingest (every message without a thread).

Each figure is the median of ``--runs`` runs (each in a fresh process).

    nice -n 10 python bench/memory.py [--gb 2] [--huge-mb 600] [--store 100000] [--runs 3]
        [--only mbox|rethread]
    python bench/memory.py --code /path/to/other/checkout   # the same measures of other code
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

ROOT = Path(__file__).resolve().parent.parent
GROUND_TRUTH = ROOT.parent / "shared" / "data" / "vader-groundtruth"
MB = 1024 * 1024
START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def _sentences() -> list[str]:
    found: list[str] = []
    for path in sorted(GROUND_TRUTH.rglob("*.txt"))[:4]:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split("\t")
            text = parts[-1].strip() if parts else ""
            if 20 <= len(text) <= 300:
                found.append(text)
    return found or [
        "Could you send the revised rollout plan before Thursday's steering call?",
        "The pallet counts in the export do not match what the warehouse reported.",
        "Thanks for the quick turnaround, the board was happy with the numbers.",
    ]


def messages(total_bytes: int, seed: int = 5) -> Iterator[bytes]:
    """Raw messages, in mbox order, until about ``total_bytes``."""
    sys.path.insert(0, str(ROOT))
    from tests.factories import ALICE, BEN, DANA, JANA, RAJ, SAM, email

    rng = random.Random(seed)
    sentences = _sentences()
    noise = rng.randbytes(MB)
    clients, us = (DANA, RAJ, JANA, SAM), (ALICE, BEN)
    written, number, when = 0, 0, START
    while written < total_bytes:
        number += 1
        when += timedelta(minutes=rng.randint(1, 90))
        topic = rng.randint(0, max(1, number // 6))
        client, member = clients[topic % 4], us[topic % 2]
        inbound = rng.random() < 0.6
        body = "Hi,\n\n" + "\n\n".join(
            " ".join(rng.choice(sentences) for _ in range(rng.randint(1, 4)))
            for _ in range(rng.randint(1, 5))
        )
        roll = rng.random()
        attachment = None
        if roll < 0.01:
            attachment = _bytes(noise, rng, rng.randint(5 * MB, 20 * MB))
        elif roll < 0.16:
            attachment = _bytes(noise, rng, rng.randint(50 * 1024, MB))
        raw = email(
            frm=client if inbound else member,
            to=member if inbound else client,
            subject=("Re: " if topic < number - 1 else "") + f"Topic {topic}: shipment plan",
            date=when,
            message_id=f"m{number}-{seed}@bench.example",
            in_reply_to=f"m{topic}-{seed}@bench.example" if topic else None,
            body=body + "\n\nBest regards",
            attachment=attachment,
        ).replace(b"\r\n", b"\n")
        raw = raw.replace(b"\nFrom ", b"\n>From ")
        written += len(raw)
        yield raw


def _bytes(noise: bytes, rng: random.Random, size: int) -> bytes:
    start = rng.randrange(len(noise))
    return (noise[start:] + noise * (size // len(noise) + 1))[:size]


ENVELOPE = b"From bench@bench.example Mon Jan  6 09:00:00 2025\n"


def write_mbox(path: Path, total_bytes: int, huge_bytes: int) -> int:
    """The mail of :func:`messages`, with one message of ``huge_bytes`` in the middle whose
    attachment is base64 on a single line (written piece by piece)."""
    count = 0
    with open(path, "wb") as handle:
        for raw in messages(total_bytes - huge_bytes):
            handle.write(ENVELOPE + raw + b"\n")
            count += 1
            if huge_bytes and handle.tell() >= (total_bytes - huge_bytes) // 2:
                _write_huge(handle, huge_bytes)
                count += 1
                huge_bytes = 0
    return count


def _write_huge(handle: BinaryIO, size: int) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.factories import ALICE, DANA, email

    head = email(
        frm=DANA,
        to=ALICE,
        subject="Full warehouse export",
        message_id="huge@bench.example",
        attachment=b"placeholder",
        attachment_name="export.csv",
    ).replace(b"\r\n", b"\n")
    before, _, after = head.partition(base64.b64encode(b"placeholder"))
    handle.write(ENVELOPE + before)
    piece = base64.b64encode(random.Random(3).randbytes(3 * 1024 * 1024 // 4 * 4))
    remaining = size - len(before) - len(after)
    while remaining > 0:
        handle.write(piece[: min(len(piece), remaining)])
        remaining -= len(piece)
    handle.write(after + b"\n")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_mbox(mbox: Path, database: Path) -> None:
    from monitor.app.runtime import Runtime
    from monitor.app.sync import ingest_paths
    from tests.factories import team_config

    runtime = Runtime.open(team_config(f"sqlite:///{database}"))
    runtime.analyzer  # noqa: B018 - built before timing, as the daemon has it
    started = time.perf_counter()
    report = ingest_paths(runtime, [mbox], account="bench", now=datetime.now(UTC))
    seconds = time.perf_counter() - started
    runtime.close()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mb": peak_mb(),
                "read": report.total("read"),
                "new": report.total("new"),
                "quarantined": report.total("quarantined"),
            }
        )
    )


def child_build_store(database: Path, size: int) -> None:
    """A store of ``size`` messages in threads, written without analysis, threaded once."""
    import dataclasses

    from monitor.config import Privacy
    from monitor.core.text import TextAnalyzer
    from monitor.sources.pipeline import from_raw
    from monitor.store import Store
    from monitor.store.messages import Item, save_items
    from tests.factories import email, team_config

    store = Store.open(f"sqlite:///{database}")
    template = from_raw(email(), analyzer=TextAnalyzer.load(), privacy=Privacy())
    directory = team_config().directory()
    rng = random.Random(7)
    batch: list[Item] = []
    for number in range(size):
        # Conversations of about six messages, a few running at once, each replying to its
        # first message (t<topic>, which this store never saw: a phantom parent).
        topic = rng.randint(max(0, number // 6 - 20), number // 6)
        message = dataclasses.replace(
            template,  # type: ignore[type-var]
            key=f"s{number}@store.example",
            message_id=f"s{number}@store.example",
            subject=f"Re: Account review {topic}",
            date=START + timedelta(minutes=17 * number),
            in_reply_to=(f"t{topic}@store.example",),
            references=(f"t{topic}@store.example",),
        )
        batch.append(Item(f"{number}", message))
        if len(batch) == 1000 or number == size - 1:
            with store.engine.begin() as connection:
                save_items(
                    connection,
                    account="bench",
                    folder="INBOX",
                    items=batch,
                    directory=directory,
                    now=datetime.now(UTC),
                )
            batch = []
    _rethread(store.engine, full=True)
    store.close()


def _rethread(engine, *, full: bool) -> int:  # type: ignore[no-untyped-def]
    try:
        from monitor.store.conversations import rethread
    except ImportError:  # the code before re-threading became incremental
        from monitor.store.messages import rethread  # type: ignore[attr-defined,no-redef]
    return int(rethread(engine, force=full))


def child_first_ingest(database: Path) -> None:
    """Re-threading a store none of whose messages has a thread yet (after a first ingest)."""
    import sqlalchemy as sa

    from monitor.store import Store
    from monitor.store.schema import messages

    store = Store.open(f"sqlite:///{database}")
    with store.engine.begin() as connection:
        connection.execute(sa.update(messages).values(thread_id=None))
    before = peak_mb()
    started = time.perf_counter()
    changed = _rethread(store.engine, full=False)
    seconds = time.perf_counter() - started
    store.close()
    print(json.dumps({"seconds": seconds, "added_mb": peak_mb() - before, "changed": changed}))


def child_small_sync(database: Path, full: bool) -> None:
    """A sync of 20 new messages (replies to stored threads), then re-threading."""
    import dataclasses

    from monitor.config import Privacy
    from monitor.core.text import TextAnalyzer
    from monitor.sources.pipeline import from_raw
    from monitor.store import Store
    from monitor.store.messages import Item, save_items
    from tests.factories import email, team_config

    store = Store.open(f"sqlite:///{database}")
    template = from_raw(email(), analyzer=TextAnalyzer.load(), privacy=Privacy())
    items = [
        Item(
            f"new{n}",
            dataclasses.replace(
                template,  # type: ignore[type-var]
                key=f"new{n}@store.example",
                message_id=f"new{n}@store.example",
                subject=f"Re: Account review {n * 37}",
                date=START + timedelta(days=3000, minutes=n),
                in_reply_to=(f"t{n * 37}@store.example",),
                references=(f"t{n * 37}@store.example",),
            ),
        )
        for n in range(20)
    ]
    with store.engine.begin() as connection:
        save_items(
            connection,
            account="bench",
            folder="INBOX",
            items=items,
            directory=team_config().directory(),
            now=datetime.now(UTC),
        )
    before = peak_mb()
    started = time.perf_counter()
    changed = _rethread(store.engine, full=full)
    seconds = time.perf_counter() - started
    store.close()
    print(json.dumps({"seconds": seconds, "added_mb": peak_mb() - before, "changed": changed}))


def run_child(code: Path, *args: str) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, __file__, "--code", str(code), "--child", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{result.stderr[-3000:]}")
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def median(runs: list[dict[str, float]], name: str) -> float:
    return statistics.median(run[name] for run in runs)


def bench_mbox(code: Path, gigabytes: float, huge_mb: int, runs: int) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="relmon-bench-memory-"))
    try:
        mbox = scratch / "archive.mbox"
        started = time.perf_counter()
        count = write_mbox(mbox, int(gigabytes * 1024 * MB), huge_mb * MB)
        size = mbox.stat().st_size
        print(
            f"mbox: {size / MB:.0f} MB, {count} messages, written in "
            f"{time.perf_counter() - started:.0f} s"
        )
        results = []
        for run in range(runs):
            database = scratch / f"run{run}.db"
            results.append(run_child(code, "mbox", str(mbox), str(database)))
            database.unlink()
        print(
            f"ingest: peak RSS {median(results, 'peak_mb'):.0f} MB (target < 300 MB), "
            f"{median(results, 'seconds'):.0f} s, read {median(results, 'read'):.0f}, "
            f"new {median(results, 'new'):.0f}, quarantined {median(results, 'quarantined'):.0f}"
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def bench_rethread(code: Path, size: int, runs: int) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="relmon-bench-rethread-"))
    try:
        base = scratch / "base.db"
        run_child(code, "store", str(base), str(size))
        for label, full in (("incremental", False), ("full rebuild", True)):
            results = []
            for _ in range(runs):
                copy = scratch / "copy.db"
                shutil.copyfile(base, copy)
                results.append(run_child(code, "sync", str(copy), "full" if full else "part"))
            print(
                f"rethread after a 20-message sync on {size} messages, {label}: "
                f"{median(results, 'seconds'):.2f} s, +{median(results, 'added_mb'):.0f} MB peak RSS, "
                f"{median(results, 'changed'):.0f} changed"
            )
        results = []
        for _ in range(runs):
            copy = scratch / "copy.db"
            shutil.copyfile(base, copy)
            results.append(run_child(code, "first", str(copy)))
        print(
            f"rethread of {size} messages none of which has a thread yet (a first ingest): "
            f"{median(results, 'seconds'):.2f} s, +{median(results, 'added_mb'):.0f} MB peak RSS"
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=2.0)
    parser.add_argument("--huge-mb", type=int, default=600, help="the one-line message, MB")
    parser.add_argument("--store", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=("mbox", "rethread"))
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose code to measure")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(args.code))
    if args.child:
        kind, *rest = args.child
        if kind == "mbox":
            child_mbox(Path(rest[0]), Path(rest[1]))
        elif kind == "store":
            child_build_store(Path(rest[0]), int(rest[1]))
            print("{}")
        elif kind == "first":
            child_first_ingest(Path(rest[0]))
        else:
            child_small_sync(Path(rest[0]), rest[1] == "full")
        return
    if args.only in (None, "rethread"):
        bench_rethread(args.code, args.store, args.runs)
    if args.only in (None, "mbox"):
        bench_mbox(args.code, args.gb, args.huge_mb, args.runs)


if __name__ == "__main__":
    main()
