"""Ingest the largest public mail corpus into a fresh SQLite store; print messages/s and peak RSS.

Each run is a separate process (so peak RSS is that run's own), with a fresh database; the
figures are medians over the runs. The corpus is read from ../shared/data (or $RELMON_CORPORA);
the largest is chosen by message count.

    python bench/ingest_local.py [--runs 5] [--corpus spamassassin] [--profile 25]
    python bench/ingest_local.py --compare-scoring [--runs 5]

``--compare-scoring`` times each run twice, interleaved in alternating order: as shipped, and
without the friction scoring (the politeness model, tone read as business mail, curtness and
courtesy cues). It prints both medians, how much the scoring slows ingest, and the scoring's
own rate (messages per second of the CPU time it adds).

``--profile N`` runs the ingest once more under cProfile (not timed with the runs) and prints the
N functions with the most cumulative and the most own time, and the CPU milliseconds per message.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = Path(os.environ.get("RELMON_CORPORA", ROOT.parent / "shared" / "data"))
CANDIDATES = {
    "spamassassin": "spamassassin",
    "asf-ponymail": "asf-ponymail/corpus",
    "quagga-enron": "quagga/Datasets/Enron",
    "sisimai": "sisimai",
    "notmuch": "notmuch/test/corpora",
    "flanker": "flanker/tests/fixtures/messages",
}


def count_messages(path: Path) -> int:
    sys.path.insert(0, str(ROOT))
    from monitor.sources.local import discover, read_folder

    return sum(1 for folder in discover(path) for _ in read_folder(folder))


def child(path: Path, database: Path, profile: int = 0, scoring: bool = True) -> None:
    sys.path.insert(0, str(ROOT))
    import dataclasses

    from monitor.app.runtime import Runtime
    from monitor.app.sync import ingest_paths
    from monitor.config import load_config_text
    from monitor.core.text import TextAnalyzer

    analyzer = TextAnalyzer.load()  # built once per process, as the daemon does; not timed
    if not scoring:
        analyzer = dataclasses.replace(analyzer, politeness=None, tone=None, curtness=None)
    config = load_config_text(
        f'[team]\ndomains = ["northwind-advisory.example"]\n[store]\nurl = "sqlite:///{database}"\n'
    )
    runtime = Runtime.open(config, analyzer=analyzer)
    profiler = cProfile.Profile() if profile else None
    started, cpu_started = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    report = ingest_paths(runtime, [path], account="bench", now=datetime.now(UTC))
    if profiler is not None:
        profiler.disable()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    runtime.close()
    if profiler is not None:
        read = max(1, report.total("read"))
        print(
            f"profiled ingest: {read} messages, {cpu / read * 1000:.2f} ms CPU per message "
            "(profiler overhead included)"
        )
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(profile)
            print(f"--- top {profile} by {order} ---")
            print("   ncalls" + out.getvalue().split("   ncalls", 1)[-1])
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "read": report.total("read"),
                "stored": report.total("new"),
                "seconds": elapsed,
                "cpu_seconds": cpu,
                "peak_rss_mb": peak_kb / 1024,
            }
        )
    )


def run_child(path: Path, scoring: bool = True) -> dict[str, float]:
    """One ingest of ``path`` into a fresh database, in its own process."""
    extra = [] if scoring else ["--without-scoring"]
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, __file__, "--child", str(path), str(Path(tmp) / "bench.db")]
        output = subprocess.run(
            [*command, *extra], capture_output=True, text=True, check=True
        ).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def compare_scoring(name: str, path: Path, runs: int) -> None:
    """Ingest with and without the friction scoring, interleaved (the order alternates)."""
    timed: dict[bool, list[dict[str, float]]] = {True: [], False: []}
    for run in range(runs):
        for scoring in (True, False) if run % 2 == 0 else (False, True):
            timed[scoring].append(run_child(path, scoring))
    count = timed[True][0]["read"]

    def rate(scoring: bool, key: str) -> float:
        return statistics.median(r["read"] / r[key] for r in timed[scoring])

    print(f"{name}: {count:.0f} messages into SQLite, {runs} interleaved runs each, medians")
    print(f"{'':28} {'msg/s':>8} {'msg/s of CPU':>13}")
    for scoring, label in ((False, "without friction scoring"), (True, "as shipped")):
        print(f"{label:28} {rate(scoring, 'seconds'):8.0f} {rate(scoring, 'cpu_seconds'):13.0f}")
    for key, what in (("seconds", "wall time"), ("cpu_seconds", "CPU time")):
        slower = rate(False, key) / rate(True, key) - 1
        verdict = "met" if slower <= 0.10 else "MISSED"
        print(f"slowdown by the scoring ({what}): {slower:+.1%} (target <= 10%: {verdict})")
    added = 1 / rate(True, "cpu_seconds") - 1 / rate(False, "cpu_seconds")
    own = f"{1 / added:,.0f} msg/s" if added > 0 else "too small to measure"
    print(f"the scoring's own rate (CPU time it adds per message): {own}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--corpus", choices=sorted(CANDIDATES), help="default: the largest by message count"
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="also run once under cProfile and print the top N functions",
    )
    parser.add_argument(
        "--compare-scoring",
        action="store_true",
        help="interleave runs with and without the friction scoring; print the slowdown",
    )
    parser.add_argument("--without-scoring", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=2, metavar=("PATH", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]), args.profile, not args.without_scoring)
        return 0
    if not CORPORA.exists():
        print(f"corpora not found at {CORPORA}; set RELMON_CORPORA", file=sys.stderr)
        return 2
    if args.corpus:
        name = args.corpus
    else:
        sizes = {
            n: count_messages(CORPORA / p) for n, p in CANDIDATES.items() if (CORPORA / p).exists()
        }
        name = max(sizes, key=lambda n: sizes[n])
        print(
            "corpus sizes (messages):",
            ", ".join(f"{n} {c}" for n, c in sorted(sizes.items(), key=lambda x: -x[1])),
        )
    path = CORPORA / CANDIDATES[name]
    if args.compare_scoring:
        compare_scoring(name, path, args.runs)
        return 0
    results = [run_child(path) for _ in range(args.runs)]
    for run, result in enumerate(results):
        print(
            f"run {run + 1}: {result['read']} messages in {result['seconds']:.2f} s = {result['read'] / result['seconds']:.0f} msg/s ({result['read'] / result['cpu_seconds']:.0f} msg/s of CPU time), peak RSS {result['peak_rss_mb']:.0f} MB"
        )
    rates = [r["read"] / r["seconds"] for r in results]
    print(
        f"\n{name}: {results[0]['read']} messages ({results[0]['stored']} distinct) into SQLite, {args.runs} runs\n"
        f"  median {statistics.median(rates):.0f} msg/s (min {min(rates):.0f}, max {max(rates):.0f})\n"
        f"  median {statistics.median(r['read'] / r['cpu_seconds'] for r in results):.0f} msg/s of CPU time (what other load on the machine does not change)\n"
        f"  median wall time {statistics.median(r['seconds'] for r in results):.2f} s\n"
        f"  peak RSS median {statistics.median(r['peak_rss_mb'] for r in results):.0f} MB, max {max(r['peak_rss_mb'] for r in results):.0f} MB"
    )
    if args.profile:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    str(path),
                    str(Path(tmp) / "bench.db"),
                    "--profile",
                    str(args.profile),
                ],
                check=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
