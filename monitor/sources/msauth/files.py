"""The token cache and the sign-ins file in the state directory: owner-only, written atomically."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import msal

from monitor.config import state_directory
from monitor.log import get_logger

# Log lines keep the name they had before the package was split.
logger = get_logger("monitor.sources.msauth")

TOKEN_CACHE_FILE = "microsoft-token-cache.json"  # noqa: S105 - a file name, not a secret
SIGN_INS_FILE = "microsoft-sign-ins.json"


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - some filesystems do not open directories
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def write_private(path: Path, text: str) -> None:
    """Write ``text`` atomically to ``path`` with owner-only permissions: a temporary file in
    the same directory, fsync, rename over the old file, fsync the directory. A crash leaves
    either the old file or the new one, never a truncated one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # also when an old temporary file was left with other bits
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def _stat_key(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


class TokenCacheFile:
    """msal's serializable cache, persisted to one file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.cache = msal.SerializableTokenCache()
        self.lock = threading.RLock()
        self._seen: tuple[int, int, int] | None = None
        self.reload_if_changed()

    def reload_if_changed(self) -> None:
        """Read the file again if another process rewrote it since we last read or wrote it."""
        with self.lock:
            current = _stat_key(self.path)
            if current == self._seen:
                return
            if current is None:
                self.cache.deserialize(None)
                self._seen = None
                return
            mode = self.path.stat().st_mode & 0o777
            if mode & 0o077:
                # Someone loosened the permissions (a copy, a restore): tighten them again.
                self.path.chmod(0o600)
                logger.warning("token_cache_permissions_fixed", path=str(self.path), mode=oct(mode))
            text = self.path.read_text(encoding="utf-8")
            try:
                self.cache.deserialize(text or None)
            except ValueError:
                # A damaged cache only costs a new sign-in; never crash over it.
                logger.warning("token_cache_unreadable", path=str(self.path))
                self.cache.deserialize(None)
            self._seen = _stat_key(self.path)

    def save_if_changed(self) -> None:
        with self.lock:
            if not self.cache.has_state_changed:
                return
            write_private(self.path, self.cache.serialize())
            self._seen = _stat_key(self.path)


@dataclass(frozen=True)
class SignIn:
    """Which Entra ID account a relmon account signed in as."""

    account: str
    home_account_id: str
    username: str
    authority: str
    client_id: str
    signed_in_at: str


def _sign_ins_path() -> Path:
    return state_directory() / SIGN_INS_FILE


def read_sign_ins() -> dict[str, SignIn]:
    path = _sign_ins_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        logger.warning("sign_ins_unreadable", path=str(path))
        return {}
    found: dict[str, SignIn] = {}
    for name, entry in (data.get("accounts") or {}).items():
        try:
            found[name] = SignIn(
                account=name,
                **{
                    k: str(entry[k])
                    for k in (
                        "home_account_id",
                        "username",
                        "authority",
                        "client_id",
                        "signed_in_at",
                    )
                },
            )
        except (KeyError, TypeError):
            continue
    return found


def record_sign_in(sign_in: SignIn) -> None:
    entries = read_sign_ins()
    entries[sign_in.account] = sign_in
    document = {
        "accounts": {
            name: {
                "home_account_id": s.home_account_id,
                "username": s.username,
                "authority": s.authority,
                "client_id": s.client_id,
                "signed_in_at": s.signed_in_at,
            }
            for name, s in sorted(entries.items())
        }
    }
    write_private(_sign_ins_path(), json.dumps(document, indent=2) + "\n")
