"""Where things live: the configuration file, relmon's state, paths relative to the file."""

from __future__ import annotations

import os
from pathlib import Path


def state_directory() -> Path:
    """Where relmon keeps its state: ``$STATE_DIRECTORY`` (systemd), else XDG state home."""
    systemd = os.environ.get("STATE_DIRECTORY")
    if systemd:
        # systemd may pass several colon-separated directories; the first is ours.
        return Path(systemd.split(":")[0])
    xdg = os.environ.get("XDG_STATE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "state"
    return base / "relmon"


def default_config_path() -> Path:
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = Path(xdg) if xdg else Path.home() / ".config"
    return base / "relmon" / "relmon.toml"


def find_config_path(explicit: str | os.PathLike[str] | None) -> Path:
    """``--config``, then ``$RELMON_CONFIG``, then ``~/.config/relmon/relmon.toml``."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get("RELMON_CONFIG")
    if from_env:
        return Path(from_env)
    return default_config_path()


def resolve_path(raw: str, base: Path | None) -> Path:
    """``raw`` with ``~`` expanded; relative to ``base`` (the file's folder) when relative."""
    path = Path(raw).expanduser()
    if not path.is_absolute() and base is not None:
        path = base / path
    return path
