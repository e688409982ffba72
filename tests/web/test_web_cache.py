"""How the dashboard keeps answers: per minute and store version, and the portfolio's figures
rebuilt in the background."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from monitor.web.cache import ClientFigures, PageCache, Refreshing

T0 = datetime(2026, 11, 20, 9, 0, 10, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def test_a_page_is_rebuilt_when_the_minute_turns_or_the_store_changes() -> None:
    clock, version, builds = Clock(), [1], []
    cache = PageCache(clock, lambda: version[0])

    def build(now: datetime) -> int:
        builds.append(now)
        return len(builds)

    first = cache.get("page", build)
    again = cache.get("page", build)
    clock.now += timedelta(seconds=30)
    same_minute = cache.get("page", build)
    clock.now += timedelta(seconds=30)
    next_minute = cache.get("page", build)
    version[0] = 2
    new_mail = cache.get("page", build)

    assert (first, again, same_minute, next_minute, new_mail) == (1, 1, 1, 2, 3)


def _wait_for(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_new_mail_is_shown_after_a_rebuild_in_the_background_while_the_old_figures_serve() -> None:
    clock, version, release = Clock(), [1], threading.Event()
    builds: list[int] = []

    def build(now: datetime) -> str:
        if builds:
            release.wait(5)  # a slow rebuild: requests meanwhile get the last figures
        builds.append(version[0])
        return f"figures of version {version[0]}"

    figures = Refreshing(build, clock, lambda: version[0])
    first = figures.get()
    version[0] = 2
    while_building = figures.get()
    release.set()
    rebuilt = _wait_for(lambda: figures.get() == "figures of version 2")

    assert first == while_building == "figures of version 1"
    assert rebuilt
    assert builds == [1, 2]


def test_figures_are_rebuilt_when_they_grow_old_even_without_new_mail() -> None:
    clock, builds = Clock(), []
    figures = Refreshing(lambda now: builds.append(now) or now, clock, lambda: 1)

    figures.get()
    clock.now += timedelta(minutes=6)
    figures.get()

    assert _wait_for(lambda: figures.built_at() == T0 + timedelta(minutes=6))
    assert len(builds) == 2


def test_new_mail_for_one_client_rebuilds_that_client_alone() -> None:
    versions = {"Acme": (10, 3), "Brightwater": (12, 5), "Halden": (7, 2)}
    built: list[list[str]] = []

    def build(now: datetime, names: list[str]) -> dict[str, str]:
        built.append(names)
        return {name: f"{name} at {versions[name]}" for name in names}

    figures = ClientFigures(["Acme", "Brightwater", "Halden"], build, lambda: dict(versions))
    figures(T0)
    versions["Brightwater"] = (13, 6)
    after_mail = figures(T0 + timedelta(minutes=1))
    figures(T0 + timedelta(minutes=2))
    much_later = figures(T0 + timedelta(minutes=16))

    assert built[:2] == [["Acme", "Brightwater", "Halden"], ["Brightwater"]]
    assert len(built) == 3  # nothing changed at minute 2; at minute 16 all have expired
    assert after_mail == ["Acme at (10, 3)", "Brightwater at (13, 6)", "Halden at (7, 2)"]
    assert much_later == after_mail


def test_the_portfolio_says_it_is_being_prepared_while_the_first_build_runs(
    runtime, monkeypatch
) -> None:
    """GIVEN relmon web just started on a store whose figures take long to build, WHEN someone
    opens the portfolio meanwhile, THEN they get at once a page that says so and looks again,
    and the portfolio itself once the build is done."""
    from starlette.testclient import TestClient

    from monitor.web import pages
    from monitor.web.app import create_app
    from tests.web.conftest import ALICE, NOW, sign_in

    release, slow = threading.Event(), pages.portfolio_figures

    def portfolio_figures(*args, **kwargs):  # type: ignore[no-untyped-def]
        release.wait(10)
        return slow(*args, **kwargs)

    monkeypatch.setattr(pages, "portfolio_figures", portfolio_figures)
    app = create_app(runtime, lambda: NOW, warm=True)
    with TestClient(app, follow_redirects=False) as client:
        sign_in(client, ALICE)
        started = time.monotonic()
        waiting = client.get("/")
        answered_in = time.monotonic() - started
        release.set()
        ready = _wait_for(lambda: "Halden Marine" in client.get("/").text)

    assert waiting.status_code == 200 and answered_in < 5
    assert "working out the figures of 7 clients" in " ".join(waiting.text.split())
    assert '<meta http-equiv="refresh" content="5">' in waiting.text
    assert "Halden Marine" not in waiting.text
    assert ready
