"""Several ``relmon run`` on one PostgreSQL: this replica's share of the accounts, and whether it
is the one that evaluates, kept by a heartbeat through leases in the database
(:mod:`monitor.store.leases`); there is no other coordinator.

Every heartbeat (a third of ``[replicas] lease_seconds``) this replica

1. renews the leases it holds; one it can no longer renew is lost (``lease.lost``) and its
   account is left to whoever took it,
2. says it is alive (its row in ``replicas``), after the renewal: a replica that dies between
   the two never counts as alive once its leases have run out, so the others take all of its
   accounts when they do, not a share of them,
3. ends the open transactions of any other replica whose heartbeat or lease has lapsed (it is
   frozen or dead), whose row locks would hold up the passes taking its accounts over
   (:mod:`monitor.store.sessions`),
4. works out its fair share, ``ceil(accounts / live replicas)``, releases idle accounts above
   it (a replica joined) and takes free or expired ones below it (a replica left or died),
5. takes the evaluation lease if nobody holds it,
6. asks for its next beat early when another replica's lease runs out before it: that replica
   stopped renewing, and its accounts are taken over within a lease of its last renewal.

The first heartbeat only announces the replica: replicas started together then all count each
other before anyone takes a share. A replica whose id another live process beats under (one
``[replicas] id`` given to two) is refused at its heartbeat and takes no work until that
process stops. A sync runs only under its account's lease and every one of
its commits checks that lease (the fence in :class:`monitor.store.sink.StoreSink`), so a
replica that was paused past its lease and resumes commits nothing.
"""

from __future__ import annotations

import math
import os
import secrets
import socket
import threading
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from monitor.app.runtime import Runtime
from monitor.errors import LeaseLost
from monitor.log import get_logger
from monitor.sources.report import AccountSync
from monitor.store.guard import describe_error
from monitor.store.leases import (
    ACCOUNT_PREFIX,
    EVALUATION,
    Lease,
    account_lease,
    heartbeat,
    held_by_others,
    leave,
    live_replicas,
    mail_mark,
    next_foreign_expiry,
    release,
    renew,
    take,
)
from monitor.store.sessions import configure_sessions, end_lapsed_sessions

logger = get_logger()


@dataclass(frozen=True)
class Beat:
    evaluate: bool  # this replica evaluates, and new mail came in since it last did
    again_in: float | None  # beat again this many seconds from now, before the next beat


def default_replica_id() -> str:
    """Host name and process id: unique among running replicas, new after a restart."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Replicas:
    """This replica's leases. ``on_taken(account)`` and ``on_dropped(account)`` are called (on
    the heartbeat's thread) when an account's lease is taken, and when it is released or lost."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        replica_id: str,
        lease_seconds: float,
        accounts: Sequence[str],
        on_taken: Callable[[str], None] = lambda _account: None,
        on_dropped: Callable[[str], None] = lambda _account: None,
    ) -> None:
        self.engine = engine
        self.id = replica_id
        self.lease_seconds = lease_seconds
        self._accounts = list(accounts)  # changed by a reload while the heartbeat reads it
        self.on_taken = on_taken
        self.on_dropped = on_dropped
        self._held: dict[str, Lease] = {}  # lease name -> lease
        self._busy: set[str] = set()  # accounts syncing now: never released for fairness
        self._lock = threading.Lock()
        self._beats = 0
        self._evaluated_mark = -1  # the store's mail mark at the last evaluation
        self.instance = secrets.token_hex(8)  # this process, among any under the same id
        self._refused = 0  # heartbeats refused in a row: another process beats under our id

    # ------------------------------------------------------------------ what the jobs ask

    @property
    def evaluates(self) -> bool:
        with self._lock:
            return EVALUATION in self._held

    @property
    def evaluation_lease(self) -> Lease | None:
        """The evaluation's lease while this replica holds it: evaluation commits are fenced."""
        with self._lock:
            return self._held.get(EVALUATION)

    def held_accounts(self) -> list[str]:
        with self._lock:
            return sorted(n[len(ACCOUNT_PREFIX) :] for n in self._held if n != EVALUATION)

    def begin(self, account: str) -> Lease | None:
        """The account's lease if this replica holds it, marked busy until :meth:`end`."""
        with self._lock:
            lease = self._held.get(account_lease(account))
            if lease is not None:
                self._busy.add(account)
            return lease

    def end(self, account: str) -> None:
        with self._lock:
            self._busy.discard(account)

    def holds(self, lease: Lease) -> bool:
        """Whether ``lease`` is still held as far as the last heartbeat knows."""
        with self._lock:
            current = self._held.get(lease.name)
        return current is not None and current.generation == lease.generation

    def lost(self, lease: Lease, *, why: str) -> None:
        """A commit found ``lease`` gone: forget it (once) and say so."""
        with self._lock:
            current = self._held.get(lease.name)
            if current is None or current.generation != lease.generation:
                return
            del self._held[lease.name]
        self._say_lost(lease, why)

    @property
    def accounts(self) -> list[str]:
        with self._lock:
            return list(self._accounts)

    def set_accounts(self, accounts: Sequence[str]) -> None:
        """The configured accounts changed (a reload): give up the leases of removed ones. A
        heartbeat that took one meanwhile, from the list before, gives it up at its next
        share."""
        with self._lock:
            self._accounts = list(accounts)
        self._release_removed()

    def _release_removed(self) -> None:
        configured = {account_lease(a) for a in self.accounts}
        for lease in self._leases():
            if lease.name != EVALUATION and lease.name not in configured:
                self._release(lease, why="account removed")

    def under_lease(
        self,
        account: str,
        work: Callable[[Lease, Callable[[], bool]], AccountSync],
    ) -> AccountSync | None:
        """``work(lease, lost)`` while the account's lease is held (``lost()`` says whether the
        heartbeat has since lost it); None if another replica holds the account, or if a commit
        of ``work`` found the lease gone (that commit was rolled back)."""
        lease = self.begin(account)
        if lease is None:
            return None
        # Which replica synced what, and when: with several, the start matters as much as the
        # end (``account_synced``, not logged for a pass cut short by a lost lease).
        logger.info("account_sync_started", account=account, generation=lease.generation)
        try:
            return work(lease, lambda: not self.holds(lease))
        except LeaseLost:
            self.lost(lease, why="a commit found the lease expired or taken over")
            return None
        finally:
            self.end(account)
            logger.info("account_sync_ended", account=account, generation=lease.generation)

    def may_evaluate(self) -> bool:
        """Only the evaluation lease's holder evaluates, and not before every account's first
        pass has ended on some replica: half-synced mail (Inbox in, Sent not yet) gives false
        alerts. A pass that failed counts (a wrong password must not hold up every client)."""
        from monitor.store.sources import account_health

        if not self.evaluates:
            return False
        synced = {h.account for h in account_health(self.engine) if h.last_attempt is not None}
        if any(a not in synced for a in self.accounts):
            return False
        self._evaluated_mark = mail_mark(self.engine)
        return True

    # ------------------------------------------------------------------ the heartbeat

    def heartbeat(self) -> Beat:
        """One beat, and what it calls for. A failure is logged and the next beat tries again:
        backing off like other jobs would let every lease lapse."""
        try:
            self.beat()
            evaluate = self.evaluates and mail_mark(self.engine) != self._evaluated_mark
            expiry = next_foreign_expiry(self.engine, self.id)
        except Exception as err:  # noqa: BLE001 - reported; the next beat tries again
            logger.warning("leases_heartbeat_failed", replica=self.id, error=describe_error(err))
            return Beat(evaluate=False, again_in=None)
        # Another replica's lease runs out before our next beat: it stopped renewing (a live
        # replica renews two beats ahead), so beat again just after, and take its accounts
        # over within a lease of its death rather than up to a heartbeat later.
        if expiry is not None and expiry < self.lease_seconds / 3:
            return Beat(evaluate=evaluate, again_in=expiry + 0.05)
        return Beat(evaluate=evaluate, again_in=None)

    def beat(self) -> None:
        self._renew_all()
        if not heartbeat(self.engine, self.id, self.lease_seconds, self.instance):
            self._id_in_use()
            return
        self._refused = 0
        self._beats += 1
        self._end_lapsed()
        if self._beats == 1:
            return  # announced; take a share from the next beat, when the others are counted
        self._share()
        if not self.evaluates:
            lease = take(self.engine, EVALUATION, self.id, self.lease_seconds)
            if lease is not None:
                self._took(lease)

    def _id_in_use(self) -> None:
        """Another live process beats under this replica's id: take no work (the two would
        take each other's accounts at every beat), and say so now and then until it stops."""
        if self._refused % 100 == 0:
            logger.error(
                "replica_id_in_use",
                replica=self.id,
                problem="another running relmon uses this [replicas] id; this one takes no "
                "work while it runs",
                fix="give each replica its own [replicas] id, or leave it unset (host name "
                "and process id)",
            )
        self._refused += 1

    def _end_lapsed(self) -> None:
        """Before taking a lapsed replica's accounts: end the transactions it froze in, whose
        row locks would otherwise hold up the passes that take its accounts over. A failure
        here (a database role not allowed to end them) must not stop the take-over itself."""
        try:
            end_lapsed_sessions(self.engine, self.id)
        except sa.exc.DBAPIError as err:
            logger.warning("lapsed_sessions_not_ended", replica=self.id, error=describe_error(err))

    def _renew_all(self) -> None:
        for lease in self._leases():
            renewed = renew(self.engine, lease)
            with self._lock:
                if self._held.get(lease.name) != lease:
                    continue  # lost or released meanwhile
                if renewed is None:
                    del self._held[lease.name]
                else:
                    self._held[lease.name] = renewed
            if renewed is None:
                self._say_lost(lease, "not renewed in time: expired or taken over")

    def _share(self) -> None:
        self._release_removed()
        accounts = self.accounts  # one list for the whole share, whatever a reload does
        live = max(1, len(live_replicas(self.engine)))
        share = math.ceil(len(accounts) / live)
        mine = [a for a in accounts if a in set(self.held_accounts())]
        if len(mine) > share:
            for account in reversed(mine):
                if len(mine) <= share:
                    break
                with self._lock:
                    lease = (
                        None if account in self._busy else self._held.get(account_lease(account))
                    )
                if lease is not None:
                    self._release(lease, why="fair share", live_replicas=live)
                    mine.remove(account)
            return
        if len(mine) == share:
            return
        taken = held_by_others(self.engine, self.id)
        free = [a for a in accounts if a not in mine and account_lease(a) not in taken]
        if not free:
            return
        # Each replica starts its search at its own place in the list, so replicas taking
        # at the same moment mostly ask for different accounts.
        start = zlib.crc32(self.id.encode()) % len(free)
        for account in free[start:] + free[:start]:
            if len(mine) >= share:
                break
            lease = take(self.engine, account_lease(account), self.id, self.lease_seconds)
            if lease is not None:
                mine.append(account)
                self._took(lease)

    def release_all(self) -> None:
        """A clean stop: every lease released and the replica gone, so the others take its
        accounts at their next heartbeat instead of after a lease's length."""
        for lease in self._leases():
            self._release(lease, why="stopping")
        leave(self.engine, self.id, self.instance)

    # ------------------------------------------------------------------ bookkeeping

    def _leases(self) -> list[Lease]:
        with self._lock:
            return list(self._held.values())

    def _took(self, lease: Lease) -> None:
        with self._lock:
            self._held[lease.name] = lease
        logger.info(
            "lease.taken",
            lease=lease.name,
            replica=self.id,
            generation=lease.generation,
            expires_at=lease.expires_at.isoformat(),
        )
        if lease.name.startswith(ACCOUNT_PREFIX):
            self.on_taken(lease.name[len(ACCOUNT_PREFIX) :])

    def _release(self, lease: Lease, *, why: str, **context: object) -> None:
        with self._lock:
            self._held.pop(lease.name, None)
        release(self.engine, lease)
        logger.info("lease.released", lease=lease.name, replica=self.id, reason=why, **context)
        if lease.name.startswith(ACCOUNT_PREFIX):
            self.on_dropped(lease.name[len(ACCOUNT_PREFIX) :])

    def _say_lost(self, lease: Lease, why: str) -> None:
        logger.warning(
            "lease.lost",
            lease=lease.name,
            replica=self.id,
            generation=lease.generation,
            reason=why,
        )
        if lease.name.startswith(ACCOUNT_PREFIX):
            self.on_dropped(lease.name[len(ACCOUNT_PREFIX) :])


def replicas_for(
    runtime: Runtime,
    *,
    on_taken: Callable[[str], None],
    on_dropped: Callable[[str], None],
) -> Replicas | None:
    """This replica's leases on PostgreSQL; None on SQLite, where one process does everything."""
    if runtime.store.dialect != "postgresql":
        return None
    config = runtime.config
    replica_id = config.replicas.id or default_replica_id()
    # The idle bound is generous next to the sync batches' own (a lease): a thread rebuild may
    # compute for a while between two statements of one transaction.
    configure_sessions(
        runtime.store.engine,
        replica=replica_id,
        idle_seconds=max(2 * config.replicas.lease_seconds, 60.0),
    )
    return Replicas(
        runtime.store.engine,
        replica_id=replica_id,
        lease_seconds=config.replicas.lease_seconds,
        accounts=[a.name for a in config.accounts],
        on_taken=on_taken,
        on_dropped=on_dropped,
    )
