"""Health trends, each past day computed once and kept in the store.

A client's health at the end of a past day depends only on the configuration, the analysis
code and the client's records dated up to that day (and our own out-of-office periods begun by
then): :func:`monitor.core.analysis.health_at` reads nothing later. So a day's health is
stored with a fingerprint of exactly those inputs, and reused while the fingerprint matches.
Mail that arrives late for an old day, a re-analysis that changes a stored message, a new
threshold or another version of relmon changes the fingerprint, and that day is computed again.
The instant being asked about (``as_of``) is never stored: its full report is computed anyway.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import datetime

from monitor.app.evaluation import SOME_CLIENTS, Evaluation, in_batches
from monitor.app.fingerprints import config_fingerprints
from monitor.app.runtime import Runtime
from monitor.core.analysis import ClientHistory, DayHealth, day_ends, health_at
from monitor.core.records import Record
from monitor.store import day_health

_MASK = (1 << 64) - 1
_RECORD_FIELDS = tuple(f.name for f in fields(Record))
#: A store this large is read for every client at once rather than client by client.
_FEW_CLIENTS = 20


def _digest(text: str, size: int = 8) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=size).digest()


def _canonical(value: object) -> object:
    return tuple(sorted(value)) if isinstance(value, frozenset) else value


def record_digest(record: Record) -> int:
    """A digest of everything the analysis can read of one record.

    A stored record's revision is one: the database gives its row a new one whenever the row
    changes (migration 0015), and nothing of a record comes from elsewhere but the
    configuration, which the fingerprint holds apart. Others (revision 0: not stored, or not
    changed since revisions began) are digested field by field."""
    if record.revision:
        return record.revision
    text = repr(tuple(_canonical(getattr(record, name)) for name in _RECORD_FIELDS))
    return int.from_bytes(_digest(text), "big")


def day_fingerprints(history: ClientHistory, days: Sequence[datetime], base: str) -> list[str]:
    """For each of ``days`` (ascending), a fingerprint of what its health is computed from:
    ``base`` (configuration and code), the client's records dated up to it (their number, the
    sum of their digests, which no order of arrival changes, and the highest revision, which
    every change of a stored record raises) and our own away periods begun by then. Records
    older than a history holds count as its :class:`~monitor.core.history.Before` gives them:
    the same fingerprint, whatever part of the mail a history holds."""
    found: list[str] = []
    records = history.records
    before = history.before
    count, total, newest = (before.count, before.revisions, before.newest) if before else (0, 0, 0)
    index = 0
    for day in days:
        while index < len(records) and records[index].date <= day:
            record = records[index]
            total = (total + record_digest(record)) & _MASK
            newest = max(newest, record.revision)
            count += 1
            index += 1
        away = [interval for interval in history.owner_away if interval[0] <= day]
        found.append(_digest(f"{base}|{count}|{total:x}|{newest}|{away!r}", 16).hex())
    return found


def trends(
    runtime: Runtime,
    evaluation: Evaluation,
    days: Sequence[datetime],
    known: Mapping[str, DayHealth] | None = None,
) -> dict[str, list[DayHealth]]:
    """Health and tone at each of ``days`` (ascending) for every client of ``evaluation``.

    ``known``: a point per client already computed (the full report at ``as_of``), used as is.
    Days before ``as_of`` come from the store where their fingerprint still matches; the rest
    are computed and saved for next time."""
    points, fresh = _points(runtime, evaluation, days, known or {})
    day_health.save(runtime.store.engine, fresh)
    return points


def _points(
    runtime: Runtime,
    evaluation: Evaluation,
    days: Sequence[datetime],
    known: Mapping[str, DayHealth],
) -> tuple[dict[str, list[DayHealth]], list[day_health.StoredDay]]:
    """Every client's points at ``days``, and the past ones computed now (to be kept)."""
    names = list(evaluation.histories)
    past = [day for day in days if day < evaluation.as_of]
    engine = runtime.store.engine
    some = len(names) <= _FEW_CLIENTS or len(names) * SOME_CLIENTS <= len(runtime.config.clients)
    stored = day_health.read(engine, past, names if some else None)
    bases = config_fingerprints(runtime.config, set(names))
    fresh: list[day_health.StoredDay] = []
    result: dict[str, list[DayHealth]] = {}
    for name in names:
        history = evaluation.histories[name]
        base = bases.get(name)  # a client not configured (any more) is computed, not kept
        prints = dict(zip(past, day_fingerprints(history, past, base), strict=True)) if base else {}
        given = known.get(name)
        points: list[DayHealth] = []
        computed = 0
        for day in days:
            row = stored.get((name, day))
            if given is not None and given.now == day:
                point = given
            elif row is not None and row.fingerprint == prints.get(day):
                point = DayHealth(day, row.score, row.sentiment_30)
            else:
                if computed == 1:  # several days: each next one redoes only what changed
                    history.follow()
                computed += 1
                point = health_at(history, day)
                if day in prints:
                    fresh.append(
                        day_health.StoredDay(
                            name, day, prints[day], point.score, point.sentiment_30
                        )
                    )
            points.append(point)
        result[name] = points
    return result, fresh


def kept_points(
    runtime: Runtime, name: str, history: ClientHistory, as_of: datetime, days: Sequence[datetime]
) -> list[DayHealth]:
    """One client's health at ``days`` before ``as_of``, kept days read back and the others
    computed (the trend an alert's email draws). Nothing is written: the caller may hold a
    transaction that a second writer would wait on (SQLite); the nightly job keeps the days."""
    points, _ = _points(runtime, Evaluation(histories={name: history}, as_of=as_of), days, {})
    return points[name]


def keep_for_trends(runtime: Runtime, now: datetime) -> int:
    """Compute and keep the past days that ``relmon health``, ``relmon client`` and the
    dashboard's portfolio show at ``now``, ahead of the questions (the daemon does this each
    night); how many client-days were computed rather than found kept."""
    from monitor.app.dashboard import TREND_WEEKS
    from monitor.app.views import TREND_DAYS

    zone = runtime.config.team.tz
    ends = [*day_ends(now, TREND_DAYS, zone), *day_ends(now, TREND_WEEKS, zone, every=7)]
    past = sorted(day for day in set(ends) if day < now)
    computed = 0
    for evaluation in in_batches(runtime, now):  # memory bounded by clients, not by the store
        _, fresh = _points(runtime, evaluation, past, {})
        day_health.save(runtime.store.engine, fresh)
        computed += len(fresh)
    return computed


__all__ = [
    "day_fingerprints",
    "keep_for_trends",
    "kept_points",
    "trends",
]
