"""The kinds of mail source, by the ``kind`` an account names in the configuration.

Each kind's module is imported on first use: it pulls in its protocol library (imapclient,
msal, requests), which commands that only query the store never need. Adding a kind of source
is one module with a class following :class:`~monitor.sources.source.MailSource` and
:class:`~monitor.sources.source.SourceType`, plus one line here.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from monitor.errors import ConfigError

if TYPE_CHECKING:  # the configuration may read the kinds from here: no import back into it
    from monitor.config import Account
    from monitor.sources.source import MailSource, SourceContext, SourceType


@dataclass(frozen=True)
class Registration:
    module: str  # imported on first use
    name: str  # the SourceType in that module

    def load(self) -> SourceType:
        return cast("SourceType", getattr(importlib.import_module(self.module), self.name))


SOURCES: dict[str, Registration] = {
    "maildir": Registration("monitor.sources.local_source", "LocalSource"),
    "mbox": Registration("monitor.sources.local_source", "LocalSource"),
    "imap": Registration("monitor.sources.imap", "ImapSource"),
    "graph": Registration("monitor.sources.graph", "GraphSource"),
}


def kinds() -> tuple[str, ...]:
    """Every account kind the configuration may name."""
    return tuple(SOURCES)


def source_type(kind: str) -> SourceType:
    registration = SOURCES.get(kind)
    if registration is None:  # pragma: no cover - the configuration accepts only known kinds
        raise ConfigError([f"unknown account kind {kind!r} (known: {', '.join(SOURCES)})"])
    return registration.load()


def open_source(account: Account, context: SourceContext) -> MailSource:
    """The source of ``account``, by its kind."""
    return source_type(account.kind)(account, context)
