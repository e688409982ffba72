"""Exceptions raised by relmon, sorted by what the caller should do about them.

    RelmonError
    ├── ConfigError            the configuration is wrong: fix the file; never retried
    │   └── SecretError        a secret could not be read from its file or variable
    ├── StoreError             the database refused or is at an unexpected schema
    │   └── LeaseLost          another replica took this one's lease: stop, commit nothing
    ├── IngestError            a mailbox path cannot be read at all (one bad message is not an
    │                          error: it is quarantined with its reason and the ingest goes on)
    └── SourceError            talking to a mail server failed
        ├── AuthError          credentials rejected: count, then escalate to the operator
        ├── FolderError        a configured folder does not exist: configuration, no retry
        └── TransientError     network trouble, timeouts, throttling: back off and retry

Domain errors become ``click.ClickException`` only at the CLI edge.
"""

from __future__ import annotations


class RelmonError(Exception):
    """Base class of every error relmon raises on purpose."""


class ConfigError(RelmonError):
    """The configuration is invalid. ``problems`` lists every problem found, each naming its key."""

    def __init__(self, problems: list[str], path: str | None = None) -> None:
        self.problems = list(problems)
        self.path = path
        where = f"{path}: " if path else ""
        if len(self.problems) == 1:
            message = where + self.problems[0]
        else:
            message = f"{where}{len(self.problems)} problems:\n" + "\n".join(
                f"  - {p}" for p in self.problems
            )
        super().__init__(message)


class SecretError(ConfigError):
    """A secret named by ``…_file`` or ``…_env`` could not be read."""


class StoreError(RelmonError):
    """The store could not be opened, migrated or written."""


class LeaseLost(StoreError):
    """This replica no longer holds the lease its work needs (it expired, or another replica
    took it over): the transaction that found out was rolled back, and the work stops."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"the lease {name!r} is no longer held by this replica")


class IngestError(RelmonError):
    """A path given to ``relmon ingest`` cannot be read as a mailbox."""


class SourceError(RelmonError):
    """Talking to a mail source failed."""


class AuthError(SourceError):
    """The server rejected our credentials (wrong password, expired or revoked token)."""


class FolderError(SourceError):
    """A configured folder does not exist on the server."""


class TransientError(SourceError):
    """A failure that may go away by itself: network, timeout, throttling, server busy."""
