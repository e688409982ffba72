"""What an analysis is computed from besides the mail: relmon's analysis code and the
configuration each client's analysis reads. A kept answer or trend day holds their digests, so
another version of relmon or an edited threshold makes it stale."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import re
import zoneinfo
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


#: The modules outside ``monitor/core`` that turn stored rows into what the analysis reads:
#: how a row becomes a record (``store/records.py``: whether a message waits for our reply),
#: each client's context and calendars (``app/evaluation.py``) and our own out-of-office
#: periods (``store/alerting.py``). Paths within the package; a test lists what they import.
ANSWER_SHELL = ("app/evaluation.py", "store/records.py", "store/alerting.py")


def _shell_sources() -> dict[str, bytes]:
    package = Path(__file__).resolve().parent.parent
    return {name: (package / name).read_bytes() for name in ANSWER_SHELL}


def _time_zones() -> str:
    """The time-zone database's version: another one may move a client's working hours (a
    country that changes its clocks). The ``tzdata`` package's where installed, and the
    system's ``tzdata.zi`` first line ("# version 2025b") on each search path."""
    found = []
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        found.append(importlib.metadata.version("tzdata"))
    for directory in zoneinfo.TZPATH:
        try:
            with open(Path(directory) / "tzdata.zi", "rb") as handle:
                found.append(handle.readline(100).decode("ascii", "replace").strip())
        except OSError:
            continue
    return repr(found)


@cache
def code_fingerprint() -> str:
    """The code that computes answers from stored records (:func:`answer_modules` of
    ``monitor/core`` and :data:`ANSWER_SHELL`), the holiday calendars and the time zones it
    reads: another version of any may judge the same mail differently. relmon's version too,
    for an installation that ships compiled modules only."""
    return fingerprint_of(_core_sources(), _shell_sources(), _time_zones())


def fingerprint_of(
    sources: dict[str, bytes], shell: dict[str, bytes] | None = None, zones: str = ""
) -> str:
    """:func:`code_fingerprint` of ``monitor/core`` as ``sources`` (module name → source),
    the :data:`ANSWER_SHELL` as ``shell`` (path → source) and time zones as ``zones``."""
    digest = hashlib.blake2b(monitor.__version__.encode(), digest_size=16)
    for name in sorted(answer_modules(sources)):
        digest.update(name.encode())
        digest.update(sources[name])
    for name, source in sorted((shell or {}).items()):
        digest.update(name.encode())
        digest.update(source)
    digest.update(importlib.metadata.version("holidays").encode())
    digest.update(zones.encode())
    return digest.hexdigest()


def config_fingerprints(config: Config, names: Collection[str] | None = None) -> dict[str, str]:
    """Per client (of ``names``, or every one), what of the configuration its analysis reads:
    the team (calendar, members, lists), the client itself (calendar, thresholds, cadence,
    owner and the owner's zone) and who every address is (every client's addresses, and ours:
    the mailboxes' own addresses and the freemail domains too, see
    :meth:`Config.attribution_fingerprint`).

    Each is the digest of ``repr((shared, client, zone))``, the shared part (the team and every
    address) hashed once for all of them."""
    parties = sorted((c.name, c.domains, c.addresses) for c in config.clients)
    shared = repr((config.team, parties, config.attribution_fingerprint(), code_fingerprint()))
    head = hashlib.blake2b(f"({shared!r}, ".encode(), digest_size=16)
    found: dict[str, str] = {}
    for client in config.clients:
        if names is None or client.name in names:
            digest = head.copy()
            digest.update(f"{client!r}, {repr(config.owner_tz(client.owner))!r})".encode())
            found[client.name] = digest.hexdigest()
    return found


__all__ = [
    "ANSWER_SHELL",
    "READING_MAIL",
    "answer_modules",
    "code_fingerprint",
    "config_fingerprints",
    "core_imports",
    "fingerprint_of",
]
