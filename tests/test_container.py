"""The container image, built and started with podman as deploy/Containerfile documents: it runs
read-only as its unprivileged user with every capability dropped, reads a secret handed to it the
documented way, syncs a mailbox, answers /healthz and its HEALTHCHECK, and stops cleanly on
SIGTERM. A secret the image's user cannot read stops it at start with status 78.

The test machines reach no container registry, so unless the base image is there already (or
RELMON_TEST_PULL_BASE=1 lets it be pulled), a stand-in of the same Debian release is built from
Debian packages and tagged with the base's name (tests/container/standin-base.sh, its root file
system cached under /var/cache/relmon-test: about a minute the first time on a machine). On these machines podman
needs chroot isolation, the host's network, runc and explicit ulimits; the build also sees the
host's CA bundle and pip configuration, so that pip reaches the package index the way the host
does. None of that is part of the image."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.factories import ALICE, CONFIG, DANA, email
from tests.servers import free_port

pytestmark = [
    pytest.mark.slow,
    # Building the stand-in base and the image on a fresh, busy machine takes longer than the
    # suite's default limit per test; the builds below have their own timeouts.
    pytest.mark.timeout(2400),
    pytest.mark.skipif(
        shutil.which("podman") is None or shutil.which("debootstrap") is None,
        reason="podman and debootstrap are not installed (tests/system-packages lists them)",
    ),
    pytest.mark.skipif(
        os.geteuid() != 0,
        reason="runs rootful podman and gives files to the image's uid: as root, as CI does",
    ),
]

ROOT = Path(__file__).resolve().parent.parent
IMAGE = "localhost/relmon-test:latest"
IMAGE_UID = 10001  # the Containerfile's relmon user
PODMAN = ["podman", "--runtime", "runc"]
LIMITS = ["--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096"]


def podman(*args: str, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*PODMAN, *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        pytest.fail(f"podman {' '.join(args)}: {result.returncode}\n{result.stderr[-3000:]}")
    return result


def host_pip_settings() -> list[str]:
    """Read-only mounts that let pip in the build trust what the host trusts."""
    mounts = ["--volume", "/etc/ssl/certs:/etc/ssl/certs:ro"]
    if Path("/etc/pip.conf").is_file():
        mounts += ["--volume", "/etc/pip.conf:/etc/pip.conf:ro"]
    return mounts


@pytest.fixture(scope="module")
def image() -> str:
    base = subprocess.run(
        ["bash", str(ROOT / "tests/container/standin-base.sh")],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert base.returncode == 0, base.stderr
    build = podman(
        "build",
        "--isolation=chroot",
        "--network=host",
        "--format=docker",  # the documented form: OCI format would drop HEALTHCHECK
        *LIMITS,
        *host_pip_settings(),
        "-t",
        IMAGE,
        "-f",
        str(ROOT / "deploy/Containerfile"),
        str(ROOT),
        timeout=1500,
    )
    assert "HEALTHCHECK is not supported" not in build.stderr
    return IMAGE


def deliver(maildir: Path, name: str, raw: bytes) -> None:
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    (maildir / "new" / name).write_bytes(raw)


@pytest.fixture
def site(tmp_path: Path) -> dict[str, Path | int]:
    """What an operator mounts: the configuration, Alice's maildir, an SMTP password owned by
    the image's user (as the README says), and a state folder."""
    now = datetime.now(UTC)
    maildir = tmp_path / "Maildir"
    deliver(
        maildir,
        "question",
        email(subject="Carrier contract renewal", date=now - timedelta(days=2)),
    )
    deliver(
        maildir / ".Sent",
        "answer",
        email(
            frm=ALICE,
            to=DANA,
            subject="Re: Carrier contract renewal",
            date=now - timedelta(days=1),
            message_id="answer-1@northwind-advisory.example",
            in_reply_to="roadmap-1@acme-logistics.example",
            body="Hi Dana,\n\nWe should go to tender; notes follow today.\n\nAlice",
        ),
    )
    for path in [maildir, *maildir.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    secret = secrets / "smtp-password"
    secret.write_text("quokka-17-Pa55")
    secret.chmod(0o600)
    os.chown(secret, IMAGE_UID, IMAGE_UID)
    state = tmp_path / "state"
    state.mkdir()
    os.chown(state, IMAGE_UID, IMAGE_UID)
    port = free_port()
    config = tmp_path / "relmon.toml"
    config.write_text(
        CONFIG
        + f"""
[[accounts]]
name = "alice-archive"
kind = "maildir"
address = "{ALICE}"
path = "/mail/alice"

[alerts]
from = "relmon@northwind-advisory.example"

[smtp]
host = "127.0.0.1"
port = {free_port()}
security = "plain"
username = "relmon"
password_file = "/run/secrets/smtp-password"
insecure = true

[daemon]
metrics_address = "127.0.0.1:{port}"
"""
    )
    config.chmod(0o644)
    return {"config": config, "maildir": maildir, "secret": secret, "state": state, "port": port}


@pytest.fixture
def started() -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for name in names:
        podman("rm", "-f", "-t", "0", name, check=False)


def run_relmon(site: dict[str, Path | int], name: str) -> None:
    podman(
        "run",
        "-d",
        "--name",
        name,
        "--network=host",
        "--read-only",
        "--tmpfs",
        "/tmp",
        "--cap-drop=ALL",
        "--security-opt=no-new-privileges",
        *LIMITS,
        "--volume",
        f"{site['config']}:/etc/relmon/relmon.toml:ro",
        "--volume",
        f"{site['maildir']}:/mail/alice:ro",
        "--volume",
        f"{site['secret']}:/run/secrets/smtp-password:ro",
        "--volume",
        f"{site['state']}:/var/lib/relmon",
        IMAGE,
    )


def wait_healthy(port: int, name: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if podman("inspect", "--format", "{{.State.Running}}", name).stdout.strip() != "true":
            pytest.fail(f"relmon stopped while starting:\n{podman('logs', name).stdout[-3000:]}")
        time.sleep(1)
    pytest.fail(f"/healthz did not answer 200:\n{podman('logs', name).stdout[-3000:]}")


def events(name: str) -> list[dict[str, object]]:
    found = []
    for line in podman("logs", name).stdout.splitlines():
        if line.startswith("{"):
            found.append(json.loads(line))
    return found


def test_the_image_runs_read_only_unprivileged_syncs_answers_health_and_stops_cleanly(
    image: str, site: dict[str, Path | int], started: list[str]
) -> None:
    name = f"relmon-test-{uuid.uuid4().hex[:8]}"
    started.append(name)

    run_relmon(site, name)
    wait_healthy(int(site["port"]), name)
    user = podman("exec", name, "id", "-u").stdout.strip()
    health = podman("healthcheck", "run", name, check=False)
    clients = podman("exec", name, "relmon", "clients", "--json")
    example = podman("exec", name, "relmon", "config", "example")
    podman("stop", "-t", "20", name, timeout=60)
    status = podman("inspect", "--format", "{{.State.ExitCode}}", name).stdout.strip()

    assert user == str(IMAGE_UID)
    assert health.returncode == 0, health.stdout + health.stderr
    synced = [e for e in events(name) if e.get("event") == "account_synced"]
    assert synced and synced[0]["account"] == "alice-archive" and synced[0]["new"] == 2
    acme = next(c for c in json.loads(clients.stdout)["clients"] if c["name"] == "Acme Logistics")
    assert acme["inbound"] == 1 and acme["outbound"] == 1
    assert (Path(site["state"]) / "relmon.db").exists()
    assert status == "0"
    assert "[[clients]]" in example.stdout  # the example ships inside the installed package
    assert "quokka-17-Pa55" not in podman("logs", name).stdout


def test_a_secret_the_image_user_cannot_read_stops_it_at_start_naming_the_key(
    image: str, site: dict[str, Path | int], started: list[str]
) -> None:
    os.chown(Path(site["secret"]), 0, 0)  # root's 0600 file, as `printf > secrets/…` leaves it
    name = f"relmon-test-{uuid.uuid4().hex[:8]}"
    started.append(name)

    run_relmon(site, name)
    status = podman("wait", name, timeout=120).stdout.strip()

    assert status == "78"
    invalid = [e for e in events(name) if e.get("event") == "config_invalid"]
    assert invalid and any(
        str(p).startswith("smtp.password_file: cannot read") for p in invalid[0]["problems"]
    )
