"""What the container documentation tells people works on current podman and Debian: the
health check survives podman's default image format, `podman-compose` is named as Debian ships
it, and secret files are made readable to the image's user."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCS = {
    "README.md": ROOT / "README.md",
    "deploy/Containerfile": ROOT / "deploy/Containerfile",
    "deploy/compose.yaml": ROOT / "deploy/compose.yaml",
}


def test_compose_repeats_the_images_health_check_which_oci_images_drop() -> None:
    compose = yaml.safe_load((ROOT / "deploy/compose.yaml").read_text())
    containerfile = (ROOT / "deploy/Containerfile").read_text()

    check = compose["services"]["relmon"]["healthcheck"]["test"]

    assert check == ["CMD", "relmon", "db", "status"]
    assert (
        'HEALTHCHECK --interval=60s --timeout=15s --start-period=120s --retries=3 CMD ["relmon", "db", "status"]'
        in containerfile
    )


def test_podman_builds_are_documented_in_docker_format() -> None:
    for name in ("README.md", "deploy/Containerfile"):
        text = DOCS[name].read_text()
        builds = re.findall(r"podman build [^\n`]*", text)
        assert builds, name
        assert all("--format docker" in b for b in builds), (name, builds)


def test_no_document_names_podman_compose_as_a_podman_subcommand() -> None:
    for name, path in DOCS.items():
        text = path.read_text()
        assert not re.search(r"podman compose (up|exec|down|run)\b", text), name
    assert "podman-compose up -d" in DOCS["README.md"].read_text()


def test_the_documented_secret_files_are_readable_by_the_images_user() -> None:
    readme = DOCS["README.md"].read_text()
    block = readme.split("### Containers", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    user = re.search(r"--uid (\d+)", (ROOT / "deploy/Containerfile").read_text())

    assert user is not None
    assert re.search(rf"uid\s+{user.group(1)}", readme), "the README names the image's uid"
    assert "chmod 0444 secrets/*" in block
    assert block.index("chmod 0444") > block.index("> secrets/smtp-password")
