"""Keeping the dashboard fast: answers kept while the store has not changed, and the
portfolio's figures rebuilt in the background rather than while someone waits."""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from monitor.log import get_logger

logger = get_logger()
T = TypeVar("T")


class PageCache:
    """Answers kept for the minute and the store version they were built at: rebuilt when the
    clock turns a minute or anything new is stored, never in between."""

    def __init__(self, clock: Callable[[], datetime], version: Callable[[], object]) -> None:
        self.clock, self.version = clock, version
        self._kept: dict[str, tuple[object, Any]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def now(self) -> datetime:
        return self.clock().replace(second=0, microsecond=0)

    def get(self, key: str, build: Callable[[datetime], T]) -> T:
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # one build per key at a time: the others wait and share it
            now = self.now()
            stamp = (now, self.version())
            kept = self._kept.get(key)
            if kept is not None and kept[0] == stamp:
                value: T = kept[1]
                return value
            value = build(now)
            with self._guard:
                if len(self._kept) > 256:
                    self._kept.clear()
                self._kept[key] = (stamp, value)
            return value


@dataclass(frozen=True)
class _Built(Generic[T]):
    value: T
    version: object
    at: datetime


class Refreshing(Generic[T]):
    """One costly answer, served as last built while a newer one is built in a thread.

    It is rebuilt when ``version()`` changes (new mail) or it is ``max_age`` old (silence
    grows with the clock). Only the very first request waits for a build; after that a
    request costs one ``version()`` query, and what it shows is at most one build behind."""

    def __init__(
        self,
        build: Callable[[datetime], T],
        clock: Callable[[], datetime],
        version: Callable[[], object],
        max_age: timedelta = timedelta(minutes=5),
    ) -> None:
        self.build, self.clock, self.version, self.max_age = build, clock, version, max_age
        self._built: _Built[T] | None = None
        self.generation = 0  # counts builds: what was derived from an older one is stale
        self._building = threading.Lock()

    def refresh(self) -> T:
        """Build now, in this thread (the first request, or a warm-up at start)."""
        with self._building:
            return self._rebuild()

    def _rebuild(self) -> T:
        version, now = self.version(), self.clock()
        built = _Built(self.build(now), version, now)
        self._built = built
        self.generation += 1
        return built.value

    def get(self) -> T:
        built = self._built
        if built is None:
            with self._building:
                return self._built.value if self._built is not None else self._rebuild()
        stale = self.version() != built.version or self.clock() - built.at >= self.max_age
        if stale and self._building.acquire(blocking=False):
            threading.Thread(
                target=self._in_background, name="relmon-web-refresh", daemon=True
            ).start()
        return built.value

    def ready(self) -> T | None:
        """As :meth:`get`, but None instead of waiting while the first build runs in another
        thread (the warm-up at start), so a page can say so instead of hanging."""
        if self._built is None and self._building.locked():
            return None
        return self.get()

    def built_at(self) -> datetime | None:
        return self._built.at if self._built is not None else None

    def _in_background(self) -> None:
        try:
            self._rebuild()
        except Exception:  # keep serving the last figures; say why once per try
            logger.exception("web.refresh_failed")
        finally:
            self._building.release()


@dataclass(frozen=True)
class _Kept(Generic[T]):
    value: T
    version: object
    expires: datetime


class ClientFigures(Generic[T]):
    """Per-client figures, rebuilt only for the clients whose mail changed or whose figures
    expired: new mail for one client costs one client's evaluation, not the whole portfolio's.

    Expiry is spread over ``max_age`` by the client's name, so the clients built together at
    start do not all fall due again at the same moment."""

    def __init__(
        self,
        clients: Sequence[str],
        build: Callable[[datetime, list[str]], Mapping[str, T]],
        versions: Callable[[], Mapping[str, object]],
        max_age: timedelta = timedelta(minutes=15),
    ) -> None:
        self.clients, self.build, self.versions, self.max_age = (
            list(clients),
            build,
            versions,
            max_age,
        )
        self._kept: dict[str, _Kept[T]] = {}

    def _lifetime(self, name: str) -> timedelta:
        return self.max_age * (0.5 + (zlib.crc32(name.encode()) % 1000) / 2000)

    def __call__(self, now: datetime) -> list[T]:
        versions = self.versions()
        due = [
            name
            for name in self.clients
            if (kept := self._kept.get(name)) is None
            or kept.version != versions.get(name)
            or now >= kept.expires
        ]
        if due:
            built = self.build(now, due)
            for name in due:
                self._kept[name] = _Kept(
                    built[name], versions.get(name), now + self._lifetime(name)
                )
        return [self._kept[name].value for name in self.clients]
