"""What a sync costs after a few messages left a large folder: the server's list (QRESYNC)
against listing the folder.

A consultant deletes or files a few messages from an Inbox of ``--messages`` messages (default
100,000) on a throw-away Dovecot; relmon's next pass must find which. With QRESYNC the server
names them (``VANISHED``); without it (``listing``, what relmon does on servers that lack it,
and did on every server before) the pass lists every UID of the folder and every place stored
for it. Each run deletes five more messages and syncs, the two ways taking turns (the order
alternating); the medians of the pass's seconds are printed, and the Python heap's peak during
one more pass each way (tracemalloc, not timed). Both must mark exactly the messages deleted.

    python bench/expunge.py [--messages 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import structlog  # noqa: E402

from monitor.app.runtime import Runtime  # noqa: E402
from monitor.app.sync import sync_account  # noqa: E402
from monitor.config.loading import load_config_text  # noqa: E402
from monitor.sources import imap  # noqa: E402
from tests.servers.dovecot import start_dovecot  # noqa: E402

START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
TEAM = '[team]\ndomains = ["northwind-advisory.example"]\n'


def message(number: int) -> tuple[bytes, float]:
    when = START + timedelta(minutes=23 * number)
    raw = (
        f"From: Dana Whitfield <dana.whitfield@acme-logistics.example>\r\n"
        f"To: Alice Marsh <alice.marsh@northwind-advisory.example>\r\n"
        f"Subject: Pallet count for Leeds, week {number % 52 + 1}\r\n"
        f"Date: {format_datetime(when)}\r\n"
        f"Message-ID: <count{number}@acme-logistics.example>\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Hi Alice,\r\n\r\nThe count for this week is {number % 900 + 100} pallets; could you "
        f"confirm the slot for Thursday?\r\n\r\nThanks,\r\nDana\r\n"
    ).encode()
    return raw, when.timestamp()


def one_pass(runtime, account, server, rng, mode: str, now: datetime) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """Delete five messages, sync; (seconds, how many the pass marked expunged)."""
    uids = server.uids("INBOX")
    server.expunge("INBOX", rng.sample(uids, 5))
    imap.enable_qresync = QRESYNC if mode == "qresync" else (lambda client, caps: False)
    started = time.perf_counter()
    result = sync_account(runtime, account, now=now)
    seconds = time.perf_counter() - started
    assert result.error is None, result.error
    return seconds, sum(f.expunged for f in result.folders)


QRESYNC = imap.enable_qresync


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(open("/dev/null", "w")))  # noqa: SIM115
    with tempfile.TemporaryDirectory(prefix="relmon-expunge-") as scratch:
        tmp = Path(scratch)
        tmp.chmod(0o755)
        server = start_dovecot(tmp / "imap")
        try:
            server.write_maildir("INBOX", (message(n) for n in range(args.messages)))
            server.resync()
            config = load_config_text(
                TEAM
                + server.account_toml(timeout=120)
                + f'\n[store]\nurl = "sqlite:///{tmp / "relmon.db"}"\n'
            )
            runtime = Runtime.open(config)
            account = config.accounts[0]
            started = time.perf_counter()
            sync_account(runtime, account, now=START + timedelta(days=3000))
            print(
                f"# first sync of {args.messages:,} messages: {time.perf_counter() - started:.0f} s"
            )
            rng = random.Random(5)
            now = START + timedelta(days=3001)
            seconds: dict[str, list[float]] = {"qresync": [], "listing": []}
            for run in range(args.runs):
                for mode in ("qresync", "listing") if run % 2 == 0 else ("listing", "qresync"):
                    took, marked = one_pass(runtime, account, server, rng, mode, now)
                    assert marked == 5, (mode, marked)
                    seconds[mode].append(took)
            peaks = {}
            for mode in ("qresync", "listing"):
                tracemalloc.start()
                one_pass(runtime, account, server, rng, mode, now)
                peaks[mode] = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
            runtime.close()
        finally:
            server.stop()
    q, listing = (statistics.median(seconds[m]) for m in ("qresync", "listing"))
    print(f"pass after 5 of {args.messages:,} messages were deleted (median of {args.runs}):")
    print(f"  qresync  {q:7.3f} s   heap peak {peaks['qresync']:6.1f} MB")
    print(
        f"  listing  {listing:7.3f} s   heap peak {peaks['listing']:6.1f} MB   ({listing / q:.1f}x the time)"
    )


if __name__ == "__main__":
    main()
