"""The daemon's signals, and SIGHUP's reload: the configuration read again, or the old one
kept when the new one is invalid."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from dataclasses import replace
from types import FrameType

from monitor.app.runtime import Runtime, follow_privacy
from monitor.config.validation import load_checked_config
from monitor.daemon.notify import Notifier
from monitor.errors import ConfigError
from monitor.log import get_logger

logger = get_logger()


def reloaded(old: Runtime, config_path: str | None, notifier: Notifier) -> Runtime | None:
    """A runtime on the new configuration and the same store, with stored mail attributed
    again to the new clients and team; None (logged, and told to systemd) when the new
    configuration is invalid and the running one stays."""
    try:
        config = load_checked_config(config_path)
    except ConfigError as err:
        logger.error(
            "config_reload_rejected",
            problems=err.problems,
            path=err.path,
            kept="the running configuration",
        )
        notifier.send(
            READY=1, STATUS="configuration reload rejected; running with the previous one"
        )
        return None
    if config.store.url != old.config.store.url:
        logger.warning(
            "config_reload_store_unchanged",
            reason="a new store URL takes effect at the next start",
        )
        config = replace(config, store=old.config.store)
    runtime = Runtime(config=config, store=old.store, directory=config.directory(), analyzer=None)
    from monitor.store.messages import reattribute

    reattribute(old.store.engine, runtime.directory, config.attribution_fingerprint())
    follow_privacy(old.store, config)
    return runtime


def install_signals(on_stop: Callable[[int], None], on_hup: Callable[[], None]) -> None:
    """SIGTERM and SIGINT call ``on_stop(signum)``, SIGHUP ``on_hup()`` (main thread only)."""

    def stop(signum: int, _frame: FrameType | None) -> None:
        on_stop(signum)

    def hup(_signum: int, _frame: FrameType | None) -> None:
        on_hup()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGHUP, hup)
