"""The scheduler's jobs, guarded: a job never runs twice at once, a job asked to run while it
runs goes again right after (or at the time asked, if later), and a job that fails is logged
with its traceback and pushed back further each time it fails again.

A run asked for while the job runs is handed to APScheduler as the run ends, and APScheduler
may count that run as going on for a while longer (until its thread has finished with it). A
run falling due meanwhile would be skipped, as one more instance than ``max_instances`` allows,
and the job left to its trigger: a heartbeat asking, from inside its run, for a beat a moment
later would lose it whenever the end of its run was slow. So APScheduler is let start as many
instances as it likes (:data:`INSTANCES`), and the guard here keeps the promise that a job never
runs twice at once: an instance started while the job runs (its trigger fell due) returns at
once."""

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
#: Instances of a job APScheduler may count as going on at once: never reached. Counted out only
#: once their thread is done with them, a run that has ended and an instance the guard turned
#: away may both still count; the guard, not this, lets one run at a time.
INSTANCES = 100


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
        self.again: dict[str, datetime] = {}  # when jobs asked to run while running are due
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
            max_instances=INSTANCES,
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
        """Run ``job_id`` in ``delay`` seconds; asked while it runs, once it has ended, and not
        before the time asked."""
        self._ask(job_id, delay, back_off=False)

    def push_back(self, job_id: str, delay: float) -> None:
        """Run ``job_id`` next in ``delay`` seconds, whatever was asked of the run going on (a
        failure's back-off); a later request brings it forward again."""
        self._ask(job_id, delay, back_off=True)

    def _ask(self, job_id: str, delay: float, *, back_off: bool) -> None:
        if self.stopping():
            return
        when = self.clock.now() + timedelta(seconds=delay)
        with self.lock:
            if job_id in self.running:
                asked = self.again.get(job_id)
                self.again[job_id] = when if back_off or asked is None else min(asked, when)
            else:
                self._next_run(job_id, when)

    def _next_run(self, job_id: str, when: datetime) -> None:
        """Call with ``lock`` held: the last request for a job is the one that stands."""
        with contextlib.suppress(LookupError):  # removed by a reload in the meantime
            self.scheduler.modify_job(job_id, next_run_time=when)

    def _guarded(self, name: str, work: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            if self.stopping():
                return
            structlog.contextvars.clear_contextvars()
            structlog.contextvars.bind_contextvars(job=name)
            state = self.states.setdefault(name, JobState())
            started = self.clock.monotonic()
            with self.lock:
                if name in self.running:
                    return  # its trigger fell due while it ran: skipped, as APScheduler would
                self.running.add(name)
            try:
                work()
                state.failures = 0
                state.last_ok = self.clock.monotonic()
            except Exception:  # noqa: BLE001 - logged with its traceback, the job pushed back
                self._failed(name, state)
            finally:
                self.metrics.job_seconds.labels(job=name.split(":")[0]).observe(
                    self.clock.monotonic() - started
                )
                structlog.contextvars.clear_contextvars()
                with self.lock:
                    self.running.discard(name)
                    asked = self.again.pop(name, None)
                    if asked is not None and not self.stopping():
                        # Not in the past: APScheduler drops a run overdue by more than its
                        # grace time.
                        self._next_run(name, max(asked, self.clock.now()))
            self.after(name)

        return run

    def _failed(self, name: str, state: JobState) -> None:
        """Log the failure with its traceback (called in the ``except``) and push the job back."""
        state.failures += 1
        delay = min(MAX_BACKOFF, 30.0 * 2 ** (state.failures - 1)) * self.clock.jitter(0.8, 1.2)
        logger.exception("job_failed", failures=state.failures, retry_in=round(delay))
        self.metrics.errors.labels(kind="job").inc()
        self.push_back(name, delay)
