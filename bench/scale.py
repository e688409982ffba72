"""How relmon's answers scale with the size of the store: health, client, a small sync.

Builds stores of ``--sizes`` messages (default 10,000 and 100,000) over 500 clients and 20
consultants across one year, in relmon's own stored shape: messages normalised and analysed the
way a sync stores them (direction, client, thread, tone, cues, noise), written through the store
layer (``save_items``, then re-threading), without parsing raw mail, so a large store is built in
minutes, and tidied as the daemon's nightly job tidies it (PostgreSQL: VACUUM, which lets
queries of indexed columns be answered from the index alone). Then, each in a fresh process,
with the child's peak resident size:

- ``relmon health`` and ``relmon health --json`` at the instant of the daemon's last
  evaluation pass, which kept every client's row (``health_first``: the first query of the
  store; ``health``: the queries after it). relmon and its dependencies are byte-compiled
  first, as ``pip install`` does when it installs them (the time it takes is printed apart):
  a fresh checkout compiles on its first command, an installed relmon never does;
- ``health_computed``: ``relmon health`` an hour earlier, an instant nothing was kept for, so
  every client is read and analysed (the past trend days are kept by then);
- ``relmon client NAME`` for the busiest client (``client_first``: its first query, ``client``:
  the queries after it);
- a sync of 100 new messages (replies in stored conversations) followed by the evaluation pass
  the daemon runs after it (re-threading and alert evaluation included). The daemon evaluates
  every 15 minutes, so each sync's pass comes 15 minutes after the one before; the first four
  hours after the build's pass (an untimed pass runs 15 minutes before it), so the clients due
  by the time alone are evaluated, as they would be;
- ``refresh``: after each of those syncs, at the same instant, the daemon's refresh job (no
  target): the clients whose kept answers grew old since the pass before, evaluated again.
  The daemon runs it every 5 minutes, apart from the passes; here it takes the 15 minutes
  since the pass before at once, and prints how many clients that was;
- ``rename``: after those, the first command after the busiest client was renamed in the
  configuration (no target; it runs once): opening the store attributes that client's mail
  to its new name, and only the mail naming what changed is read;
- ``relmon backtest`` over the store's year (``--no-backtest`` leaves it out: at 100,000
  messages and more it takes many minutes; it runs once, whatever ``--runs`` says).

Each figure is the median of ``--runs`` runs. The targets ("health in under a second at a
million messages") are printed beside the figures measured at the largest size.

    nice -n 10 python bench/scale.py [--sizes 10000 100000] [--runs 3] [--pg URL]
    python bench/scale.py --code /path/to/other/checkout   # the same measures of other code
    python bench/scale.py --sizes 1000000 --reuse ~/scale-stores  # build once, measure often
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
YEAR_DAYS = 365
AS_OF = START + timedelta(days=YEAR_DAYS)
#: The daemon evaluates every 15 minutes; the measured syncs come four hours after the build's
#: pass, each 15 minutes after the one before (clients due by the time alone are evaluated).
PASS_EVERY = timedelta(minutes=15)
SYNC_AT = AS_OF + timedelta(hours=4)
CLIENTS = 500
CONSULTANTS = 20
TARGETS: dict[str, float | None] = {  # at 1,000,000 messages
    "health_first": 1.0,
    "health_computed": None,  # an instant nothing was kept for: what a question costs without
    "health": 1.0,
    "health_json": 1.0,
    "client_first": 0.5,
    "client": 0.5,
    "sync100": 2.0,
    "refresh": None,  # the daemon's refresh job, apart from the pass after a sync
    "rename": None,  # the first command after a client was renamed: its mail attributed again
    "backtest": 60.0,
}
RSS_TARGET_MB = 500.0
FRICTION = ("escalation:unacceptable", "pressure:per my last email", "tone:disappointed")
PRESSURE = ("status:any update", "status:checking in", "status:by eod")
BASICS = ("basics:can you explain", "basics:what does")


def config_text(url: str) -> str:
    lines = [
        "[team]",
        'name = "Northwind Advisory"',
        'domains = ["northwind-advisory.example"]',
        'timezone = "Europe/London"',
        'working_hours = "Mon-Fri 09:00-17:30"',
    ]
    for n in range(CONSULTANTS):
        lines += ["[[team.members]]", f'name = "Consultant {n}"', f'address = "{_us(n)}"']
    for n in range(CLIENTS):
        lines += [
            "[[clients]]",
            f'name = "Client {n:03d}"',
            f'domains = ["client{n:03d}.example"]',
            f'owner = "{_us(n % CONSULTANTS)}"',
        ]
    lines += ["[store]", f'url = "{url}"']
    return "\n".join(lines) + "\n"


def _us(n: int) -> str:
    return f"consultant{n}@northwind-advisory.example"


def _weights(rng: random.Random) -> list[float]:
    """Clients' shares of the mail: a few busy ones, a long tail (Zipf-like)."""
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(CLIENTS)]
    rng.shuffle(weights)
    return weights


def _features(rng: random.Random, inbound: bool):  # type: ignore[no-untyped-def]
    from monitor.core.model import TextFeatures

    roll = rng.random()
    return TextFeatures(
        language="en",
        own_chars=rng.randint(80, 2400),
        sentiment=round(rng.uniform(-0.6, 0.9), 3) if roll > 0.05 else None,
        sentences=rng.randint(1, 12),
        friction=(rng.choice(FRICTION),) if inbound and roll < 0.04 else (),
        pressure=(rng.choice(PRESSURE),) if inbound and 0.04 <= roll < 0.12 else (),
        basics=(rng.choice(BASICS),) if inbound and 0.12 <= roll < 0.16 else (),
        questions=rng.randint(0, 3) if inbound else rng.randint(0, 1),
        closing_only=inbound and 0.16 <= roll < 0.2,
    )


def conversations(size: int, seed: int = 11):  # type: ignore[no-untyped-def]
    """``size`` messages in conversations of 2 to 8 between a client's people and its owner,
    dates spread over the year, about 5% of inbound mail auto-replies."""
    from monitor.core.model import Mailbox, Message, Noise

    rng = random.Random(seed)
    weights = _weights(rng)
    made = 0
    number = 0
    while made < size:
        client = rng.choices(range(CLIENTS), weights)[0]
        number += 1
        length = min(size - made, rng.randint(2, 8))
        when = START + timedelta(minutes=rng.randint(0, (YEAR_DAYS - 12) * 24 * 60))
        contact = Mailbox(f"person{rng.randint(0, 4)}@client{client:03d}.example", "Person")
        owner = Mailbox(_us(client % CONSULTANTS), "Consultant")
        subject = f"Project {number} plan"
        previous: list[str] = []
        for turn in range(length):
            inbound = turn % 2 == 0
            key = f"c{number}.{turn}@bench.example"
            auto = inbound and rng.random() < 0.05
            yield (
                not inbound,
                Message(
                    key=key,
                    message_id=key,
                    date=when,
                    sender=contact if inbound else owner,
                    to=(owner if inbound else contact,),
                    subject=("Re: " if turn else "") + subject,
                    in_reply_to=tuple(previous[-1:]),
                    references=tuple(previous),
                    noise=Noise.AUTO_REPLY if auto else None,
                    needs_reply=inbound and not auto,
                    size=rng.randint(2000, 20000),
                    text=_features(rng, inbound),
                ),
            )
            previous.append(key)
            when += timedelta(minutes=rng.randint(20, 3 * 24 * 60))
            made += 1


def child_build(url: str, size: int, config_path: str) -> None:
    from monitor.config import load_config
    from monitor.sources.sink import Item
    from monitor.store import Store
    from monitor.store.conversations import rethread
    from monitor.store.messages import save_items

    config = load_config(config_path)
    store = Store.open(url)
    directory = config.directory()
    batches: dict[bool, list[Item]] = {True: [], False: []}
    started = time.perf_counter()

    def flush(sent: bool) -> None:
        with store.engine.begin() as connection:
            save_items(
                connection,
                account="bench",
                folder="Sent" if sent else "INBOX",
                items=batches[sent],
                directory=directory,
                now=AS_OF,
            )
        batches[sent] = []

    for sent, message in conversations(size):
        batches[sent].append(Item(message.key, message, sent=sent))
        if len(batches[sent]) >= 2000:
            flush(sent)
    for sent in (True, False):
        if batches[sent]:
            flush(sent)
    rethread(store.engine)
    _tidy(store.engine)
    store.close()
    # The daemon has evaluated the store before the next sync: its first-evaluation alerts are
    # not part of what a small sync costs.
    from monitor.app.alerting import evaluate_alerts
    from monitor.app.runtime import Runtime

    runtime = Runtime.open(config)
    evaluate_alerts(runtime, now=AS_OF)
    runtime.close()
    print(json.dumps({"seconds": time.perf_counter() - started}))


def _tidy(engine) -> None:  # type: ignore[no-untyped-def]
    """What the daemon's nightly job does to a store (PostgreSQL: VACUUM): a year-old store has
    been through it, whether autovacuum is on or not (code before it had no such job)."""
    try:
        from monitor.store.bulk import tidy
    except ImportError:
        return
    tidy(engine)


def child_sync100(config_path: str, run: int) -> None:
    """100 new messages (replies in stored conversations, as one sync brings them), then the
    re-threading and the evaluation pass the daemon runs after a sync."""
    import dataclasses

    from monitor.app.alerting import evaluate_alerts
    from monitor.app.runtime import Runtime
    from monitor.config import load_config
    from monitor.sources.sink import Item
    from monitor.store.conversations import rethread
    from monitor.store.messages import save_items

    started = time.perf_counter()
    cpu = time.process_time()
    runtime = Runtime.open(load_config(config_path))
    now = SYNC_AT + run * PASS_EVERY
    items = []
    for n, (sent, message) in enumerate(conversations(100, seed=1000 + run)):
        moved = dataclasses.replace(
            message,
            key=f"new{run}.{n}.{message.key}",
            message_id=f"new{run}.{n}.{message.key}",
            date=now - timedelta(hours=2, minutes=n),
            in_reply_to=(f"c{n + 1}.0@bench.example",),
            references=(f"c{n + 1}.0@bench.example",),
        )
        items.append(Item(moved.key, moved, sent=sent))
    with runtime.store.engine.begin() as connection:
        save_items(
            connection,
            account="bench",
            folder="INBOX",
            items=items,
            directory=runtime.directory,
            now=now,
        )
    rethread(runtime.store.engine)
    evaluate_alerts(runtime, now=now, **_which("CHANGES"))
    runtime.close()
    print(json.dumps({"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu}))


def _which(name: str) -> dict[str, object]:
    """The daemon's kind of pass, for code that has kinds (older code's pass did all of them)."""
    from monitor.app import due

    kinds = getattr(due, "Pass", None)
    return {"which": kinds[name]} if kinds is not None else {}


def child_refresh(config_path: str, run: int) -> None:
    """The daemon's refresh job at the instant of sync ``run``'s pass."""
    from monitor.app.alerting import evaluate_alerts
    from monitor.app.runtime import Runtime
    from monitor.config import load_config

    started = time.perf_counter()
    runtime = Runtime.open(load_config(config_path))
    result = evaluate_alerts(runtime, now=SYNC_AT + run * PASS_EVERY, **_which("REFRESH"))
    runtime.close()
    print(json.dumps({"seconds": time.perf_counter() - started, "clients": result.evaluated}))


def child_pass(config_path: str, at: str) -> None:
    """The daemon's evaluation pass at ``at``, and nothing else."""
    from monitor.app.alerting import evaluate_alerts
    from monitor.app.runtime import Runtime
    from monitor.config import load_config

    started = time.perf_counter()
    runtime = Runtime.open(load_config(config_path))
    evaluate_alerts(runtime, now=datetime.fromisoformat(at))
    runtime.close()
    print(json.dumps({"seconds": time.perf_counter() - started}))


def child_rename(config_path: str) -> None:
    """Open the store with a configuration in which a client was renamed, and nothing else."""
    from monitor.app.runtime import Runtime
    from monitor.config import load_config

    started = time.perf_counter()
    Runtime.open(load_config(config_path)).close()
    print(json.dumps({"seconds": time.perf_counter() - started}))


def _tree(root: int) -> list[int]:
    """``root`` and every process below it (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(text[text.rfind(")") + 2 :].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


class TreeWatch(threading.Thread):
    """The peak of the summed resident size of a command's process tree, and the CPU time each
    process below it was last seen to have used: a backtest replays in worker processes, which
    the command's own resource usage leaves out."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root, self.peak, self.cpu = root, 0, {}
        self.done = threading.Event()

    def run(self) -> None:
        ticks, page = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE")
        while not self.done.wait(0.1):
            total = 0
            for pid in _tree(self.root):
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text()
                except OSError:
                    continue
                rest = fields[fields.rfind(")") + 2 :].split()
                total += int(rest[21]) * page
                if pid != self.root:
                    self.cpu[pid] = (int(rest[11]) + int(rest[12])) / ticks
            self.peak = max(self.peak, total)


def measured(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of ``command`` in a fresh process, run from
    the checkout being measured (``python -m monitor`` imports the package from there first).
    A command that works in several processes is measured whole: its CPU includes theirs and
    its RSS is the peak of their sum."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        # Output to files, not pipes: a child whose output fills a pipe nobody reads yet waits.
        process = subprocess.Popen(
            command, stdout=out, stderr=err, env=env, text=True, cwd=env["PYTHONPATH"]
        )
        watch = TreeWatch(process.pid)
        watch.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        watch.done.set()
        watch.join()
        out.seek(0)
        err.seek(0)
        text, problem = out.read(), err.read()
    if status != 0:
        raise SystemExit(f"{command} failed:\n{problem[-3000:]}")
    figures = {
        "seconds": seconds,
        "cpu": usage.ru_utime + usage.ru_stime + sum(watch.cpu.values()),
        "rss_mb": max(usage.ru_maxrss * 1024, watch.peak) / 1024 / 1024,
    }
    last = text.strip().splitlines()[-1] if text.strip() else ""
    if last.startswith("{") and '"seconds"' in last:
        figures.update({f"inner_{k}": v for k, v in json.loads(last).items()})
    return figures


def busiest_client(url: str) -> str:
    import sqlalchemy as sa

    from monitor.store.schema import messages

    engine = sa.create_engine(url)
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(messages.c.client, sa.func.count())
            .where(messages.c.client.is_not(None))
            .group_by(messages.c.client)
            .order_by(sa.func.count().desc())
            .limit(1)
        ).one()
    engine.dispose()
    return str(row[0])


def bench_store(  # type: ignore[type-arg]
    code: Path,
    url: str,
    label: str,
    size: int,
    runs: int,
    workdir: Path,
    backtest: bool = True,
    reuse: Path | None = None,
) -> list:
    config = workdir / f"relmon-{label}-{size}.toml"
    config.write_text(config_text(url))
    # An installed relmon has its bytecode compiled: so do the measured commands, whatever this
    # machine's PYTHONDONTWRITEBYTECODE says.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env |= {"PYTHONPATH": str(code), "RELMON_CONFIG": str(config)}
    env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")  # compiled by main, once
    me = [sys.executable, __file__, "--code", str(code)]
    if label == "sqlite":
        kept = reuse / f"scale-{size}.db" if reuse is not None else None
        if kept is not None and kept.exists():
            shutil.copyfile(kept, url.removeprefix("sqlite:///"))
            print(f"# {label} {size:,}: a copy of {kept}", file=sys.stderr)
        else:
            built = measured([*me, "--child", "build", url, str(size), str(config)], env)
            print(f"# {label} {size:,}: built in {built['seconds']:.1f} s", file=sys.stderr)
            if kept is not None:
                shutil.copyfile(url.removeprefix("sqlite:///"), kept)
    elif reuse is not None and pg_kept(url, size):
        print(f"# {label} {size:,}: a copy of {pg_template(size)}", file=sys.stderr)
    else:
        built = measured([*me, "--child", "build", url, str(size), str(config)], env)
        print(f"# {label} {size:,}: built in {built['seconds']:.1f} s", file=sys.stderr)
        if reuse is not None:
            pg_keep(url, size)
    name = busiest_client(url)
    relmon = [sys.executable, "-m", "monitor", "--config", str(config)]
    as_of = ["--as-of", AS_OF.isoformat()]
    earlier = ["--as-of", (AS_OF - timedelta(hours=1)).isoformat()]
    commands = {
        "health": [*relmon, "health", *as_of],
        "health_computed": [*relmon, "health", *earlier],
        "health_json": [*relmon, "health", "--json", *as_of],
        "client": [*relmon, "client", name, *as_of],
    }
    if backtest:  # the whole year, day by day, without listing every alert
        commands["backtest"] = [*relmon, "backtest", "--no-list", *as_of]
    rows = []
    # The first query of a store computes and keeps every client's past trend days (a new
    # install, or the first query after an upgrade); the ones after it read them back.
    first = measured(commands["health"], env)
    rows.append(_row(label, size, "health_first", [first]))
    print(f"# {rows[-1]}", file=sys.stderr)
    # The same for the busiest client's detail: kept by the build's pass unless relmon's code
    # changed since (a store reused with other code), so the runs below read it back.
    rows.append(_row(label, size, "client_first", [measured(commands["client"], env)]))
    print(f"# {rows[-1]}", file=sys.stderr)
    for what, command in commands.items():
        once = what in ("backtest", "health_computed")  # this one keeps what it computes
        runs_of = [measured(command, env) for _ in range(1 if once else runs)]
        rows.append(_row(label, size, what, runs_of))
        print(f"# {rows[-1]}", file=sys.stderr)
    before = (SYNC_AT - PASS_EVERY).isoformat()
    previous = measured([*me, "--child", "pass", str(config), before], env)
    print(
        f"# {label} {size:,}: the pass before the syncs: {previous['cpu']:.1f} s", file=sys.stderr
    )
    syncs, refreshes = [], []
    for n in range(runs):
        syncs.append(measured([*me, "--child", "sync100", str(config), str(n)], env))
        refreshes.append(measured([*me, "--child", "refresh", str(config), str(n)], env))
    rows.append(_row(label, size, "sync100", syncs))
    print(f"# {rows[-1]}", file=sys.stderr)
    rows.append(_row(label, size, "refresh", refreshes))
    counts = [int(r.get("inner_clients", 0)) for r in refreshes]
    print(f"# {rows[-1]}; clients refreshed per run: {counts}", file=sys.stderr)
    renamed = workdir / f"relmon-{label}-{size}-renamed.toml"
    renamed.write_text(config_text(url).replace(f'name = "{name}"', f'name = "{name} Ltd"'))
    rename = measured([*me, "--child", "rename", str(renamed)], env)
    rows.append(_row(label, size, "rename", [rename]))
    print(f"# {rows[-1]}", file=sys.stderr)
    return rows


def byte_compile(code: Path, prefix: Path) -> float:
    """Compile, under the bytecode ``prefix`` the measured commands use, the bytecode of relmon
    at ``code``, of everything installed beside this Python and of its standard library, as an
    installation has it (``pip install`` compiles what it installs; Python's own installer
    compiles the standard library); returns the seconds it took. With a bytecode prefix set,
    Python looks for all of it under the prefix."""
    import sysconfig

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(prefix)
    paths = sysconfig.get_paths()
    started = time.perf_counter()
    compileall = [sys.executable, "-m", "compileall", "-q", "-j", "0"]
    subprocess.run([*compileall, str(code / "monitor")], env=env, check=True)
    others = sorted({paths["purelib"], paths["platlib"], paths["stdlib"]})
    # A file these cannot compile (a test fixture written for Python 2) is one never imported.
    subprocess.run([*compileall, *others], env=env, capture_output=True, check=False)
    return time.perf_counter() - started


def _row(label: str, size: int, what: str, runs: list[dict[str, float]]) -> dict[str, object]:
    return {
        "store": label,
        "size": size,
        "what": what,
        "seconds": statistics.median(r["seconds"] for r in runs),
        "cpu": statistics.median(r["cpu"] for r in runs),
        "rss_mb": statistics.median(r["rss_mb"] for r in runs),
    }


def pg_url(base: str, size: int) -> str:
    """A fresh database for one store size on the server ``base`` points at."""
    import sqlalchemy as sa

    name = f"relmon_scale_{size}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + name


def pg_template(size: int) -> str:
    return f"relmon_scale_{size}_kept"


def _pg_admin(url: str):  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    return sa.create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")


def pg_kept(url: str, size: int) -> bool:
    """Replace the fresh database ``url`` names with a copy of the store kept for ``size``
    messages, if one is kept; whether it was."""
    import sqlalchemy as sa

    name, template = url.rsplit("/", 1)[1], pg_template(size)
    admin = _pg_admin(url)
    with admin.connect() as connection:
        found = connection.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": template}
        ).first()
        if found is not None:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
            connection.execute(sa.text(f"CREATE DATABASE {name} TEMPLATE {template}"))
    admin.dispose()
    return found is not None


def pg_keep(url: str, size: int) -> None:
    """Keep a copy of the store just built at ``url`` for the next run with ``--reuse``."""
    import sqlalchemy as sa

    name, template = url.rsplit("/", 1)[1], pg_template(size)
    admin = _pg_admin(url)
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {template}"))
        connection.execute(sa.text(f"CREATE DATABASE {template} TEMPLATE {name}"))
    admin.dispose()


def print_table(rows: list[dict[str, object]]) -> None:
    largest = max(int(r["size"]) for r in rows)  # type: ignore[call-overload]
    print(
        f"{'store':<10} {'messages':>10} {'measure':<15} {'median s':>9} {'cpu s':>7} "
        f"{'RSS MB':>7}  target at 1M"
    )
    for row in rows:
        target = TARGETS[str(row["what"])]
        verdict = ""
        if target is None:
            print(
                f"{row['store']:<10} {row['size']:>10,} {row['what']:<15} {row['seconds']:>9.2f} "
                f"{row['cpu']:>7.2f} {row['rss_mb']:>7.0f}  (no target)"
            )
            continue
        if row["size"] == largest:
            fast = float(row["seconds"]) < target  # type: ignore[arg-type]
            small = float(row["rss_mb"]) < RSS_TARGET_MB  # type: ignore[arg-type]
            verdict = "met" if fast and small else "MISSED"
            verdict += f" at {largest:,}"
        print(
            f"{row['store']:<10} {row['size']:>10,} {row['what']:<15} {row['seconds']:>9.2f} "
            f"{row['cpu']:>7.2f} {row['rss_mb']:>7.0f}  < {target} s, < {RSS_TARGET_MB:.0f} MB "
            f"{verdict}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg", help="also on PostgreSQL: a URL whose user may create databases")
    parser.add_argument("--code", type=Path, default=ROOT)
    parser.add_argument("--no-backtest", dest="backtest", action="store_false")
    parser.add_argument(
        "--reuse",
        type=Path,
        help="a folder of built SQLite stores (scale-SIZE.db): each is measured on a copy, and "
        "one not there yet is built and left there for next time; on PostgreSQL, the kept "
        "store is the database relmon_scale_SIZE_kept, copied as a template",
    )
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    sys.path.insert(0, str(args.code))
    if args.child:
        kind, *rest = args.child
        if kind == "build":
            child_build(rest[0], int(rest[1]), rest[2])
        elif kind == "pass":
            child_pass(rest[0], rest[1])
        elif kind == "refresh":
            child_refresh(rest[0], int(rest[1]))
        elif kind == "rename":
            child_rename(rest[0])
        else:
            child_sync100(rest[0], int(rest[1]))
        return
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="relmon-scale-") as scratch:
        workdir = Path(scratch)
        compiled = byte_compile(args.code, workdir / "pycache")
        print(
            f"# relmon and its dependencies byte-compiled (pip does it at install): "
            f"{compiled:.1f} s",
            file=sys.stderr,
        )
        for size in args.sizes:
            url = f"sqlite:///{workdir}/scale-{size}.db"
            rows += bench_store(
                args.code, url, "sqlite", size, args.runs, workdir, args.backtest, args.reuse
            )
            if args.pg:
                pg = pg_url(args.pg, size)
                rows += bench_store(
                    args.code,
                    pg,
                    "postgresql",
                    size,
                    args.runs,
                    workdir,
                    args.backtest,
                    args.reuse,
                )
    print_table(rows)


if __name__ == "__main__":
    main()
