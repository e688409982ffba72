"""Microsoft sign-in through msal against the fake Entra ID: msal really talks HTTPS to it
(``instance_discovery`` off, the test CA pinned); nothing inside msal is patched."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

from monitor.config import MicrosoftAuth, Secret, load_config_text
from monitor.errors import AuthError, ConfigError
from monitor.sources import msauth
from monitor.sources.graph_http import origin
from monitor.sources.msauth import (
    IMAP_DELEGATED_SCOPE,
    MicrosoftSignInError,
    MicrosoftUnavailable,
    TokenCacheFile,
    acquire_token,
    error_from_result,
    login_device_code,
    write_private,
)
from tests.factories import CONFIG
from tests.fakes.entra import TENANT, AppRegistration, FakeEntra
from tests.fakes.fixtures import ALICE, BEN, CLIENT_ID, World
from tests.fakes.tls import make_client_certificate

GRAPH_APP_SCOPE = ["https://graph.microsoft.com/.default"]


def mail_scope(config) -> list[str]:
    """The delegated scope relmon asks for: Mail.Read on the configured Graph host."""
    return msauth.default_scopes(origin(config.accounts[0].graph.graph_url), delegated=True)


def microsoft(entra: FakeEntra, world: World, **changes) -> MicrosoftAuth:
    values = {
        "tenant_id": TENANT,
        "client_id": CLIENT_ID,
        "authority_host": entra.url,
        "ca_file": world.tls.ca_file,
        "client_secret": Secret(key="client_secret", env="RELMON_TEST_GRAPH_SECRET"),
    }
    values.update(changes)
    world.monkeypatch.setenv("RELMON_TEST_GRAPH_SECRET", world.secret)
    return MicrosoftAuth(**values)


def cache_file(state: Path) -> Path:
    return state / msauth.TOKEN_CACHE_FILE


def approve_from(world: World, username: str):
    def echo(text: str) -> None:
        world.entra.approve(text.split("enter the code ")[1].split()[0], username)

    return echo


def test_app_only_token_comes_from_entra_once_then_from_the_private_cache(
    world: World, relmon_state: Path
) -> None:
    auth = microsoft(world.entra, world)

    first = acquire_token(auth, scopes=GRAPH_APP_SCOPE, delegated=False, account_name="m365")
    second = acquire_token(auth, scopes=GRAPH_APP_SCOPE, delegated=False, account_name="m365")

    assert first == second
    assert len(world.entra.grants("client_credentials")) == 1
    path = cache_file(relmon_state)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
    assert first in path.read_text()  # msal's cache holds the token: hence owner-only
    assert [p.name for p in path.parent.iterdir()] == [
        msauth.TOKEN_CACHE_FILE
    ]  # no temporary files left


def test_the_cache_file_is_written_only_when_msal_changed_it(
    world: World, relmon_state: Path
) -> None:
    auth = microsoft(world.entra, world)
    acquire_token(auth, scopes=GRAPH_APP_SCOPE, delegated=False, account_name="m365")
    path = cache_file(relmon_state)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))

    acquire_token(auth, scopes=GRAPH_APP_SCOPE, delegated=False, account_name="m365")

    assert path.stat().st_mtime_ns == 1_000_000_000


def test_a_failed_write_leaves_the_previous_cache_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Atomic replacement: a crash between writing and renaming never truncates the cache."""
    path = tmp_path / "state" / msauth.TOKEN_CACHE_FILE
    write_private(path, '{"AccessToken": {"old": {}}}')

    def crash(self: Path, target: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", crash)
    with pytest.raises(OSError, match="No space left"):
        write_private(path, '{"AccessToken": {"new": {}}}')

    assert json.loads(path.read_text()) == {"AccessToken": {"old": {}}}
    assert [p.name for p in path.parent.iterdir()] == [msauth.TOKEN_CACHE_FILE]


def test_a_cache_file_with_loose_permissions_is_tightened_when_read(tmp_path: Path) -> None:
    path = tmp_path / msauth.TOKEN_CACHE_FILE
    path.write_text("{}")
    path.chmod(0o644)

    TokenCacheFile(path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_cache_is_read_again_after_another_process_rewrote_it(
    world: World, relmon_state: Path
) -> None:
    """``relmon accounts login`` in one process, the daemon in another: the daemon sees the
    new sign-in without a restart."""
    login = microsoft(world.entra, world, client_secret=None)
    daemon_cache = msauth.token_cache()
    assert daemon_cache.cache.serialize().strip() in ("{}", "")
    other = TokenCacheFile(cache_file(relmon_state))  # the other process's view
    other.cache.deserialize('{"AccessToken": {}, "RefreshToken": {"x": {"secret": "rt"}}}')
    other.cache.has_state_changed = True
    other.save_if_changed()

    daemon_cache.reload_if_changed()

    assert "RefreshToken" in json.loads(daemon_cache.cache.serialize())
    assert login.client_id == CLIENT_ID


def test_the_configured_ca_wins_over_requests_ca_bundle(
    world: World, relmon_state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """REQUESTS_CA_BUNDLE names the system store, which does not trust the test CA; the CA
    configured for the authority is used all the same."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.setenv("CURL_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")

    token = acquire_token(
        microsoft(world.entra, world), scopes=GRAPH_APP_SCOPE, delegated=False, account_name="m365"
    )

    assert token


def test_a_certificate_credential_signs_an_assertion_entra_verifies(
    world: World, relmon_state: Path, tmp_path: Path
) -> None:
    pem, thumbprint, certificate = make_client_certificate(tmp_path)
    world.entra.register(
        AppRegistration("0c9a8b7d-1e2f-4a3b-8c4d-5e6f7a8b9c0d", certificate=certificate)
    )
    auth = microsoft(
        world.entra,
        world,
        client_id="0c9a8b7d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
        client_secret=None,
        certificate=Secret(key="certificate", file=pem),
        certificate_thumbprint=thumbprint,
    )

    token = acquire_token(auth, scopes=GRAPH_APP_SCOPE, delegated=False, account_name="m365")

    assert world.entra.validate(token) is not None
    assert world.entra.grants("client_credentials")[-1].status == 200


def test_a_thumbprint_that_does_not_match_the_certificate_is_a_configuration_error(
    world: World, relmon_state: Path, tmp_path: Path
) -> None:
    pem, _, _ = make_client_certificate(tmp_path)
    auth = microsoft(
        world.entra,
        world,
        client_secret=None,
        certificate=Secret(key="certificate", file=pem),
        certificate_thumbprint="AB" * 20,
    )

    with pytest.raises(ConfigError, match="does not match the certificate"):
        acquire_token(auth, scopes=GRAPH_APP_SCOPE, delegated=False, account_name="m365")


def test_an_expired_client_secret_names_aadsts7000222_and_what_to_do(
    world: World, relmon_state: Path
) -> None:
    world.entra.apps[CLIENT_ID].secret_expired = True

    with pytest.raises(MicrosoftSignInError) as caught:
        acquire_token(
            microsoft(world.entra, world),
            scopes=GRAPH_APP_SCOPE,
            delegated=False,
            account_name="m365",
        )

    assert caught.value.aadsts == "AADSTS7000222"
    assert "client secret has expired" in str(caught.value) and "Certificates & secrets" in str(
        caught.value
    )
    assert isinstance(caught.value, AuthError)
    assert world.secret not in str(caught.value)


def test_a_wrong_tenant_is_an_authentication_error_naming_the_tenant(
    world: World, relmon_state: Path
) -> None:
    with pytest.raises(MicrosoftSignInError, match="check tenant_id"):
        acquire_token(
            microsoft(world.entra, world, tenant_id="contoso.example"),
            scopes=GRAPH_APP_SCOPE,
            delegated=False,
            account_name="m365",
        )


def test_an_unreachable_sign_in_service_is_transient(world: World, relmon_state: Path) -> None:
    auth = microsoft(world.entra, world, authority_host="https://127.0.0.1:9")

    with pytest.raises(MicrosoftUnavailable):
        acquire_token(auth, scopes=GRAPH_APP_SCOPE, delegated=False, account_name="m365")


def delegated_config(world: World, *, kind: str = "graph"):
    if kind == "graph":
        account = world.account_toml(name="alice-m365", auth="delegated", address=ALICE[1])
    else:
        account = "\n".join(
            [
                "[[accounts]]",
                'name = "alice-imap"',
                'kind = "imap"',
                'host = "outlook.office365.com"',
                f'username = "{ALICE[1]}"',
                'auth = "xoauth2"',
                'oauth_provider = "microsoft"',
                f'tenant_id = "{TENANT}"',
                f'client_id = "{CLIENT_ID}"',
                f'authority_host = "{world.entra.url}"',
                f'authority_ca_file = "{world.tls.ca_file}"',
                "",
            ]
        )
    return load_config_text(CONFIG + "\n" + account + '\n[store]\nurl = "sqlite:///:memory:"\n')


def test_device_code_login_prints_the_code_waits_and_keeps_the_sign_in(
    world: World, relmon_state: Path
) -> None:
    config = delegated_config(world)
    shown: list[str] = []

    def person_signs_in(text: str) -> None:
        shown.append(text)
        code = text.split("enter the code ")[1].split()[0]
        # The person needs a moment; msal polls meanwhile and hears "authorization_pending".
        threading.Timer(1.5, world.entra.approve, args=(code, ALICE[1])).start()

    who = login_device_code(config.accounts[0], echo=person_signs_in)

    assert who == ALICE[1]
    assert "https://microsoft.com/devicelogin" in shown[0]
    assert (
        len(world.entra.grants("urn:ietf:params:oauth:grant-type:device_code")) >= 2
    )  # pending, then granted
    sign_ins = json.loads((relmon_state / msauth.SIGN_INS_FILE).read_text())
    assert sign_ins["accounts"]["alice-m365"]["username"] == ALICE[1]
    assert stat.S_IMODE((relmon_state / msauth.SIGN_INS_FILE).stat().st_mode) == 0o600
    token = acquire_token(
        config.accounts[0].graph.microsoft,
        scopes=mail_scope(config),
        delegated=True,
        account_name="alice-m365",
    )
    assert world.entra.validate(token).username == ALICE[1]


def test_a_delegated_token_is_refreshed_from_the_stored_refresh_token(
    world: World, relmon_state: Path
) -> None:
    config = delegated_config(world)
    login_device_code(config.accounts[0], echo=approve_from(world, ALICE[1]))
    auth = config.accounts[0].graph.microsoft
    first = acquire_token(
        auth, scopes=mail_scope(config), delegated=True, account_name="alice-m365"
    )
    world.entra.expire_access_tokens()

    msauth.drop_token(auth, first)
    second = acquire_token(
        auth, scopes=mail_scope(config), delegated=True, account_name="alice-m365"
    )

    assert second != first and world.entra.validate(second) is not None
    assert len(world.entra.grants("refresh_token")) == 1


def test_the_same_sign_in_serves_imap_scopes(world: World, relmon_state: Path) -> None:
    """IMAP XOAUTH2 calls acquire_token with the Exchange IMAP scope for an IMAP account."""
    config = delegated_config(world, kind="imap")
    login_device_code(config.accounts[0], echo=approve_from(world, ALICE[1]))

    token = acquire_token(
        config.accounts[0].imap.microsoft,
        scopes=[IMAP_DELEGATED_SCOPE],
        delegated=True,
        account_name="alice-imap",
    )

    issued = world.entra.validate(token)
    assert (
        issued is not None and IMAP_DELEGATED_SCOPE in issued.scopes and issued.username == ALICE[1]
    )


def test_each_account_gets_its_own_users_tokens(world: World, relmon_state: Path) -> None:
    """One app registration, two people: the sign-in is tied to the relmon account by name."""
    alice = delegated_config(world)
    ben_toml = world.account_toml(name="ben-m365", auth="delegated", address=BEN[1])
    ben = load_config_text(CONFIG + "\n" + ben_toml + '\n[store]\nurl = "sqlite:///:memory:"\n')
    login_device_code(alice.accounts[0], echo=approve_from(world, ALICE[1]))
    login_device_code(ben.accounts[0], echo=approve_from(world, BEN[1]))

    alice_token = acquire_token(
        alice.accounts[0].graph.microsoft,
        scopes=mail_scope(alice),
        delegated=True,
        account_name="alice-m365",
    )
    ben_token = acquire_token(
        ben.accounts[0].graph.microsoft,
        scopes=mail_scope(ben),
        delegated=True,
        account_name="ben-m365",
    )

    assert world.entra.validate(alice_token).username == ALICE[1]
    assert world.entra.validate(ben_token).username == BEN[1]


def test_an_account_never_signed_in_is_told_to_log_in(world: World, relmon_state: Path) -> None:
    config = delegated_config(world)

    with pytest.raises(MicrosoftSignInError, match="relmon accounts login alice-m365"):
        acquire_token(
            config.accounts[0].graph.microsoft,
            scopes=mail_scope(config),
            delegated=True,
            account_name="alice-m365",
        )


def test_a_revoked_refresh_token_asks_for_a_new_login(world: World, relmon_state: Path) -> None:
    config = delegated_config(world)
    login_device_code(config.accounts[0], echo=approve_from(world, ALICE[1]))
    world.entra.revoke_refresh_tokens(ALICE[1])
    msauth.forget()  # a new process: no access token in memory; the file has the old one
    world.entra.expire_access_tokens()
    for token in list(world.entra.access_tokens):
        msauth.drop_token(config.accounts[0].graph.microsoft, token)

    with pytest.raises(MicrosoftSignInError) as caught:
        acquire_token(
            config.accounts[0].graph.microsoft,
            scopes=mail_scope(config),
            delegated=True,
            account_name="alice-m365",
        )

    assert caught.value.error == "invalid_grant" and caught.value.aadsts == "AADSTS50173"
    assert "relmon accounts login alice-m365" in caught.value.hint


def test_public_client_flows_disabled_names_aadsts7000218(world: World, relmon_state: Path) -> None:
    world.entra.apps[CLIENT_ID].public_client_flows = False
    config = delegated_config(world)

    with pytest.raises(MicrosoftSignInError) as caught:
        login_device_code(config.accounts[0], echo=approve_from(world, ALICE[1]))

    assert caught.value.aadsts == "AADSTS7000218"
    assert "Allow public client flows" in caught.value.hint


def test_missing_consent_names_aadsts65001(world: World, relmon_state: Path) -> None:
    world.entra.apps[CLIENT_ID].consented = False
    config = delegated_config(world)

    with pytest.raises(MicrosoftSignInError) as caught:
        login_device_code(config.accounts[0], echo=approve_from(world, ALICE[1]))

    assert caught.value.aadsts == "AADSTS65001"
    assert "admin consent" in caught.value.hint


def test_an_app_only_account_needs_no_login(world: World, relmon_state: Path) -> None:
    config = load_config_text(
        CONFIG + "\n" + world.account_toml() + '\n[store]\nurl = "sqlite:///:memory:"\n'
    )

    with pytest.raises(ConfigError, match="needs no sign-in"):
        login_device_code(config.accounts[0], echo=print)


@pytest.mark.parametrize(
    ("result", "kind", "code", "words"),
    [
        (
            {
                "error": "invalid_grant",
                "error_description": "AADSTS70008: The provided authorization code or refresh token has expired due to inactivity.\r\nTrace ID: 1",
            },
            MicrosoftSignInError,
            70008,
            "relmon accounts login acct",
        ),
        (
            {
                "error": "invalid_client",
                "error_codes": [7000215],
                "error_description": "AADSTS7000215: Invalid client secret provided.",
            },
            MicrosoftSignInError,
            7000215,
            "Value",
        ),
        (
            {
                "error": "invalid_grant",
                "error_codes": [50076],
                "error_description": "AADSTS50076: Due to a configuration change made by your administrator…",
            },
            MicrosoftSignInError,
            50076,
            "multi-factor",
        ),
        (
            {
                "error": "access_denied",
                "error_codes": [53003],
                "error_description": "AADSTS53003: Access has been blocked by Conditional Access policies.",
            },
            MicrosoftSignInError,
            53003,
            "Conditional Access",
        ),
        (
            {
                "error": "temporarily_unavailable",
                "error_description": "AADSTS50196: The server is busy.",
            },
            MicrosoftUnavailable,
            None,
            "busy",
        ),
        (
            {
                "error": "weird_new_error",
                "error_description": "Something we have no hint for.\r\nTrace ID: 2",
            },
            MicrosoftSignInError,
            None,
            "Something we have no hint for.",
        ),
    ],
)
def test_msal_error_dictionaries_become_typed_errors_with_hints(result, kind, code, words) -> None:
    error = error_from_result(result, "acct")

    assert isinstance(error, kind)
    if isinstance(error, MicrosoftSignInError):
        assert error.code == code
        assert "Trace ID" not in error.hint
    assert words in str(error)
