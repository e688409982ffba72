"""What a sync pass reports, per folder and per account (shared by every source and the CLI)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from monitor.errors import AuthError, ConfigError, FolderError, IngestError, TransientError


class ErrorKind(StrEnum):
    """Why an account's pass failed, which decides what happens next."""

    AUTH = "auth"  # credentials: counted, escalated to the operator after a few
    FOLDER = "folder"  # a configured folder or path is missing: configuration, no retry
    CONFIG = "config"  # the configuration cannot work: fix the file
    TRANSIENT = "transient"  # network, timeouts, throttling: back off and retry
    STORE = "store"  # the database failed or refused a write: logged without values
    INTERNAL = "internal"  # a bug: logged with its traceback

    @classmethod
    def of(cls, err: BaseException) -> ErrorKind:
        if isinstance(err, AuthError):
            return cls.AUTH
        if isinstance(err, FolderError | IngestError):
            return cls.FOLDER
        if isinstance(err, ConfigError):
            return cls.CONFIG
        if isinstance(err, TransientError | OSError | TimeoutError):
            return cls.TRANSIENT
        return cls.INTERNAL


@dataclass
class FolderSync:
    account: str
    folder: str
    new: int = 0  # messages stored for the first time
    known: int = 0  # already stored (seen in another folder or mailbox, or re-read after a reset)
    changed: int = 0  # flag or property changes seen (no new message)
    expunged: int = 0  # deleted on the server: recorded, kept in history
    quarantined: int = 0
    excluded: int = 0
    seconds: float = 0.0
    resynced: str | None = (
        None  # why the folder was read again from scratch (UIDVALIDITY, delta reset)
    )
    error: str | None = None  # this folder failed; the others went on

    def as_dict(self) -> dict[str, object]:
        return {
            "account": self.account,
            "folder": self.folder,
            "new": self.new,
            "known": self.known,
            "changed": self.changed,
            "expunged": self.expunged,
            "quarantined": self.quarantined,
            "excluded": self.excluded,
            "seconds": round(self.seconds, 3),
            "resynced": self.resynced,
            "error": self.error,
        }


@dataclass
class AccountSync:
    account: str
    kind: str
    folders: list[FolderSync] = field(default_factory=list)
    seconds: float = 0.0
    #: When the pass had read everything it stores (IMAP: the analysis of the last batches
    #: may still have been running), seconds from its start.
    fetched_seconds: float | None = None
    error: str | None = None  # the account as a whole failed (login, network)
    error_kind: ErrorKind | None = None
    escalated: bool = False  # this failure raised the operator alert (N consecutive failures)

    def total(self, name: str) -> int:
        return sum(int(getattr(f, name)) for f in self.folders)

    @property
    def brought_new_mail(self) -> bool:
        return self.total("new") > 0

    def as_dict(self) -> dict[str, object]:
        return {
            "account": self.account,
            "kind": self.kind,
            "seconds": round(self.seconds, 3),
            "fetched_seconds": (
                round(self.fetched_seconds, 3) if self.fetched_seconds is not None else None
            ),
            "error": self.error,
            "error_kind": self.error_kind.value if self.error_kind else None,
            "escalated": self.escalated,
            "folders": [f.as_dict() for f in self.folders],
            "totals": {
                n: self.total(n)
                for n in ("new", "known", "changed", "expunged", "quarantined", "excluded")
            },
        }


@dataclass
class AccountCheck:
    """``relmon accounts test``: what the account can do right now."""

    account: str
    kind: str
    ok: bool
    detail: str  # one line: "logged in as …", or what is wrong and what to do
    folders: list[str] = field(default_factory=list)  # the folders a sync would read
    capabilities: list[str] = field(default_factory=list)
