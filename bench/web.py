"""Server time of the dashboard's portfolio and client pages with 500 clients and a year of
history each. Target: portfolio < 200 ms, client page < 300 ms.

The store is filled with synthetic rows written straight into SQLite (realistic shapes, no
parsing): per client, a conversation or two a week in each direction over a year, some left
unanswered, tones spread over -1..1, and stored alerts for a tenth of the clients. Ten
consultants own fifty clients each; a lead sees all 500.

Each page is requested through Starlette's test client in-process, so the figure is the
server's time (routing, data, rendering), not the network's. Reported:

- the first build of the portfolio's figures (what a cold start pays once, before serving);
- the portfolio as a consultant and as the lead, median and p95 of 30 requests (a page
  already rendered for this person and store is served again), and the lead's portfolio
  rendered anew, each request right after an alert event was stored;
- a client page built cold (a different client each time, nothing cached), median and p95
  of 30 clients, and the same pages again from the cache.

    python bench/web.py [--clients 500] [--weeks 52]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
US = "northwind-advisory.example"


def config_text(database: Path, clients: int) -> str:
    owners = [f"consultant{n}@{US}" for n in range(10)]
    members = "".join(
        f'[[team.members]]\nname = "Consultant {n}"\naddress = "{a}"\n\n'
        for n, a in enumerate(owners)
    )
    members += f'[[team.members]]\nname = "Lead"\naddress = "lead@{US}"\nrole = "lead"\n\n'
    listed = "".join(
        f'[[clients]]\nname = "Client {n:03d}"\ndomains = ["client{n:03d}.example"]\n'
        f'owner = "{owners[n % len(owners)]}"\n\n'
        for n in range(clients)
    )
    return (
        f'[team]\nname = "Bench"\ndomains = ["{US}"]\ntimezone = "Europe/London"\n\n'
        f'{members}{listed}[store]\nurl = "sqlite:///{database}"\n'
    )


def _row(n: int, client: int, when: datetime, inbound: bool, thread: str, rng: random.Random):
    them, us = f"contact@client{client:03d}.example", f"consultant{client % 10}@{US}"
    sender, recipient = (them, us) if inbound else (us, them)
    return {
        "key": f"bench-{n}@{'client' if inbound else 'us'}.example",
        "message_id": f"<bench-{n}@bench.example>",
        "date": when,
        "from_addr": sender,
        "from_name": "",
        "to_addrs": [[recipient, ""]],
        "cc_addrs": [],
        "subject": f"Re: workstream {thread}",
        "in_reply_to": [],
        "refs": [],
        "thread_id": thread,
        "needs_reply": inbound,
        "language": "en",
        "own_chars": 400,
        "questions": 1 if inbound else 0,
        "sentiment": round(rng.uniform(-0.6, 0.9), 3),
        "sentences": 4,
        "evidence": [],
        "friction": [],
        "pressure": ["status:any update"] if inbound and rng.random() < 0.1 else [],
        "basics": [],
        "notes": [],
        "direction": "inbound" if inbound else "outbound",
        "client": f"Client {client:03d}",
        "counterpart": them,
        "first_seen": when,
    }


def fill(engine, clients: int, weeks: int) -> int:
    """Write the synthetic year; returns the number of messages."""
    import sqlalchemy as sa

    from monitor.store.schema import alerts, messages

    rng = random.Random(16)
    rows, n = [], 0
    for client in range(clients):
        for week in range(weeks):
            for conversation in range(rng.choice((1, 1, 2))):
                start = NOW - timedelta(weeks=weeks - week, hours=rng.randint(0, 120))
                thread = f"t{client}-{week}-{conversation}"
                rows.append(_row(n, client, start, True, thread, rng))
                n += 1
                if rng.random() < 0.92:  # most get an answer within a day or two
                    answer = start + timedelta(hours=rng.randint(1, 40))
                    rows.append(_row(n, client, answer, False, thread, rng))
                    n += 1
    with engine.begin() as connection:
        for chunk in range(0, len(rows), 5000):
            connection.execute(sa.insert(messages), rows[chunk : chunk + 5000])
        connection.execute(
            sa.insert(alerts),
            [
                {
                    "client": f"Client {c:03d}",
                    "kind": "unanswered",
                    "owner": f"consultant{c % 10}@{US}",
                    "state": "open",
                    "severity": "warning",
                    "opened_at": NOW - timedelta(days=2),
                    "changed_at": NOW - timedelta(days=2),
                    "explanation": "A client message waits beyond the reply SLA.",
                    "figures": {},
                    "evidence": [],
                }
                for c in range(0, clients, 10)
            ],
        )
    return len(rows)


def timed(call: Callable[[], object], times: int) -> list[float]:
    found = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        found.append((time.perf_counter() - started) * 1000)
    return found


def timed_after(
    change: Callable[[], object], call: Callable[[], object], times: int
) -> list[float]:
    """Like :func:`timed`, each request right after ``change`` (not timed) made it stale."""
    found = []
    for _ in range(times):
        change()
        started = time.perf_counter()
        call()
        found.append((time.perf_counter() - started) * 1000)
    return found


def report(name: str, samples: list[float], target: float | None) -> None:
    median = statistics.median(samples)
    p95 = sorted(samples)[max(0, round(0.95 * len(samples)) - 1)]
    verdict = ""
    if target is not None:
        verdict = f"  target < {target:.0f} ms: {'met' if p95 < target else 'MISSED'}"
    print(f"{name:<44} median {median:8.1f} ms   p95 {p95:8.1f} ms  (n={len(samples)}){verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--weeks", type=int, default=52)
    args = parser.parse_args()

    from starlette.testclient import TestClient

    from monitor.app.dashboard import portfolio_figures
    from monitor.app.runtime import Runtime
    from monitor.config import load_config_text
    from monitor.store.web import set_password_hash
    from monitor.web.app import create_app
    from monitor.web.security import hash_password

    workdir = Path(tempfile.mkdtemp(prefix="relmon-bench-web-"))
    database = workdir / "relmon.db"
    runtime = Runtime.open(load_config_text(config_text(database, args.clients)))
    started = time.perf_counter()
    count = fill(runtime.store.engine, args.clients, args.weeks)
    print(
        f"{args.clients} clients, {count} messages over {args.weeks} weeks "
        f"(written in {time.perf_counter() - started:.1f} s)"
    )
    hashed = hash_password("bench password 16")
    for address in (f"consultant0@{US}", f"lead@{US}"):
        set_password_hash(runtime.store.engine, address, hashed, NOW)

    app = create_app(runtime, lambda: NOW)
    started = time.perf_counter()
    portfolio_figures(runtime, NOW)
    print(
        f"{'portfolio figures, first build (cold start)':<44} {time.perf_counter() - started:8.2f} s"
    )

    def session(address: str) -> TestClient:
        client = TestClient(app)
        page = client.get("/login").text
        token = page.split('name="csrf" value="')[1].split('"')[0]
        client.post(
            "/login", data={"email": address, "password": "bench password 16", "csrf": token}
        )
        return client

    consultant, lead = session(f"consultant0@{US}"), session(f"lead@{US}")
    lead.get("/")  # the first request builds the figures (a served dashboard warms at start)
    report("portfolio, consultant (50 clients)", timed(lambda: consultant.get("/"), 30), 200)
    report(f"portfolio, lead ({args.clients} clients)", timed(lambda: lead.get("/"), 30), 200)

    def alert_event() -> None:
        import sqlalchemy as sa

        from monitor.store.schema import alert_events

        with runtime.store.engine.begin() as connection:
            connection.execute(
                sa.insert(alert_events).values(
                    alert=1, at=NOW, event="notified", state="open", by="relmon"
                )
            )

    report(
        "portfolio, lead, rendered anew after a change",
        timed_after(alert_event, lambda: lead.get("/"), 30),
        200,
    )
    slugs = iter(
        [f"/clients/client-{n:03d}" for n in range(0, args.clients, max(1, args.clients // 30))]
    )
    cold = timed(lambda: lead.get(next(slugs)), min(30, args.clients))
    report("client page, cold (a new client each time)", cold, 300)
    report("client page, cached", timed(lambda: lead.get("/clients/client-000"), 30), 300)
    runtime.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
