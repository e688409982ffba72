"""The daemon's accounts: the check at start, and the watchers that wake a sync."""

from __future__ import annotations

import threading

from monitor.app import sync
from monitor.app.runtime import Runtime
from monitor.config import Account
from monitor.log import get_logger
from monitor.sources.source import Watcher

logger = get_logger()


def check_accounts(runtime: Runtime, stop: threading.Event) -> bool:
    """Log in to every account (all at once, so one slow server does not hold up the rest)
    and say what is wrong with each that fails. False if told to stop meanwhile."""

    def check(account: Account) -> None:
        result = sync.check_account(runtime, account)
        if result.ok:
            logger.info(
                "account_checked",
                account=account.name,
                kind=account.kind,
                folders=len(result.folders),
            )
        else:
            logger.warning(
                "account_check_failed",
                account=account.name,
                kind=account.kind,
                detail=result.detail,
            )

    threads = [
        threading.Thread(target=check, args=(a,), name=f"check-{a.name}", daemon=True)
        for a in runtime.config.accounts
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            if stop.wait(0.1):
                return False
    return True


class Watchers:
    """At most one new-mail watcher per account."""

    def __init__(self) -> None:
        self._by_account: dict[str, Watcher] = {}

    def keep_only(self, accounts: set[str]) -> None:
        """Stop the watchers of accounts no longer configured."""
        for name in list(self._by_account):
            if name not in accounts:
                self._by_account.pop(name).stop(timeout=0)

    def replace(self, account: str, watcher: Watcher | None) -> None:
        """Start ``watcher`` in place of the account's previous one (None: leave things be)."""
        if watcher is None:
            return
        previous = self._by_account.pop(account, None)
        if previous is not None:
            previous.stop(timeout=0)
        self._by_account[account] = watcher
        watcher.start()

    def stop_all(self) -> None:
        for watcher in self._by_account.values():
            watcher.stop(timeout=0)
