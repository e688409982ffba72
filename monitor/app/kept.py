"""``relmon health`` from answers kept per client, computed again only where they no longer hold.

A client's health row at an instant depends only on the configuration, relmon's code, the
client's records dated up to that instant and our own out-of-office periods begun by then. So
each row is kept with a fingerprint of exactly those inputs (the records as their number and
revisions, read from an index, not the rows), and the same question at the same instant reads
the kept row while its fingerprint matches. Mail that arrives, a re-analysis, a new threshold
or another version of relmon changes a client's fingerprint, and only that client is computed
again: the rest of the store is not read.

The daemon keeps a client's row at each evaluation pass that evaluates it, from the reports it
computes for the alerts anyway. Asked about *now*, ``relmon health`` shows each client as of its
last evaluation while that still stands (:func:`latest_answers`): the same answer the alerts
were given, read back instead of recomputed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from monitor.app.evaluation import FEW_CLIENTS, Evaluation, owner_away
from monitor.app.fingerprints import code_fingerprint, config_fingerprints
from monitor.app.runtime import Runtime
from monitor.core.calendar import Interval
from monitor.store import evaluated, kept

if TYPE_CHECKING:
    from monitor.core.analysis import ClientReport

#: How much older than the daemon's evaluation interval its last pass may be and still answer
#: for now (a pass takes a while to run, and the scheduler starts it late on a busy machine).
SLACK = timedelta(minutes=5)

#: The longest a client goes without an evaluation pass (:mod:`monitor.app.due`): asked about
#: now, ``relmon health`` shows it as of that pass for at most this long (and an interval).
REFRESH = timedelta(hours=6)

#: How often the daemon's refresh job evaluates again the clients whose :data:`REFRESH` came.
REFRESH_EVERY = timedelta(minutes=5)

#: The modules that turn a client's report into its row: another version may give another row.
_ROW_CODE = ("kept.py", "rows.py", "views.py", "timeline.py", "trends.py")


@cache
def _row_code() -> str:
    here = Path(__file__).resolve().parent
    digest = hashlib.blake2b(code_fingerprint().encode(), digest_size=16)
    for name in _ROW_CODE:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


#: The timeline a client's detail lists unless asked for another length (``relmon client``).
DEFAULT_TIMELINE = 40


def health_view(trend_days: int) -> str:
    """``relmon health``'s rows with a trend of ``trend_days``."""
    return f"health/{trend_days}"


def detail_view(timeline: int) -> str:
    """``relmon client``'s detail with a timeline of ``timeline`` messages."""
    return f"client/{timeline}"


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


def encode(answer: object) -> str:
    return json.dumps(answer, default=_encode, separators=(",", ":"))


def decode(body: str) -> Any:
    return json.loads(body, object_hook=_decode)


@dataclass(frozen=True)
class Inputs:
    """What clients' answers at one instant are computed from, taken before any record is read:
    mail stored meanwhile makes an answer kept with them look stale, never fresh."""

    counter: int | None  # the store's revision counter, read first
    settings: Mapping[str, str]  # per client: its configuration and relmon's code
    mail: Mapping[str, str]  # per client: its records up to the instant, and our away periods
    away: Mapping[str, list[Interval]] | None = None  # those periods (owner_away), when read
    revisions: Mapping[str, str] | None = None  # per client: the records' part of ``mail``

    def settings_of(self, view: str, name: str) -> str:
        return _digest(f"{view}|{self.settings[name]}|{_row_code()}")

    def fingerprint(self, view: str, name: str) -> str:
        return _digest(f"{self.settings_of(view, name)}|{self.mail[name]}")


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def taken(
    runtime: Runtime,
    as_of: datetime,
    names: Collection[str] | None = None,
    *,
    mail: bool = True,
    known: Mapping[str, str] | None = None,
    counter: int | None = None,
) -> Inputs:
    """The inputs of the answers of ``names`` (or every configured client) at ``as_of``;
    without ``mail``, only the counter and the configuration (no index is read). ``known``:
    clients whose records are known to be as they were (``Inputs.revisions`` of then), whose
    number and revisions are not read again; known from the store's changes read after the
    revision ``counter`` was, which the inputs then carry instead of reading it again."""
    config, engine = runtime.config, runtime.store.engine
    counter = counter if known else kept.counter(engine)
    settings = config_fingerprints(config, set(names) if names is not None else None)
    if not mail:
        return Inputs(counter, settings, {})
    known = known or {}
    unknown = [name for name in settings if name not in known]
    # By name from the index while that reads a fraction of it, else the whole index at once.
    few = len(unknown) <= max(FEW_CLIENTS, len(config.clients) // 4)
    if names is None and not known:
        few = False
    counted = kept.revisions(engine, as_of, unknown if few else None)
    away = owner_away(runtime, as_of)
    owners = {client.name: client.owner for client in config.clients}
    none = kept.Revisions(0, 0, 0)
    found, records = {}, {}
    for name in settings:
        got = counted.get(name, none)
        records[name] = known.get(name) or f"{got.count}|{got.total}|{got.newest}"
        periods = sorted(away.get(owners[name], ()))
        found[name] = f"{records[name]}|{periods!r}"
    return Inputs(counter, settings, found, away, records)


T = TypeVar("T")


def kept_answers(
    runtime: Runtime,
    as_of: datetime,
    view: str,
    names: Sequence[str],
    compute: Callable[[list[str]], Mapping[str, T]],
) -> dict[str, T]:
    """Each of ``names``' answer to ``view`` at ``as_of``: kept ones that still hold, the others
    from ``compute`` (given the clients to compute) and kept for next time.

    While the store's revision counter stands where it stood when an answer was kept, only
    the configuration is compared; otherwise the client's fingerprint, which reads an index."""
    engine = runtime.store.engine
    quick = taken(runtime, as_of, names, mail=False)
    stored = kept.read(engine, view, as_of, names if len(names) <= FEW_CLIENTS else None)
    answers: dict[str, T] = {}
    for name in names:
        answer = stored.get(name)
        if (
            answer is not None
            and quick.counter is not None
            and answer.counter == quick.counter
            and answer.settings == quick.settings_of(view, name)
        ):
            answers[name] = cast(T, decode(answer.body))
    stale = [name for name in names if name not in answers]
    if not stale:
        return answers
    inputs = taken(runtime, as_of, stale)
    still: dict[str, str] = {}
    for name in stale:
        answer = stored.get(name)
        if answer is not None and answer.fingerprint == inputs.fingerprint(view, name):
            answers[name] = cast(T, decode(answer.body))
            still[name] = answer.fingerprint
    if still and inputs.counter is not None:  # they hold at this counter too
        kept.renew(engine, view, as_of, still, inputs.counter)
    missing = [name for name in stale if name not in answers]
    if missing:
        fresh = compute(missing)
        answers.update(fresh)
        _save(runtime, as_of, view, inputs, fresh)
    return {name: answers[name] for name in names}


def _save(
    runtime: Runtime, as_of: datetime, view: str, inputs: Inputs, found: Mapping[str, T]
) -> None:
    rows = [
        kept.KeptAnswer(
            view,
            name,
            as_of,
            inputs.fingerprint(view, name),
            encode(answer),
            inputs.settings_of(view, name),
            inputs.counter,
        )
        for name, answer in found.items()
        if name in inputs.mail  # a client not configured (any more) is computed, not kept
    ]
    engine = runtime.store.engine
    if not rows:
        return
    last = evaluated.read(engine, list(found) if len(found) <= FEW_CLIENTS else None)
    kept.save(engine, rows, also_keep={name: e.evaluated_at for name, e in last.items()})


def keep_evaluated(
    runtime: Runtime, evaluation: Evaluation, inputs: Inputs
) -> dict[str, ClientReport]:
    """Every client's report at the instant of an evaluation pass, its health row and detail
    kept with ``inputs`` (taken before the pass read the records): the questions asked about
    that instant read them back."""
    from monitor.app.views import TREND_DAYS, detail, health_points, row_of

    as_of, histories = evaluation.as_of, evaluation.histories
    reports = {name: evaluation.report(name) for name in histories}
    _, points = health_points(runtime, evaluation, TREND_DAYS, reports)
    rows = {name: row_of(histories[name], reports[name], points[name]) for name in histories}
    _save(runtime, as_of, health_view(TREND_DAYS), inputs, rows)
    details = {
        name: detail(histories[name], reports[name], points[name], DEFAULT_TIMELINE)
        for name in histories
    }
    _save(runtime, as_of, detail_view(DEFAULT_TIMELINE), inputs, details)
    return reports


def stale(runtime: Runtime, evaluated_at: Mapping[str, datetime], now: datetime) -> set[str]:
    """Those of the clients last evaluated at ``evaluated_at`` with mail dated since and by
    ``now``, all of them after an out-of-office reply of ours: mail stored ahead of its date
    has come due, which neither the revision counter nor their due instant can tell."""
    if not evaluated_at:
        return set()
    found = evaluated.come_due(runtime.store.engine, min(evaluated_at.values()), now)
    ours = [at for sender, at in found.away.items() if runtime.directory.is_us(sender)]
    everyone = max(ours, default=None)
    return {
        name
        for name, at in evaluated_at.items()
        if (everyone is not None and everyone > at)
        or ((dated := found.clients.get(name)) is not None and dated > at)
    }


def latest_answers(
    runtime: Runtime,
    now: datetime,
    view: str,
    names: Sequence[str],
    compute: Callable[[list[str]], Mapping[str, T]],
) -> dict[str, T]:
    """Each of ``names``' answer to ``view`` asked about ``now``: the answer kept by the
    client's last evaluation pass while it still stands (nothing it was computed from has
    changed, none of its findings can have changed with the time, and it is no older than
    :data:`REFRESH` and an evaluation or refresh interval), the others as :func:`kept_answers` gives them
    at ``now``. Each answer carries its own instant (``as_of``)."""
    engine = runtime.store.engine
    few = len(names) <= FEW_CLIENTS
    state = evaluated.read(engine, names if few else None)
    every = max(timedelta(minutes=runtime.config.daemon.evaluate_minutes), REFRESH_EVERY)
    reach = REFRESH + every + SLACK
    instants = {
        name: e.evaluated_at
        for name in names
        if (e := state.get(name)) is not None
        and e.evaluated_at <= now < e.due_at
        and now - e.evaluated_at <= reach
    }
    for name in stale(runtime, instants, now):
        del instants[name]
    stored = kept.read_at(engine, view, instants)
    quick = taken(runtime, now, list(stored), mail=False)
    answers: dict[str, T] = {}
    unsure = []
    for name, answer in stored.items():
        if answer.settings != quick.settings_of(view, name):
            continue
        if quick.counter is not None and answer.counter == quick.counter:
            answers[name] = cast(T, decode(answer.body))
        else:
            unsure.append(name)
    if unsure:
        inputs = taken(runtime, now, unsure)
        for name in unsure:
            if stored[name].fingerprint == inputs.fingerprint(view, name):
                answers[name] = cast(T, decode(stored[name].body))
    rest = [name for name in names if name not in answers]
    if rest:
        answers.update(kept_answers(runtime, now, view, rest, compute))
    return {name: answers[name] for name in names}


__all__ = [
    "DEFAULT_TIMELINE",
    "REFRESH",
    "REFRESH_EVERY",
    "Inputs",
    "decode",
    "detail_view",
    "encode",
    "health_view",
    "keep_evaluated",
    "kept_answers",
    "latest_answers",
    "stale",
    "taken",
]
