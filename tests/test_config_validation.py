"""One validation for `relmon config check`, `relmon run` at start and the daemon's reload: a
configuration one of them refuses, the others refuse too, naming the key and the problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from structlog.testing import capture_logs

from monitor.cli import cli
from monitor.config import load_config
from monitor.config.validation import load_checked_config
from monitor.daemon.service import Service
from monitor.errors import ConfigError
from tests.factories import CONFIG

SMTP = """
[alerts]
from = "relmon@northwind-advisory.example"

[smtp]
host = "smtp.northwind-advisory.example"
security = "starttls"
username = "relmon"
password_file = "smtp-password"
"""


def account(path: Path) -> str:
    return (
        '\n[[accounts]]\nname = "alice-archive"\nkind = "maildir"\n'
        f'address = "alice.marsh@northwind-advisory.example"\npath = "{path}"\n'
    )


def write(tmp_path: Path, *, maildir: Path, secret: bool) -> Path:
    """Alice's archive and an SMTP password in a file next to the configuration."""
    if secret:
        (tmp_path / "smtp-password").write_text("quokka-17-Pa55\n")
    path = tmp_path / "relmon.toml"
    path.write_text(
        CONFIG
        + account(maildir)
        + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n'
        + SMTP
    )
    return path


@pytest.fixture
def maildir(tmp_path: Path) -> Path:
    folder = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (folder / sub).mkdir(parents=True)
    return folder


def test_config_check_refuses_a_maildir_that_does_not_exist(tmp_path: Path) -> None:
    config = write(tmp_path, maildir=tmp_path / "Mialdir", secret=True)

    result = CliRunner().invoke(cli, ["--config", str(config), "config", "check"])

    assert result.exit_code == 1
    assert f"accounts[0].path: no such file or folder: '{tmp_path / 'Mialdir'}'" in result.output


def test_config_check_shows_an_unreadable_secret_as_missing_and_its_problem_first(
    tmp_path: Path, maildir: Path
) -> None:
    config = write(tmp_path, maildir=maildir, secret=False)

    result = CliRunner().invoke(cli, ["--config", str(config), "config", "check"])

    assert result.exit_code == 1
    problem = "smtp.password_file: cannot read"
    assert problem in result.output
    assert "secret smtp.password: MISSING (from file" in result.output
    assert "********" not in result.output
    assert result.output.index(problem) < result.output.index("Configuration")


def test_config_check_json_says_which_secret_is_missing(tmp_path: Path, maildir: Path) -> None:
    config = write(tmp_path, maildir=maildir, secret=False)

    result = CliRunner().invoke(cli, ["--config", str(config), "config", "check", "--json"])

    data = json.loads(result.output)
    assert result.exit_code == 1 and data["ok"] is False
    assert data["config"]["secrets"]["smtp.password"].startswith("MISSING")
    assert any(p.startswith("smtp.password_file: cannot read") for p in data["problems"])


def test_a_complete_configuration_passes_check_and_loads_for_the_daemon(
    tmp_path: Path, maildir: Path
) -> None:
    config = write(tmp_path, maildir=maildir, secret=True)

    result = CliRunner().invoke(cli, ["--config", str(config), "config", "check"])

    assert result.exit_code == 0, result.output
    assert "secret smtp.password: ******** (from file" in result.output
    assert load_checked_config(config).accounts[0].path == maildir


@pytest.mark.parametrize(
    ("broken", "key"),
    [("maildir", "accounts[0].path"), ("secret", "smtp.password_file")],
)
def test_relmon_run_refuses_what_config_check_refuses_with_ex_config(
    tmp_path: Path, maildir: Path, broken: str, key: str
) -> None:
    config = write(
        tmp_path,
        maildir=tmp_path / "gone" if broken == "maildir" else maildir,
        secret=broken != "secret",
    )
    checked = CliRunner().invoke(cli, ["--config", str(config), "config", "check"])

    with capture_logs() as logs:
        status = Service(str(config)).run()

    assert checked.exit_code == 1 and key in checked.output
    assert status == 78
    (line,) = [entry for entry in logs if entry["event"] == "config_invalid"]
    assert any(problem.startswith(key) for problem in line["problems"])


def test_a_reload_that_loses_a_secret_is_rejected_and_the_old_configuration_kept(
    tmp_path: Path, maildir: Path
) -> None:
    from monitor.app.runtime import Runtime

    config = write(tmp_path, maildir=maildir, secret=True)
    service = Service(str(config))
    service.runtime = Runtime.open(load_checked_config(config))
    (tmp_path / "smtp-password").unlink()

    try:
        with capture_logs() as logs:
            service.reload()
    finally:
        service.runtime.close()

    (line,) = [entry for entry in logs if entry["event"] == "config_reload_rejected"]
    assert any(problem.startswith("smtp.password_file") for problem in line["problems"])
    assert service.runtime.config.alerts.smtp is not None


def test_a_database_folder_that_cannot_be_made_is_a_store_problem(
    tmp_path: Path, maildir: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    config = write(tmp_path, maildir=maildir, secret=True)
    config.write_text(
        config.read_text().replace(str(tmp_path / "relmon.db"), str(blocker / "relmon.db"))
    )

    with pytest.raises(ConfigError) as raised:
        load_checked_config(config)

    assert any(p.startswith("store.url: the database") for p in raised.value.problems)


def test_a_database_path_naming_a_directory_is_a_store_problem(
    tmp_path: Path, maildir: Path
) -> None:
    """A store.url that names a folder (a typo: the folder meant to hold the database) is
    named as the problem, not left for the first command to find."""
    folder = tmp_path / "mail-data"
    folder.mkdir()
    config = write(tmp_path, maildir=maildir, secret=True)
    config.write_text(config.read_text().replace(str(tmp_path / "relmon.db"), str(folder)))

    with pytest.raises(ConfigError) as raised:
        load_checked_config(config)

    assert (
        f"store.url: {str(folder)!r} is a directory, not a database file" in raised.value.problems
    )


def test_a_relative_sqlite_path_lives_in_the_state_directory_when_systemd_gives_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    etc, state = tmp_path / "etc", tmp_path / "var-lib-relmon"
    etc.mkdir()
    config = etc / "relmon.toml"
    config.write_text(CONFIG + '\n[store]\nurl = "sqlite:///relmon.db"\n')

    monkeypatch.setenv("STATE_DIRECTORY", str(state))
    under_systemd = load_config(config).store.url
    monkeypatch.delenv("STATE_DIRECTORY")
    by_hand = load_config(config).store.url

    assert under_systemd == f"sqlite:///{state / 'relmon.db'}"
    assert by_hand == f"sqlite:///{etc / 'relmon.db'}"


def test_a_bare_secret_name_is_found_in_credentials_next_to_the_configuration(
    tmp_path: Path, maildir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    config = write(tmp_path, maildir=maildir, secret=False)
    missing = CliRunner().invoke(cli, ["--config", str(config), "config", "check"])
    (tmp_path / "credentials").mkdir(mode=0o700)
    (tmp_path / "credentials" / "smtp-password").write_text("quokka-17-Pa55")

    found = load_checked_config(config)

    said = " ".join(missing.output.split())  # as read, whatever the terminal's width
    assert "nor is there a credential 'smtp-password' in $CREDENTIALS_DIRECTORY" in said
    assert found.alerts.smtp is not None and found.alerts.smtp.password is not None
    assert found.alerts.smtp.password.reveal() == "quokka-17-Pa55"
