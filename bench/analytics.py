"""How fast relmon answers `health` and `backtest` on a real corpus, and how many alerts the
default thresholds produce there.

The corpus is ingested into a fresh SQLite store. "Us" is the domain most messages were
delivered to; the clients are the most frequent external sender domains (free-mail domains
excluded, as relmon's configuration requires), each with its own configured client. Then:

- `relmon health` (in-process, and as the CLI in a fresh process, next to the time a fresh
  process takes just to import what the CLI imports), median of 5;
- `relmon backtest` over the last year of the corpus, median of 3;
- alerts per client per month produced by the defaults over that year.

    python bench/analytics.py [--corpus spamassassin] [--clients 10]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPORA = Path(os.environ.get("RELMON_CORPORA", ROOT.parent / "shared" / "data"))
CHOICES = {
    "spamassassin": "spamassassin",
    "quagga-enron": "quagga/Datasets/Enron",
    "asf-ponymail": "asf-ponymail/corpus",
}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--corpus",
        choices=sorted(CHOICES),
        default="spamassassin",
        help="default: the largest corpus by messages",
    )
    parser.add_argument("--clients", type=int, default=10)
    args = parser.parse_args()

    import sqlalchemy as sa

    from monitor.app.backtests import backtest
    from monitor.app.runtime import Runtime
    from monitor.app.sync import ingest_paths
    from monitor.app.views import health
    from monitor.config import load_config_text
    from monitor.core.addresses import FREEMAIL_DOMAINS
    from monitor.store.schema import messages

    workdir = Path(tempfile.mkdtemp(prefix="relmon-bench-"))
    database = workdir / "relmon.db"
    path = CORPORA / CHOICES[args.corpus]

    # First pass: ingest with a placeholder team to learn who is who.
    probe = Runtime.open(
        load_config_text(
            f'[team]\ndomains = ["placeholder.invalid"]\n[store]\nurl = "sqlite:///{database}"\n'
        )
    )
    started = time.perf_counter()
    report = ingest_paths(probe, [path], account="corpus", now=datetime.now(UTC))
    ingest_seconds = time.perf_counter() - started
    with probe.store.engine.connect() as connection:
        rows = connection.execute(
            sa.select(messages.c.from_addr, messages.c.to_addrs, messages.c.noise, messages.c.date)
        ).all()
    probe.close()
    recipients: Counter[str] = Counter(a.rpartition("@")[2] for _, to, _, _ in rows for a, _ in to)
    team = recipients.most_common(1)[0][0]
    senders: Counter[str] = Counter(
        f.rpartition("@")[2]
        for f, _, noise, _ in rows
        if noise is None and f.rpartition("@")[2] not in FREEMAIL_DOMAINS
    )
    clients = [d for d, _ in senders.most_common() if d != team and not d.endswith("." + team)][
        : args.clients
    ]
    last = max(r.date for r in rows)
    config_text = (
        f'[team]\nname = "corpus owner"\ndomains = ["{team}"]\ntimezone = "UTC"\n'
        + "".join(
            f'\n[[clients]]\nname = "{d}"\ndomains = ["{d}"]\nowner = "owner@{team}"\n'
            for d in clients
        )
        + f'\n[store]\nurl = "sqlite:///{database}"\n'
    )
    (workdir / "relmon.toml").write_text(config_text)
    runtime = Runtime.open(load_config_text(config_text))

    as_of = last
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        rows_health = health(runtime, as_of)
        timings.append(time.perf_counter() - started)
    # A fresh process as a user runs it: with the bytecode that an install compiles (an
    # environment with PYTHONDONTWRITEBYTECODE would recompile every module on every run), after
    # one warm-up run. The floor is the same interpreter importing what the CLI imports.
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    command = [
        sys.executable,
        "-m",
        "monitor",
        "--config",
        str(workdir / "relmon.toml"),
        "health",
        "--json",
        "--as-of",
        as_of.isoformat(),
    ]
    floor_command = [sys.executable, "-c", "import monitor.cli, monitor.app.views"]
    cli_timings, floor_timings = [], []
    for run in range(6):
        for argv, timings_list in ((command, cli_timings), (floor_command, floor_timings)):
            started = time.perf_counter()
            subprocess.run(argv, check=True, capture_output=True, env=environment)
            if run:
                timings_list.append(time.perf_counter() - started)
    back_timings = []
    result = None
    for _ in range(3):
        started = time.perf_counter()
        result = backtest(runtime, as_of, as_of - timedelta(days=364))
        back_timings.append(time.perf_counter() - started)
    assert result is not None
    runtime.close()

    counted = sum(1 for _, _, noise, _ in rows if noise is None)
    print(
        f"corpus {args.corpus}: {report.total('read')} messages read, {len(rows)} stored, {counted} not noise; ingest {ingest_seconds:.1f} s"
    )
    print(f"us: {team}; clients ({len(clients)}): {', '.join(clients)}")
    per_client = {c["name"]: sum(c["alerts"].values()) for c in result["clients"]}
    client_messages = {row["name"]: row for row in rows_health}
    print(
        f"health as of {as_of:%Y-%m-%d}: in-process median {statistics.median(timings) * 1000:.0f} ms (min {min(timings) * 1000:.0f}), "
        f"CLI in a fresh process median {statistics.median(cli_timings) * 1000:.0f} ms "
        f"(of which starting Python and importing: {statistics.median(floor_timings) * 1000:.0f} ms)"
    )
    print(
        f"backtest over {result['days']} days: median {statistics.median(back_timings):.1f} s (min {min(back_timings):.1f})"
    )
    print(
        f"alerts over the year: {result['totals']['alerts']} = {result['totals']['per_client_per_month']} per client per month"
    )
    for name, count in sorted(per_client.items(), key=lambda item: -item[1]):
        row = client_messages[name]
        kinds = next(c["alerts"] for c in result["clients"] if c["name"] == name)
        detail = ", ".join(f"{k} {v}" for k, v in kinds.items() if v) or "none"
        print(
            f"  {name:<28} health {row['health'] if row['health'] is not None else '—':>4}  alerts {count:>3} ({detail})"
        )
    print(json.dumps({"workdir": str(workdir)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
