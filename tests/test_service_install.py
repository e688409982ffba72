"""The README's systemd steps, run as they are written (everything short of starting systemd),
under a temporary root: they must leave a configuration that `relmon config check` accepts, a
unit that `systemd-analyze verify` accepts, and credential names that the README, the unit and
the configuration agree on. The wheel carries the example configuration and the unit."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.app.service_install import credential_names
from monitor.cli import cli
from monitor.config import load_config
from tests.factories import CONFIG

ROOT = Path(__file__).resolve().parent.parent
RELMON = Path(sys.executable).parent / "relmon"
SKIPPED = ("python3 -m venv", "systemctl", "journalctl")  # installing relmon; systemd itself


def readme_block(heading: str) -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(f"\n{heading}\n", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None, f"no sh block under {heading}"
    return [line for line in block.group(1).splitlines() if line.strip()]


def unit_credentials(unit_text: str) -> set[str]:
    return set(re.findall(r"^LoadCredential=([^:\n]+):", unit_text, re.MULTILINE))


def under(root: Path, line: str) -> str:
    """The README's line with the system's paths moved under ``root``."""
    line = line.replace("/opt/relmon/bin/relmon", str(RELMON))
    line = line.replace("install-service", f"install-service --root {shlex.quote(str(root))}")
    return re.sub(r"(?<![\w.])/etc/", f"{root}/etc/", line)


@pytest.fixture
def firm(tmp_path: Path) -> Path:
    """Where an operator stands: a clone with the firm's relmon.toml, Alice's archive on disk,
    Ben's IMAP mailbox and an SMTP server, both with passwords in credentials."""
    maildir = tmp_path / "mail" / "alice" / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    here = tmp_path / "clone"
    here.mkdir()
    (here / "relmon.toml").write_text(
        CONFIG
        + f"""
[[accounts]]
name = "alice-archive"
kind = "maildir"
address = "alice.marsh@northwind-advisory.example"
path = "{maildir}"

[[accounts]]
name = "ben-imap"
kind = "imap"
host = "imap.northwind-advisory.example"
username = "ben.okafor@northwind-advisory.example"
password_file = "imap-password"

[alerts]
from = "relmon@northwind-advisory.example"

[smtp]
host = "smtp.northwind-advisory.example"
security = "starttls"
username = "relmon"
password_file = "smtp-password"
"""
    )
    return here


def test_the_readme_systemd_steps_leave_a_checked_configuration_and_a_verified_unit(
    tmp_path: Path, firm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "root"
    env = {**os.environ, "STATE_DIRECTORY": str(root / "var/lib/relmon")}
    env.pop("CREDENTIALS_DIRECTORY", None)
    ran = []

    for line in readme_block("### systemd"):
        if line.startswith(SKIPPED):
            continue
        command = under(root, line)
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", command],
            cwd=firm,
            env=env,
            stdin=subprocess.DEVNULL,  # as in a script: nothing asked, the printf lines write them
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"
        ran.append((line, result.stdout))

    assert any("install-service" in line for line, _ in ran)
    assert any("config check" in line for line, _ in ran), "the README checks before starting"
    unit = (root / "etc/systemd/system/relmon.service").read_text()
    assert f"ExecStart={RELMON} --config /etc/relmon/relmon.toml run" in unit
    assert unit_credentials(unit) == {"imap-password", "smtp-password"}
    assert "systemd-analyze verify: ok" in ran[0][1] or "skipped" in ran[0][1]
    assert (root / "etc/relmon/credentials").stat().st_mode & 0o777 == 0o700
    monkeypatch.setenv("STATE_DIRECTORY", env["STATE_DIRECTORY"])  # as the unit sets it
    installed = load_config(root / "etc/relmon/relmon.toml")
    assert installed.store.url == f"sqlite:///{root / 'var/lib/relmon/relmon.db'}"


def test_the_check_in_the_readme_steps_fails_until_the_credentials_are_written(
    tmp_path: Path, firm: Path
) -> None:
    root = tmp_path / "root"
    install = next(line for line in readme_block("### systemd") if "install-service" in line)
    subprocess.run(
        ["bash", "-c", under(root, install)],
        cwd=firm,
        stdin=subprocess.DEVNULL,
        check=True,
        timeout=120,
    )

    result = CliRunner().invoke(
        cli, ["--config", str(root / "etc/relmon/relmon.toml"), "config", "check"]
    )

    assert result.exit_code == 1
    assert "accounts[1].password_file: cannot read" in result.output
    assert "smtp.password_file: cannot read" in result.output


def test_the_readme_the_unit_and_the_example_name_the_same_credentials() -> None:
    example = (ROOT / "config/relmon.example.toml").read_text()
    unit = (ROOT / "deploy/relmon.service").read_text()
    written = {
        match
        for line in readme_block("### systemd")
        for match in re.findall(r"> /etc/relmon/credentials/(\S+)", line)
    }

    assert set(credential_names(example)) == unit_credentials(unit) == written


def test_the_example_keeps_its_database_in_the_state_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    etc = tmp_path / "etc-relmon"
    etc.mkdir()
    (etc / "relmon.toml").write_text((ROOT / "config/relmon.example.toml").read_text())
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))

    url = load_config(etc / "relmon.toml").store.url

    assert url == f"sqlite:///{tmp_path / 'state' / 'relmon.db'}"


def test_the_unit_does_not_tell_people_to_install_relmon_from_pypi() -> None:
    unit = (ROOT / "deploy/relmon.service").read_text()

    assert "pip install relmon" not in unit
    assert "relmon install-service" in unit


def test_an_existing_configuration_is_never_replaced(tmp_path: Path, firm: Path) -> None:
    root = tmp_path / "root"
    (root / "etc/relmon").mkdir(parents=True)
    (root / "etc/relmon/relmon.toml").write_text(CONFIG)

    result = CliRunner().invoke(
        cli, ["install-service", "--root", str(root), "--from", str(firm / "relmon.toml")]
    )

    assert result.exit_code == 0, result.output
    assert "kept as it was" in result.output
    assert (root / "etc/relmon/relmon.toml").read_text() == CONFIG
    assert "No LoadCredential= lines" in (root / "etc/systemd/system/relmon.service").read_text()


@pytest.mark.slow
def test_the_wheel_ships_the_example_configuration_and_the_unit(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("relmon-*.whl")

    with zipfile.ZipFile(wheel) as archive:
        example = archive.read("monitor/examples/relmon.example.toml").decode()
        unit = archive.read("monitor/examples/relmon.service").decode()

    assert example == (ROOT / "config/relmon.example.toml").read_text()
    assert unit == (ROOT / "deploy/relmon.service").read_text()


def test_config_example_prints_the_shipped_example_and_writes_it_once(tmp_path: Path) -> None:
    target = tmp_path / "relmon.toml"

    printed = CliRunner().invoke(cli, ["config", "example"])
    first = CliRunner().invoke(cli, ["config", "example", "-o", str(target)])
    second = CliRunner().invoke(cli, ["config", "example", "-o", str(target)])

    assert printed.exit_code == 0 and "[[clients]]" in printed.output
    assert printed.output == (ROOT / "config/relmon.example.toml").read_text()
    assert first.exit_code == 0 and target.read_text() == printed.output
    assert second.exit_code == 1 and "exists already" in second.output


def test_a_missing_configuration_points_at_init_and_the_shipped_example(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "none.toml"), "config", "check"])

    assert result.exit_code == 1
    assert "relmon config example" in result.output and "relmon init" in result.output


def test_install_service_asks_for_the_missing_secrets_and_writes_them_for_root_alone(
    tmp_path: Path, firm: Path
) -> None:
    root = tmp_path / "root"

    result = CliRunner().invoke(
        cli,
        ["install-service", "--root", str(root), "--from", str(firm / "relmon.toml"), "--ask"],
        input="imap-Pa55-kestrel\n\n",  # the IMAP password; the SMTP one skipped for now
    )

    assert result.exit_code == 0, result.output
    credentials = root / "etc/relmon/credentials"
    assert (credentials / "imap-password").read_text() == "imap-Pa55-kestrel"
    assert (credentials / "imap-password").stat().st_mode & 0o777 == 0o600
    assert not (credentials / "smtp-password").exists()
    assert "printf '%s' '…' > /etc/relmon/credentials/smtp-password" in result.output
    assert "imap-Pa55-kestrel" not in result.output


def test_the_installed_unit_runs_this_relmon_and_its_comments_still_explain_the_template() -> None:
    from monitor.app.service_install import TEMPLATE_RELMON, render_unit
    from monitor.config.examples import SERVICE_UNIT, shipped_text

    here = "/srv/venvs/relmon-2026/bin/relmon"
    unit = render_unit(shipped_text(SERVICE_UNIT), here, ("imap-password",))

    directives = [line for line in unit.splitlines() if not line.lstrip().startswith("#")]
    comments = [line for line in unit.splitlines() if line.lstrip().startswith("#")]
    assert any(line.startswith(f"ExecStart={here} ") for line in directives)
    assert not any(TEMPLATE_RELMON in line for line in directives)
    assert any(f"replaces {TEMPLATE_RELMON} below" in line for line in comments)
    assert not any(here in line for line in comments)
