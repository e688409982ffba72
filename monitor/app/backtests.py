"""``relmon backtest``: the stored history replayed day by day with today's thresholds."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime, timedelta

from monitor.app.evaluation import BATCH, batches, in_batches, owner_away, prepare, recent
from monitor.app.heap import collect_less_often, collecting_less_often
from monitor.app.rows import BacktestClient
from monitor.app.rows import BacktestResult as BacktestDoc
from monitor.app.runtime import Runtime
from monitor.config import Config
from monitor.core.analysis import day_ends
from monitor.core.backtest import BacktestResult, Fired
from monitor.core.backtest import run as run_backtest
from monitor.core.calendar import Interval
from monitor.core.detectors import KINDS
from monitor.errors import RelmonError
from monitor.store.queries import first_mail

#: Clients in a batch a worker process replays. A backtest sends nothing, so an owner's clients
#: may be split (a pass keeps them together for its first summaries): small batches leave the
#: workers less uneven at the end (one large batch last kept one core idle for seconds), and a
#: worker holds one batch's records.
WORKER_BATCH = BATCH // 5


def default_jobs() -> int:
    """Processes a backtest replays in: one per core, at most four."""
    return max(1, min(4, os.cpu_count() or 1))


def _replayed(
    runtime: Runtime, as_of: datetime, days: list[datetime], jobs: int, first: datetime
) -> Iterator[Fired]:
    """Every client's alerts over ``days``, a batch of clients at a time; with ``jobs`` > 1 the
    batches are replayed side by side in as many processes (each reads its own batch). Of the
    mail before the first day's window, only what an evaluation reads of it is loaded (the
    years of a long history are not held for a replay of one)."""
    # With no mail before the first day's window (``first``: the clients' oldest message), all
    # of it is read, and nothing is asked of the older: four queries a client saved.
    older = recent(days[0], 0)
    since = older if first < older else None
    clients = runtime.config.clients
    chosen = (
        [clients[i : i + WORKER_BATCH] for i in range(0, len(clients), WORKER_BATCH)]
        if jobs > 1
        else list(batches(clients, BATCH))
    )
    if jobs <= 1 or len(chosen) <= 1:
        with collecting_less_often():
            for evaluation in in_batches(runtime, as_of, since=since):  # bounded by the clients
                yield from run_backtest(list(evaluation.histories.values()), days).fired
        return
    away = owner_away(runtime, as_of)
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(
        max_workers=min(jobs, len(chosen)),
        mp_context=context,
        initializer=_start_worker,
        initargs=(runtime.config,),
    ) as pool:
        names = [[client.name for client in batch] for batch in chosen]
        count = len(names)
        try:
            for fired in pool.map(
                _replay_batch,
                names,
                [as_of] * count,
                [days] * count,
                [away] * count,
                [since] * count,
            ):
                yield from fired
        except BrokenProcessPool as err:
            raise RelmonError(
                f"a backtest worker process died before it finished ({err}); the machine may "
                f"be short of memory: run it again with --jobs 1"
            ) from err


_worker_runtime: Runtime | None = None


def _start_worker(config: Config) -> None:
    global _worker_runtime  # one store connection per worker, for every batch it replays
    _worker_runtime = Runtime.open(config)
    collect_less_often()  # the worker only replays


def _replay_batch(
    names: Sequence[str],
    as_of: datetime,
    days: list[datetime],
    away: Mapping[str, list[Interval]],
    since: datetime | None,
) -> list[Fired]:
    runtime = _worker_runtime
    assert runtime is not None, "the initializer opens the store first"
    wanted = set(names)
    clients = [c for c in runtime.config.clients if c.name in wanted]
    evaluation = prepare(runtime, as_of, clients=clients, away=away, since=since)
    return run_backtest(list(evaluation.histories.values()), days).fired


def backtest(
    runtime: Runtime, as_of: datetime, since: datetime | None, *, jobs: int | None = None
) -> BacktestDoc:
    """Replay the stored history day by day with the current thresholds (``jobs``: processes
    to replay in; by default one per core, at most four)."""
    tz = runtime.config.team.tz
    names = [c.name for c in runtime.config.clients]
    first = first_mail(runtime.store.engine, as_of, names) or as_of
    start = since or max(first, as_of - timedelta(days=365))
    count = max(1, (as_of.astimezone(tz).date() - start.astimezone(tz).date()).days + 1)
    days = day_ends(as_of, count, tz)
    found: dict[str, list[Fired]] = {}
    chosen = jobs if jobs is not None else default_jobs()
    for one in _replayed(runtime, as_of, days, chosen, first):
        found.setdefault(one.client, []).append(one)
    everything = BacktestResult(
        days[0], days[-1], len(days), [f for v in found.values() for f in v]
    )
    clients: list[BacktestClient] = []
    for name in names:
        fired = found.get(name, [])
        clients.append(
            {
                "name": name,
                "alerts": {kind.value: sum(1 for f in fired if f.kind is kind) for kind in KINDS},
                "fired": [
                    {
                        "date": f.day.astimezone(tz).date(),
                        "kind": f.kind.value,
                        "severity": f.severity.value,
                        "event": f.event.value,
                        "explanation": f.explanation,
                    }
                    for f in fired
                ],
            }
        )
    return {
        "since": days[0],
        "until": days[-1],
        "days": len(days),
        "clients": clients,
        "totals": {
            "alerts": len(everything.fired),
            "per_client_per_month": round(everything.per_client_month(len(clients)), 2),
        },
    }
