"""IMAP sync benchmark against a throw-away Dovecot on loopback. Prints, in one run:

(a) the floor: a plain imapclient fetch of the same headers, structure and text parts, msg/s;
(b) relmon's first sync: the rate at which it has read every message from the server (the
    analysis of the last batches still running behind the fetch), and end to end (fetch,
    parse, strip, score, store into SQLite), msg/s, each against (a), how long the
    analysis ran on after the fetch, and the CPU per message of the sync process, the
    analysis workers and the IMAP server, with the least that lag could be for that CPU;
(c) an incremental pass on the unchanged 20,000-message folder against a 100-message folder;
(d) peak RSS of (b) at 20,000 and at 5,000 messages (the sync process, and its largest
    analysis worker);
(e) mbsync (isync) making a first sync of the same mailbox into a local maildir, msg/s, and
    relmon's ratios to it (its fetch, and end to end, also as when the analysis finished in
    mbsync's time); mbsync and (b) take turns, the order alternating.

``--profile N`` syncs once more with the analysis in-process under cProfile (not timed with
the runs) and prints the N functions with the most own and the most cumulative time.
``--sample N`` syncs once more as the runs do, analysis workers included, under the sampling
profiler py-spy (``pip install 'relmon[bench]'``), and prints the N functions with the most own
and inclusive samples in the sync process and in the workers: cProfile's own overhead makes
code of many small calls (imapclient's FETCH reader, VADER) look several times dearer than it
is, so read shares from the sampled profile (see bench/sampled.py).

The mailbox is built from the public corpora in ../shared/data (SpamAssassin ham, Apache list
archives, Enron messages): their text, replayed under new Message-IDs and dates to reach the
size asked for, ~5% of them carrying a 100–500 KB attachment. It is written straight into the
maildir and indexed with `doveadm force-resync`. Needs dovecot-imapd and isync (Debian).

    python bench/imap_sync.py [--messages 20000] [--runs 3] [--profile 30] [--sample 30]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPORA = Path(os.environ.get("RELMON_CORPORA", ROOT.parent / "shared" / "data"))
SOURCES = ["spamassassin/easy_ham", "asf-ponymail/corpus", "quagga/Datasets/Enron"]
TEAM = '[team]\ndomains = ["northwind-advisory.example"]\n'


# ---------------------------------------------------------------------- the mailbox


def corpus_messages() -> list[bytes]:
    from monitor.sources.local import discover, read_folder

    found: list[bytes] = []
    seen: set[bytes] = set()
    for relative in SOURCES:
        path = CORPORA / relative
        if not path.exists():
            continue
        for folder in discover(path):
            for message in read_folder(folder):
                raw = message.raw
                if not raw or len(raw) > 200_000:
                    continue
                head = raw[:4000]
                match = re.search(rb"(?im)^message-id:\s*(<[^>]+>)", head)
                key = match.group(1) if match else raw[:200]
                if key in seen:
                    continue  # the Apache archives hold the same months several times
                seen.add(key)
                found.append(raw.replace(b"\r\n", b"\n"))
    return found


_HEADER_LINE = re.compile(
    rb"(?im)^(message-id|date|content-type|content-transfer-encoding):[^\n]*\n(?:[ \t][^\n]*\n)*"
)


def replay(raw: bytes, number: int, when: datetime, attachment: int) -> bytes:
    """The message under a new Message-ID and Date, optionally wrapped with an attachment."""
    end = raw.find(b"\n\n")
    head, body = (raw, b"") if end < 0 else (raw[: end + 1], raw[end + 2 :])
    moved = [
        m.group(0)
        for m in _HEADER_LINE.finditer(head)
        if m.group(1).lower().startswith(b"content-")
    ]
    head = _HEADER_LINE.sub(b"", head)
    head += f"Message-ID: <replay-{number}@bench.relmon.example>\nDate: {format_datetime(when)}\n".encode()
    if not attachment:
        return head + b"".join(moved) + b"\n" + body
    boundary = f"=_bench_{number}".encode()
    blob = base64.encodebytes(random.Random(number).randbytes(attachment))
    return (
        head
        + b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="'
        + boundary
        + b'"\n\n'
        + b"--"
        + boundary
        + b"\n"
        + (b"".join(moved) or b"Content-Type: text/plain; charset=us-ascii\n")
        + b"\n"
        + body
        + b"\n--"
        + boundary
        + b'\nContent-Type: application/pdf; name="report.pdf"\n'
        + b'Content-Disposition: attachment; filename="report.pdf"\nContent-Transfer-Encoding: base64\n\n'
        + blob
        + b"--"
        + boundary
        + b"--\n"
    )


def build_mailbox(server, texts: list[bytes], total: int, *, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    inbox = int(total * 0.7)
    counts = {"INBOX": inbox, "Sent": total - inbox}
    number = 0
    for folder, count in counts.items():

        def messages(count: int = count):
            nonlocal number
            for _ in range(count):
                number += 1
                when = start + timedelta(minutes=37 * number)
                size = rng.randint(100_000, 500_000) if rng.random() < 0.05 else 0
                yield replay(texts[number % len(texts)], number, when, size), when.timestamp()

        server.write_maildir(folder, messages())
    server.resync()
    return counts


# ---------------------------------------------------------------------- (a) the floor


def plain_fetch(
    host: str, port: int, user: str, password: str, folders: list[str]
) -> tuple[int, float]:
    """A plain imapclient fetch: headers + BODYSTRUCTURE, then the text parts, batches of 500."""
    from imapclient import IMAPClient

    from monitor.sources.imap_mime import structure_from_bodystructure

    started = time.perf_counter()
    client = IMAPClient(host, port, ssl=False, timeout=60)
    client.login(user, password)
    count = 0
    for folder in folders:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        for start in range(0, len(uids), 500):
            batch = uids[start : start + 500]
            heads = client.fetch(
                batch, ["UID", "RFC822.SIZE", "INTERNALDATE", "BODYSTRUCTURE", "BODY.PEEK[HEADER]"]
            )
            groups: dict[tuple[str, ...], list[int]] = {}
            for uid, data in heads.items():
                paths = tuple(
                    p.path
                    for p in structure_from_bodystructure(data[b"BODYSTRUCTURE"]).text_parts()
                )
                if paths:
                    groups.setdefault(paths, []).append(uid)
            for paths, group in groups.items():
                client.fetch(group, [f"BODY.PEEK[{p}]<0.262144>" for p in paths])
            count += len(heads)
    client.logout()
    return count, time.perf_counter() - started


# ---------------------------------------------------------------------- (b)/(d) relmon in a child


def child(args: argparse.Namespace) -> None:
    from monitor.app.runtime import Runtime
    from monitor.app.sync import sync_account
    from monitor.config import load_config_text
    from monitor.core.text import TextAnalyzer
    from monitor.sources import imap_analysis

    analyzer = TextAnalyzer.load()  # built once per process, as the daemon does
    config = load_config_text(Path(args.child).read_text())
    runtime = Runtime.open(config, analyzer=analyzer)
    account = config.accounts[0]
    if args.profile:
        profile_sync(runtime, account, args.profile)
        runtime.close()
        return
    started = time.perf_counter()
    cpu = _own_cpu()
    result = sync_account(runtime, account, now=datetime.now(UTC))
    elapsed = time.perf_counter() - started
    cpu = _own_cpu() - cpu
    worker_peak, worker_cpu = 0, 0.0
    pool = imap_analysis._shared
    if pool is not None:
        for process in list(pool._pool._processes.values()):
            try:
                status = Path(f"/proc/{process.pid}/status").read_text()
                worker_peak = max(worker_peak, int(re.search(r"VmHWM:\s+(\d+)", status).group(1)))
                worker_cpu += _process_cpu(process.pid, children=False)
            except (OSError, AttributeError):
                pass
    runtime.close()
    print(
        json.dumps(
            {
                "messages": result.total("new")
                + result.total("known")
                + result.total("quarantined")
                + result.total("excluded"),
                "new": result.total("new"),
                "quarantined": result.total("quarantined"),
                "error": result.error,
                "seconds": elapsed,
                "fetched_seconds": result.fetched_seconds,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "worker_peak_mb": worker_peak / 1024,
                "cpu_sync": cpu,
                "cpu_workers": worker_cpu,
            }
        )
    )


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _process_cpu(pid: int, *, children: bool) -> float:
    """CPU seconds of a process (user and system), with its reaped children's when asked: a
    worker's since it started, Dovecot's master's for the sessions it has served."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    ticks = sum(int(value) for value in fields[11 : 15 if children else 13])
    return ticks / os.sysconf("SC_CLK_TCK")


def profile_sync(runtime, account, top: int) -> None:  # type: ignore[no-untyped-def]
    """One first sync with the analysis in this process, under cProfile: where the CPU time of
    fetching, analysing and storing goes (the workers' share is the analysis functions')."""
    import cProfile
    import io
    import pstats

    from monitor.app.sync import sync_source

    profiler = cProfile.Profile()
    cpu = time.process_time()
    profiler.enable()
    result = sync_source(runtime, account, now=datetime.now(UTC), workers=0)
    profiler.disable()
    cpu = time.process_time() - cpu
    count = max(1, result.total("new") + result.total("known") + result.total("quarantined"))
    print(
        f"profiled first sync, analysis in-process: {count} messages, "
        f"{cpu / count * 1000:.2f} ms CPU per message (profiler overhead included)"
    )
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(top)
        print(f"--- top {top} by {order} ---")
        print("   ncalls" + out.getvalue().split("   ncalls", 1)[-1])


def account_config(server, database: Path, extra: str = "") -> str:
    return (
        TEAM
        + server.account_toml(timeout=120, extra=extra)
        + f'\n[store]\nurl = "sqlite:///{database}"\n'
    )


def sample_relmon(server, tmp: Path, top: int) -> None:
    """One more first sync, as the runs make it, under py-spy: the shares of the sync process
    and of its analysis workers, and where each spends its time."""
    import sampled

    database = tmp / "sampled.db"
    config = tmp / "sampled.toml"
    config.write_text(account_config(server, database))
    env = {**os.environ, "RELMON_TEST_IMAP_PASSWORD": server.password}
    samples = tmp / "sampled.txt"
    out = sampled.record([sys.executable, __file__, "--child", str(config)], samples, env=env)
    run = json.loads([line for line in out.splitlines() if line.startswith("{")][-1])
    print(
        f"sampled first sync (py-spy, 200 samples a second; slower than the runs): "
        f"{run['messages']} messages in {run['seconds']:.1f} s"
    )

    def kind(label: str) -> str:
        # py-spy names the process it started by an empty command line; the rest are the
        # workers and the process that starts them.
        if "multiprocessing" in label:
            return "analysis workers (parse, noise, own text, tone)"
        return "sync process (fetch, store, threading)"

    sampled.report(samples, kind, top)


def run_relmon(server, tmp: Path, label: str, profile: int = 0) -> dict:
    database = tmp / f"{label}.db"
    database.unlink(missing_ok=True)
    config = tmp / f"{label}.toml"
    config.write_text(account_config(server, database))
    env = {**os.environ, "RELMON_TEST_IMAP_PASSWORD": server.password}
    extra = ["--profile", str(profile)] if profile else []
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(config), *extra],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    if profile:
        print(out.stdout)
        return {}
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------- (c) incremental


def incremental(server, tmp: Path, label: str, passes: int = 15) -> float:
    from monitor.app.runtime import Runtime
    from monitor.app.sync import sync_source
    from monitor.config import load_config_text
    from monitor.core.text import TextAnalyzer

    database = tmp / f"{label}.db"
    os.environ["RELMON_TEST_IMAP_PASSWORD"] = server.password
    config = load_config_text(account_config(server, database, extra='include = ["INBOX"]\n'))
    runtime = Runtime.open(config, analyzer=TextAnalyzer.load())
    account = config.accounts[0]
    sync_source(runtime, account, now=datetime.now(UTC))
    timings = []
    for _ in range(passes):
        started = time.perf_counter()
        result = sync_source(runtime, account, now=datetime.now(UTC))
        timings.append(time.perf_counter() - started)
        assert result.total("new") == 0
    runtime.close()
    return statistics.median(timings)


# ---------------------------------------------------------------------- (e) mbsync


def run_mbsync(server, tmp: Path) -> float:
    local = tmp / "mbsync-maildir"
    shutil.rmtree(local, ignore_errors=True)
    local.mkdir()
    state = tmp / "mbsync-state"
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir()
    config = tmp / "mbsyncrc"
    config.write_text(
        f'IMAPAccount bench\nHost {server.host}\nPort {server.port}\nUser {server.username}\nPass "{server.password}"\n'
        "TLSType None\nAuthMechs LOGIN\n\nIMAPStore remote\nAccount bench\n\n"
        f"MaildirStore local\nPath {local}/\nInbox {local}/INBOX\nSubFolders Verbatim\n\n"
        "Channel bench\nFar :remote:\nNear :local:\nPatterns INBOX Sent\nCreate Near\nSync Pull\n"
        f"SyncState {state}/\n"
    )
    started = time.perf_counter()
    done = subprocess.run(
        ["mbsync", "-c", str(config), "-q", "bench"], capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        # Older isync spells the TLS option SSLType.
        config.write_text(config.read_text().replace("TLSType None", "SSLType None"))
        shutil.rmtree(local)
        local.mkdir()
        shutil.rmtree(state)
        state.mkdir()
        started = time.perf_counter()
        subprocess.run(
            ["mbsync", "-c", str(config), "-q", "bench"], capture_output=True, text=True, check=True
        )
        elapsed = time.perf_counter() - started
    return elapsed


# ---------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--small", type=int, default=5_000, help="the second mailbox for (d)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="also sync once with the analysis in-process under cProfile; print the top N",
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=0,
        metavar="N",
        help="also sync once as the runs do under py-spy; print the top N of each process kind",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    from monitor.log import configure

    configure(level="warning")  # the figures, not a log line per folder pass
    if args.child:
        child(args)
        return 0
    from tests.servers.dovecot import start_dovecot

    if not CORPORA.exists():
        print(f"corpora not found at {CORPORA}; set RELMON_CORPORA", file=sys.stderr)
        return 2
    texts = corpus_messages()
    print(f"corpus: {len(texts)} distinct real messages from {', '.join(SOURCES)}")
    print(
        f"mailbox: {args.messages} messages (70% Inbox, 30% Sent), the corpus text replayed under new "
        "Message-IDs and dates; ~5% carry a 100-500 KB attachment"
    )
    tmp = Path(tempfile.mkdtemp(prefix="relmon-bench-"))
    tmp.chmod(0o755)  # the server's mail user must reach its maildir
    servers = []
    try:
        big = start_dovecot(tmp / "big")
        small = start_dovecot(tmp / "small")
        tiny = start_dovecot(tmp / "tiny")
        servers = [big, small, tiny]
        started = time.perf_counter()
        counts = build_mailbox(big, texts, args.messages)
        build_mailbox(small, texts, args.small, seed=8)
        build_mailbox(tiny, texts, 100, seed=9)
        size = sum(p.stat().st_size for p in big.maildir.rglob("*") if p.is_file())
        print(
            f"built in {time.perf_counter() - started:.1f} s: {counts}, {size / 1e6:.0f} MB on disk\n"
        )
        folders = ["INBOX", "Sent"]

        # Warm Dovecot's indexes and caches once so every measurement sees the same server.
        plain_fetch(big.host, big.port, big.username, big.password, folders)
        plain_fetch(small.host, small.port, small.username, small.password, folders)

        floor = []
        for _ in range(args.runs):
            count, seconds = plain_fetch(big.host, big.port, big.username, big.password, folders)
            floor.append(count / seconds)
        a = statistics.median(floor)
        print(
            f"(a) floor, plain imapclient fetch of headers + structure + text parts: median {a:,.0f} msg/s "
            f"(runs: {', '.join(f'{r:,.0f}' for r in floor)})"
        )

        # relmon and mbsync take turns (the order alternating), so both see the same machine.
        runs, mbsync = [], []
        have_mbsync = shutil.which("mbsync") is not None
        for n in range(args.runs):
            if have_mbsync and n % 2 == 1:
                mbsync.append(run_mbsync(big, tmp))
            server_cpu = _process_cpu(big.process.pid, children=True)
            runs.append(run_relmon(big, tmp, f"big{n}"))
            runs[-1]["cpu_server"] = _process_cpu(big.process.pid, children=True) - server_cpu
            if have_mbsync and n % 2 == 0:
                mbsync.append(run_mbsync(big, tmp))
        for run in runs:
            assert run["error"] is None, run
        rates = [r["messages"] / r["seconds"] for r in runs]
        fetch_rates = [r["messages"] / r["fetched_seconds"] for r in runs]
        behind = [r["seconds"] / r["fetched_seconds"] for r in runs]
        b = statistics.median(rates)
        bf = statistics.median(fetch_rates)
        lag = statistics.median(behind)
        print(
            f"(b) relmon first sync, every message read from the server (the last batches still "
            f"waiting for analysis): median {bf:,.0f} msg/s (runs: {', '.join(f'{r:,.0f}' for r in fetch_rates)}); "
            f"bf/a = {bf / a:.2f}\n"
            f"    and analysed and stored (fetch, parse, strip, score, store to SQLite): median {b:,.0f} msg/s "
            f"(runs: {', '.join(f'{r:,.0f}' for r in rates)}; {runs[0]['messages']} messages, "
            f"{runs[0]['quarantined']} quarantined); b/a = {b / a:.2f}\n"
            f"    analysis finished at {lag:.2f}x the time the fetch took "
            f"(runs: {', '.join(f'{r:.2f}' for r in behind)}; target <= 2: {'met' if lag <= 2 else 'MISSED'})"
        )

        per = {
            kind: statistics.median(r[kind] / r["messages"] * 1000 for r in runs)
            for kind in ("cpu_sync", "cpu_workers", "cpu_server")
        }
        busy = statistics.median(
            (r["cpu_sync"] + r["cpu_workers"] + r["cpu_server"]) / (r["seconds"] * os.cpu_count())
            for r in runs
        )
        print(
            f"    CPU per message: sync process {per['cpu_sync']:.2f} ms, analysis workers "
            f"{per['cpu_workers']:.2f} ms (their start included), IMAP server {per['cpu_server']:.2f} ms; "
            f"all cores {busy:.0%} busy over the pass"
        )
        # What the CPU spent allows: the pass cannot end before the sync process has done its
        # own work (fetch, store, threading: one process), nor before all of it has run on
        # every core with none idle.
        alone = statistics.median(r["cpu_sync"] / r["fetched_seconds"] for r in runs)
        packed = statistics.median(
            (r["cpu_sync"] + r["cpu_workers"] + r["cpu_server"])
            / os.cpu_count()
            / r["fetched_seconds"]
            for r in runs
        )
        print(
            f"    the least that ratio can be for this CPU: {packed:.2f}x (all of it on every core, "
            f"none idle); {alone:.2f}x were the analysis free (the sync process's own fetch, "
            f"store and threading)"
        )

        c_big = incremental(big, tmp, "inc-big")
        c_small = incremental(tiny, tmp, "inc-tiny")
        print(
            f"(c) incremental pass, unchanged Inbox: {counts['INBOX']:,} messages {c_big * 1000:.1f} ms, "
            f"100 messages {c_small * 1000:.1f} ms; ratio {c_big / c_small:.2f} (target <= 1.5)"
        )

        smalls = [run_relmon(small, tmp, f"small{n}") for n in range(2)]
        big_rss = statistics.median(r["peak_rss_mb"] for r in runs)
        small_rss = statistics.median(r["peak_rss_mb"] for r in smalls)
        big_worker = statistics.median(r["worker_peak_mb"] for r in runs)
        small_worker = statistics.median(r["worker_peak_mb"] for r in smalls)
        print(
            f"(d) peak RSS of (b): {args.messages:,} messages: sync process {big_rss:.0f} MB, largest analysis worker "
            f"{big_worker:.0f} MB; {args.small:,} messages: {small_rss:.0f} MB and {small_worker:.0f} MB "
            f"(ratio {big_rss / small_rss:.2f} for {args.messages / args.small:.0f}x the mail)"
        )

        if mbsync:
            e = args.messages / statistics.median(mbsync)
            verdict = "met" if bf / e >= 1.0 else "MISSED"
            print(
                f"(e) mbsync first sync into a local maildir (default fsync, whole messages), taking turns "
                f"with (b): median {e:,.0f} msg/s (runs: {', '.join(f'{args.messages / s:,.0f}' for s in mbsync)}); "
                f"relmon's fetch bf/e = {bf / e:.2f} (target >= 1.0: {verdict}); "
                f"analysed and stored b/e = {b / e:.2f}, so the analysis finished at "
                f"{e / b:.2f}x the time mbsync's sync took"
            )
        else:
            print("(e) mbsync not installed (Debian package isync); skipped")
        from monitor.sources.imap_analysis import default_workers

        print(
            f"\nmachine: {os.cpu_count()} cores; relmon analysed in {default_workers()} worker processes beside the fetch"
        )
        if args.profile:
            run_relmon(big, tmp, "profiled", profile=args.profile)
        if args.sample:
            sample_relmon(big, tmp, args.sample)
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
