"""Several `relmon alerts send` at once on one database: alerts raised against emails received.

The scenario of tests/test_alerts_concurrency.py at a chosen size: --clients clients each with a
question that has waited ten days (a sixth of them with a lenient SLA, so warnings for the
digest, the others critical), ingested once; then --workers `relmon alerts send` processes start
together against a real SMTP server (aiosmtpd). Per run it prints the alerts in the database,
the clients, the "opened" events, the emails received (alert emails and digests), the emails
expected (one per critical client, one digest per owner of a lenient client), the emails
received twice with one Message-ID, the workers that failed and the wall time of the slowest; then the medians over --runs runs. PostgreSQL runs in a private schema of
RELMON_TEST_PG_URL (default the local test server) and is dropped afterwards.

    nice -n 10 python bench/concurrent_alerts.py [--workers 4] [--clients 30] [--runs 3] [--sqlite]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tests.test_alerts_concurrency as scenario  # noqa: E402  (clients, mail, configuration)
from tests.servers.smtp import SmtpServer  # noqa: E402

PG_URL = os.environ.get("RELMON_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def one_run(workdir: Path, store_url: str, workers: int) -> dict[str, float]:
    smtp = SmtpServer().start()
    try:
        config = scenario.write_config(workdir, store_url, smtp, lenient=scenario.LENIENT)
        maildir = workdir / "Maildir"
        scenario.waiting_questions(maildir, datetime.now(UTC))
        subprocess.run(
            scenario.relmon(config, "ingest", str(maildir)), check=True, capture_output=True
        )
        started = time.monotonic()
        processes = [
            subprocess.Popen(
                scenario.relmon(config, "alerts", "send"),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=ROOT,
            )
            for _ in range(workers)
        ]
        failed = sum(process.wait(timeout=300) != 0 for process in processes)
        seconds = time.monotonic() - started
        alerts, events, _ = scenario.stored(store_url)
        ids = smtp.inbox.message_ids()
    finally:
        smtp.stop()
    # One email per critical client, one digest per owner of a lenient client.
    expected = scenario.CLIENTS - len(scenario.LENIENT)
    expected += len({scenario.owner_of(n) for n in scenario.LENIENT})
    return {
        "alerts": len(alerts),
        "clients": scenario.CLIENTS,
        "opened": Counter(e.event for e in events)["opened"],
        "emails": len(ids),
        "expected": expected,
        "duplicates": len(ids) - len(set(ids)),
        "failed workers": failed,
        "seconds": round(seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    args = parser.parse_args()
    scenario.CLIENTS = args.clients
    scenario.LENIENT = range(args.clients - args.clients // 6, args.clients)

    results = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="relmon-bench-") as scratch:
            workdir = Path(scratch)
            if args.sqlite:
                results.append(one_run(workdir, f"sqlite:///{workdir / 'relmon.db'}", args.workers))
            else:
                schema = f"bench_{uuid.uuid4().hex[:12]}"
                admin = sa.create_engine(PG_URL)
                with admin.begin() as connection:
                    connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
                try:
                    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
                    results.append(one_run(workdir, url, args.workers))
                finally:
                    with admin.begin() as connection:
                        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                    admin.dispose()
        print(f"run {run + 1}: " + ", ".join(f"{k} {v}" for k, v in results[-1].items()))
    backend = "SQLite" if args.sqlite else "PostgreSQL"
    print(f"\n{args.workers} workers, {args.clients} clients, {backend}, median of {args.runs}:")
    for key in results[0]:
        print(f"  {key:15} {statistics.median(r[key] for r in results)}")


if __name__ == "__main__":
    main()
