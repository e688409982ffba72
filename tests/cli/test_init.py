"""`relmon init`: from three answers and one mailbox to a commented configuration with its
clients filled in, which `relmon config check` accepts."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from tests.factories import email

ROOT = Path(__file__).resolve().parents[2]
ALICE_MAIL = ROOT / "monitor/demo/mail/alice.marsh"  # Inbox and Sent as mbox files
ANSWERS = [
    "--domain",
    "northwind-advisory.example",
    "--timezone",
    "Europe/London",
    "--name",
    "Alice Marsh",
    "--address",
    "alice.marsh@northwind-advisory.example",
]


@pytest.fixture(autouse=True)
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """relmon's database goes to the default state directory, here a temporary one."""
    folder = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(folder))
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)
    monkeypatch.delenv("RELMON_CONFIG", raising=False)
    return folder


def test_init_turns_alices_mailbox_into_a_configuration_that_config_check_accepts(
    tmp_path: Path,
) -> None:
    target = tmp_path / "relmon.toml"

    made = CliRunner().invoke(
        cli, ["init", *ANSWERS, "--mailbox", str(ALICE_MAIL), "-o", str(target)]
    )
    check = CliRunner().invoke(cli, ["--config", str(target), "config", "check"])

    assert made.exit_code == 0, made.output
    assert check.exit_code == 0, check.output
    data = tomllib.loads(target.read_text())
    assert data["team"]["domains"] == ["northwind-advisory.example"]
    assert data["accounts"][0]["kind"] == "mbox"
    clients = {c["name"]: c for c in data["clients"]}
    assert clients["Brightwater Energy"]["domains"] == ["brightwater-energy.example"]
    assert {c["owner"] for c in clients.values()} == {"alice.marsh@northwind-advisory.example"}
    assert "northwind-advisory.example" not in {
        d for c in clients.values() for d in c.get("domains", [])
    }
    assert "# 28 messages in, 28 out" in target.read_text()  # why each client was suggested


def test_init_asks_for_what_it_was_not_given(tmp_path: Path) -> None:
    target = tmp_path / "relmon.toml"
    answers = "\n".join(
        [
            "northwind-advisory.example",
            str(ALICE_MAIL),
            "Europe/London",
            "Alice Marsh",
            "alice.marsh@northwind-advisory.example",
        ]
    )

    made = CliRunner().invoke(cli, ["init", "-o", str(target)], input=answers + "\n")

    assert made.exit_code == 0, made.output
    assert "Your team's mail domain" in made.output
    assert "Brightwater Energy" in target.read_text()


def test_init_never_replaces_an_existing_configuration(tmp_path: Path) -> None:
    target = tmp_path / "relmon.toml"
    target.write_text("# mine\n")

    made = CliRunner().invoke(
        cli, ["init", *ANSWERS, "--mailbox", str(ALICE_MAIL), "-o", str(target)]
    )

    assert made.exit_code == 1 and "exists already" in made.output
    assert target.read_text() == "# mine\n"


def test_init_refuses_a_time_zone_that_does_not_exist(tmp_path: Path) -> None:
    answers = [a if a != "Europe/London" else "Europe/Londn" for a in ANSWERS]

    made = CliRunner().invoke(
        cli, ["init", *answers, "--mailbox", str(ALICE_MAIL), "-o", str(tmp_path / "r.toml")]
    )

    assert made.exit_code == 2 and "unknown time zone 'Europe/Londn'" in made.output
    assert not (tmp_path / "r.toml").exists()


def test_a_young_maildir_gives_a_valid_configuration_that_says_no_client_is_known_yet(
    tmp_path: Path,
) -> None:
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1").write_bytes(email())  # one message from Dana, never answered
    target = tmp_path / "relmon.toml"

    made = CliRunner().invoke(cli, ["init", *ANSWERS, "--mailbox", str(maildir), "-o", str(target)])
    check = CliRunner().invoke(cli, ["--config", str(target), "config", "check"])

    assert made.exit_code == 0, made.output
    assert check.exit_code == 0, check.output
    data = tomllib.loads(target.read_text())
    assert data["accounts"][0]["kind"] == "maildir"
    assert "clients" not in data
    assert "# No client yet" in target.read_text()


@pytest.mark.live
def test_init_reads_an_imap_mailbox_over_verified_tls(dovecot_factory, tmp_path: Path) -> None:
    """GIVEN Alice's mailbox on an IMAP server with a certificate from a private CA: Dana's
    questions in the Inbox and Alice's answers in Sent
    WHEN relmon init is pointed at the server, with the password in a file
    THEN Acme is suggested as a client and the configuration passes config check."""
    from tests.fakes.tls import make_authority
    from tests.servers.dovecot import Tls
    from tests.sources.imap_helpers import client_mail, our_replies

    authority = make_authority(tmp_path / "ca")
    server = dovecot_factory(tls=Tls(cert_file=authority.cert_file, key_file=authority.key_file))
    server.append("INBOX", client_mail(4))
    server.append("Sent", our_replies(3))
    secret = tmp_path / "imap-password"
    secret.write_text(server.password)
    target = tmp_path / "relmon.toml"

    made = CliRunner().invoke(
        cli,
        [
            "init",
            *ANSWERS,
            "--mailbox",
            server.host,
            "--imap-user",
            server.username,
            "--imap-port",
            str(server.tls_port),
            "--ca-file",
            str(authority.ca_file),
            "--password-file",
            str(secret),
            "-o",
            str(target),
        ],
    )
    check = CliRunner().invoke(cli, ["--config", str(target), "config", "check"])

    assert made.exit_code == 0, made.output
    assert check.exit_code == 0, check.output
    data = tomllib.loads(target.read_text())
    assert data["accounts"][0]["kind"] == "imap" and data["accounts"][0]["security"] == "tls"
    assert server.password not in target.read_text()
    acme = [c for c in data["clients"] if c.get("domains") == ["acme-logistics.example"]]
    assert acme and acme[0]["name"] == "Acme Logistics"


@pytest.mark.live
def test_init_says_so_and_fails_when_the_mailbox_cannot_be_read(
    dovecot_factory, tmp_path: Path
) -> None:
    server = dovecot_factory()  # no TLS at all: relmon refuses to log in without it
    secret = tmp_path / "imap-password"
    secret.write_text(server.password)
    target = tmp_path / "relmon.toml"

    made = CliRunner().invoke(
        cli,
        [
            "init",
            *ANSWERS,
            "--mailbox",
            server.host,
            "--imap-port",
            str(server.port),
            "--imap-security",
            "starttls",
            "--password-file",
            str(secret),
            "-o",
            str(target),
        ],
    )

    assert made.exit_code == 1
    assert "the mailbox could not be read" in made.output
    assert "clients suggest`" in made.output  # what to do once the settings are fixed
    assert target.exists()  # the answers are kept


def test_init_keeps_its_database_beside_the_configuration_and_the_zones_holidays(
    tmp_path: Path, state: Path
) -> None:
    """Two firms set up on one machine each get their own database; a London team's reply
    clock skips the English bank holidays from the start."""
    first, second = tmp_path / "northwind" / "relmon.toml", tmp_path / "other" / "relmon.toml"
    for target in (first, second):
        target.parent.mkdir()
        made = CliRunner().invoke(
            cli, ["init", *ANSWERS, "--mailbox", str(ALICE_MAIL), "-o", str(target)]
        )
        assert made.exit_code == 0, made.output

    data = tomllib.loads(first.read_text())
    assert data["team"]["holidays"] == "GB"
    assert (first.parent / "relmon.db").exists() and (second.parent / "relmon.db").exists()
    assert not (state / "relmon" / "relmon.db").exists()


def test_a_zone_the_tables_do_not_know_leaves_the_holidays_to_fill_in(tmp_path: Path) -> None:
    from monitor.app.first_setup import zone_country

    table = tmp_path / "zone.tab"
    table.write_text("# comment\nGB\t+513030-0000731\tEurope/London\n", encoding="utf-8")

    assert zone_country("Europe/London", table) == "GB"
    assert zone_country("Etc/UTC", table) is None
    assert zone_country("Europe/London", tmp_path / "missing.tab") is None
