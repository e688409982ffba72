"""IMAP when things go wrong: certificates, passwords, tokens, cut connections, a killed process.

Alice Marsh (Northwind Advisory) reads her mailbox over IMAP; Dana Whitfield (Acme Logistics)
writes to her.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from monitor.app.sync import check_account, sync_account, sync_all
from monitor.errors import AuthError, ConfigError
from monitor.sources import imap
from monitor.sources.imap_conn import connect, xoauth2_initial_response
from monitor.store.sources import account_health
from tests.factories import CONFIG
from tests.fakes.tls import make_authority
from tests.servers.dovecot import Dovecot, Tls, TokenIntrospection
from tests.servers.proxy import FaultyProxy
from tests.sources.imap_helpers import (
    NOW,
    client_mail,
    open_runtime,
    our_replies,
    snapshot,
    stored_messages,
)

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def quick_reconnects(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imap, "RETRY_BASE", 0.05)
    monkeypatch.setattr(imap, "RETRY_CAP", 0.2)


@pytest.fixture
def tls_server(dovecot_factory, tmp_path: Path):
    authority = make_authority(tmp_path / "ca")
    server = dovecot_factory(tls=Tls(cert_file=authority.cert_file, key_file=authority.key_file))
    server.append("INBOX", client_mail(3))
    return server, authority


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_tls_certificate_is_verified_and_fails_without_the_ca_file(
    tls_server, tmp_path: Path, analyzer, security: str
) -> None:
    """GIVEN a server with a certificate from a private CA
    WHEN relmon connects without the CA file THEN it refuses, and says how to fix it;
    WITH the CA file it verifies the certificate and syncs."""
    server, authority = tls_server
    port = server.tls_port if security == "tls" else server.port
    runtime, account = open_runtime(
        server, f"sqlite:///{tmp_path / 'a.db'}", security=security, port=port, analyzer=analyzer
    )

    with pytest.raises(ConfigError, match=r"certificate could not be verified.*set ca_file"):
        connect(account)
    refused = sync_account(runtime, account, now=NOW)
    assert refused.error_kind == "config" and stored_messages(runtime) == []

    trusted, account = open_runtime(
        server,
        f"sqlite:///{tmp_path / 'b.db'}",
        security=security,
        port=port,
        analyzer=analyzer,
        account_extra=f'ca_file = "{authority.ca_file}"\n',
    )
    result = sync_account(trusted, account, now=NOW)
    assert result.error is None and result.total("new") == 3
    check = check_account(trusted, account)
    assert check.ok and ("over TLS" if security == "tls" else "over STARTTLS") in check.detail


def test_plaintext_server_is_refused_when_starttls_is_configured(
    dovecot: Dovecot, tmp_path: Path, analyzer
) -> None:
    """A server without TLS is never used in the clear when the configuration asks for STARTTLS."""
    runtime, account = open_runtime(
        dovecot,
        f"sqlite:///{tmp_path / 'a.db'}",
        security="starttls",
        port=dovecot.port,
        analyzer=analyzer,
    )

    result = sync_account(runtime, account, now=NOW)

    assert result.error_kind == "config" and "STARTTLS" in (result.error or "")


def test_wrong_password_is_reported_once_per_pass_counted_and_escalated(
    dovecot: Dovecot, tmp_path: Path, analyzer, monkeypatch
) -> None:
    """A rejected login is never retried within a pass; the third failed pass raises the
    operator alert (failures_before_alert = 3), once."""
    runtime, account = open_runtime(dovecot, f"sqlite:///{tmp_path / 'a.db'}", analyzer=analyzer)
    monkeypatch.setenv("RELMON_TEST_IMAP_PASSWORD", "Tr0ub4dor&3")
    attempts = []
    original = imap.connect
    monkeypatch.setattr(imap, "connect", lambda acc: attempts.append(1) or original(acc))

    started = time.monotonic()
    results = [sync_account(runtime, account, now=NOW) for _ in range(4)]

    assert time.monotonic() - started < 5
    assert len(attempts) == 4
    assert all(r.error_kind == "auth" for r in results)
    assert "rejected the username or password for alice.marsh@northwind-advisory.example" in (
        results[0].error or ""
    )
    assert "Tr0ub4dor" not in json.dumps([r.as_dict() for r in results])
    assert [r.escalated for r in results] == [False, False, True, False]
    health = {h.account: h for h in account_health(runtime.store.engine)}["alice-imap"]
    assert health.consecutive_failures == 4 and health.escalated_at is not None
    check = check_account(runtime, account)
    assert not check.ok and check.detail.startswith("authentication failed")

    monkeypatch.setenv("RELMON_TEST_IMAP_PASSWORD", dovecot.password)
    assert sync_account(runtime, account, now=NOW).error is None
    assert {h.account: h for h in account_health(runtime.store.engine)}[
        "alice-imap"
    ].consecutive_failures == 0


def test_one_failing_account_does_not_stop_the_others(
    dovecot: Dovecot, tmp_path: Path, analyzer, quick_reconnects
) -> None:
    dovecot.append("INBOX", client_mail(2))
    unreachable = dovecot.account_toml("ben-imap", port=1)  # nothing listens on port 1
    runtime, _ = open_runtime(
        dovecot, f"sqlite:///{tmp_path / 'a.db'}", analyzer=analyzer, extra=unreachable
    )

    results = {r.account: r for r in sync_all(runtime, now=NOW)}

    assert results["alice-imap"].error is None and results["alice-imap"].total("new") == 2
    assert results["ben-imap"].error_kind == "transient" and "connection refused" in (
        results["ben-imap"].error or ""
    )


@pytest.mark.parametrize("analysed_in", ["this process", "worker processes"])
def test_connection_cut_mid_fetch_resumes_without_losing_or_doubling_mail(
    dovecot: Dovecot, tmp_path: Path, analyzer, quick_reconnects, monkeypatch, analysed_in
) -> None:
    """GIVEN 300 messages in the Inbox and 40 in Sent, read through a proxy that cuts the
    connection after 250 KB WHEN relmon syncs THEN it reconnects, resumes where its last
    stored batch ended, and the store equals that of an uninterrupted sync. With worker
    processes, batches fetched before the cut are still waiting for their analysis when it
    comes: they are stored before the pass reconnects."""
    if analysed_in == "worker processes":
        monkeypatch.setattr(imap, "PARALLEL_FROM", 10)
        monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))  # the spool's place
    dovecot.append("INBOX", client_mail(300, attachment_every=9))
    dovecot.append("Sent", our_replies(40))
    proxy = FaultyProxy((dovecot.host, dovecot.port))
    try:
        proxy.cut_after(250_000)
        runtime, account = open_runtime(
            dovecot,
            f"sqlite:///{tmp_path / 'cut.db'}",
            port=proxy.port,
            analyzer=analyzer,
            account_extra="batch_size = 50\n",
        )

        result = sync_account(runtime, account, now=NOW)

        assert proxy.cuts == 1 and proxy.connections == 2
    finally:
        proxy.close()
    assert result.error is None
    assert result.total("new") == 340 and result.total("known") == 0
    clean, account = open_runtime(
        dovecot,
        f"sqlite:///{tmp_path / 'clean.db'}",
        analyzer=analyzer,
        account_extra="batch_size = 50\n",
    )
    sync_account(clean, account, now=NOW)
    assert snapshot(runtime) == snapshot(clean)


def test_connection_that_keeps_failing_makes_the_account_fail_after_a_few_attempts(
    dovecot: Dovecot, tmp_path: Path, analyzer, quick_reconnects
) -> None:
    dovecot.append("INBOX", client_mail(50))
    proxy = FaultyProxy((dovecot.host, dovecot.port))
    try:
        runtime, account = open_runtime(
            dovecot, f"sqlite:///{tmp_path / 'a.db'}", port=proxy.port, timeout=1, analyzer=analyzer
        )
        proxy.go_silent()  # a half-open connection: nothing ever comes back

        started = time.monotonic()
        result = sync_account(runtime, account, now=NOW)

        assert result.error_kind == "transient" and "timed out" in (result.error or "")
        assert proxy.connections == imap.ATTEMPTS
        assert time.monotonic() - started < imap.ATTEMPTS * 2 + 2
    finally:
        proxy.close()


def test_xoauth2_signs_in_with_a_token_from_the_token_command(
    dovecot_factory, tmp_path: Path, analyzer
) -> None:
    """Dovecot checks the bearer token against an OAuth introspection endpoint, as a server
    in front of Entra ID or Google would; relmon gets the token from `token_command`."""
    tokens = TokenIntrospection()
    try:
        server = dovecot_factory(oauth_introspection_url=tokens.url)
        server.append("INBOX", client_mail(2))
        good = tmp_path / "token"
        good.write_text(tokens.issue(server.username) + "\n")
        command = f"cat {good}"
        extra = f'auth = "xoauth2"\noauth_provider = "command"\ntoken_command = "{command}"\n'
        toml = server.account_toml(extra=extra).replace(
            'password_env = "RELMON_TEST_IMAP_PASSWORD"\n', ""
        )
        from monitor.app.runtime import Runtime
        from monitor.config import load_config_text

        config = load_config_text(
            CONFIG + toml + f'\n[store]\nurl = "sqlite:///{tmp_path / "a.db"}"\n'
        )
        runtime = Runtime.open(config, analyzer=analyzer)
        account = config.accounts[0]

        result = sync_account(runtime, account, now=NOW)

        assert result.error is None and result.total("new") == 2
        assert tokens.requests >= 1

        good.write_text("an-expired-token\n")
        refused = sync_account(runtime, account, now=NOW)
        assert refused.error_kind == "auth" and "rejected the OAuth token" in (refused.error or "")
        assert "an-expired-token" not in (refused.error or "")

        failing = tmp_path / "fail.sh"
        failing.write_text("#!/bin/sh\necho 'secret-refresh-token invalid' >&2\nexit 3\n")
        failing.chmod(0o755)
        config = load_config_text(
            CONFIG
            + toml.replace(command, str(failing))
            + f'\n[store]\nurl = "sqlite:///{tmp_path / "b.db"}"\n'
        )
        broken = sync_account(Runtime.open(config, analyzer=analyzer), config.accounts[0], now=NOW)
        assert broken.error_kind == "auth" and "exited with status 3" in (broken.error or "")
        assert "secret-refresh-token" not in (broken.error or "")
    finally:
        tokens.close()


def test_xoauth2_initial_response_is_the_documented_sasl_format() -> None:
    assert (
        xoauth2_initial_response("alice@example.org", "ya29.token")
        == b"user=alice@example.org\x01auth=Bearer ya29.token\x01\x01"
    )


def test_microsoft_xoauth2_failure_is_an_auth_error_naming_the_account(
    dovecot_factory, tmp_path: Path, analyzer, monkeypatch
) -> None:
    """With oauth_provider = "microsoft" the token comes from msal; when a person must sign in
    again, the sync reports an authentication failure for the account."""
    tokens = TokenIntrospection()
    try:
        server = dovecot_factory(oauth_introspection_url=tokens.url)
        from monitor.sources import msauth

        asked = {}

        def acquire(microsoft, *, scopes, delegated, account_name):
            asked.update(scopes=scopes, delegated=delegated, account=account_name)
            raise AuthError(
                f"account {account_name!r}: sign in again with relmon accounts login {account_name}"
            )

        monkeypatch.setattr(msauth, "acquire_token", acquire)
        extra = 'auth = "xoauth2"\noauth_provider = "microsoft"\ntenant_id = "northwind-advisory.example"\nclient_id = "11111111-2222-3333-4444-555555555555"\n'
        toml = server.account_toml(extra=extra).replace(
            'password_env = "RELMON_TEST_IMAP_PASSWORD"\n', ""
        )
        from monitor.app.runtime import Runtime
        from monitor.config import load_config_text

        config = load_config_text(
            CONFIG + toml + f'\n[store]\nurl = "sqlite:///{tmp_path / "a.db"}"\n'
        )
        result = sync_account(Runtime.open(config, analyzer=analyzer), config.accounts[0], now=NOW)

        assert result.error_kind == "auth" and "relmon accounts login alice-imap" in (
            result.error or ""
        )
        assert asked == {
            "scopes": ["https://outlook.office.com/IMAP.AccessAsUser.All"],
            "delegated": True,
            "account": "alice-imap",
        }
    finally:
        tokens.close()


# ---------------------------------------------------------------------- killed at random points


def _write_config(server: Dovecot, path: Path, database: Path) -> Path:
    text = (
        CONFIG
        + server.account_toml(extra="batch_size = 100\n")
        + f'\n[store]\nurl = "sqlite:///{database}"\n'
    )
    path.write_text(text)
    return path


@pytest.mark.slow
def test_sync_killed_at_20_random_points_ends_equal_to_one_clean_sync(
    dovecot: Dovecot, tmp_path: Path
) -> None:
    """GIVEN a large first sync (2,400 messages in Inbox and Sent) WHEN the `relmon sync`
    process is killed with SIGKILL at 20 random moments, each time started again, and finally
    allowed to finish THEN the store holds exactly what one uninterrupted sync stores:
    the same messages, places and folder state, nothing lost and nothing twice."""
    dovecot.write_maildir(
        "INBOX",
        ((raw, 1780000000 + n) for n, raw in enumerate(client_mail(2000, attachment_every=20))),
    )
    dovecot.write_maildir("Sent", ((raw, 1780000000 + n) for n, raw in enumerate(our_replies(400))))
    dovecot.resync()
    env = {**os.environ, "RELMON_TEST_IMAP_PASSWORD": dovecot.password, "PYTHONPATH": str(ROOT)}

    def relmon_sync(config: Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), "sync", "--json"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=ROOT,
        )

    clean_config = _write_config(dovecot, tmp_path / "clean.toml", tmp_path / "clean.db")
    started = time.monotonic()
    assert relmon_sync(clean_config).wait(timeout=240) == 0
    clean_seconds = time.monotonic() - started

    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    killed_config = _write_config(dovecot, tmp_path / "killed.toml", tmp_path / "killed.db")
    interrupted = 0
    for _ in range(20):
        process = relmon_sync(killed_config)
        # Early enough that most kills land in the middle of the work, not after it.
        time.sleep(rng.uniform(0.05, 0.3 * clean_seconds))
        if process.poll() is None:
            interrupted += 1
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert relmon_sync(killed_config).wait(timeout=240) == 0

    from monitor.app.runtime import Runtime
    from monitor.config import load_config

    killed = Runtime.open(load_config(killed_config), analyzer=object())  # type: ignore[arg-type]
    clean = Runtime.open(load_config(clean_config), analyzer=object())  # type: ignore[arg-type]
    assert interrupted >= 10, f"only {interrupted} of 20 kills hit a running sync (seed {seed})"
    expected = snapshot(clean)
    assert len(expected["messages"]) == 2400
    assert snapshot(killed) == expected, f"seed {seed}"
