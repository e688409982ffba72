"""``relmon install-service``: the files a systemd installation needs, written the one way the
README describes, then checked with ``systemd-analyze verify``.

It writes ``/etc/relmon/relmon.toml`` (only when there is none), ``/etc/relmon/credentials``
(mode 0700, for the secret files the configuration names) and the unit, whose ``ExecStart=``
is this installation's ``relmon`` and whose ``LoadCredential=`` lines are exactly the bare
secret file names the configuration uses. The unit runs as a dynamic user, so there is no
account to create: systemd makes one for each start, and owns ``/var/lib/relmon`` for it.
Nothing is started; ``root`` lets the whole tree be written somewhere else (packaging, tests).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

CONFIG_DIR = Path("/etc/relmon")
UNIT_PATH = Path("/etc/systemd/system/relmon.service")
TEMPLATE_RELMON = "/opt/relmon/bin/relmon"
#: ``…_file`` keys that name a file but not a secret.
_NOT_SECRETS = frozenset({"ca_file", "authority_ca_file"})
_CREDENTIAL_LINE = re.compile(r"^LoadCredential=.*\n", re.MULTILINE)


@dataclass(frozen=True)
class Installed:
    config: Path  # where the configuration is, under the root
    config_written: bool  # False: one was there already and was kept
    unit: Path
    credentials_dir: Path
    credentials: tuple[str, ...]  # the credential names the configuration reads
    missing: tuple[str, ...]  # of those, the files still to write
    verify_problems: str | None  # systemd-analyze's complaints, None when it accepted the unit
    verified: bool  # False when systemd-analyze is not installed


def credential_names(config_text: str) -> tuple[str, ...]:
    """The bare file names of every secret the configuration reads (``password_file =
    "imap-password"``): what ``LoadCredential=`` must provide. Absolute paths are not credentials."""
    data = tomllib.loads(config_text)
    names = {value for key, value in _file_keys(data) if "/" not in value}
    return tuple(sorted(names))


def _file_keys(data: object) -> Iterator[tuple[str, str]]:
    if isinstance(data, Mapping):
        for key, value in data.items():
            if isinstance(value, str) and key.endswith("_file") and key not in _NOT_SECRETS:
                yield key, value
            else:
                yield from _file_keys(value)
    elif isinstance(data, list):
        for item in data:
            yield from _file_keys(item)


def render_unit(template: str, relmon: str, credentials: tuple[str, ...]) -> str:
    """The shipped unit with this installation's executable and one credential per secret."""
    lines = "".join(
        f"LoadCredential={name}:{CONFIG_DIR / 'credentials' / name}\n" for name in credentials
    )
    if not lines:
        lines = "# No LoadCredential= lines: the configuration names no secret file.\n"
    first = _CREDENTIAL_LINE.search(template)
    if first is None:
        raise ValueError("the unit template has no LoadCredential= line to replace")
    unit = template[: first.start()] + lines + _CREDENTIAL_LINE.sub("", template[first.start() :])
    # In the directives only: the comments explain the template, and say what is replaced.
    return "".join(
        line if line.lstrip().startswith("#") else line.replace(TEMPLATE_RELMON, relmon)
        for line in unit.splitlines(keepends=True)
    )


def install(
    *, root: Path, config_text: str, unit_template: str, relmon: str, verify: bool = True
) -> Installed:
    """Write the configuration (unless present), the credentials folder and the unit under
    ``root``, then verify the unit."""
    etc = root / CONFIG_DIR.relative_to("/")
    etc.mkdir(parents=True, exist_ok=True)
    etc.chmod(0o755)
    credentials_dir = etc / "credentials"
    credentials_dir.mkdir(exist_ok=True)
    credentials_dir.chmod(0o700)  # the secrets are root's; systemd hands copies to the service
    config = etc / "relmon.toml"
    written = not config.exists()
    if written:
        config.write_text(config_text, encoding="utf-8")
        config.chmod(0o644)
    names = credential_names(config.read_text(encoding="utf-8"))
    unit = root / UNIT_PATH.relative_to("/")
    unit.parent.mkdir(parents=True, exist_ok=True)
    unit.write_text(render_unit(unit_template, relmon, names), encoding="utf-8")
    unit.chmod(0o644)
    missing = tuple(name for name in names if not (credentials_dir / name).exists())
    problems, verified = _verify(unit) if verify else (None, False)
    return Installed(config, written, unit, credentials_dir, names, missing, problems, verified)


def _verify(unit: Path) -> tuple[str | None, bool]:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        return None, False
    result = subprocess.run(
        [analyze, "verify", str(unit)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SYSTEMD_LOG_COLOR": "0"},
        check=False,
    )
    ours = [line for line in result.stderr.splitlines() if unit.name in line]
    if result.returncode != 0 or ours:
        return "\n".join(ours) or result.stderr.strip() or f"exit status {result.returncode}", True
    return None, True


def write_credential(path: Path, value: str) -> None:
    """A secret for ``LoadCredential=``: root's alone (0600) from the first byte."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(value)
    path.chmod(0o600)
