"""The deployment files: the systemd unit is valid and hardened, the container runs relmon
unprivileged with a health check that asks the database, and no secret is baked into anything.
(Containers cannot run on the test machines; these checks stand in for a build.)"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from monitor.cli import cli
from monitor.config import load_config

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SECRETISH = re.compile(r"(password|passwd|secret|token|api[_-]?key)\s*[=:]\s*\S", re.IGNORECASE)


def unit() -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in (DEPLOY / "relmon.service").read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_the_unit_is_a_notify_service_with_a_watchdog_a_state_directory_and_credentials() -> None:
    s = unit()
    assert s["Type"] == ["notify"]
    assert s["WatchdogSec"] and int(s["WatchdogSec"][0]) >= 30
    assert s.get("DynamicUser") == ["yes"] or s.get("User")
    assert s["StateDirectory"] == ["relmon"] and s["ConfigurationDirectory"] == ["relmon"]
    assert all(":" in c for c in s["LoadCredential"])
    assert s["ExecStart"][0].endswith(" run")
    assert s["RestartPreventExitStatus"] == [
        "78"
    ]  # what `relmon run` exits with on a bad configuration
    for option in (
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "ProtectHome=yes",
        "PrivateDevices=yes",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
        "CapabilityBoundingSet=",
    ):
        key, value = option.split("=", 1)
        assert value in s.get(key, []), option


def test_the_unit_passes_no_secret_through_the_environment() -> None:
    s = unit()
    for value in s.get("Environment", []):
        assert not SECRETISH.search(value), value
    assert "EnvironmentFile" not in s


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed"
)
def test_systemd_analyze_verify_accepts_the_unit(tmp_path) -> None:
    # The ExecStart binary must exist for verify; point it at this environment's relmon.
    relmon = shutil.which("relmon") or "/bin/true"
    text = (DEPLOY / "relmon.service").read_text().replace("/opt/relmon/bin/relmon", relmon)
    path = tmp_path / "relmon.service"
    path.write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    problems = [line for line in result.stderr.splitlines() if "relmon.service" in line]
    assert not problems, problems


def stages(containerfile: str) -> list[list[str]]:
    """The instructions of each build stage (continuation lines joined)."""
    joined = re.sub(r"\\\n", " ", containerfile)
    lines = [
        line.strip()
        for line in joined.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    out: list[list[str]] = []
    for line in lines:
        if line.upper().startswith("FROM "):
            out.append([])
        if out:
            out[-1].append(line)
    return out


def test_the_container_is_multi_stage_slim_and_runs_unprivileged() -> None:
    text = (DEPLOY / "Containerfile").read_text()
    build, final = stages(text)[0], stages(text)[-1]
    assert len(stages(text)) >= 2
    assert "slim" in final[0]
    users = [line.split(None, 1)[1] for line in final if line.upper().startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    env = " ".join(line for line in final if line.upper().startswith("ENV "))
    assert "PYTHONUNBUFFERED=1" in env
    assert any(line.upper().startswith("COPY --FROM=") for line in final)
    assert not any("pip install" in line for line in final), "the run stage installs nothing"
    assert any("pip install" in line and "postgres" in line for line in build)


def test_the_container_health_check_asks_the_database_through_relmon() -> None:
    final = stages((DEPLOY / "Containerfile").read_text())[-1]
    health = [line for line in final if line.upper().startswith("HEALTHCHECK ")]
    assert len(health) == 1
    command = re.search(r"CMD (\[.*\])", health[0])
    assert command is not None
    argv = yaml.safe_load(command.group(1))
    assert argv[:3] == ["relmon", "db", "status"]
    # …which is a real command that fails when the schema is not there.
    db = cli.get_command(click.Context(cli), "db")
    assert isinstance(db, click.Group) and "status" in db.commands


def test_relmon_db_status_answers_zero_on_a_current_database_and_one_on_an_empty_one(
    tmp_path,
) -> None:
    config = tmp_path / "relmon.toml"
    config.write_text(
        (ROOT / "deploy" / "relmon.compose.toml").read_text().split("[[accounts]]")[0]
        + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n'
    )
    runner = CliRunner()
    empty = runner.invoke(cli, ["--config", str(config), "db", "status"])
    assert empty.exit_code == 1 and "relmon db upgrade" in empty.output
    assert runner.invoke(cli, ["--config", str(config), "db", "upgrade"]).exit_code == 0
    current = runner.invoke(cli, ["--config", str(config), "db", "status"])
    assert current.exit_code == 0, current.output
    assert "database answers" in current.output


def test_nothing_secret_is_copied_into_the_image() -> None:
    final_and_build = stages((DEPLOY / "Containerfile").read_text())
    for stage in final_and_build:
        for line in stage:
            upper = line.upper()
            if upper.startswith(("COPY ", "ADD ")) and "--FROM=" not in upper:
                sources = line.split()[1:-1]
                assert set(sources) <= {
                    "pyproject.toml",
                    "setup.py",
                    "MANIFEST.in",
                    "README.md",
                    "monitor",
                    "config/relmon.example.toml",
                    "deploy/relmon.service",
                }, line
            if upper.startswith(("ENV ", "ARG ")):
                assert not SECRETISH.search(line), line


def test_compose_runs_relmon_with_postgresql_and_passes_secrets_as_files() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"relmon", "db"} <= services.keys()
    relmon, db = services["relmon"], services["db"]
    assert relmon["build"]["dockerfile"] == "deploy/Containerfile"
    assert relmon["depends_on"]["db"]["condition"] == "service_healthy"
    assert "db-password" in relmon["secrets"] and "db-password" in db["secrets"]
    assert db["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/db-password"
    for service in services.values():
        for key, value in dict(service.get("environment", {})).items():
            if re.search("PASSWORD|SECRET|TOKEN", key) and not key.endswith("_FILE"):
                pytest.fail(f"{key} carries a secret in the environment: {value}")
    assert any(v.endswith(":/etc/relmon/relmon.toml:ro") for v in relmon["volumes"])
    for published in relmon.get("ports", []):
        assert published.startswith("127.0.0.1:"), (
            "metrics are published on the host's loopback only"
        )
    for secret in compose["secrets"].values():
        assert secret["file"].startswith("./secrets/")
    assert not list((DEPLOY / "secrets").glob("*")) if (DEPLOY / "secrets").exists() else True


def test_the_compose_configuration_is_valid_and_takes_every_password_from_a_secret_file(
    tmp_path,
) -> None:
    text = (DEPLOY / "relmon.compose.toml").read_text()
    for name in ("db-password", "imap-password", "smtp-password"):
        (tmp_path / name).write_text(f"{name}-value\n")
    config = load_config(str(_written(tmp_path, text.replace("/run/secrets/", f"{tmp_path}/"))))
    assert config.store.url == "postgresql+psycopg://relmon@db:5432/relmon"
    assert (
        config.store.password is not None and config.store.password.reveal() == "db-password-value"
    )
    assert "db-password-value" in config.store.connect_url()
    assert {key for key, _ in config.secrets()} == {
        "store.password",
        "smtp.password",
        "accounts[0].password",
    }


def _written(directory: Path, text: str) -> Path:
    path = directory / "relmon.toml"
    path.write_text(text)
    return path
