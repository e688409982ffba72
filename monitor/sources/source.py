"""What every kind of mail source provides, and what it is given.

A source is built for one configured account from a :class:`SourceContext` and offers:

- :meth:`MailSource.check`: log in and say what a sync would read (``relmon accounts test``);
- :meth:`MailSource.sync`: one pass, resuming each folder from its cursor and writing through a
  :class:`~monitor.sources.sink.MailSink` (never the store itself), stopping early when
  ``should_stop`` says so;
- :attr:`MailSource.poll_seconds`: how often the daemon runs that pass;
- :meth:`MailSource.watch`: optionally, a watcher that signals new mail between passes.

Each kind is registered in :mod:`monitor.sources.registry`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from monitor.config import Account, Privacy
from monitor.core.text import TextAnalyzer
from monitor.sources.report import AccountCheck, AccountSync
from monitor.sources.sink import MailSink

#: Called by a watcher with the folder that changed.
OnChange = Callable[[str], None]


@dataclass(frozen=True)
class SourceContext:
    """What a pass needs besides its account: the time it runs at, the privacy settings and
    the text analyzer (built on first use: a check never needs it)."""

    now: datetime
    privacy: Privacy
    analyzer: Callable[[], TextAnalyzer]
    extra_cues: Mapping[str, tuple[str, ...]]
    #: Analysis processes for large passes (None: one per core; 0: analyse in this process).
    workers: int | None = None


class Watcher(Protocol):
    def start(self) -> None: ...

    def stop(self, timeout: float | None = 10.0) -> None: ...


class MailSource(Protocol):
    """One account's mail, read by the kind of source the account names."""

    @property
    def poll_seconds(self) -> float:
        """Seconds between two passes of the daemon."""
        ...

    def check(self) -> AccountCheck:
        """Log in and list the folders a sync would read, or say what is wrong."""
        ...

    def sync(self, sink: MailSink, *, should_stop: Callable[[], bool]) -> AccountSync:
        """One pass over every chosen folder, each from its stored cursor. Raises
        :class:`~monitor.errors.SourceError` (or a subclass) when the account as a whole fails;
        a failing folder is reported on that folder and the others go on."""
        ...

    def watch(self, on_change: OnChange) -> Watcher | None:
        """A watcher that calls ``on_change`` when new mail arrives, or None (polling only)."""
        ...


class SourceType(Protocol):
    """A kind of source: builds the source of one account. ``settings_type`` is the class of
    the account's kind-specific settings (None: the account's ``path`` is all it needs)."""

    settings_type: type[object] | None

    def __call__(self, account: Account, context: SourceContext) -> MailSource: ...
