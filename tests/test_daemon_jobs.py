"""The scheduler's promises, in process: a failing job is logged and pushed back, a job asked
to run while it runs goes again right after, and no job ever runs twice at once."""

from __future__ import annotations

import io
import json
import threading
import time
from datetime import UTC, datetime

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from monitor.app.runtime import Runtime
from monitor.config import load_config_text
from monitor.daemon.notify import Notifier
from monitor.daemon.service import Service
from monitor.log import configure
from tests.factories import CONFIG


@pytest.fixture
def service(tmp_path):
    config = load_config_text(CONFIG + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n')
    svc = Service(config_path=None, notifier=Notifier(address=""))
    svc.runtime = Runtime.open(config)
    svc._start_scheduler(config)
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

    service._add("purge-test", purge_with_a_bug, IntervalTrigger(seconds=1), first=True)
    wait_for(lambda: runs and "job_failed" in stream.getvalue())
    time.sleep(1.5)  # an interval of 1 s would have run it again by now

    assert len(runs) == 1
    failed = [json.loads(line) for line in stream.getvalue().splitlines() if '"job_failed"' in line]
    assert [r["job"] for r in failed] == ["purge-test"], stream.getvalue()
    record = failed[0]
    assert record["failures"] == 1 and record["retry_in"] >= 20
    assert record["exception"][0]["exc_type"] == "KeyError"
    job = service.scheduler.get_job("purge-test")
    assert (job.next_run_time - datetime.now(UTC)).total_seconds() > 20


def test_a_job_asked_to_run_while_running_runs_once_more_right_after_never_alongside(
    service,
) -> None:
    inside = threading.Event()
    release = threading.Event()
    active = 0
    most = 0
    runs = 0
    lock = threading.Lock()

    def slow_sync() -> None:
        nonlocal active, most, runs
        with lock:
            active += 1
            runs += 1
            most = max(most, active)
        inside.set()
        release.wait(5)
        with lock:
            active -= 1

    service._add("sync:slow", slow_sync, IntervalTrigger(hours=1), first=True)
    assert inside.wait(5)
    for _ in range(3):  # new mail signalled three times while the pass runs
        service._run_soon("sync:slow")
    release.set()
    wait_for(lambda: runs == 2)
    time.sleep(0.5)
    assert runs == 2 and most == 1


def test_no_evaluation_runs_while_a_sync_is_half_done_and_one_follows_the_last_sync(
    service,
) -> None:
    """Mid-sync the Inbox may be stored while the Sent folder is not: every client would look
    unanswered. Evaluation waits for the syncs, then runs once they are all done."""
    stream = io.StringIO()
    configure(level="info", json=True, stream=stream)
    wait_for(
        lambda: service._jobs["evaluate"].last_ok is not None
    )  # the one at start (no accounts)
    stream.truncate(0)
    stream.seek(0)
    inside = threading.Event()
    release = threading.Event()

    def first_sync_of_a_big_mailbox() -> None:
        inside.set()
        release.wait(5)

    service._add(
        "sync:alice-imap", first_sync_of_a_big_mailbox, IntervalTrigger(hours=1), first=True
    )
    assert inside.wait(5)
    service._run_soon("evaluate")  # the evaluation timer fires meanwhile
    time.sleep(0.5)
    assert '"alerts_evaluated"' not in stream.getvalue()

    release.set()
    wait_for(lambda: '"alerts_evaluated"' in stream.getvalue())
    assert stream.getvalue().count('"alerts_evaluated"') == 1
