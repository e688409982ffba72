"""The scheduler's jobs, guarded: a job never runs twice at once, a job asked to run while it
runs goes again right after, and a job that fails is logged with its traceback and pushed back
further each time it fails again."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import structlog
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.util import undefined

from monitor.config import Config
from monitor.daemon.clock import Clock
from monitor.daemon.metrics import Metrics
from monitor.log import get_logger

logger = get_logger()
#: The longest a failing job is pushed back.
MAX_BACKOFF = 3600.0


class ScheduledJob(Protocol):
    id: str
    next_run_time: datetime | None

    def remove(self) -> None: ...


class Scheduler(Protocol):
    """What the daemon asks of its scheduler (APScheduler's, unless a test gives another)."""

    @property
    def running(self) -> bool: ...

    def add_job(
        self, func: Callable[[], None], trigger: BaseTrigger, **options: object
    ) -> object: ...

    def modify_job(self, job_id: str, **changes: object) -> object: ...

    def get_job(self, job_id: str) -> ScheduledJob | None: ...

    def get_jobs(self) -> list[ScheduledJob]: ...

    def start(self) -> None: ...

    def pause(self) -> None: ...

    def shutdown(self, wait: bool = True) -> None: ...


def build_scheduler(config: Config) -> Scheduler:
    """APScheduler in this process: a thread per running job, missed runs coalesced."""
    workers = max(4, len(config.accounts) + 4)
    scheduler: Scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(workers)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone=config.team.tz,
    )
    return scheduler


@dataclass
class JobState:
    failures: int = 0
    last_ok: float | None = None  # Clock.monotonic() at the end of the last good run


class Jobs:
    """The named jobs of one scheduler. ``lock`` also guards the caller's state that depends on
    which jobs are running; ``after(name)`` is called when a run of a job has finished."""

    def __init__(
        self,
        scheduler: Scheduler,
        *,
        clock: Clock,
        metrics: Metrics,
        stopping: Callable[[], bool],
        after: Callable[[str], None],
    ) -> None:
        self.scheduler = scheduler
        self.clock = clock
        self.metrics = metrics
        self.stopping = stopping
        self.after = after
        self.states: dict[str, JobState] = {}
        self.running: set[str] = set()  # jobs running now
        self.again: set[str] = set()  # jobs asked to run while they were running
        self.lock = threading.Lock()

    def add(
        self, name: str, work: Callable[[], None], trigger: BaseTrigger, *, first: bool = False
    ) -> None:
        """Schedule ``work``; ``first``: run it now too, not a whole interval after start."""
        self.states.setdefault(name, JobState())
        self.scheduler.add_job(
            self._guarded(name, work),
            trigger,
            id=name,
            name=name,
            replace_existing=True,
            next_run_time=self.clock.now() if first else undefined,
        )

    def stop(self, seconds: float) -> bool:
        """Pause the scheduler and wait up to ``seconds`` for running jobs; False if one is
        still running then (a server that stopped answering mid-command)."""
        scheduler = self.scheduler
        scheduler.pause()
        finished = threading.Event()

        def wait_for_jobs() -> None:
            scheduler.shutdown(wait=True)
            finished.set()

        threading.Thread(target=wait_for_jobs, daemon=True).start()
        return finished.wait(seconds)

    def remove_except(self, prefix: str, wanted: set[str]) -> None:
        """Unschedule the jobs named ``prefix…`` that are not in ``wanted``."""
        for job in self.scheduler.get_jobs():
            if job.id.startswith(prefix) and job.id not in wanted:
                job.remove()

    def any_running(self, prefix: str) -> bool:
        """Call with ``lock`` held."""
        return any(job.startswith(prefix) for job in self.running)

    def run_soon(self, job_id: str, delay: float = 0.0) -> None:
        if self.stopping():
            return
        with self.lock:
            if delay == 0.0 and job_id in self.running:
                # APScheduler would skip a run while one is going; run again right after it.
                self.again.add(job_id)
                return
        with contextlib.suppress(LookupError):  # removed by a reload in the meantime
            self.scheduler.modify_job(
                job_id, next_run_time=self.clock.now() + timedelta(seconds=delay)
            )

    def _guarded(self, name: str, work: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            if self.stopping():
                return
            structlog.contextvars.clear_contextvars()
            structlog.contextvars.bind_contextvars(job=name)
            state = self.states.setdefault(name, JobState())
            started = self.clock.monotonic()
            with self.lock:
                self.running.add(name)
                self.again.discard(name)
            failed = False
            try:
                work()
                state.failures = 0
                state.last_ok = self.clock.monotonic()
            except Exception:  # noqa: BLE001 - logged with its traceback, the job pushed back
                failed = True
                self._failed(name, state)
            finally:
                self.metrics.job_seconds.labels(job=name.split(":")[0]).observe(
                    self.clock.monotonic() - started
                )
                structlog.contextvars.clear_contextvars()
                with self.lock:
                    self.running.discard(name)
                    again = name in self.again and not failed
                    self.again.discard(name)
            if again:
                self.run_soon(name)
            self.after(name)

        return run

    def _failed(self, name: str, state: JobState) -> None:
        """Log the failure with its traceback (called in the ``except``) and push the job back."""
        state.failures += 1
        delay = min(MAX_BACKOFF, 30.0 * 2 ** (state.failures - 1)) * self.clock.jitter(0.8, 1.2)
        logger.exception("job_failed", failures=state.failures, retry_in=round(delay))
        self.metrics.errors.labels(kind="job").inc()
        self.run_soon(name, delay)
