"""Time and peak memory of reading each hostile message (``tests/hostile.py``), one process each.

The corpus is written to a scratch maildir. For every message a child process builds the text
analyzer and reads one ordinary message first (as a running daemon has), reads the message file,
and then times ``from_raw`` on it with a real ``TextAnalyzer``, as ``monitor/app/sync.py`` calls
it for a local folder. The parent gives the child ``--timeout`` seconds (default 20) for that
call and kills it after, so a bomb never hangs the bench.

Peak memory is the child's peak resident size (Linux ``VmHWM``, reset just before the call, so
neither the parent's size at the fork nor the set-up counts); ``+MB`` is what the message added
to the process as it was before the call. A killed child's peak is read just before the kill.

The outcome says what would reach the store: ``stored`` (the stored date, and any value a column
of ``monitor/store/schema.py`` cannot hold on PostgreSQL: a NUL, or a string over its length),
``quarantined`` with the reason, ``timeout`` or ``exception``.

    nice -n 19 python bench/hostile.py [--timeout 20] [--only NAME ...] [--snippets] [--json]

The target of issue 12 is under 1 s and under 100 MB for every message; lines over it are
marked ``!!``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BUDGET_SECONDS = 1.0
BUDGET_MB = 100.0


def _store_problems(message: Any) -> list[str]:
    """What in the row ``message_row`` builds PostgreSQL would refuse (column by column)."""
    import sqlalchemy as sa

    from monitor.config import load_config_text
    from monitor.store.messages import message_row
    from monitor.store.schema import messages
    from tests.hostile import CONFIG

    directory = load_config_text(CONFIG + '\n[store]\nurl = "sqlite://"\n').directory()
    row = message_row(message, directory, datetime.now(UTC))
    problems = []
    for column in messages.columns:
        value = row.get(column.name)
        if value is None:
            continue
        if isinstance(value, str):
            text = value
        elif isinstance(value, list | dict):
            text = json.dumps(value, ensure_ascii=False, default=str)
        else:
            continue
        if "\x00" in text:
            problems.append(f"{column.name}: NUL")
        length = getattr(column.type, "length", None)
        if isinstance(column.type, sa.String) and length and len(text) > length:
            problems.append(f"{column.name}: {len(text)}>{length}")
    return problems


def _describe(result: Any) -> tuple[str, str]:
    from monitor.core.model import Quarantined

    if isinstance(result, Quarantined):
        return "quarantined", f"{result.reason}: {result.detail[:70]}"
    details = []
    if result.date_problem is not None:
        details.append(f"date {result.date_problem.value} -> {result.date:%Y-%m-%d %H:%M}")
    if len(result.subject) > 1000:
        details.append(f"subject {len(result.subject)} chars")
    problems = _store_problems(result)
    if problems:
        details.append("PG refuses " + ", ".join(problems))
    details.append(
        f"date={result.date:%Y-%m-%d %H:%M} lang={result.text.language} own={result.text.own_chars}"
    )
    return "stored", "; ".join(details)


def _status_kb(pid: int | str, field: str) -> int | None:
    """A field of ``/proc/<pid>/status`` in KB (Linux: ``VmHWM`` peak, ``VmRSS`` now)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> int:
    """Start a new peak (``VmHWM``) from the present size; returns that size in KB.

    ``ru_maxrss`` would not do: on Linux a child starts with its parent's peak at the fork,
    and it never goes down. Elsewhere, it is the fallback.
    """
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return _status_kb("self", "VmRSS") or 0


def _peak_kb() -> int:
    return _status_kb("self", "VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(path: Path, *, snippets: bool = False) -> None:
    """Runs in the child: prints ``ready <KB>`` once set up, then one JSON line with the result."""
    sys.path.insert(0, str(ROOT))
    import gc

    import structlog

    # Log lines (a quarantined message logs a warning) go to stderr; stdout is the protocol.
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    from monitor.config import Privacy
    from monitor.core.text import TextAnalyzer
    from monitor.sources.parse import maildir_delivery_time
    from monitor.sources.pipeline import from_raw
    from tests.hostile import BY_NAME

    analyzer = TextAnalyzer.load()
    # Warm up as a running daemon is: lazy imports, compiled patterns, the store check's modules.
    _describe(from_raw(BY_NAME["baseline"].build(), analyzer=analyzer, privacy=Privacy()))
    raw = path.read_bytes()  # as the maildir reader does
    delivered = maildir_delivery_time(path.name)
    gc.collect()
    base_kb = _reset_peak()
    print(f"ready {base_kb}", flush=True)
    started = time.perf_counter()
    try:
        result = from_raw(
            raw,
            analyzer=analyzer,
            privacy=Privacy(store_snippets=snippets),
            delivered_at=delivered,
            where=f"hostile/{path.name}",
        )
        seconds = time.perf_counter() - started
        peak_kb = _peak_kb()
        outcome, detail = _describe(result)
    except BaseException as err:  # noqa: BLE001 - from_raw promises never to raise; report it
        seconds = time.perf_counter() - started
        peak_kb = _peak_kb()
        outcome, detail = "exception", f"{type(err).__name__}: {str(err)[:80]}"
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mb": peak_kb / 1024,
                "added_mb": (peak_kb - base_kb) / 1024,
                "outcome": outcome,
                "detail": detail,
            }
        ),
        flush=True,
    )


def run_one(path: Path, timeout: float, *, snippets: bool = False) -> dict[str, Any]:
    """One message file in its own process; the timeout covers ``from_raw`` only."""
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", str(path), *(["--snippets"] if snippets else [])],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    name = path.name.split(".", 1)[1].rsplit(":", 1)[0]
    row: dict[str, Any] = {"message": name, "size": path.stat().st_size}
    line = process.stdout.readline()  # set-up: the analyzer and the message, not timed
    if not line.startswith("ready "):
        process.wait()
        return {**row, "seconds": None, "peak_mb": None, "outcome": "exception", "detail": line}
    started = time.monotonic()
    try:
        # wait, then read: the one result line is small, and the pipe's buffered reader may
        # already hold it (communicate() would read past it)
        process.wait(timeout=timeout)
        output = process.stdout.read()
    except subprocess.TimeoutExpired:
        peak_kb = _status_kb(process.pid, "VmHWM")  # read before the kill: peak so far
        process.kill()
        process.communicate()
        base_kb = int(line.split()[1])
        return {
            **row,
            "seconds": None,
            "waited": time.monotonic() - started,
            "peak_mb": None if peak_kb is None else peak_kb / 1024,
            "added_mb": None if peak_kb is None else (peak_kb - base_kb) / 1024,
            "outcome": "timeout",
            "detail": f"killed after {timeout:g} s (peak so far)",
        }
    lines = output.strip().splitlines()
    if process.returncode != 0 or not lines:
        return {
            **row,
            "seconds": None,
            "peak_mb": None,
            "added_mb": None,
            "outcome": "exception",
            "detail": f"child exited with {process.returncode}",
        }
    return {**row, **json.loads(lines[-1])}


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.1f} KB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per message")
    parser.add_argument("--only", action="append", metavar="NAME", help="just these messages")
    parser.add_argument("--json", action="store_true", help="one JSON object per line instead")
    parser.add_argument(
        "--snippets", action="store_true", help="privacy.store_snippets on (body text stored)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(Path(args.child), snippets=args.snippets)
        return 0

    sys.path.insert(0, str(ROOT))
    from tests.hostile import CORPUS, write_maildir

    names = [e.name for e in CORPUS if not args.only or e.name in args.only]
    scratch = tempfile.TemporaryDirectory(prefix="relmon-hostile-")
    paths = write_maildir(Path(scratch.name), names)
    rows = []
    header = f"{'message':40} {'size':>9} {'seconds':>8} {'peak MB':>8} {'+MB':>6}  outcome"
    if not args.json:
        print(header)
        print("-" * len(header))
    for path in paths:
        row = run_one(path, args.timeout, snippets=args.snippets)
        rows.append(row)
        if args.json:
            print(json.dumps(row), flush=True)
            continue
        if row["outcome"] == "timeout":
            seconds = f"> {args.timeout:g} s"
        else:
            seconds = "-" if row.get("seconds") is None else f"{row['seconds']:.2f}"
        peak = "-" if row.get("peak_mb") is None else f"{row['peak_mb']:.0f}"
        added = "-" if row.get("added_mb") is None else f"{row['added_mb']:.0f}"
        over = (
            row["outcome"] == "timeout"
            or (row.get("seconds") or 0) > BUDGET_SECONDS
            or (row.get("added_mb") or 0) > BUDGET_MB
        )
        print(
            f"{row['message']:40} {_size(row['size']):>9} {seconds:>8} {peak:>8} {added:>6}  "
            f"{'!! ' if over else ''}{row['outcome']}: {row['detail']}",
            flush=True,
        )
    timed = [r for r in rows if r["outcome"] != "timeout" and r.get("seconds") is not None]
    timeouts = [r for r in rows if r["outcome"] == "timeout"]
    if timeouts:
        worst_time = f"> {args.timeout:g} s ({', '.join(r['message'] for r in timeouts)})"
    elif timed:
        slowest = max(timed, key=lambda r: r["seconds"])
        worst_time = f"{slowest['seconds']:.2f} s ({slowest['message']})"
    else:
        worst_time = "-"
    measured = [r for r in rows if r.get("peak_mb") is not None]
    if measured:
        biggest = max(measured, key=lambda r: r["peak_mb"])
        worst_peak = (
            f"{biggest['peak_mb']:.0f} MB peak RSS, +{biggest['added_mb']:.0f} MB for the message "
            f"({biggest['message']}"
            + ("; killed: its peak until then)" if biggest["outcome"] == "timeout" else ")")
        )
    else:
        worst_peak = "-"
    over_budget = sum(
        1
        for r in rows
        if r["outcome"] == "timeout"
        or (r.get("seconds") or 0) > BUDGET_SECONDS
        or (r.get("added_mb") or 0) > BUDGET_MB
    )
    summary = {
        "worst_time": worst_time,
        "worst_peak": worst_peak,
        "over_budget": f"{over_budget} of {len(rows)} over {BUDGET_SECONDS:g} s or {BUDGET_MB:g} MB",
    }
    if args.json:
        print(json.dumps(summary))
    else:
        print()
        print(f"worst time: {summary['worst_time']}")
        print(f"worst peak: {summary['worst_peak']}")
        print(summary["over_budget"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
