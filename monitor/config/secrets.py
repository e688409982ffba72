"""Secrets: never written inline, read only when needed, never printed.

A ``…_file`` (read first, which suits systemd credentials and container secrets) or a ``…_env``
names where the value lives.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from monitor.errors import SecretError


@dataclass(frozen=True)
class Secret:
    """A reference to a secret; the value is read only by :meth:`reveal` and never printed."""

    key: str
    file: Path | None = None
    env: str | None = None
    credential: bool = False  # ``file`` was a bare name: a systemd credential's, first of all

    def reveal(self) -> str:
        if self.file is not None:
            try:
                return self.file.read_text(encoding="utf-8").rstrip("\r\n")
            except OSError as err:
                looked = (
                    f" (nor is there a credential {self.file.name!r} in $CREDENTIALS_DIRECTORY"
                    " or in credentials/ next to the configuration)"
                    if self.credential
                    else ""
                )
                raise SecretError(
                    [
                        f"{self.key}_file: cannot read {str(self.file)!r}: "
                        f"{err.strerror or err}{looked}"
                    ]
                ) from err
        if self.env is not None:
            value = os.environ.get(self.env)
            if value is None:
                raise SecretError([f"{self.key}_env: environment variable {self.env} is not set"])
            return value
        raise SecretError([f"{self.key}: no {self.key}_file or {self.key}_env given"])

    def describe(self) -> str:
        """Where the secret comes from, masked, for ``relmon config check``."""
        return f"******** (from {self.source()})"

    def source(self) -> str:
        """Where the value is read from: ``file PATH`` or ``env $NAME``."""
        return f"file {self.file}" if self.file is not None else f"env ${self.env}"

    def __repr__(self) -> str:
        return f"Secret({self.describe()})"


def resolve_secret_path(value: str, base: Path | None) -> Path:
    """A secret file's path: absolute as given, else a systemd credential, else in
    ``credentials/`` next to the file (where the unit's ``LoadCredential=`` lines read from, so
    ``relmon config check`` run by hand finds what the service will get), else next to the file."""
    path = Path(value).expanduser()
    if path.is_absolute():
        return path
    # A relative name is looked up among systemd credentials first (LoadCredential=name:...).
    creds = os.environ.get("CREDENTIALS_DIRECTORY")
    if creds and (Path(creds) / path).exists():
        return Path(creds) / path
    if base is not None and (base / "credentials" / path).exists():
        return base / "credentials" / path
    return (base / path) if base else path
