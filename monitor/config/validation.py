"""What a configuration needs from the machine it runs on, checked the same way everywhere.

Reading the file (:mod:`~monitor.config.loading`) checks what the file says. This module checks
what it points at: every secret can be read, every maildir or mbox path exists, the SQLite
database's folder exists or can be made. ``relmon config check``, ``relmon run`` at start and
the daemon's reload on SIGHUP all call :func:`load_checked_config` (or :func:`machine_problems`),
so a configuration one of them accepts is never refused by another.

A problem names its key and says what is wrong; a secret's value is never part of it.
"""

from __future__ import annotations

import os
from pathlib import Path

from monitor.config.loading import load_config
from monitor.config.model import Config
from monitor.errors import ConfigError, SecretError


def load_checked_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read the file and check it against this machine. Raises :class:`ConfigError` with every
    problem of either kind."""
    config = load_config(path)
    problems = machine_problems(config)
    if problems:
        raise ConfigError(problems, str(config.path) if config.path else None)
    return config


def machine_problems(config: Config) -> list[str]:
    """Everything the configuration refers to that this machine cannot give it, key first."""
    return [*secret_problems(config), *path_problems(config), *store_problems(config)]


#: The fewest characters of a secret whose whole worth is not being guessed.
MIN_PROXY_SECRET = 16


def secret_problems(config: Config) -> list[str]:
    problems: list[str] = []
    for _key, secret in config.secrets():
        try:
            value = secret.reveal()
        except SecretError as err:
            problems.extend(err.problems)
            continue
        if secret is config.web.proxy_secret and len(value.strip()) < MIN_PROXY_SECRET:
            # An empty one would let every request through as the proxy's.
            problems.append(
                f"{secret.key}: the proxy's secret is {len(value.strip())} characters; "
                f"give at least {MIN_PROXY_SECRET} (e.g. from `openssl rand -hex 24`)"
            )
    return problems


def unreadable_secrets(config: Config) -> set[str]:
    """The keys of the secrets that cannot be read (shown as missing, never as ``********``)."""
    missing: set[str] = set()
    for key, secret in config.secrets():
        try:
            secret.reveal()
        except SecretError:
            missing.add(key)
    return missing


def path_problems(config: Config) -> list[str]:
    """A maildir must be a folder (with ``cur`` or ``new``, or folders of its own), an mbox a file."""
    problems: list[str] = []
    for index, account in enumerate(config.accounts):
        if account.path is None:
            continue
        key = f"accounts[{index}].path"
        path = account.path
        if not path.exists():
            problems.append(f"{key}: no such file or folder: {str(path)!r}")
        elif not os.access(path, os.R_OK):
            problems.append(f"{key}: {str(path)!r} cannot be read by this user")
        elif account.kind == "maildir" and not path.is_dir():
            problems.append(f"{key}: {str(path)!r} is a file; a maildir is a folder")
        elif account.kind == "mbox" and not (path.is_file() or path.is_dir()):
            problems.append(f"{key}: {str(path)!r} is neither an mbox file nor a folder of them")
    return problems


def store_problems(config: Config) -> list[str]:
    """A SQLite database is created on first use: its folder must exist or be creatable."""
    url = config.store.url
    if not url.startswith("sqlite:///"):
        return []
    raw = url[len("sqlite:///") :].split("?", 1)[0]
    if not raw or raw == ":memory:":
        return []
    database = Path(raw)
    if database.exists() and not database.is_file():
        return [f"store.url: {str(database)!r} is a directory, not a database file"]
    if database.exists():
        return [] if os.access(database, os.R_OK | os.W_OK) else [_unwritable(database)]
    folder = _nearest_existing(database.parent)
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        return [_unwritable(database)]
    return []


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _unwritable(database: Path) -> str:
    return (
        f"store.url: the database {str(database)!r} cannot be created or written by this user "
        "(a relative sqlite path is resolved under $STATE_DIRECTORY when it is set)"
    )
