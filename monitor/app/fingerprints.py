"""What an analysis is computed from besides the mail: relmon's analysis code and the
configuration each client's analysis reads. A kept answer or trend day holds their digests, so
another version of relmon or an edited threshold makes it stale."""

from __future__ import annotations

import hashlib
import importlib.metadata
import re
from collections.abc import Collection
from functools import cache
from pathlib import Path

import monitor
from monitor.config import Config

#: Where mail is read into the fields a message is stored with (own text, noise, language,
#: tone, politeness, cues): code that runs when mail is stored or judged again (``relmon db
#: reanalyse``), never when an answer is computed from stored records. A change there reaches an
#: answer only through the stored fields, and every change to those moves the revisions a kept
#: answer holds; so the code only these reach is left out of :func:`code_fingerprint`, and an
#: upgrade that changes how mail is read keeps the answers about the mail already stored.
READING_MAIL = ("normalise", "text", "rejudge")

#: ``from monitor.core[.a.b] import c, d`` (names in parentheses may span lines), and
#: ``import monitor.core.a.b``, anywhere in a module (functions import lazily too).
_IMPORT = re.compile(
    rb"^[ \t]*(?:from[ \t]+monitor\.core(?:\.([\w.]+))?[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)"
    rb"|import[ \t]+monitor\.core\.([\w.]+))",
    re.MULTILINE,
)
_NAME = re.compile(rb"\w+")


def _core_sources() -> dict[str, bytes]:
    """Every module of ``monitor/core`` by its name within it (``detectors.base``; a package
    by its own name, ``monitor/core`` itself as ``__init__``), with its source."""
    core = Path(__file__).resolve().parent.parent / "core"
    found = {}
    for path in sorted(core.rglob("*.py")):
        name = path.relative_to(core).with_suffix("").as_posix().replace("/", ".")
        found[name.removesuffix(".__init__")] = path.read_bytes()
    return found


def core_imports(source: bytes, modules: Collection[str]) -> set[str]:
    """The modules of ``modules`` (names within ``monitor/core``) that ``source`` imports, with
    the packages that hold them (importing ``detectors.base`` runs ``detectors`` first)."""
    named: set[str] = set()
    for base, names, dotted in _IMPORT.findall(source):
        if dotted:
            named.add(dotted.decode())
            continue
        prefix = f"{base.decode()}." if base else ""
        if base:
            named.add(base.decode())
        named.update(prefix + word.decode() for word in _NAME.findall(names))
    found: set[str] = set()
    for name in named:
        parts = name.split(".")
        found.update(".".join(parts[:n]) for n in range(1, len(parts) + 1))
    return found & set(modules)


def _reached(sources: dict[str, bytes], start: Collection[str]) -> set[str]:
    reached: set[str] = set()
    pending = [name for name in start if name in sources]
    while pending:
        name = pending.pop()
        if name not in reached:
            reached.add(name)
            pending.extend(core_imports(sources[name], sources))
    return reached


def answer_modules(sources: dict[str, bytes]) -> set[str]:
    """The modules an answer computed from stored records can run: all of ``monitor/core``
    but the code that only reading mail (:data:`READING_MAIL`) reaches."""
    reading = _reached(sources, READING_MAIL)
    return _reached(sources, [name for name in sources if name not in reading])


@cache
def code_fingerprint() -> str:
    """The analysis code that computes answers from stored records (:func:`answer_modules`)
    and the holiday calendars it reads: another version of either may judge the same mail
    differently. relmon's version too, for an installation that ships compiled modules only."""
    return fingerprint_of(_core_sources())


def fingerprint_of(sources: dict[str, bytes]) -> str:
    """:func:`code_fingerprint` of ``monitor/core`` as ``sources`` (module name → source)."""
    digest = hashlib.blake2b(monitor.__version__.encode(), digest_size=16)
    for name in sorted(answer_modules(sources)):
        digest.update(name.encode())
        digest.update(sources[name])
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


__all__ = [
    "READING_MAIL",
    "answer_modules",
    "code_fingerprint",
    "config_fingerprints",
    "core_imports",
    "fingerprint_of",
]
