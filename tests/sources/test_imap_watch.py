"""The IDLE watcher against a real Dovecot: it signals new mail, survives dropped and stalled
connections, polls when IDLE is off, stops promptly, and never hammers a server that refuses
the password."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from monitor.config import Account
from monitor.sources.imap_watch import ImapWatcher
from tests.factories import team_config
from tests.servers.dovecot import Dovecot
from tests.servers.proxy import FaultyProxy
from tests.sources.imap_helpers import client_mail, our_replies

pytestmark = pytest.mark.live


class Signals:
    def __init__(self) -> None:
        self.folders: list[str] = []
        self.errors: list[str] = []
        self.event = threading.Event()

    def change(self, folder: str) -> None:
        self.folders.append(folder)
        self.event.set()

    def error(self, err: Exception) -> None:
        self.errors.append(str(err))

    def wait_for(self, folder: str, timeout: float = 8.0) -> float:
        """Seconds until ``folder`` was signalled (fails after ``timeout``)."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if folder in self.folders:
                return time.monotonic() - started
            self.event.wait(0.05)
            self.event.clear()
        raise AssertionError(f"no signal for {folder!r} within {timeout} s (got {self.folders})")


def account_for(
    server: Dovecot, *, port: int | None = None, extra: str = "", timeout: float = 10
) -> Account:
    return team_config(extra=server.account_toml(port=port, timeout=timeout, extra=extra)).accounts[
        0
    ]


def wait_until(condition: Callable[[], bool], timeout: float = 8.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_new_mail_is_signalled_within_seconds_over_idle(dovecot: Dovecot) -> None:
    signals = Signals()
    watcher = ImapWatcher(account_for(dovecot), on_change=signals.change, poll_seconds=0.5)
    watcher.start()
    try:
        wait_until(lambda: watcher.status.mode == "idle")
        dovecot.append("INBOX", client_mail(1))
        assert signals.wait_for("INBOX") < 3  # Dovecot itself waits about half a second
        dovecot.append("Sent", our_replies(1))
        signals.wait_for("Sent")  # not idled on: found by STATUS between IDLEs
    finally:
        watcher.stop()
    assert watcher.status.mode == "stopped" and watcher.status.idle_folder == "INBOX"
    assert watcher.status.folders[:2] == ("INBOX", "Sent")


def test_idle_is_renewed_before_the_server_would_drop_it(dovecot: Dovecot) -> None:
    """Each renewal ends the IDLE, proves the connection with NOOP and idles again; mail that
    arrives after several renewals is still seen on the same connection."""
    signals = Signals()
    watcher = ImapWatcher(
        account_for(dovecot), on_change=signals.change, renew_seconds=0.3, poll_seconds=60
    )
    watcher.start()
    try:
        wait_until(lambda: watcher.status.mode == "idle")
        time.sleep(1.5)
        dovecot.append("INBOX", client_mail(1))
        signals.wait_for("INBOX")
    finally:
        watcher.stop()
    assert watcher.status.connects == 1 and watcher.status.stalls == 0


def test_dropped_connection_is_reconnected_and_all_folders_signalled(dovecot: Dovecot) -> None:
    proxy = FaultyProxy((dovecot.host, dovecot.port))
    signals = Signals()
    watcher = ImapWatcher(
        account_for(dovecot, port=proxy.port),
        on_change=signals.change,
        retry_base=0.1,
        retry_cap=0.5,
        poll_seconds=60,
    )
    watcher.start()
    try:
        wait_until(lambda: watcher.status.mode == "idle")
        proxy.drop_all()
        wait_until(lambda: watcher.status.reconnects == 1 and watcher.status.mode == "idle")
        # Mail may have arrived while nobody listened: every folder is signalled.
        assert {"INBOX", "Sent"} <= set(signals.folders)
        signals.folders.clear()
        dovecot.append("INBOX", client_mail(1))
        signals.wait_for("INBOX")
    finally:
        watcher.stop()
        proxy.close()


def test_stalled_idle_is_detected_and_restarted(dovecot: Dovecot) -> None:
    """GIVEN a connection that goes silent (half-open: no data, no error) WHEN the server has
    said nothing for stall_seconds THEN the watcher probes, times out, and reconnects."""
    proxy = FaultyProxy((dovecot.host, dovecot.port))
    signals = Signals()
    watcher = ImapWatcher(
        account_for(dovecot, port=proxy.port, timeout=1),
        on_change=signals.change,
        stall_seconds=1.0,
        retry_base=0.1,
        retry_cap=0.5,
        poll_seconds=60,
    )
    watcher.start()
    try:
        wait_until(lambda: watcher.status.mode == "idle")
        proxy.go_silent()
        time.sleep(0.2)
        wait_until(lambda: watcher.status.stalls >= 1, timeout=6)
        proxy.speak()
        proxy.drop_all()
        wait_until(
            lambda: watcher.status.reconnects >= 1 and watcher.status.mode == "idle", timeout=8
        )
        signals.folders.clear()
        dovecot.append("INBOX", client_mail(1))
        signals.wait_for("INBOX")
    finally:
        watcher.stop()
        proxy.close()


def test_polling_is_used_when_idle_is_turned_off(dovecot: Dovecot) -> None:
    signals = Signals()
    watcher = ImapWatcher(
        account_for(dovecot, extra="idle = false\n"), on_change=signals.change, poll_seconds=0.3
    )
    watcher.start()
    try:
        wait_until(lambda: watcher.status.mode == "poll")
        assert signals.folders == []
        dovecot.append("Archive", client_mail(1))
        signals.wait_for("Archive")
        assert "INBOX" not in signals.folders
    finally:
        watcher.stop()


def test_stop_from_another_thread_returns_promptly(dovecot: Dovecot) -> None:
    watcher = ImapWatcher(account_for(dovecot), on_change=lambda folder: None)
    watcher.start()
    wait_until(lambda: watcher.status.mode == "idle")

    started = time.monotonic()
    threading.Thread(target=watcher.stop).start()
    wait_until(lambda: watcher.status.mode == "stopped", timeout=3)

    assert time.monotonic() - started < 2


def test_wrong_password_is_reported_once_and_retried_slowly(dovecot: Dovecot, monkeypatch) -> None:
    account = account_for(dovecot)
    monkeypatch.setenv("RELMON_TEST_IMAP_PASSWORD", "not-the-password")
    signals = Signals()
    watcher = ImapWatcher(
        account, on_change=signals.change, on_error=signals.error, auth_retry_seconds=0.5
    )
    watcher.start()
    try:
        time.sleep(2.0)
    finally:
        watcher.stop()

    assert len(signals.errors) == 1 and "rejected the username or password" in signals.errors[0]
    # 0.5 s, then 1 s, then 2 s …: at most three attempts in two seconds, never a tight loop.
    assert 1 <= watcher.status.consecutive_failures <= 3
    assert watcher.status.connects == 0 and signals.folders == []
