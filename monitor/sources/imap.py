"""IMAP mailboxes (placeholder: the IMAP source is being built; see the IMAP issue)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from monitor.config import Account
from monitor.errors import SourceError
from monitor.runtime import Runtime
from monitor.sources.report import AccountCheck, AccountSync


def sync_imap(runtime: Runtime, account: Account, *, now: datetime, should_stop: Callable[[], bool] = lambda: False) -> AccountSync:
    raise SourceError(f"account {account.name!r}: IMAP sync is not available in this version")


def check_imap(runtime: Runtime, account: Account) -> AccountCheck:
    return AccountCheck(account.name, account.kind, False, "IMAP is not available in this version")
