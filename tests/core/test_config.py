"""Configuration is validated on load; every problem names its key and the file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from monitor.config import load_config, load_config_text
from monitor.errors import ConfigError, SecretError
from tests.factories import CONFIG, team_config


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config_text(text)
    return caught.value.problems


def test_the_example_configuration_is_valid() -> None:
    config = load_config(Path(__file__).resolve().parents[2] / "config" / "relmon.example.toml")

    assert config.team.name == "Northwind Advisory"
    assert [c.name for c in config.clients] == ["Acme Logistics", "Falkenberg Maschinenbau"]
    assert config.client("acme logistics") is not None


def test_configuration_objects_are_frozen() -> None:
    config = team_config()

    with pytest.raises(dataclasses.FrozenInstanceError):
        config.team.name = "Someone else"  # type: ignore[misc]


def test_unknown_key_suggests_the_closest_known_one() -> None:
    problems = problems_of(
        CONFIG.replace('timezone = "Europe/London"', 'time_zone = "Europe/London"')
    )

    assert any(
        p.startswith("team.time_zone: unknown key; did you mean 'timezone'?") for p in problems
    )


def test_bad_timezone_names_the_key() -> None:
    problems = problems_of(
        CONFIG.replace('timezone = "Europe/London"', 'timezone = "Europe/Lodnon"')
    )

    assert problems == [
        "team.timezone: unknown time zone 'Europe/Lodnon' (use an IANA name such as 'Europe/London')"
    ]


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        ("Mon-Fri 17:30-09:00", "the day ends (09:00) before it starts (17:30)"),
        ("Monday to Friday", "is not a working-hours span"),
        ("Mon-Fry 09:00-17:00", "'Fry' is not a weekday"),
        ("Mon-Fri 09:00-25:00", "25:00 is not a time of day"),
    ],
)
def test_bad_working_hours_are_refused(hours: str, expected: str) -> None:
    problems = problems_of(
        CONFIG.replace('working_hours = "Mon-Fri 09:00-17:30"', f'working_hours = "{hours}"')
    )

    assert len(problems) == 1
    assert problems[0].startswith("team.working_hours: ")
    assert expected in problems[0]


def test_a_free_mail_domain_cannot_be_a_client_domain() -> None:
    problems = problems_of(
        CONFIG.replace('domains = ["falkenberg-maschinenbau.example"]', 'domains = ["gmail.com"]')
    )

    assert problems == [
        "clients[1].domains[0]: 'gmail.com' is a free-mail domain and would match strangers; "
        "list this client's people in addresses instead"
    ]


def test_the_same_domain_on_two_clients_is_refused() -> None:
    problems = problems_of(
        CONFIG.replace(
            'domains = ["falkenberg-maschinenbau.example"]', 'domains = ["Acme-Logistics.example"]'
        )
    )

    assert problems == [
        "clients[1].domains[0]: 'acme-logistics.example' is already a domain of client 'Acme Logistics'"
    ]


def test_the_same_person_listed_twice_is_refused() -> None:
    """Ben added again under another name, his address in capitals: two members would split
    his clients between two digests and two weekly reports."""
    problems = problems_of(
        CONFIG.replace(
            "[[clients]]",
            '[[team.members]]\nname = "B. Okafor"\naddress = "BEN.OKAFOR@northwind-advisory.example"'
            "\n\n[[clients]]",
            1,
        )
    )

    assert problems == [
        "team.members[2]: ben.okafor@northwind-advisory.example is already team.members[1]'s "
        "address or alias: list one person once, with their other addresses as aliases"
    ]


def test_warning_above_critical_in_the_team_thresholds_is_said_once_under_its_key() -> None:
    """Clients without thresholds of their own inherit the team's: the mistake is the team's."""
    problems = problems_of(
        CONFIG + "\n[thresholds]\nunanswered_warning_hours = 30\nunanswered_critical_hours = 10\n"
    )
    client_set = problems_of(
        CONFIG.replace(
            'owner = "alice.marsh@northwind-advisory.example"\n',
            'owner = "alice.marsh@northwind-advisory.example"\n'
            "thresholds = { unanswered_warning_hours = 40 }\n",
        )
    )

    assert problems == [
        "thresholds.unanswered_warning_hours: the warning threshold (30.0) is above the critical "
        "one (10.0)"
    ]
    assert client_set == [
        "clients[0].thresholds.unanswered_warning_hours: the warning threshold (40.0) is above "
        "the critical one (24.0)"
    ]


def test_an_owner_outside_the_team_is_refused() -> None:
    problems = problems_of(
        CONFIG.replace(
            'owner = "ben.okafor@northwind-advisory.example"', 'owner = "ben.okafor@gmail.com"'
        )
    )

    assert len(problems) == 1
    assert problems[0].startswith("clients[1].owner: 'ben.okafor@gmail.com' is not a team address")


def test_every_problem_is_reported_at_once_with_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "relmon.toml"
    path.write_text(
        CONFIG.replace('timezone = "Europe/London"', 'timezone = "Nowhere/Special"').replace(
            'domains = ["falkenberg-maschinenbau.example"]', 'domains = ["outlook.com"]'
        )
    )

    with pytest.raises(ConfigError) as caught:
        load_config(path)

    assert len(caught.value.problems) == 2
    assert str(caught.value).startswith(f"{path.resolve()}: 2 problems:")


def test_invalid_toml_says_where(tmp_path: Path) -> None:
    path = tmp_path / "relmon.toml"
    path.write_text('[team\nname = "x"\n')

    with pytest.raises(ConfigError, match=r"not valid TOML: .*line 1"):
        load_config(path)


def test_config_path_comes_from_flag_then_environment_then_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitor.config import find_config_path

    monkeypatch.setenv("RELMON_CONFIG", str(tmp_path / "env.toml"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))

    assert find_config_path(str(tmp_path / "flag.toml")) == tmp_path / "flag.toml"
    assert find_config_path(None) == tmp_path / "env.toml"
    monkeypatch.delenv("RELMON_CONFIG")
    assert find_config_path(None) == tmp_path / "xdg" / "relmon" / "relmon.toml"


def test_missing_configuration_file_explains_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"no configuration file at .*nowhere\.toml .*`relmon config example`"
    ):
        load_config(tmp_path / "nowhere.toml")


def test_inline_secrets_are_refused_and_file_wins_over_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitor.config import _Problems, _Table

    problems = _Problems()
    table = _Table({"password": "hunter2"}, "accounts[0]", problems)
    table.secret("password", None)
    assert problems.items[0].startswith("accounts[0].password: secrets are not accepted inline")

    secret_file = tmp_path / "imap-password"
    secret_file.write_text("from-the-file\n")
    monkeypatch.setenv("RELMON_TEST_SECRET", "from-the-environment")
    both = _Table(
        {"password_file": str(secret_file), "password_env": "RELMON_TEST_SECRET"},
        "accounts[0]",
        _Problems(),
    )
    secret = both.secret("password", None)
    assert secret is not None
    assert secret.reveal() == "from-the-file"
    assert "from-the" not in repr(secret)

    only_env = _Table(
        {"password_env": "RELMON_TEST_UNSET_VARIABLE"}, "accounts[0]", _Problems()
    ).secret("password", None)
    assert only_env is not None
    with pytest.raises(
        SecretError,
        match=r"accounts\[0\]\.password_env: environment variable RELMON_TEST_UNSET_VARIABLE is not set",
    ):
        only_env.reveal()


def test_relative_secret_files_are_found_among_systemd_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitor.config import _Problems, _Table

    (tmp_path / "imap-password").write_text("s3cret")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))

    secret = _Table({"password_file": "imap-password"}, "accounts[0]", _Problems()).secret(
        "password", Path("/etc/relmon")
    )

    assert secret is not None
    assert secret.reveal() == "s3cret"


def test_default_store_lives_in_the_state_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))

    config = load_config_text(CONFIG)

    assert config.store.url == f"sqlite:///{tmp_path / 'state' / 'relmon.db'}"


IMAP = '\n[[accounts]]\nname = "ben-imap"\nkind = "imap"\nhost = "imap.northwind-advisory.example"\nusername = "ben.okafor@northwind-advisory.example"\n'


def test_an_imap_account_uses_implicit_tls_and_a_password_reference() -> None:
    config = team_config(extra=IMAP + 'password_env = "RELMON_BEN_PASSWORD"\n')

    imap = config.accounts[0].imap
    assert imap is not None
    assert (imap.security, imap.port, imap.auth) == ("tls", 993, "password")
    assert config.accounts[0].address == "ben.okafor@northwind-advisory.example"
    assert [key for key, _ in config.secrets()] == ["accounts[0].password"]


def test_plaintext_imap_needs_an_explicit_insecure_flag() -> None:
    problems = problems_of(CONFIG + IMAP + 'security = "plain"\npassword_env = "X"\n')

    assert problems == [
        "accounts[0].security: plaintext IMAP sends the password unencrypted; set insecure = true to allow it"
    ]


def test_graph_app_access_needs_mailboxes_and_a_credential() -> None:
    problems = problems_of(
        CONFIG
        + '\n[[accounts]]\nname = "m365"\nkind = "graph"\ntenant_id = "northwind-advisory.example"\nclient_id = "8d6f0a52-1b8e-4a57-9a4e-2f1c0a7e3b11"\n'
    )

    assert (
        "accounts[0]: app-only access needs client_secret_file/_env or certificate_file/_env"
        in problems
    )
    assert (
        "accounts[0].mailboxes: app-only access reads the listed mailboxes; name at least one"
        in problems
    )


def test_an_unknown_account_kind_suggests_the_right_one() -> None:
    problems = problems_of(CONFIG + '\n[[accounts]]\nname = "x"\nkind = "imaps"\n')

    assert problems[0].startswith(
        "accounts[0].kind: unknown account kind 'imaps'; did you mean 'imap'?"
    )


def test_time_zones_are_resolved_while_reading_and_keep_their_names() -> None:
    from zoneinfo import ZoneInfo

    config = load_config_text(
        CONFIG.replace(
            'address = "ben.okafor@northwind-advisory.example"\n',
            'address = "ben.okafor@northwind-advisory.example"\ntimezone = "America/New_York"\n',
        ).replace(
            'owner = "alice.marsh@northwind-advisory.example"\n',
            'owner = "alice.marsh@northwind-advisory.example"\ntimezone = "Europe/Berlin"\n',
        )
    )
    acme = config.client("Acme Logistics")
    falkenberg = config.client("Falkenberg Maschinenbau")

    assert config.team.timezone == "Europe/London"
    assert config.team.tz == ZoneInfo("Europe/London")
    assert acme is not None and acme.timezone == "Europe/Berlin"
    assert acme.tz == ZoneInfo("Europe/Berlin")
    assert falkenberg is not None and falkenberg.tz is None
    assert config.owner_tz("ben.okafor@northwind-advisory.example") == ZoneInfo("America/New_York")
    assert config.owner_tz("alice.marsh@northwind-advisory.example") == ZoneInfo("Europe/London")
    assert config.owner_zone("ben.okafor@northwind-advisory.example") == "America/New_York"


def test_the_known_account_kinds_are_the_registered_mail_sources() -> None:
    from monitor.config import ACCOUNT_KINDS, SETTINGS_PARSERS
    from monitor.sources.registry import SOURCES

    assert ACCOUNT_KINDS == tuple(SOURCES) == ("maildir", "mbox", "imap", "graph")
    assert set(SETTINGS_PARSERS) <= set(ACCOUNT_KINDS)


SMTP_WITH_LOGIN = (
    '\n[alerts]\nfrom = "relmon@northwind-advisory.example"\n'
    '\n[smtp]\nhost = "smtp.northwind-advisory.example"\nsecurity = "plain"\n'
    'username = "relmon"\npassword_env = "RELMON_SMTP_PASSWORD"\n'
)


def test_an_smtp_password_is_never_sent_in_plain_text_without_insecure() -> None:
    problems = problems_of(CONFIG + SMTP_WITH_LOGIN)

    assert problems == [
        "smtp.security: plaintext SMTP sends the password unencrypted; use tls or starttls, "
        "or set insecure = true to allow it"
    ]


def test_plaintext_smtp_is_accepted_for_a_relay_without_login_or_when_declared_insecure() -> None:
    relay = SMTP_WITH_LOGIN.replace(
        'username = "relmon"\npassword_env = "RELMON_SMTP_PASSWORD"\n', ""
    )
    declared = SMTP_WITH_LOGIN + "insecure = true\n"

    assert load_config_text(CONFIG + relay).alerts.smtp is not None
    assert load_config_text(CONFIG + declared).alerts.smtp is not None
