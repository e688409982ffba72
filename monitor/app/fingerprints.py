"""What an analysis is computed from besides the mail: relmon's analysis code and the
configuration each client's analysis reads. A kept answer or trend day holds their digests, so
another version of relmon or an edited threshold makes it stale."""

from __future__ import annotations

import hashlib
import importlib.metadata
from collections.abc import Collection
from functools import cache
from pathlib import Path

import monitor
from monitor.config import Config


@cache
def code_fingerprint() -> str:
    """The analysis code (``monitor/core``) and the holiday calendars it reads: another version
    of either may judge the same mail differently. relmon's version too, for an installation
    that ships compiled modules only."""
    core = Path(__file__).resolve().parent.parent / "core"
    digest = hashlib.blake2b(monitor.__version__.encode(), digest_size=16)
    for path in sorted(core.rglob("*.py")):
        digest.update(path.relative_to(core).as_posix().encode())
        digest.update(path.read_bytes())
    digest.update(importlib.metadata.version("holidays").encode())
    return digest.hexdigest()


def config_fingerprints(config: Config, names: Collection[str] | None = None) -> dict[str, str]:
    """Per client (of ``names``, or every one), what of the configuration its analysis reads:
    the team (calendar, members, lists), the client itself (calendar, thresholds, cadence,
    owner and the owner's zone) and every client's addresses (which address is whose).

    Each is the digest of ``repr((shared, client, zone))``, the shared part (the team and every
    client's addresses) hashed once for all of them."""
    parties = sorted((c.name, c.domains, c.addresses) for c in config.clients)
    shared = repr((config.team, parties, code_fingerprint()))
    head = hashlib.blake2b(f"({shared!r}, ".encode(), digest_size=16)
    found: dict[str, str] = {}
    for client in config.clients:
        if names is None or client.name in names:
            digest = head.copy()
            digest.update(f"{client!r}, {repr(config.owner_tz(client.owner))!r})".encode())
            found[client.name] = digest.hexdigest()
    return found


__all__ = ["code_fingerprint", "config_fingerprints"]
