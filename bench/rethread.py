"""What re-threading costs after a small sync, in stores whose conversations are large.

Builds one SQLite store through the store layer (no raw mail parsed) holding, beside
``--background`` messages of ordinary client conversations (bench/scale.py's shape):

- a daily-or-faster newsletter: ``--issues`` issues under one subject from one sender, hourly,
  without references (joined by subject: one thread across years);
- a ticket thread of ``--replies`` replies every 30 minutes, each naming the first message and
  its parent (References);
- ``--enquiries`` web-form enquiries under one subject, each from a different person, within 30
  days, without references (none joins another: the same subject among different people).

Then, on a fresh copy of the store for each run, stores what one sync brings and times
``rethread`` (the work a sync does after storing, before evaluation):

- ``issue``: the newsletter's next issue;
- ``reply``: the ticket thread's next reply;
- ``enquiry``: the next web enquiry;
- ``replies100``: 100 replies in ordinary conversations (bench/scale.py's sync100);
- ``late``: an issue dated two days before the newest (mail a folder synced late brings): it
  can change which issue a later one joins, so it is threaded with the messages it can join.

Each case runs with new mail placed into the stored threads (``placed``, what relmon does) and
with every new message threaded in rounds with all it can share a conversation with
(``rounds``, relmon before placement), interleaved, median of ``--runs``. Both must give the
same thread to every message; the bench checks it.

    nice -n 10 python bench/rethread.py [--issues 50000 --replies 20000 --enquiries 8000]
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import scale  # noqa: E402  (bench/scale.py: the ordinary conversations and the configuration)
import sqlalchemy as sa  # noqa: E402
import structlog  # noqa: E402

from monitor.config.loading import load_config_text  # noqa: E402
from monitor.core.model import Mailbox, Message  # noqa: E402
from monitor.sources.sink import Item  # noqa: E402
from monitor.store import Store, placement  # noqa: E402
from monitor.store.conversations import rethread  # noqa: E402
from monitor.store.messages import save_items  # noqa: E402
from monitor.store.schema import messages  # noqa: E402

START = datetime(2020, 1, 6, 7, 0, tzinfo=UTC)
US = Mailbox(scale._us(0), "Consultant 0")
NEWS = Mailbox("digest@news.client000.example", "Client 000 digest")
DESK = Mailbox("desk@client001.example", "Client 001 service desk")


def _message(key: str, when: datetime, sender: Mailbox, subject: str, refs=()) -> Message:  # type: ignore[no-untyped-def]
    return Message(
        key=key,
        message_id=key,
        date=when,
        sender=sender,
        to=(US if sender != US else DESK,),
        subject=subject,
        in_reply_to=tuple(refs[-1:]),
        references=tuple(refs),
    )


def issue(n: int) -> Message:
    return _message(f"issue{n}@news.example", START + timedelta(hours=n), NEWS, "Weekly digest")


def reply(n: int) -> Message:
    refs = ("ticket0@desk.example", f"ticket{n - 1}@desk.example")[: min(n, 2)]
    return _message(
        f"ticket{n}@desk.example",
        START + timedelta(minutes=30 * n),
        DESK if n % 2 == 0 else US,
        ("Re: " if n else "") + "Ticket 88120: pallet scanner offline",
        refs,
    )


def enquiry(n: int, newest: datetime) -> Message:
    person = Mailbox(f"visitor{n}@client{n % 500:03d}.example", f"Visitor {n}")
    when = newest - timedelta(days=29) + timedelta(minutes=5 * n)
    return _message(f"enquiry{n}@web.example", when, person, "New enquiry from the website")


def build(url: str, args: argparse.Namespace, config) -> None:  # type: ignore[no-untyped-def]
    store = Store.open(url)
    directory = config.directory()
    newest = START + timedelta(hours=args.issues)
    made = [issue(n) for n in range(args.issues)]
    made += [reply(n) for n in range(args.replies)]
    made += [enquiry(n, newest) for n in range(args.enquiries)]
    made += [m for _, m in scale.conversations(args.background)]
    for at in range(0, len(made), 5000):
        with store.engine.begin() as connection:
            save_items(
                connection,
                account="bench",
                folder="INBOX",
                items=[Item(m.key, m) for m in made[at : at + 5000]],
                directory=directory,
                now=newest,
            )
    rethread(store.engine)
    store.close()


def sync(args: argparse.Namespace, case: str, run: int) -> list[Message]:
    newest = START + timedelta(hours=args.issues)
    if case == "issue":
        return [issue(args.issues + run)]
    if case == "reply":
        return [reply(args.replies + run)]
    if case == "enquiry":
        return [enquiry(args.enquiries + run, newest)]
    if case == "late":
        late = issue(args.issues - 48)
        return [dataclasses.replace(late, key=f"late{run}", message_id=f"late{run}")]
    return [
        dataclasses.replace(
            message,
            key=f"new{run}.{n}.{message.key}",
            message_id=f"new{run}.{n}.{message.key}",
            in_reply_to=(f"c{n + 1}.0@bench.example",),
            references=(f"c{n + 1}.0@bench.example",),
        )
        for n, (_, message) in enumerate(scale.conversations(100, seed=1000 + run))
    ]


def measure(built: Path, workdir: Path, args, config, case: str, mode: str, run: int):  # type: ignore[no-untyped-def]
    copy = workdir / f"{case}-{mode}.db"
    shutil.copyfile(built, copy)
    copy.chmod(0o600)
    store = Store.open(f"sqlite:///{copy}")
    with store.engine.begin() as connection:
        save_items(
            connection,
            account="bench",
            folder="INBOX",
            items=[Item(m.key, m) for m in sync(args, case, run)],
            directory=config.directory(),
            now=START + timedelta(hours=args.issues + 1),
        )
    placement.PLACE_AT_MOST = 200 if mode == "placed" else 0
    started = time.perf_counter()
    rethread(store.engine)
    seconds = time.perf_counter() - started
    with store.engine.connect() as connection:
        threads = dict(connection.execute(sa.select(messages.c.key, messages.c.thread_id)).all())
    store.close()
    copy.unlink()
    return seconds, threads


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--issues", type=int, default=50_000)
    parser.add_argument("--replies", type=int, default=20_000)
    parser.add_argument("--enquiries", type=int, default=8_000)
    parser.add_argument("--background", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    with tempfile.TemporaryDirectory(prefix="relmon-rethread-") as scratch:
        workdir = Path(scratch)
        built = workdir / "built.db"
        config = load_config_text(scale.config_text(f"sqlite:///{built}"))
        started = time.perf_counter()
        build(f"sqlite:///{built}", args, config)
        print(f"# store built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        print(f"{'case':<12}{'placed s':>10}{'rounds s':>10}{'ratio':>8}  same threads")
        for case in ("issue", "reply", "enquiry", "replies100", "late"):
            times: dict[str, list[float]] = {"placed": [], "rounds": []}
            same = True
            for run in range(args.runs):
                found = {}
                for mode in ("placed", "rounds") if run % 2 == 0 else ("rounds", "placed"):
                    seconds, found[mode] = measure(built, workdir, args, config, case, mode, run)
                    times[mode].append(seconds)
                same = same and found["placed"] == found["rounds"]
            placed, rounds = (statistics.median(times[m]) for m in ("placed", "rounds"))
            print(
                f"{case:<12}{placed:>10.3f}{rounds:>10.3f}{rounds / placed:>7.1f}x  "
                f"{'yes' if same else 'NO'}"
            )


if __name__ == "__main__":
    main()
