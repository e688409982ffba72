"""``[web]`` and member roles in the configuration."""

from __future__ import annotations

import pytest

from monitor.app.dashboard import client_slug, client_url
from monitor.config import load_config_text
from monitor.errors import ConfigError
from tests.factories import CONFIG


def _problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config_text(text)
    return caught.value.problems


def test_the_dashboard_defaults_to_localhost_and_members_to_consultants() -> None:
    config = load_config_text(CONFIG)

    assert config.web.listen == "127.0.0.1:8080"
    assert not config.web.enabled and config.web.trusted_proxies == ()
    assert {m.role for m in config.team.members} == {"consultant"}


def test_a_lead_is_named_in_the_team_and_the_web_section_is_read() -> None:
    text = CONFIG.replace(
        'address = "ben.okafor@northwind-advisory.example"',
        'address = "ben.okafor@northwind-advisory.example"\nrole = "lead"',
    )
    text += (
        '\n[web]\nenabled = true\nlisten = "0.0.0.0:9000"\n'
        'base_url = "https://relmon.example.com/"\ntrusted_proxies = ["10.1.0.0/16"]\n'
        'trusted_header = "X-Remote-User"\n'
    )

    config = load_config_text(text)

    assert config.member("ben.okafor@northwind-advisory.example").role == "lead"
    assert config.web.enabled and config.web.listen == "0.0.0.0:9000"
    assert config.web.base_url == "https://relmon.example.com"
    assert config.web.trusted_header == "X-Remote-User"


def test_bad_web_settings_and_roles_are_refused_by_name() -> None:
    text = CONFIG.replace(
        'address = "ben.okafor@northwind-advisory.example"',
        'address = "ben.okafor@northwind-advisory.example"\nrole = "admin"',
    )
    text += (
        '\n[web]\nlisten = "8080"\nbase_url = "relmon.example.com"\n'
        'trusted_proxies = ["proxy.example"]\n'
    )

    problems = " | ".join(_problems(text))

    assert "team.members[1].role" in problems and "'admin'" in problems
    assert "web.listen" in problems
    assert "web.base_url" in problems
    assert "web.trusted_proxies[0]" in problems


def test_a_single_sign_on_header_needs_a_trusted_proxy() -> None:
    problems = _problems(CONFIG + '\n[web]\ntrusted_header = "X-Remote-User"\n')

    assert any("web.trusted_header" in p and "trusted_proxies" in p for p in problems)


def test_a_web_secret_is_never_accepted_inline() -> None:
    problems = _problems(CONFIG + '\n[web]\nsecret = "hunter2hunter2"\n')

    assert any("web.secret" in p and "not accepted inline" in p for p in problems)


def test_client_addresses_are_stable_slugs_of_their_names() -> None:
    assert client_slug("Falkenberg Maschinenbau GmbH") == "falkenberg-maschinenbau-gmbh"
    assert client_slug("Saaristo Design Oy") == "saaristo-design-oy"
    assert client_slug("Ärzte & Söhne") == "arzte-sohne"
    assert client_url("https://relmon.example.com", "Acme Logistics") == (
        "https://relmon.example.com/clients/acme-logistics"
    )
    assert client_url(None, "Acme Logistics") is None


def test_two_clients_that_would_share_a_dashboard_address_are_refused() -> None:
    text = CONFIG + (
        '\n[[clients]]\nname = "ACME logistics!"\ndomains = ["acme-logistics.example.org"]\n'
        'owner = "ben.okafor@northwind-advisory.example"\n'
    )

    problems = _problems(text)

    assert any("/clients/acme-logistics" in p and "'Acme Logistics'" in p for p in problems)


def test_a_port_out_of_range_is_refused_before_the_dashboard_starts(tmp_path) -> None:
    from click.testing import CliRunner

    from monitor.cli import cli

    problems = _problems(CONFIG + '\n[web]\nlisten = "127.0.0.1:99999"\n')
    config = tmp_path / "relmon.toml"
    config.write_text(CONFIG + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n')
    result = CliRunner().invoke(cli, ["--config", str(config), "web", "--listen", "foo"])

    assert any("web.listen" in p and "between 1 and 65535" in p for p in problems)
    assert result.exit_code == 2
    assert "'foo' is not host:port" in result.output
    assert "Traceback" not in result.output and "relmon dashboard on" not in result.output
