"""`relmon run` as a subprocess, with its JSON log lines and its systemd notifications at hand."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


class NotifySocket:
    """The listening end of systemd's notification protocol: an AF_UNIX datagram socket, at a
    path or in the abstract namespace, keeping every datagram it receives in order."""

    def __init__(self, directory: Path, *, abstract: bool = False) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = f"relmon-test-{os.getpid()}-{time.monotonic_ns()}"
            self.sock.bind("\0" + name)
            self.address = "@" + name
        else:
            path = directory / "notify.sock"
            self.sock.bind(str(path))
            self.address = str(path)
        self.sock.settimeout(0.2)
        self.datagrams: list[dict[str, str]] = []
        self._closed = False
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._closed:
            try:
                data = self.sock.recv(65536)
            except (TimeoutError, OSError):
                continue
            fields = dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)
            self.datagrams.append(fields)

    def wait_for(self, key: str, timeout: float = 30.0) -> dict[str, str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for fields in list(self.datagrams):
                if key in fields:
                    return fields
            time.sleep(0.05)
        raise AssertionError(f"no {key} notification within {timeout} s; got {self.datagrams}")

    def keys(self) -> list[str]:
        """The notification kinds in the order they arrived (STATUS-only datagrams as STATUS)."""
        return [next(iter(fields)) for fields in self.datagrams]

    def close(self) -> None:
        self._closed = True
        self._thread.join(timeout=2)
        self.sock.close()


class RelmonProcess:
    """One ``relmon --config FILE run`` process. Its stdout (JSON log lines) is read continuously
    so that the pipe never fills."""

    def __init__(self, config: Path, *, env: dict[str, str] | None = None) -> None:
        self.config = config
        environment = {
            k: v
            for k, v in os.environ.items()
            if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")
        }
        environment.update(
            {"PYTHONUNBUFFERED": "1", "RELMON_CORPORA": os.environ.get("RELMON_CORPORA", "")}
        )
        environment.update(env or {})
        self.env = environment
        self.lines: list[str] = []
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> RelmonProcess:
        self.lines = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(self.config), "run"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=ROOT,
        )
        threading.Thread(target=self._read, args=(self.process,), daemon=True).start()
        return self

    def _read(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def records(self) -> list[dict[str, Any]]:
        """Every log line as a record; a line that is not JSON fails the test (logs are JSON)."""
        out = []
        for line in list(self.lines):
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                raise AssertionError(f"a log line is not JSON: {line!r}") from None
        return out

    def events(self, name: str, **match: Any) -> list[dict[str, Any]]:
        return [
            r
            for r in self.records()
            if r.get("event") == name and all(r.get(k) == v for k, v in match.items())
        ]

    def wait_for(self, name: str, timeout: float = 30.0, **match: Any) -> dict[str, Any]:
        return self.wait_until(
            lambda: (self.events(name, **match) or [None])[-1],
            f"log event {name} {match or ''}",
            timeout,
        )

    def wait_until(self, probe: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = probe()
            if found:
                return found
            if self.process is not None and self.process.poll() is not None:
                time.sleep(0.2)  # the last lines
                found = probe()
                if found:
                    return found
                raise AssertionError(
                    f"relmon exited ({self.process.returncode}) before {what}:\n{self.output[-4000:]}"
                )
            time.sleep(0.05)
        raise AssertionError(f"no {what} within {timeout} s:\n{self.output[-4000:]}")

    def signal(self, signum: int = signal.SIGTERM) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def wait(self, timeout: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def relmon_processes() -> Iterator[list[RelmonProcess]]:
    """Processes a test starts are appended here and killed afterwards if still running."""
    started: list[RelmonProcess] = []
    try:
        yield started
    finally:
        for process in started:
            process.kill()
