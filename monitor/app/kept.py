"""``relmon health`` from answers kept per client, computed again only where they no longer hold.

A client's health row at an instant depends only on the configuration, relmon's code, the
client's records dated up to that instant and our own out-of-office periods begun by then. So
each row is kept with a fingerprint of exactly those inputs (the records as their number and
revisions, read from an index, not the rows), and the same question at the same instant reads
the kept row while its fingerprint matches. Mail that arrives, a re-analysis, a new threshold
or another version of relmon changes a client's fingerprint, and only that client is computed
again: the rest of the store is not read.

The daemon keeps every client's row at each evaluation pass, from the reports it computes for
the alerts anyway. Asked about *now*, ``relmon health`` answers as of that pass while it is
recent and no mail has been stored since (:func:`answer_instant`): the same answer the alerts
were given, read back instead of recomputed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, cast

from monitor.app.evaluation import Evaluation, owner_away
from monitor.app.rows import HealthRow
from monitor.app.runtime import Runtime
from monitor.app.trends import code_fingerprint, config_fingerprints
from monitor.core.analysis import ClientReport
from monitor.store import kept
from monitor.store.alerting import evaluation_lag

#: How much older than the daemon's evaluation interval its last pass may be and still answer
#: for now (a pass takes a while to run, and the scheduler starts it late on a busy machine).
SLACK = timedelta(minutes=5)

#: The modules that turn a client's report into its row: another version may give another row.
_ROW_CODE = ("kept.py", "rows.py", "views.py", "trends.py")


@cache
def _row_code() -> str:
    here = Path(__file__).resolve().parent
    digest = hashlib.blake2b(code_fingerprint().encode(), digest_size=16)
    for name in _ROW_CODE:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


def view_name(trend_days: int) -> str:
    return f"health/{trend_days}"


def _encode(value: object) -> object:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    raise TypeError(f"cannot keep a {type(value).__name__} in an answer")


def _decode(value: dict[str, Any]) -> object:
    if len(value) == 1:
        if "$datetime" in value:
            return datetime.fromisoformat(value["$datetime"])
        if "$date" in value:
            return date.fromisoformat(value["$date"])
    return value


def encode_row(row: HealthRow) -> str:
    return json.dumps(row, default=_encode, separators=(",", ":"))


def decode_row(body: str) -> HealthRow:
    return cast(HealthRow, json.loads(body, object_hook=_decode))


def fingerprints(
    runtime: Runtime, as_of: datetime, view: str, names: Collection[str] | None = None
) -> dict[str, str]:
    """Per configured client (of ``names``, or every one), a fingerprint of what its answer at
    ``as_of`` is computed from."""
    config = runtime.config
    bases = config_fingerprints(config, set(names) if names is not None else None)
    counted = kept.revisions(runtime.store.engine, as_of, names)
    away = owner_away(runtime, as_of)
    owners = {client.name: client.owner for client in config.clients}
    none = kept.Revisions(0, 0, 0)
    found = {}
    for name, base in bases.items():
        mail = counted.get(name, none)
        inputs = (
            f"{view}|{base}|{_row_code()}|{mail.count}|{mail.total}|{mail.newest}|"
            f"{sorted(away.get(owners[name], ()))!r}"
        )
        found[name] = hashlib.blake2b(inputs.encode("utf-8"), digest_size=16).hexdigest()
    return found


Compute = Callable[[list[str]], Mapping[str, HealthRow]]


def health_rows(runtime: Runtime, as_of: datetime, view: str, compute: Compute) -> list[HealthRow]:
    """Every configured client's row at ``as_of``: kept ones that still hold, the others from
    ``compute`` (given the clients to compute) and kept for next time."""
    engine = runtime.store.engine
    names = [client.name for client in runtime.config.clients]
    wanted = fingerprints(runtime, as_of, view)
    stored = kept.read(engine, view, as_of)
    rows: dict[str, HealthRow] = {}
    for name in names:
        answer = stored.get(name)
        if answer is not None and answer.fingerprint == wanted[name]:
            rows[name] = decode_row(answer.body)
    stale = [name for name in names if name not in rows]
    if stale:
        fresh = compute(stale)
        rows.update(fresh)
        kept.save(
            engine,
            [
                kept.KeptAnswer(view, name, as_of, wanted[name], encode_row(row))
                for name, row in fresh.items()
            ],
        )
    return [rows[name] for name in names]


def keep_evaluated(
    runtime: Runtime, evaluation: Evaluation, reports: Mapping[str, ClientReport]
) -> None:
    """Keep every client's row at the instant of an evaluation pass, from its reports."""
    from monitor.app.views import TREND_DAYS, computed_health

    view = view_name(TREND_DAYS)
    as_of = evaluation.as_of
    wanted = fingerprints(runtime, as_of, view, list(evaluation.histories))
    rows = computed_health(runtime, evaluation, TREND_DAYS, reports)
    kept.save(
        runtime.store.engine,
        [
            kept.KeptAnswer(view, name, as_of, wanted[name], encode_row(row))
            for name, row in rows.items()
            if name in wanted
        ],
    )


def answer_instant(runtime: Runtime, now: datetime) -> datetime:
    """The instant to answer for when asked about ``now``: the daemon's last evaluation pass
    while it is recent (no older than the evaluation interval, with some slack) and no mail has
    been stored since; otherwise ``now`` itself."""
    evaluated, stored = evaluation_lag(runtime.store.engine)
    if evaluated is None or evaluated > now:
        return now
    recent = timedelta(minutes=runtime.config.daemon.evaluate_minutes) + SLACK
    if now - evaluated > recent or (stored is not None and stored > evaluated):
        return now
    return evaluated


__all__ = [
    "answer_instant",
    "decode_row",
    "encode_row",
    "fingerprints",
    "health_rows",
    "keep_evaluated",
    "view_name",
]
