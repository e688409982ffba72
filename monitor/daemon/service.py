"""`relmon run`: the background service.

APScheduler runs, in this process: a sync per account (on an interval with jitter, and at once
when an IMAP IDLE watcher sees new mail), an evaluation of the clients that need it after each
sync that brought new mail and on a timer, the refresh of answers grown old (its own job),
outbox delivery, each owner's digest at their local hour, and the nightly purge and tidy-up. Jobs never overlap themselves and missed runs are coalesced; a job
that fails is logged with its traceback and pushed back further each time it fails again.

SIGTERM or SIGINT: the current batch finishes and commits, the process exits within the stop
time with status 0 (a second signal exits at once). SIGHUP reloads the configuration; an invalid
one is rejected with a log line and the old one kept. systemd hears READY=1 once migrations ran
and the accounts were checked, STATUS= after each job, WATCHDOG=1 while the scheduler is alive,
and STOPPING=1 on the way out.

On PostgreSQL, replicas share the accounts and the evaluation through leases
(:mod:`monitor.daemon.replicas`); every replica delivers from the outbox. The guarded jobs are
:mod:`monitor.daemon.jobs`, the account checks and watchers :mod:`monitor.daemon.accounts`.
Time comes from one :class:`~monitor.daemon.clock.Clock`, the scheduler from
``scheduler_factory``, both injectable.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.app import alerting, sync
from monitor.app.due import Pass
from monitor.app.kept import REFRESH_EVERY
from monitor.app.removed import retire_removed_clients
from monitor.app.retention import purge_expired
from monitor.app.runtime import Runtime
from monitor.app.trends import keep_for_trends
from monitor.config import Account, Config
from monitor.config.validation import load_checked_config
from monitor.daemon.accounts import Watchers, check_accounts
from monitor.daemon.clock import Clock
from monitor.daemon.jobs import MAX_BACKOFF, Jobs, Scheduler, build_scheduler
from monitor.daemon.lifecycle import install_signals, reloaded
from monitor.daemon.metrics import Metrics, health_of, record_alerts, serve, status_of
from monitor.daemon.notify import Notifier, watchdog_interval
from monitor.daemon.refresh import refresh_answers
from monitor.daemon.replicas import Replicas, replicas_for
from monitor.daemon.reports import send_reports
from monitor.errors import ConfigError, RelmonError
from monitor.log import get_logger
from monitor.sources.report import AccountSync
from monitor.store.bulk import tidy
from monitor.store.leases import Lease

logger = get_logger()


@dataclass
class Service:
    config_path: str | None
    notifier: Notifier = field(default_factory=Notifier)
    metrics: Metrics = field(default_factory=Metrics)
    clock: Clock = field(default_factory=Clock)
    scheduler_factory: Callable[[Config], Scheduler] = build_scheduler
    runtime: Runtime | None = None
    jobs: Jobs | None = None
    watchers: Watchers = field(default_factory=Watchers)
    replicas: Replicas | None = None  # on PostgreSQL: this replica's leases
    _stop: threading.Event = field(default_factory=threading.Event)
    _reload: threading.Event = field(default_factory=threading.Event)
    _signals: int = 0
    _account_failures: dict[str, int] = field(default_factory=dict)  # consecutive failed syncs
    _evaluate_due: bool = True  # new mail (or a start) since the last evaluation
    _heartbeat: float = 0.0  # Clock.monotonic() of the scheduler's last heartbeat
    # account -> wall time of last good sync
    _synced_at: dict[str, float] = field(default_factory=dict)
    _evaluating: threading.Lock = field(default_factory=threading.Lock)  # a pass or a refresh

    # ------------------------------------------------------------------ lifecycle

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def scheduler(self) -> Scheduler | None:
        return self.jobs.scheduler if self.jobs is not None else None

    def run(self) -> int:
        """Start, serve until told to stop, stop cleanly. Returns the exit status."""
        try:
            config = load_checked_config(self.config_path)
        except ConfigError as err:
            logger.error("config_invalid", problems=err.problems, path=err.path)
            return 78  # EX_CONFIG: systemd's RestartPreventExitStatus can keep it from looping
        self._install_signals()
        self.runtime = Runtime.open(config)  # applies pending migrations
        self.replicas = replicas_for(self.runtime, on_taken=self._taken, on_dropped=self._dropped)
        if not check_accounts(self.runtime, self._stop):
            return self._shutdown()  # told to stop while still starting
        self.start_scheduler(config)
        if config.daemon.metrics_address:
            serve(self.metrics, config.daemon.metrics_address, self.healthy)
            logger.info("metrics_listening", address=config.daemon.metrics_address)
        if config.web.enabled:
            from monitor.web.server import start

            start(self.runtime, config.web.listen)
        self.notifier.send(READY=1, STATUS=self.status_line())
        logger.info("daemon_ready", accounts=len(config.accounts), clients=len(config.clients))
        interval = watchdog_interval()
        while not self._stop.is_set():
            self._stop.wait(min(interval or 5.0, 5.0))
            if self._reload.is_set():
                self._reload.clear()
                self.reload()
            if interval is not None and self._alive(interval):
                # Only while the scheduler proves it is alive: a hung scheduler gets restarted.
                self.notifier.send(WATCHDOG=1)
        return self._shutdown()

    def _alive(self, interval: float) -> bool:
        return self.clock.monotonic() - self._heartbeat < 4 * max(interval, 1.0) + 10

    def __post_init__(self) -> None:
        self._heartbeat = self.clock.monotonic()

    def stop(self) -> None:
        self._stop.set()

    def _install_signals(self) -> None:
        install_signals(self._on_stop_signal, self._reload.set)

    def _on_stop_signal(self, signum: int) -> None:
        self._signals += 1
        if self._signals > 1:
            os._exit(130)  # the second signal: at once
        logger.info("daemon_stopping", signal=signal.Signals(signum).name)
        self._stop.set()

    def _shutdown(self) -> int:
        self.notifier.send(STOPPING=1, STATUS="stopping: finishing the current batch")
        assert self.runtime is not None
        stop_seconds = self.runtime.config.daemon.stop_seconds
        deadline = self.clock.monotonic() + stop_seconds
        self.watchers.stop_all()
        if self.jobs is not None and not self.jobs.stop(
            max(0.0, deadline - self.clock.monotonic())
        ):
            # A job is stuck (a server that stopped answering mid-command). What it has not
            # committed is rolled back by the database and fetched again next time.
            running = sorted(self.jobs.running)
            logger.warning("daemon_stop_timeout", waited=stop_seconds, running=running)
            logger.info("daemon_stopped")
            sys.stdout.flush()
            os._exit(0)  # the stuck worker thread would otherwise hold up interpreter exit
        if self.replicas is not None:
            self.replicas.release_all()  # the others take over now, not a lease's length later
        self.runtime.close()
        logger.info("daemon_stopped")
        return 0

    def reload(self) -> None:
        """SIGHUP: take a new configuration, or keep the old one when the new one is invalid."""
        assert self.runtime is not None
        self.notifier.send(RELOADING=1, MONOTONIC_USEC=int(self.clock.monotonic() * 1e6))
        runtime = reloaded(self.runtime, self.config_path, self.notifier)
        if runtime is None:
            return
        self.runtime, config = runtime, runtime.config
        if self.replicas is not None:
            self.replicas.set_accounts([a.name for a in config.accounts])
        self._schedule_accounts(config)
        logger.info("config_reloaded", accounts=len(config.accounts), clients=len(config.clients))
        self.notifier.send(READY=1, STATUS=self.status_line())

    # ------------------------------------------------------------------ scheduling

    def start_scheduler(self, config: Config) -> Jobs:
        jobs = self.jobs = Jobs(
            self.scheduler_factory(config),
            clock=self.clock,
            metrics=self.metrics,
            stopping=lambda: self.stopping,
            after=self._after,
        )
        daemon = config.daemon
        beat = max(1.0, (watchdog_interval() or 10.0) / 2)
        jobs.add("heartbeat", self._beat, IntervalTrigger(seconds=beat))
        # The first evaluation follows the first syncs (see _sync), not the start: mid-sync, the
        # Inbox may be in while the Sent folder is not, and every client would look unanswered.
        every = IntervalTrigger(minutes=daemon.evaluate_minutes)
        jobs.add("evaluate", self._evaluate, every, first=not config.accounts)
        jobs.add("refresh", self._refresh, IntervalTrigger(seconds=REFRESH_EVERY.total_seconds()))
        jobs.add(
            "deliver", self._deliver, IntervalTrigger(seconds=daemon.deliver_seconds), first=True
        )
        jobs.add("digests", self._digests, IntervalTrigger(minutes=5), first=True)
        nightly = CronTrigger(hour=daemon.purge_hour, minute=30, timezone=config.team.tz)
        jobs.add("nightly", self._nightly, nightly)
        if self.replicas is not None:
            self._leases()  # announce this replica; it takes its share at the next beat
            beat_every = IntervalTrigger(seconds=config.replicas.heartbeat_seconds)
            jobs.add("leases", self._leases, beat_every)
        self._schedule_accounts(config)
        jobs.scheduler.start()
        return jobs

    def _schedule_accounts(self, config: Config) -> None:
        assert self.jobs is not None and self.runtime is not None
        wanted = {f"sync:{a.name}": a for a in config.accounts}
        self.jobs.remove_except("sync:", set(wanted))
        self.watchers.keep_only({a.name for a in config.accounts})
        for job_id, account in wanted.items():
            source = sync.source_of(self.runtime, account, now=self.clock.now())
            every = source.poll_seconds
            jitter = every * config.daemon.sync_jitter
            work = functools.partial(self._sync, account.name)
            self.jobs.add(job_id, work, IntervalTrigger(seconds=every, jitter=jitter), first=True)
            if self.replicas is None or account.name in self.replicas.held_accounts():
                self._watch(account)

    def _watch(self, account: Account) -> None:
        """New mail between passes starts a sync at once, where the source can tell."""
        assert self.runtime is not None
        source = sync.source_of(self.runtime, account, now=self.clock.now())
        on_change = functools.partial(self._changed, account.name)
        self.watchers.replace(account.name, source.watch(on_change))

    def _changed(self, account: str, _folder: str) -> None:
        self.wake(account=account)

    def wake(self, *, account: str) -> None:
        """Sync this account now (called from a watcher thread); if a pass is running, once more
        right after it, since the new mail may have arrived after it listed the folder."""
        self.run_soon(f"sync:{account}")

    def run_soon(self, job_id: str, delay: float = 0.0) -> None:
        if self.jobs is not None:
            self.jobs.run_soon(job_id, delay)

    # ------------------------------------------------------------------ the jobs

    def _beat(self) -> None:
        self._heartbeat = self.clock.monotonic()
        for account, last in list(self._synced_at.items()):
            self.metrics.sync_lag.labels(account=account).set(self.clock.wall() - last)

    def _sync(self, name: str) -> None:
        assert self.runtime is not None and self.jobs is not None
        runtime = self.runtime
        account = runtime.config.account(name)
        if account is None:
            return
        result = self._pass(runtime, account)
        if result is None:
            return
        if result.error_kind is None:
            self._synced_at[name] = self.clock.wall()
            self.metrics.last_sync.labels(account=name).set(self._synced_at[name])
            self.metrics.sync_lag.labels(account=name).set(0)
            self._account_failures[name] = 0
        else:
            self.metrics.errors.labels(kind=result.error_kind.value).inc()
            self._back_off(runtime, account)
        new = result.total("new")
        if new:
            self.metrics.ingested.labels(account=name).inc(new)
        with self.jobs.lock:
            self._evaluate_due = self._evaluate_due or bool(new)
        self.notifier.status(self.status_line())

    def _pass(self, runtime: Runtime, account: Account) -> AccountSync | None:
        """One pass; with replicas, only under the account's lease. None: another replica's
        account, or the lease was lost during the pass (that commit was rolled back)."""

        def one(lease: Lease | None, lost: Callable[[], bool]) -> AccountSync:
            stop = lambda: self.stopping or lost()  # noqa: E731
            return sync.sync_account(
                runtime, account, now=self.clock.now(), should_stop=stop, lease=lease
            )

        if self.replicas is None:
            return one(None, lambda: False)
        return self.replicas.under_lease(account.name, one)

    def _leases(self) -> None:
        assert self.replicas is not None
        evaluated = self.replicas.evaluates
        beat = self.replicas.heartbeat()
        if beat.evaluate:
            self.run_soon("evaluate")  # another replica stored new mail
        if self.replicas.evaluates and not evaluated:
            self.run_soon("digests")  # due digests and reports go now, not a check later
        if beat.again_in is not None:
            self.run_soon("leases", beat.again_in)

    def _taken(self, name: str) -> None:
        assert self.runtime is not None
        account = self.runtime.config.account(name)
        if account is not None and self.jobs is not None:
            self._watch(account)
            self.run_soon(f"sync:{name}")

    def _dropped(self, _name: str) -> None:
        assert self.replicas is not None
        self.watchers.keep_only(set(self.replicas.held_accounts()))

    def _back_off(self, runtime: Runtime, account: Account) -> None:
        """Failing accounts back off: a bad password is not retried in a tight loop."""
        assert self.jobs is not None
        name = account.name
        failures = self._account_failures[name] = self._account_failures.get(name, 0) + 1
        every = sync.source_of(runtime, account, now=self.clock.now()).poll_seconds
        delay = min(MAX_BACKOFF, every * 2 ** min(failures, 6))
        self.jobs.push_back(f"sync:{name}", delay)

    def _after(self, job: str) -> None:
        """When the last running sync has finished and mail came in: evaluate."""
        if not job.startswith("sync:"):
            return
        assert self.jobs is not None
        with self.jobs.lock:
            evaluate = self._evaluate_due and not self.jobs.any_running("sync:")
        if evaluate:
            self.run_soon("evaluate")

    def _evaluate(self) -> None:
        assert self.runtime is not None and self.jobs is not None
        # The lease is read once, before anything is decided: one lost meanwhile (a heartbeat
        # that found it taken over) still fences the pass, which then commits nothing.
        fence = self.replicas.evaluation_lease if self.replicas is not None else None
        if self.replicas is not None and (fence is None or not self.replicas.may_evaluate()):
            return
        with self.jobs.lock:
            # Half-synced mail gives false alerts; the last sync to finish calls us again.
            self._evaluate_due = self.jobs.any_running("sync:")
            if self._evaluate_due:
                return
        with self._evaluating:
            result = alerting.evaluate_alerts(
                self.runtime, now=self.clock.now(), lease=fence, which=Pass.CHANGES
            )
        logger.info("alerts_evaluated", transitions=len(result.events), clients=result.evaluated)
        record_alerts(self.metrics, self.runtime.store.engine)
        if result.events:
            self.run_soon("deliver")

    def _refresh(self) -> None:
        assert self.runtime is not None
        refresh_answers(self.runtime, self.clock.now(), self.replicas, self._evaluating)

    def _deliver(self) -> None:
        assert self.runtime is not None
        result = alerting.deliver(self.runtime, now=self.clock.now())
        if result.failed:
            self.metrics.errors.labels(kind="delivery").inc(result.failed)
        if result.sent or result.failed or result.retried:
            logger.info(
                "outbox_delivered",
                sent=result.sent,
                retried=result.retried,
                failed=result.failed,
                stopped=result.delivery,
            )
        record_alerts(self.metrics, self.runtime.store.engine)

    def _digests(self) -> None:
        assert self.runtime is not None
        if send_reports(self.runtime, self.clock.now(), self.replicas):
            self.run_soon("deliver")

    def _nightly(self) -> None:
        """Mail past its retention purged, the store tidied; every trend's past days kept."""
        assert self.runtime is not None
        if self.replicas is not None and not self.replicas.evaluates:
            return
        now = self.clock.now()
        purge_expired(self.runtime, now)  # mail past its retention
        retire_removed_clients(self.runtime, now)
        logger.info("store_tidied", tables=tidy(self.runtime.store.engine))
        logger.info("trends_kept", computed=keep_for_trends(self.runtime, now))

    # ------------------------------------------------------------------ reporting

    def status_line(self) -> str:
        return status_of(self.runtime, self._account_failures, self.replicas)

    def healthy(self) -> tuple[bool, str]:
        return health_of(self.runtime, self.scheduler)


__all__ = ["RelmonError", "Service"]
