"""How fast does a consultant hear about a problem, and what does the daemon cost while idle?

Starts a throw-away Dovecot on loopback, an SMTP server (aiosmtpd) and `relmon run` as a
subprocess, exactly as in production (IMAP IDLE on, default schedule). Then:

(a) latency: APPENDs a client message that breaches a threshold (a question that has waited six
    days: `unanswered`, critical) and measures the time until the alert email is received by the
    SMTP server; once per client, for --runs clients, so that every append is a new alert. Prints
    the median, the 90th percentile and the spread. Dovecot's IDLE notification alone accounts
    for part of it (it checks the mailbox for changes on a timer).
(b) idle cost: with --accounts IMAP accounts configured (all on the same Dovecot, each with its
    own IDLE connection and schedule) and no new mail, the daemon's CPU use and RSS over
    --idle-seconds, sampled from /proc.

    python bench/alert_latency.py [--runs 20] [--accounts 10] [--idle-seconds 300]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.factories import CONFIG as TEAM  # noqa: E402  (Northwind Advisory: Alice, Ben, two clients)
from tests.servers.dovecot import Dovecot, dovecot_available, start_dovecot  # noqa: E402
from tests.servers.relmon import RelmonProcess  # noqa: E402
from tests.servers.smtp import SmtpServer  # noqa: E402


def client_toml(n: int) -> str:
    return f'\n[[clients]]\nname = "Client {n:02d}"\ndomains = ["client-{n:02d}.example"]\nowner = "alice.marsh@northwind-advisory.example"\n'


def overdue_question(n: int, now: datetime) -> bytes:
    asked = now - timedelta(days=6)
    return (
        f"From: Dana Whitfield <dana@client-{n:02d}.example>\r\n"
        "To: Alice Marsh <alice.marsh@northwind-advisory.example>\r\n"
        f"Subject: Carrier contract renewal ({n:02d}): need your view\r\n"
        f"Date: {format_datetime(asked)}\r\n"
        f"Message-ID: <renewal-{n:02d}-{int(now.timestamp())}@client-{n:02d}.example>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Hi Alice,\r\n\r\nThe carrier wants a surcharge from January. Can you tell me by Friday whether "
        "we should sign or go to tender?\r\n\r\nDana\r\n"
    ).encode()


def proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime, all threads


def proc_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        path = task / "children"
        if path.exists():
            out += [int(p) for p in path.read_text().split()]
    return out


def config_text(
    dovecot: Dovecot, smtp: SmtpServer, db: Path, *, accounts: int, clients: int
) -> str:
    text = TEAM + "".join(client_toml(n) for n in range(1, clients + 1))
    for i in range(accounts):
        text += dovecot.account_toml(f"alice-imap-{i:02d}", extra="poll_seconds = 300\n")
    text += f'\n[store]\nurl = "sqlite:///{db}"\n' + smtp.config()
    return text


def wait_all_synced(daemon: RelmonProcess, accounts: int, timeout: float = 120) -> None:
    daemon.wait_until(
        lambda: len({e["account"] for e in daemon.events("account_synced")}) >= accounts,
        f"a first sync of all {accounts} accounts",
        timeout,
    )


def latency(dovecot: Dovecot, work: Path, runs: int) -> list[float]:
    smtp = SmtpServer().start()
    config = work / "latency.toml"
    config.write_text(config_text(dovecot, smtp, work / "latency.db", accounts=1, clients=runs))
    daemon = RelmonProcess(config).start()
    try:
        daemon.wait_for("daemon_ready", timeout=60)
        wait_all_synced(daemon, 1)
        time.sleep(2)  # the watcher is in IDLE
        figures = []
        client = dovecot.client()
        for n in range(1, runs + 1):
            before = len(smtp.inbox.messages)
            started = time.perf_counter()
            client.append("INBOX", overdue_question(n, datetime.now(UTC)))
            while len(smtp.inbox.messages) == before:
                if time.perf_counter() - started > 60:
                    raise SystemExit(
                        f"run {n}: no alert email within 60 s\n{daemon.output[-3000:]}"
                    )
                time.sleep(0.002)
            figures.append(time.perf_counter() - started)
            received = smtp.inbox.messages[-1].message
            assert f"Client {n:02d}" in str(received["Subject"]), received["Subject"]
            time.sleep(1.0)  # let the daemon settle back into IDLE
        assert len(smtp.inbox.messages) == runs, "exactly one email per new alert"
        return figures
    finally:
        daemon.signal()
        daemon.wait(timeout=15)
        smtp.stop()


def idle_cost(dovecot: Dovecot, work: Path, accounts: int, seconds: float) -> dict[str, float]:
    smtp = SmtpServer().start()
    config = work / "idle.toml"
    config.write_text(config_text(dovecot, smtp, work / "idle.db", accounts=accounts, clients=20))
    daemon = RelmonProcess(config).start()
    try:
        daemon.wait_for("daemon_ready", timeout=120)
        wait_all_synced(daemon, accounts)
        time.sleep(10)  # first evaluation and delivery done
        assert daemon.process is not None
        pid = daemon.process.pid
        cpu_start, wall_start = proc_cpu_seconds(pid), time.monotonic()
        rss: list[float] = []
        while time.monotonic() - wall_start < seconds:
            rss.append(proc_rss_mb(pid) + sum(proc_rss_mb(c) for c in children(pid)))
            time.sleep(5)
        cpu = proc_cpu_seconds(pid) - cpu_start
        wall = time.monotonic() - wall_start
        return {
            "cpu_percent": 100 * cpu / wall,
            "cpu_seconds": cpu,
            "wall": wall,
            "rss_median": statistics.median(rss),
            "rss_max": max(rss),
        }
    finally:
        daemon.signal()
        daemon.wait(timeout=15)
        smtp.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--idle-seconds", type=float, default=300)
    args = parser.parse_args()
    reason = dovecot_available()
    if reason:
        raise SystemExit(reason)
    work = Path(tempfile.mkdtemp(prefix="relmon-bench-latency-"))
    work.chmod(0o755)
    dovecot = start_dovecot(work / "dovecot")
    try:
        figures = latency(dovecot, work, args.runs)
        ordered = sorted(figures)
        print(
            f"(a) alert latency, APPEND to alert email received, {len(figures)} runs (IMAP IDLE, default schedule)"
        )
        print(
            f"    median {statistics.median(figures):.2f} s   p90 {ordered[int(0.9 * (len(ordered) - 1))]:.2f} s   "
            f"min {ordered[0]:.2f} s   max {ordered[-1]:.2f} s   (target: median <= 2 s)"
        )
        print(f"    ratio median/target: {statistics.median(figures) / 2.0:.2f}")
        idle = idle_cost(dovecot, work, args.accounts, args.idle_seconds)
        print(
            f"(b) idle daemon, {args.accounts} IMAP accounts in IDLE, no new mail, {idle['wall']:.0f} s"
        )
        print(
            f"    CPU {idle['cpu_percent']:.2f} % of one core ({idle['cpu_seconds']:.2f} s)   "
            f"RSS median {idle['rss_median']:.0f} MB, max {idle['rss_max']:.0f} MB   (target: near zero CPU, RSS < 150 MB)"
        )
    finally:
        dovecot.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
