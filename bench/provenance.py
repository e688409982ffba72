"""What deciding our own server's word costs per message: keeping the trace fields while a
header section is parsed, and reading them (``monitor/core/provenance.py``).

For each case: the median over ``--rounds`` of ``parse_raw`` on the whole message (which keeps
the trace), of ``keep_trace`` alone over the parsed header fields, and of ``server_vouches`` on
the kept trace. The cases: Alice's reply as Gmail and as Postfix with OpenDMARC deliver it, and
hostile header sections near the 4 MB cap (25,000 Received fields; one Authentication-Results
of nested comments; one of ``a=`` pairs).

    nice -n 10 python bench/provenance.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.core.provenance import keep_trace, server_vouches  # noqa: E402
from monitor.sources.mime import find_header_end, parse_headers  # noqa: E402
from monitor.sources.parse import parse_raw  # noqa: E402
from tests.authres import GMAIL_OURS, POSTFIX_OURS, with_trace  # noqa: E402
from tests.factories import ALICE, BEN, DANA, email  # noqa: E402

SENDER = "alice.marsh@northwind-advisory.example"
TRUSTED = frozenset({"mx.google.com", "mx.northwind-advisory.example"})
OURS = ("northwind-advisory.example",)


def reply() -> bytes:
    return email(frm=ALICE, to=DANA, cc=[BEN], subject="Re: 6 July go-live", body="Yes.\n")


def cases() -> dict[str, bytes]:
    received = "".join(
        f"Received: from relay{n}.example (relay{n}.example [192.0.2.{n % 250}])\n"
        f"\tby relay{n + 1}.example with ESMTP id {n:08x}; Thu, 4 Jun 2026 09:14:07 +0000\n"
        for n in range(25_000)
    )
    nested = "Authentication-Results: mx.google.com; " + "(" * 1_500_000 + "\n"
    pairs = "Authentication-Results: mx.google.com; dmarc=pass " + "a=" * 1_500_000 + "\n"
    return {
        "gmail": with_trace(GMAIL_OURS, reply()),
        "postfix": with_trace(POSTFIX_OURS, reply()),
        "25k-received": with_trace(received, reply()),
        "nested-comments": with_trace(nested, reply()),
        "a=-pairs": with_trace(pairs, reply()),
    }


def median(rounds: int, call: Callable[[], object]) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    print(
        f"{'case':<16} {'header KB':>9} {'parse_raw ms':>12} {'keep_trace ms':>13} {'vouch ms':>9}"
    )
    for name, raw in cases().items():
        end, _ = find_header_end(raw, 0)
        block = parse_headers(raw[:end])
        trace = keep_trace(block.raw_items())
        parse = median(rounds, lambda raw=raw: parse_raw(raw))
        keep = median(rounds, lambda block=block: keep_trace(block.raw_items()))
        vouch = median(rounds, lambda trace=trace: server_vouches(trace, SENDER, TRUSTED, OURS))
        print(
            f"{name:<16} {end / 1024:>9.0f} {parse * 1000:>12.2f} {keep * 1000:>13.3f} "
            f"{vouch * 1000:>9.3f}"
        )


if __name__ == "__main__":
    main()
