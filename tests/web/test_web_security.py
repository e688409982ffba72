"""The dashboard's defences: cookies, headers, CSRF, the sign-in limit, proxies, privacy."""

from __future__ import annotations

import mailbox
import re
from email.message import Message
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from monitor.alerts.store import get
from monitor.web.app import create_app
from monitor.web.security import COOKIE, CSP
from tests.web.conftest import (
    ALICE,
    CHLOE,
    NOW,
    PASSWORD,
    csrf_of,
    open_runtime,
    sign_in,
    web_config,
)

DEMO_MAIL = Path(__file__).parents[2] / "monitor" / "demo" / "mail"
PROXY = ("10.0.0.2", 40000)
PROXIED = 'trusted_proxies = ["10.0.0.0/24"]\ntrusted_header = "X-Remote-User"\n'


@pytest.fixture(scope="module")
def proxied(demo_store, tmp_path_factory):
    runtime = open_runtime(web_config(demo_store, tmp_path_factory.mktemp("proxied"), PROXIED))
    yield runtime
    runtime.close()


def _client(runtime, peer=("203.0.113.9", 50000)) -> TestClient:
    return TestClient(create_app(runtime, lambda: NOW), follow_redirects=False, client=peer)


def test_the_session_cookie_is_signed_httponly_and_samesite_but_not_secure_over_http(client):
    response = sign_in(client, ALICE)

    cookie = response.headers["set-cookie"]
    assert response.status_code == 303
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie
    assert ALICE not in cookie.split(";")[0].split(".")[-1]  # the signature part


def test_the_session_cookie_is_secure_behind_a_trusted_https_proxy(proxied):
    with _client(proxied, PROXY) as client:
        client.headers["X-Forwarded-Proto"] = "https"
        response = client.get("/login")

    assert "; Secure" in response.headers["set-cookie"]
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_a_tampered_session_cookie_signs_nobody_in(client):
    sign_in(client, ALICE)
    value = client.cookies[COOKIE]
    payload, _, rest = value.partition(".")
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + rest
    client.cookies.clear()
    client.cookies.set(COOKIE, forged)

    response = client.get("/")

    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_a_copy_of_the_cookie_taken_before_signing_out_signs_nobody_in(client):
    sign_in(client, ALICE)
    copied = client.cookies[COOKIE]
    token = csrf_of(client.get("/").text)

    signed_out = client.post("/logout", data={"csrf": token})
    client.cookies.clear()
    client.cookies.set(COOKIE, copied)
    replayed = client.get("/")

    assert signed_out.status_code == 303
    assert replayed.status_code == 303 and replayed.headers["location"].startswith("/login")


def test_every_response_forbids_inline_scripts_framing_and_sniffing(client):
    sign_in(client, CHLOE)

    for path in ("/login", "/", "/clients/halden-marine", "/alerts", "/operations", "/nowhere"):
        response = client.get(path)
        assert response.headers["content-security-policy"] == CSP, path
        assert "frame-ancestors 'none'" in CSP and "script-src 'self'" in CSP
        assert "unsafe-inline" not in CSP
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "<script" not in response.text and " style=" not in response.text, path
        assert not re.search(r'(?:src|href)="(?:https?:)?//', response.text), path


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(demo_store, tmp_path):
    runtime = open_runtime(web_config(demo_store, tmp_path))
    with _client(runtime) as client:
        sign_in(client, ALICE)
        token = csrf_of(client.get("/alerts").text)
        missing = client.post("/alerts/2", data={"action": "resolve"})
        wrong = client.post("/alerts/2", data={"action": "resolve", "csrf": token[::-1]})
        login = client.post("/login", data={"email": ALICE, "password": PASSWORD})
    with runtime.store.engine.connect() as connection:
        alert = get(connection, 2)
    runtime.close()

    assert missing.status_code == wrong.status_code == login.status_code == 403
    assert "This form has expired" in missing.text
    assert alert is not None and alert.state.value == "open"


def test_sign_in_is_refused_after_five_failures_from_one_address(demo_store, tmp_path):
    runtime = open_runtime(web_config(demo_store, tmp_path))
    with _client(runtime) as client:
        failures = [sign_in(client, ALICE, "wrong password").status_code for _ in range(5)]
        right_but_limited = sign_in(client, ALICE)
    with _client(runtime, ("198.51.100.7", 50000)) as other:
        elsewhere = sign_in(other, ALICE)
    runtime.close()

    assert failures == [401] * 5
    assert right_but_limited.status_code == 429
    assert elsewhere.status_code == 303  # another address is not punished


def test_forwarded_addresses_from_an_unconfigured_peer_do_not_escape_the_limit(
    demo_store, tmp_path
):
    runtime = open_runtime(web_config(demo_store, tmp_path, PROXIED))
    with _client(runtime) as client:
        codes = []
        for attempt in range(6):
            client.headers["X-Forwarded-For"] = f"192.0.2.{attempt}"
            codes.append(sign_in(client, ALICE, "wrong password").status_code)
    runtime.close()

    assert codes == [401] * 5 + [429]


def test_a_single_sign_on_header_is_believed_only_from_a_configured_proxy(proxied):
    with _client(proxied, PROXY) as via_proxy:
        signed = via_proxy.get("/", headers={"X-Remote-User": ALICE})
    with _client(proxied) as direct:
        ignored = direct.get("/", headers={"X-Remote-User": ALICE})

    assert signed.status_code == 200 and "Halden Marine" in signed.text
    assert ignored.status_code == 303 and ignored.headers["location"].startswith("/login")


def test_with_a_proxy_secret_a_local_process_cannot_sign_in_as_anyone(
    demo_store, tmp_path, monkeypatch
):
    """The proxy runs on the same host, so it is trusted as 127.0.0.1; so is every other
    local process. With [web] proxy_secret_env set, only a request carrying the secret (which
    the proxy adds) is the proxy's: Mallory's curl on the host names Ben in vain."""
    monkeypatch.setenv("RELMON_WEB_PROXY_SECRET", "k3pt-by-the-proxy-only")
    web = (
        'trusted_proxies = ["127.0.0.1"]\ntrusted_header = "X-Remote-User"\n'
        'proxy_secret_env = "RELMON_WEB_PROXY_SECRET"\n'
    )
    runtime = open_runtime(web_config(demo_store, tmp_path, web))
    with _client(runtime, ("127.0.0.1", 40000)) as local:
        forged = local.get("/operations", headers={"X-Remote-User": CHLOE})
        wrong = local.get(
            "/operations",
            headers={"X-Remote-User": CHLOE, "X-Relmon-Proxy-Secret": "guessed"},
        )
        proxied_request = local.get(
            "/operations",
            headers={"X-Remote-User": CHLOE, "X-Relmon-Proxy-Secret": "k3pt-by-the-proxy-only"},
        )
    runtime.close()

    assert forged.status_code == wrong.status_code == 303  # sent to sign in: nobody
    assert proxied_request.status_code == 200


@pytest.mark.parametrize("secret", ["", "short"])
def test_a_proxy_secret_too_short_to_prove_anything_is_refused(
    demo_store, tmp_path, monkeypatch, secret: str
):
    """An empty secret file (a credential never written) would match an absent header: every
    local process would be the proxy again. relmon refuses it, in config check and at start."""
    from click.testing import CliRunner

    from monitor.cli import cli
    from monitor.errors import ConfigError

    monkeypatch.setenv("RELMON_WEB_PROXY_SECRET", secret)
    web = (
        'trusted_proxies = ["127.0.0.1"]\ntrusted_header = "X-Remote-User"\n'
        'proxy_secret_env = "RELMON_WEB_PROXY_SECRET"\n'
    )
    config = web_config(demo_store, tmp_path, web)
    checked = CliRunner().invoke(cli, ["--config", str(config), "config", "check"])
    runtime = open_runtime(config)
    try:
        with pytest.raises(ConfigError, match=r"web\.proxy_secret: give at least 16 characters"):
            create_app(runtime, lambda: NOW)
    finally:
        runtime.close()

    assert checked.exit_code == 1
    assert "web.proxy_secret: the proxy's secret is" in checked.output


def test_config_check_warns_of_single_sign_on_trusted_from_loopback_without_a_secret(
    demo_store, tmp_path
):
    from click.testing import CliRunner

    from monitor.cli import cli

    loose = 'trusted_proxies = ["127.0.0.1"]\ntrusted_header = "X-Remote-User"\n'
    config = web_config(demo_store, tmp_path, loose)

    said = " ".join(
        CliRunner().invoke(cli, ["--config", str(config), "config", "check"]).output.split()
    )

    assert "any local user can sign in as any member" in said


def test_sign_in_never_redirects_to_another_site(client):
    token = csrf_of(client.get("/login").text)

    response = client.post(
        "/login",
        data={"email": ALICE, "password": PASSWORD, "csrf": token, "next": "//evil.example/x"},
    )

    assert response.headers["location"] == "/"


def _body_lines() -> set[str]:
    """Sentences of the demo mail's own text: what a page must never show with snippets off."""
    found: set[str] = set()
    for path in DEMO_MAIL.glob("*/*.mbox"):
        for message in mailbox.mbox(path):
            for line in _text(message).splitlines():
                line = line.strip()
                if len(line) > 40 and not line.startswith(">"):
                    found.add(line)
    return found


def _text(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8", "replace")
    return ""


def test_no_page_shows_message_body_text_when_snippets_are_off(client, runtime):
    lines = _body_lines()
    sign_in(client, CHLOE)
    pages = [client.get(p).text for p in ("/", "/alerts", "/operations")]
    pages += [client.get(f"/clients/{slug}").text for slug in _slugs(pages[0])]

    assert len(lines) > 200
    assert len(pages) == 3 + len(runtime.config.clients)
    leaked = [line for line in lines for page in pages if line in page]
    assert leaked == []


def _slugs(html: str) -> list[str]:
    return sorted(set(re.findall(r'href="/clients/([a-z0-9-]+)"', html)))
