"""Which clients an evaluation pass reads and analyses: those that changed, or are due.

A client's findings at an instant depend on its records, its configuration, our away periods
and the time. So after a client's evaluation, the pass leaves it alone until one of these:

- **its inputs change**: mail stored, changed or expunged, a re-analysis, another threshold, a
  new version of relmon, an out-of-office reply of its owner (its fingerprint, as the kept
  answers take it, :mod:`monitor.app.kept`), or mail stored ahead of its date coming due;
- **time alone can change a finding**: a reply gap or a silence crossing a threshold, a message
  leaving a window (:func:`monitor.core.due.next_change`, which may come early, never late),
  except the departures the evaluation checked and found to change nothing
  (:func:`monitor.core.lookahead.lasting`);
- **an alert wakes**: a snooze ends, a resolved alert's cool-down passes while its condition may
  still hold (the owner can snooze or resolve at any time, so this is read at each pass);
- **its kept answers grow old**: ``relmon health`` shows a client not evaluated since as of its
  last evaluation, and its figures (waits, silent days) move with the time even while its
  alerts cannot. Each client is evaluated again within :data:`REFRESH`, staggered by name so
  the refreshes of a large portfolio spread over time instead of falling on one pass.

The findings, and so the alerts, are the same as evaluating every client at every pass; the
only thing allowed to lag is the wording of a firing alert's explanation, by up to
:data:`REFRESH`.

A refresh changes no finding, so it need not hold up the alerts that new mail brings: the
daemon's evaluation pass takes the clients that changed, woke or are due (:attr:`Pass.CHANGES`)
and a job of its own refreshes the rest (:attr:`Pass.REFRESH`), a client only while its inputs
are those of its last evaluation; a command run once takes both (:attr:`Pass.ALL`).
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

import sqlalchemy as sa

from monitor.app.evaluation import Evaluation
from monitor.app.kept import REFRESH, Inputs, stale, taken
from monitor.app.runtime import Runtime
from monitor.config import Client
from monitor.core.analysis import ClientReport
from monitor.core.lookahead import lasting
from monitor.store import evaluated
from monitor.store import kept as kept_store

#: The fingerprint of what a client's evaluation reads (see :class:`monitor.app.kept.Inputs`).
EVALUATION = "evaluation"


class Pass(enum.Enum):
    """Which of the clients that need it a pass evaluates."""

    ALL = "all"  # every one: a command run once
    CHANGES = "changes"  # changed, woken or due by the time: the daemon's evaluation
    REFRESH = "refresh"  # only those whose kept answers grew old: the daemon's refresh job


def refresh_after(name: str) -> timedelta:
    """The client's own refresh interval: fixed per name, between half of :data:`REFRESH`
    and all of it."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    share = int.from_bytes(digest, "big") / 2**64
    return REFRESH * (0.5 + share / 2)


def _holds(last: evaluated.Evaluated | None, quick: Inputs, now: datetime) -> bool:
    """Whether the client's last evaluation still stands without reading any index: nothing is
    due, nothing in the store changed since (the store's revision counter), the same configuration."""
    return (
        last is not None
        and last.evaluated_at <= now < last.due_at
        and quick.counter is not None
        and last.counter == quick.counter
        and last.settings == quick.settings_of(EVALUATION, last.client)
    )


def _woken(runtime: Runtime, state: Mapping[str, evaluated.Evaluated], now: datetime) -> set[str]:
    """Clients with an alert the lifecycle moves on its own since their last evaluation."""
    if not state:
        return set()
    cooldowns = {c.name: timedelta(days=c.thresholds.cooldown_days) for c in runtime.config.clients}
    longest = max(cooldowns.values(), default=timedelta(0))
    oldest = min(s.evaluated_at for s in state.values())
    found = set()
    for alert in evaluated.sleepers(runtime.store.engine, oldest - longest):
        last = state.get(alert.client)
        if last is None or alert.client not in cooldowns:
            continue
        if alert.snoozed_until is not None:
            wake = alert.snoozed_until
        elif alert.resolved_at is not None:
            wake = alert.resolved_at + cooldowns[alert.client]
        else:
            continue
        if last.evaluated_at < wake <= now:
            found.add(alert.client)
    return found


def _refreshing(last: evaluated.Evaluated, now: datetime) -> bool:
    """Whether the client is due only because its kept answers grew old: the instant its last
    evaluation found its findings lasting to (at least) is its refresh instant, and has come."""
    return last.due_at <= now and last.due_at == last.evaluated_at + refresh_after(last.client)


def _unchanged(
    runtime: Runtime,
    state: Mapping[str, evaluated.Evaluated],
    woken: set[str],
    quick: Inputs,
    now: datetime,
) -> dict[str, str]:
    """The clients whose mail is as their last evaluation read it, with the number and
    revisions of their records then (for :func:`~monitor.app.kept.taken` to leave unread): none
    of their messages changed since (the store's changes, read after ``quick``'s counter) and
    none came due since (they are not ``woken``)."""
    if quick.counter is None:
        return {}
    changes = kept_store.changes(runtime.store.engine)
    return {
        name: last.revisions
        for name, last in state.items()
        if name not in woken
        and last.revisions is not None
        and last.counter is not None
        and last.evaluated_at <= now
        and changes.get(name, last.counter) <= last.counter
    }


def to_evaluate(
    runtime: Runtime, now: datetime, which: Pass = Pass.ALL
) -> tuple[list[Client], Inputs]:
    """The clients a pass at ``now`` evaluates (``which`` of them: :class:`Pass`), and their
    inputs (taken before any record is read, as :func:`monitor.app.kept.keep_evaluated` needs
    them)."""
    clients = runtime.config.clients
    state = evaluated.read(runtime.store.engine)
    quick = taken(runtime, now, mail=False)
    woken = _woken(runtime, state, now)
    # Mail dated since a client's evaluation and by now has come due: its inputs changed.
    woken |= stale(runtime, {name: s.evaluated_at for name, s in state.items()}, now)
    unsure = [
        c.name
        for c in clients
        if c.name in woken
        or (
            not _holds(last := state.get(c.name), quick, now)
            and (which is not Pass.REFRESH or (last is not None and _refreshing(last, now)))
        )
    ]
    known = _unchanged(runtime, state, woken, quick, now)
    inputs = taken(runtime, now, unsure, known=known, counter=quick.counter)
    chosen, asked = [], set(unsure)  # (a list's membership would be quadratic in clients)
    for client in clients:
        if client.name not in asked:
            continue
        last = state.get(client.name)
        if (
            client.name in woken
            or last is None
            or last.fingerprint != inputs.fingerprint(EVALUATION, client.name)
        ):
            refresh = False  # changed, new or woken
        elif last.evaluated_at <= now < last.due_at:
            continue  # nothing that changes it happened
        else:
            refresh = _refreshing(last, now)
        if which is Pass.ALL or refresh is (which is Pass.REFRESH):
            chosen.append(client)
    return chosen, inputs


def record_evaluated(
    runtime: Runtime,
    evaluation: Evaluation,
    reports: Mapping[str, ClientReport],
    inputs: Inputs,
    transaction: Callable[[], AbstractContextManager[sa.Connection]],
) -> None:
    """Each evaluated client's instant, inputs and next due instant, written in ``transaction``
    (fenced by the pass's lease, where there is one)."""
    now = evaluation.as_of
    rows = []
    for name, history in evaluation.histories.items():
        if name not in inputs.settings:
            continue
        facts = reports[name].facts if name in reports else None
        refresh = now + refresh_after(name)
        due = min(lasting(history, now, facts=facts, horizon=refresh), refresh)
        rows.append(
            evaluated.Evaluated(
                client=name,
                evaluated_at=now,
                due_at=due,
                fingerprint=inputs.fingerprint(EVALUATION, name),
                settings=inputs.settings_of(EVALUATION, name),
                counter=inputs.counter,
                revisions=inputs.revisions.get(name) if inputs.revisions else None,
            )
        )
    with transaction() as connection:
        evaluated.record(connection, rows)


__all__ = [
    "EVALUATION",
    "REFRESH",
    "Pass",
    "record_evaluated",
    "refresh_after",
    "to_evaluate",
]
