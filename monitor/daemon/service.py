"""`relmon run`: the background service.

APScheduler runs, in this process: a sync per account (on an interval with jitter, and at once
when an IMAP IDLE watcher sees new mail), an evaluation of every client after each sync that
brought new mail and on a timer, outbox delivery, each owner's digest at their local hour, and
the daily retention purge. Jobs never overlap themselves and missed runs are coalesced; a job
that fails is logged with its traceback and pushed back further each time it fails again.

SIGTERM or SIGINT: the current batch finishes and commits, the process exits within the stop
time with status 0 (a second signal exits at once). SIGHUP reloads the configuration; an invalid
one is rejected with a log line and the old one kept. systemd hears READY=1 once migrations ran
and the accounts were checked, STATUS= after each job, WATCHDOG=1 while the scheduler is alive,
and STOPPING=1 on the way out.
"""

from __future__ import annotations

import contextlib
import functools
import os
import random
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import FrameType
from typing import Any

import structlog
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.app import alerting, sync
from monitor.app.runtime import Runtime
from monitor.clock import utcnow
from monitor.config import Account, Config, load_config
from monitor.daemon.metrics import Metrics, serve
from monitor.daemon.notify import Notifier, watchdog_interval
from monitor.errors import ConfigError, RelmonError

logger = structlog.get_logger()
#: The longest a failing job is pushed back.
MAX_BACKOFF = 3600.0


@dataclass
class _JobState:
    failures: int = 0
    last_ok: float | None = None


@dataclass
class Service:
    config_path: str | None
    notifier: Notifier = field(default_factory=Notifier)
    metrics: Metrics = field(default_factory=Metrics)
    now: Callable[[], datetime] = utcnow
    runtime: Runtime | None = None
    scheduler: BackgroundScheduler | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _reload: threading.Event = field(default_factory=threading.Event)
    _signals: int = 0
    _jobs: dict[str, _JobState] = field(default_factory=dict)
    _running: set[str] = field(default_factory=set)  # jobs running now
    _again: set[str] = field(default_factory=set)  # jobs asked to run while they were running
    _account_failures: dict[str, int] = field(default_factory=dict)  # consecutive failed syncs
    _evaluate_due: bool = True  # new mail (or a start) since the last evaluation
    _watchers: dict[str, Any] = field(default_factory=dict)
    _heartbeat: float = field(default_factory=time.monotonic)
    _synced_at: dict[str, float] = field(
        default_factory=dict
    )  # account -> time.time() of the last good sync
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ------------------------------------------------------------------ lifecycle

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self) -> int:
        """Start, serve until told to stop, stop cleanly. Returns the exit status."""
        try:
            config = load_config(self.config_path)
        except ConfigError as err:
            logger.error("config_invalid", problems=err.problems, path=err.path)
            return 78  # EX_CONFIG: systemd's RestartPreventExitStatus can keep it from looping
        self._install_signals()
        self.runtime = Runtime.open(config)  # applies pending migrations
        if not self._check_accounts():
            return self._shutdown()  # told to stop while still starting
        self._start_scheduler(config)
        if config.daemon.metrics_address:
            serve(self.metrics, config.daemon.metrics_address, self.healthy)
            logger.info("metrics_listening", address=config.daemon.metrics_address)
        self.notifier.send(READY=1, STATUS=self.status_line())
        logger.info("daemon_ready", accounts=len(config.accounts), clients=len(config.clients))
        interval = watchdog_interval()
        while not self._stop.is_set():
            self._stop.wait(min(interval or 5.0, 5.0))
            if self._reload.is_set():
                self._reload.clear()
                self.reload()
            if (
                interval is not None
                and time.monotonic() - self._heartbeat < 4 * max(interval, 1.0) + 10
            ):
                # Only while the scheduler proves it is alive: a hung scheduler gets restarted.
                self.notifier.send(WATCHDOG=1)
        return self._shutdown()

    def stop(self) -> None:
        self._stop.set()

    def _install_signals(self) -> None:
        def on_stop(signum: int, _frame: FrameType | None) -> None:
            self._signals += 1
            if self._signals > 1:
                os._exit(130)  # the second signal: at once
            logger.info("daemon_stopping", signal=signal.Signals(signum).name)
            self._stop.set()

        def on_hup(_signum: int, _frame: FrameType | None) -> None:
            self._reload.set()

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, on_stop)
            signal.signal(signal.SIGINT, on_stop)
            signal.signal(signal.SIGHUP, on_hup)

    def _shutdown(self) -> int:
        self.notifier.send(STOPPING=1, STATUS="stopping: finishing the current batch")
        assert self.runtime is not None
        deadline = time.monotonic() + self.runtime.config.daemon.stop_seconds
        for watcher in self._watchers.values():
            watcher.stop(timeout=0)
        if self.scheduler is not None:
            self.scheduler.pause()
            finished = threading.Event()

            def wait_for_jobs() -> None:
                assert self.scheduler is not None
                self.scheduler.shutdown(wait=True)
                finished.set()

            threading.Thread(target=wait_for_jobs, daemon=True).start()
            if not finished.wait(max(0.0, deadline - time.monotonic())):
                # A job is stuck (a server that stopped answering mid-command). What it has not
                # committed is rolled back by the database and fetched again next time.
                logger.warning(
                    "daemon_stop_timeout",
                    waited=self.runtime.config.daemon.stop_seconds,
                    running=sorted(self._running),
                )
                logger.info("daemon_stopped")
                sys.stdout.flush()
                os._exit(0)  # the stuck worker thread would otherwise hold up interpreter exit
        self.runtime.close()
        logger.info("daemon_stopped")
        return 0

    def reload(self) -> None:
        """SIGHUP: take a new configuration, or keep the old one when the new one is invalid."""
        assert self.runtime is not None
        self.notifier.send(RELOADING=1, MONOTONIC_USEC=int(time.monotonic() * 1e6))
        try:
            config = load_config(self.config_path)
        except ConfigError as err:
            logger.error(
                "config_reload_rejected",
                problems=err.problems,
                path=err.path,
                kept="the running configuration",
            )
            self.notifier.send(
                READY=1, STATUS="configuration reload rejected; running with the previous one"
            )
            return
        old = self.runtime
        if config.store.url != old.config.store.url:
            logger.warning(
                "config_reload_store_unchanged",
                reason="a new store URL takes effect at the next start",
            )
            config = _with_store(config, old.config)
        self.runtime = Runtime(
            config=config, store=old.store, directory=config.directory(), analyzer=None
        )
        from monitor.store.messages import reattribute

        reattribute(old.store.engine, self.runtime.directory, config.attribution_fingerprint())
        self._schedule_accounts(config)
        logger.info("config_reloaded", accounts=len(config.accounts), clients=len(config.clients))
        self.notifier.send(READY=1, STATUS=self.status_line())

    # ------------------------------------------------------------------ scheduling

    def _start_scheduler(self, config: Config) -> None:
        workers = max(4, len(config.accounts) + 4)
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(workers)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
            timezone=config.team.tz,
        )
        daemon = config.daemon
        self._add(
            "heartbeat",
            self._beat,
            IntervalTrigger(seconds=max(1.0, (watchdog_interval() or 10.0) / 2)),
        )
        # The first evaluation follows the first syncs (see _sync), not the start: mid-sync, the
        # Inbox may be in while the Sent folder is not, and every client would look unanswered.
        self._add(
            "evaluate",
            self._evaluate,
            IntervalTrigger(minutes=daemon.evaluate_minutes),
            first=not config.accounts,
        )
        self._add(
            "deliver", self._deliver, IntervalTrigger(seconds=daemon.deliver_seconds), first=True
        )
        self._add("digests", self._digests, IntervalTrigger(minutes=5), first=True)
        self._add(
            "purge",
            self._purge,
            CronTrigger(hour=daemon.purge_hour, minute=30, timezone=config.team.tz),
        )
        self._schedule_accounts(config)
        self.scheduler.start()

    def _add(
        self, name: str, work: Callable[[], None], trigger: Any, *, first: bool = False
    ) -> None:
        assert self.scheduler is not None
        self._jobs.setdefault(name, _JobState())
        # A first run now for the jobs that should not wait a whole interval after start.
        first_run: dict[str, Any] = {"next_run_time": self.now()} if first else {}
        self.scheduler.add_job(
            self._guarded(name, work),
            trigger,
            id=name,
            name=name,
            replace_existing=True,
            **first_run,
        )

    def _schedule_accounts(self, config: Config) -> None:
        assert self.scheduler is not None
        wanted = {f"sync:{a.name}": a for a in config.accounts}
        for job in self.scheduler.get_jobs():
            if job.id.startswith("sync:") and job.id not in wanted:
                job.remove()
        for name in list(self._watchers):
            if f"sync:{name}" not in wanted:
                self._watchers.pop(name).stop(timeout=0)
        for job_id, account in wanted.items():
            every = _interval(account)
            jitter = every * config.daemon.sync_jitter
            self._add(
                job_id,
                functools.partial(self._sync, account.name),
                IntervalTrigger(seconds=every, jitter=jitter),
                first=True,
            )
            self._watch(account)

    def _watch(self, account: Account) -> None:
        """IMAP IDLE where the account allows it: new mail starts a sync at once."""
        if account.kind != "imap" or account.imap is None or not account.imap.idle:
            return
        previous = self._watchers.pop(account.name, None)
        if previous is not None:
            previous.stop(timeout=0)
        from monitor.sources.imap_watch import ImapWatcher

        name = account.name

        def on_change(_folder: str) -> None:
            self.wake(account=name)

        watcher = ImapWatcher(account, on_change=on_change)
        self._watchers[account.name] = watcher
        watcher.start()

    def wake(self, *, account: str) -> None:
        """Sync this account now (called from a watcher thread); if a pass is running, once more
        right after it, since the new mail may have arrived after it listed the folder."""
        self._run_soon(f"sync:{account}")

    def _run_soon(self, job_id: str, delay: float = 0.0) -> None:
        if self.scheduler is None or self.stopping:
            return
        with self._lock:
            if delay == 0.0 and job_id in self._running:
                # APScheduler would skip a run while one is going; run again right after it.
                self._again.add(job_id)
                return
        with contextlib.suppress(LookupError):  # removed by a reload in the meantime
            self.scheduler.modify_job(job_id, next_run_time=self.now() + timedelta(seconds=delay))

    def _guarded(self, name: str, work: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            if self.stopping:
                return
            structlog.contextvars.clear_contextvars()
            structlog.contextvars.bind_contextvars(job=name)
            state = self._jobs.setdefault(name, _JobState())
            started = time.monotonic()
            with self._lock:
                self._running.add(name)
                self._again.discard(name)
            failed = False
            try:
                work()
                state.failures = 0
                state.last_ok = time.monotonic()
            except Exception:
                failed = True
                state.failures += 1
                delay = min(MAX_BACKOFF, 30.0 * 2 ** (state.failures - 1)) * random.uniform(
                    0.8, 1.2
                )
                logger.exception("job_failed", failures=state.failures, retry_in=round(delay))
                self.metrics.errors.labels(kind="job").inc()
                self._run_soon(name, delay)
            finally:
                self.metrics.job_seconds.labels(job=name.split(":")[0]).observe(
                    time.monotonic() - started
                )
                structlog.contextvars.clear_contextvars()
                with self._lock:
                    self._running.discard(name)
                    again = name in self._again and not failed
                    self._again.discard(name)
            if again:
                self._run_soon(name)
            if name.startswith("sync:"):
                self._after_sync()

        return run

    # ------------------------------------------------------------------ the jobs

    def _beat(self) -> None:
        self._heartbeat = time.monotonic()
        assert self.runtime is not None
        for account, last in list(self._synced_at.items()):
            self.metrics.sync_lag.labels(account=account).set(time.time() - last)

    def _sync(self, name: str) -> None:
        assert self.runtime is not None
        runtime = self.runtime
        account = runtime.config.account(name)
        if account is None:
            return
        result = sync.sync_account(
            runtime, account, now=self.now(), should_stop=lambda: self.stopping
        )
        if result.error_kind is None:
            self._synced_at[name] = time.time()
            self.metrics.last_sync.labels(account=name).set(self._synced_at[name])
            self.metrics.sync_lag.labels(account=name).set(0)
            self._account_failures[name] = 0
        else:
            self.metrics.errors.labels(kind=result.error_kind).inc()
            failures = self._account_failures[name] = self._account_failures.get(name, 0) + 1
            # Failing accounts back off: a bad password is not retried in a tight loop.
            delay = min(MAX_BACKOFF, _interval(account) * 2 ** min(failures, 6))
            with self._lock:
                self._again.discard(f"sync:{name}")
            self._run_soon(f"sync:{name}", delay)
        new = result.total("new")
        if new:
            self.metrics.ingested.labels(account=name).inc(new)
        with self._lock:
            self._evaluate_due = self._evaluate_due or bool(new)
        self.notifier.status(self.status_line())

    def _after_sync(self) -> None:
        """When the last running sync has finished and mail came in: evaluate."""
        with self._lock:
            evaluate = self._evaluate_due and not self._syncs_running()
        if evaluate:
            self._run_soon("evaluate")

    def _syncs_running(self) -> bool:
        return any(job.startswith("sync:") for job in self._running)

    def _evaluate(self) -> None:
        assert self.runtime is not None
        with self._lock:
            if self._syncs_running():
                # Half-synced mail gives false alerts; the last sync to finish calls us again.
                self._evaluate_due = True
                return
            self._evaluate_due = False
        result = alerting.evaluate_alerts(self.runtime, now=self.now())
        logger.info("alerts_evaluated", transitions=len(result.events))
        self._alert_metrics()
        if result.events:
            self._run_soon("deliver")

    def _deliver(self) -> None:
        assert self.runtime is not None
        result = alerting.deliver(self.runtime, now=self.now())
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
        self._alert_metrics()

    def _digests(self) -> None:
        assert self.runtime is not None
        queued = alerting.send_digests(self.runtime, now=self.now())
        if queued:
            self._run_soon("deliver")

    def _purge(self) -> None:
        assert self.runtime is not None
        days = self.runtime.config.privacy.retention_days
        if not days:
            return
        from monitor.store.messages import purge_before

        counts = purge_before(self.runtime.store.engine, self.now() - timedelta(days=days))
        logger.info("retention_purged", retention_days=days, **counts)

    # ------------------------------------------------------------------ reporting

    def _alert_metrics(self) -> None:
        import sqlalchemy as sa

        from monitor.alerts.outbox import problems
        from monitor.store.schema import alerts

        assert self.runtime is not None
        engine = self.runtime.store.engine
        with engine.connect() as connection:
            counts = connection.execute(
                sa.select(alerts.c.kind, alerts.c.severity, sa.func.count())
                .where(alerts.c.state != "resolved")
                .group_by(alerts.c.kind, alerts.c.severity)
            ).all()
        self.metrics.open_alerts.clear()
        for kind, severity, count in counts:
            self.metrics.open_alerts.labels(kind=kind, severity=severity).set(count)
        state = problems(engine)
        self.metrics.outbox_depth.set(float(str(state["pending"])))
        failed = state["failed"]
        self.metrics.outbox_failed.set(len(failed) if isinstance(failed, list) else 0)

    def status_line(self) -> str:
        if self.runtime is None:
            return "starting"
        config = self.runtime.config
        failing = sorted(
            name for name, count in self._account_failures.items() if count and config.account(name)
        )
        parts = [f"{len(config.accounts)} accounts", f"{len(config.clients)} clients"]
        if failing:
            parts.append(f"failing: {', '.join(failing)}")
        return "; ".join(parts)

    def healthy(self) -> tuple[bool, str]:
        import sqlalchemy as sa

        if self.runtime is None or self.scheduler is None or not self.scheduler.running:
            return False, "scheduler not running"
        try:
            with self.runtime.store.engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
        except Exception as err:  # noqa: BLE001 - reported, not raised
            return False, f"database does not answer: {type(err).__name__}"
        return True, "ok"

    def _check_accounts(self) -> bool:
        """Log in to every account (all at once, so one slow server does not hold up the rest)
        and say what is wrong with each that fails. False if told to stop meanwhile."""
        assert self.runtime is not None
        runtime = self.runtime

        def check(account: Account) -> None:
            result = sync.check_account(runtime, account)
            if result.ok:
                logger.info(
                    "account_checked",
                    account=account.name,
                    kind=account.kind,
                    folders=len(result.folders),
                )
            else:
                logger.warning(
                    "account_check_failed",
                    account=account.name,
                    kind=account.kind,
                    detail=result.detail,
                )

        threads = [
            threading.Thread(target=check, args=(a,), name=f"check-{a.name}", daemon=True)
            for a in runtime.config.accounts
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                if self._stop.wait(0.1):
                    return False
        return True


def _interval(account: Account) -> float:
    if account.imap is not None:
        return float(account.imap.poll_seconds)
    if account.graph is not None:
        return float(account.graph.poll_seconds)
    return 300.0


def _with_store(config: Config, old: Config) -> Config:
    from dataclasses import replace

    return replace(config, store=old.store)


__all__ = ["RelmonError", "Service"]
