"""The scheduler's promises, in process: a failing job is logged and pushed back, a job asked
to run while it runs goes again right after (however slow the end of its run), and no job ever
runs twice at once."""

from __future__ import annotations

import contextlib
import io
import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from monitor.app.runtime import Runtime
from monitor.config import load_config_text
from monitor.daemon.clock import Clock
from monitor.daemon.jobs import Jobs
from monitor.daemon.metrics import Metrics
from monitor.daemon.notify import Notifier
from monitor.daemon.service import Service
from monitor.log import configure
from tests.factories import CONFIG


@pytest.fixture
def service(tmp_path):
    config = load_config_text(CONFIG + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n')
    # The service's time stands still at the start: whatever it schedules is relative to that
    # instant, and retries are spread by exactly nothing.
    start = datetime.now(UTC).replace(microsecond=0)
    clock = Clock(now=lambda: start, jitter=lambda low, high: 1.0)
    svc = Service(config_path=None, notifier=Notifier(address=""), clock=clock)
    svc.runtime = Runtime.open(config)
    svc.start_scheduler(config)
    try:
        yield svc
    finally:
        assert svc.scheduler is not None
        svc.stop()  # as on SIGTERM: no job schedules another while the scheduler shuts down
        svc.scheduler.shutdown(wait=True)
        svc.runtime.close()


def wait_for(probe, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached")


def test_a_failing_job_is_logged_with_its_traceback_and_pushed_back(service) -> None:
    stream = io.StringIO()
    configure(level="info", json=True, stream=stream)
    runs: list[datetime] = []

    def purge_with_a_bug() -> None:
        runs.append(datetime.now(UTC))
        raise KeyError("retention_days")

    service.jobs.add("purge-test", purge_with_a_bug, IntervalTrigger(seconds=1), first=True)
    pushed_back = service.clock.now() + timedelta(seconds=30)

    wait_for(lambda: service.scheduler.get_job("purge-test").next_run_time == pushed_back)

    assert len(runs) == 1  # the next run is 30 s after the failure, not the interval's 1 s
    failed = [json.loads(line) for line in stream.getvalue().splitlines() if '"job_failed"' in line]
    assert [r["job"] for r in failed] == ["purge-test"], stream.getvalue()
    record = failed[0]
    assert record["failures"] == 1 and record["retry_in"] == 30
    assert record["exception"][0]["exc_type"] == "KeyError"


class Passes:
    """A sync pass that waits for ``release`` (set: it takes ``seconds``), counting the passes
    and the most running at once."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds
        self.inside = threading.Event()
        self.release = threading.Event()
        self.active = self.most = self.runs = 0
        self._lock = threading.Lock()
        if seconds:
            self.release.set()

    def __call__(self) -> None:
        with self._lock:
            self.active += 1
            self.runs += 1
            self.most = max(self.most, self.active)
        self.inside.set()
        if self.seconds:
            time.sleep(self.seconds)
        else:
            self.release.wait(5)
        with self._lock:
            self.active -= 1


def test_a_job_asked_to_run_while_running_runs_once_more_right_after_never_alongside(
    service,
) -> None:
    slow_sync = Passes()
    service.jobs.add("sync:slow", slow_sync, IntervalTrigger(hours=1), first=True)
    assert slow_sync.inside.wait(5)
    for _ in range(3):  # new mail signalled three times while the pass runs
        service.wake(account="slow")
    slow_sync.release.set()
    # The second run has finished and nothing asked for a third: none can come within the hour.
    wait_for(lambda: slow_sync.runs == 2 and not service.jobs.running and not service.jobs.again)

    assert slow_sync.runs == 2 and slow_sync.most == 1


def test_no_evaluation_runs_while_a_sync_is_half_done_and_one_follows_the_last_sync(
    service,
) -> None:
    """Mid-sync the Inbox may be stored while the Sent folder is not: every client would look
    unanswered. Evaluation waits for the syncs, then runs once they are all done."""
    stream = io.StringIO()
    configure(level="info", json=True, stream=stream)
    evaluations = service.jobs.states["evaluate"]
    wait_for(lambda: evaluations.last_ok is not None)  # the one at start (no accounts)
    stream.truncate(0)
    stream.seek(0)
    inside = threading.Event()
    release = threading.Event()

    def first_sync_of_a_big_mailbox() -> None:
        inside.set()
        release.wait(5)

    service.jobs.add(
        "sync:alice-imap", first_sync_of_a_big_mailbox, IntervalTrigger(hours=1), first=True
    )
    assert inside.wait(5)
    before = evaluations.last_ok
    service.run_soon("evaluate")  # the evaluation timer fires meanwhile
    wait_for(lambda: evaluations.last_ok != before)  # it ran, and left the work for later
    assert '"alerts_evaluated"' not in stream.getvalue()

    release.set()
    wait_for(lambda: '"alerts_evaluated"' in stream.getvalue())
    assert stream.getvalue().count('"alerts_evaluated"') == 1


class SteppedClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.seconds = 1_000_000.0

    def step(self, seconds: float) -> None:
        self.seconds += seconds

    def clock(self) -> Clock:
        return Clock(
            now=lambda: datetime.fromtimestamp(self.seconds, UTC),
            monotonic=lambda: self.seconds,
            wall=lambda: self.seconds,
        )


def test_the_watchdog_is_fed_only_while_the_scheduler_beats() -> None:
    """GIVEN a watchdog interval of 2 s
    WHEN the scheduler's heartbeat stops
    THEN keep-alives continue for four intervals and ten seconds of grace, then stop, so
    systemd restarts a hung scheduler."""
    stepped = SteppedClock()
    service = Service(config_path=None, notifier=Notifier(address=""), clock=stepped.clock())
    service._beat()

    stepped.step(17)
    alive_after_17 = service._alive(2.0)
    stepped.step(2)
    alive_after_19 = service._alive(2.0)
    service._beat()

    assert alive_after_17 and not alive_after_19
    assert service._alive(2.0)


def test_sync_lag_is_the_time_since_the_last_good_sync() -> None:
    stepped = SteppedClock()
    service = Service(config_path=None, notifier=Notifier(address=""), clock=stepped.clock())
    service._synced_at["alice-imap"] = stepped.seconds

    stepped.step(90)
    service._beat()

    lag = service.metrics.registry.get_sample_value(
        "relmon_sync_lag_seconds", {"account": "alice-imap"}
    )
    assert lag == 90


class SlowEnding:
    """The hook called after each run, taking ``seconds`` (a loaded machine): APScheduler
    counts the run as going on until it returns. ``entered`` is set once a run is ending."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.entered = threading.Event()

    def __call__(self, _name: str) -> None:
        self.entered.set()
        time.sleep(self.seconds)


@contextlib.contextmanager
def real_jobs(*, ending: float = 0.0, grace: int = 300):
    """Jobs on a real APScheduler, configured as the daemon's but for its grace time for a
    late run (``grace``), whose runs take ``ending`` seconds to end (:class:`SlowEnding`)."""
    scheduler = BackgroundScheduler(
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace}
    )
    stopping = False
    jobs = Jobs(
        scheduler,
        clock=Clock(),
        metrics=Metrics(),
        stopping=lambda: stopping,
        after=SlowEnding(ending),
    )
    scheduler.start()
    try:
        yield jobs
    finally:
        stopping = True
        scheduler.shutdown(wait=True)


@pytest.fixture
def slow_ending_jobs():
    with real_jobs(ending=0.4) as jobs:
        yield jobs


def test_a_heartbeat_that_asks_for_an_early_beat_from_inside_its_run_gets_it(
    slow_ending_jobs,
) -> None:
    """GIVEN the lease heartbeat, every 20 s, finding another replica's lease about to run out
    WHEN it asks, from inside its run, for a beat 0.1 s later to take that lease over
    THEN that beat comes once the run has ended, not a whole interval later: the take-over
    happens within the lease, as promised, however slow the end of the run was."""
    beats: list[float] = []

    def leases() -> None:
        beats.append(time.monotonic())
        if len(beats) == 1:
            slow_ending_jobs.run_soon("leases", 0.1)

    slow_ending_jobs.add("leases", leases, IntervalTrigger(seconds=20), first=True)
    wait_for(lambda: len(beats) == 2, timeout=5)

    assert beats[1] - beats[0] < 2


def test_new_mail_signalled_as_a_pass_ends_starts_another_pass(slow_ending_jobs) -> None:
    """GIVEN a sync pass that has done its work and is ending
    WHEN new mail is signalled then (IMAP IDLE wakes the account)
    THEN another pass follows at once, since the ending one may have listed the folder before
    the mail arrived; it is not left to the next poll an hour later."""
    passes = 0
    finished = threading.Event()

    def sync() -> None:
        nonlocal passes
        passes += 1
        finished.set()

    slow_ending_jobs.add("sync:alice-imap", sync, IntervalTrigger(hours=1), first=True)
    assert finished.wait(5)
    assert slow_ending_jobs.after.entered.wait(5)  # the pass is ending
    slow_ending_jobs.run_soon("sync:alice-imap")
    wait_for(lambda: passes == 2, timeout=5)

    assert passes == 2


def test_a_back_off_asked_while_a_pass_runs_wins_over_an_earlier_request(slow_ending_jobs) -> None:
    """GIVEN a pass asked to go again right after (new mail) that then fails to log in
    WHEN it pushes its account back by ten minutes
    THEN no pass follows right after: the back-off is the last word."""
    passes = 0
    inside = threading.Event()

    def sync() -> None:
        nonlocal passes
        passes += 1
        slow_ending_jobs.run_soon("sync:alice-imap")
        slow_ending_jobs.push_back("sync:alice-imap", 600)
        inside.set()

    slow_ending_jobs.add("sync:alice-imap", sync, IntervalTrigger(hours=1), first=True)
    assert inside.wait(5)
    wait_for(lambda: not slow_ending_jobs.running, timeout=5)
    time.sleep(0.6)  # past the end of the run, and any run it would have started
    job = slow_ending_jobs.scheduler.get_job("sync:alice-imap")

    assert passes == 1
    assert job.next_run_time - datetime.now(UTC) > timedelta(seconds=590)


def test_new_mail_signalled_early_in_a_long_pass_starts_another_pass_after_it() -> None:
    """GIVEN a sync pass longer than the scheduler's grace time for a late run (2 s here)
    WHEN new mail is signalled at its start
    THEN another pass follows it: the run asked for is not dropped as long overdue."""
    passes = 0

    def long_sync() -> None:
        nonlocal passes
        passes += 1
        if passes == 1:
            jobs.run_soon("sync:alice-imap")
            time.sleep(3)

    with real_jobs(grace=2) as jobs:
        jobs.add("sync:alice-imap", long_sync, IntervalTrigger(hours=1), first=True)
        wait_for(lambda: passes == 2, timeout=10)

    assert passes == 2


def test_a_trigger_falling_due_while_a_pass_runs_never_starts_a_second_one_alongside() -> None:
    """GIVEN an account polled every 0.2 s whose pass takes a second
    WHEN its trigger falls due four times during the pass
    THEN no second pass ever runs alongside the first (APScheduler may start one: the guard
    turns it away), and passes go on afterwards."""
    slow_sync = Passes(seconds=1.0)

    with real_jobs() as jobs:
        jobs.add("sync:alice-imap", slow_sync, IntervalTrigger(seconds=0.2), first=True)
        wait_for(lambda: slow_sync.runs >= 3, timeout=10)

    assert slow_sync.most == 1


def test_answers_grown_old_are_refreshed_by_a_job_of_their_own_every_few_minutes(
    service,
) -> None:
    refresh = service.scheduler.get_job("refresh")

    assert refresh is not None
    assert refresh.trigger.interval == timedelta(minutes=5)
    assert service.scheduler.get_job("evaluate").trigger.interval == timedelta(minutes=15)


def test_a_replica_that_takes_the_evaluation_over_sends_what_is_due_at_once() -> None:
    """The digests job's first run comes before the evaluation's lease is taken, and finds
    nothing to do there: the beat that takes the lease runs it again at once, so digests and
    weekly reports due at start do not wait for the job's next five-minute check."""
    from monitor.daemon.replicas import Beat

    class Replica:
        evaluates = False

        def heartbeat(self) -> Beat:
            self.evaluates = True  # this beat took the evaluation's lease
            return Beat(evaluate=False, again_in=None)

    svc = Service(config_path=None, notifier=Notifier(address=""), clock=Clock())
    svc.replicas = Replica()  # type: ignore[assignment]
    asked: list[str] = []
    svc.run_soon = lambda job, delay=0.0: asked.append(job)  # type: ignore[method-assign]

    svc._leases()
    svc._leases()  # held since: nothing more to send at once

    assert asked == ["digests"]
