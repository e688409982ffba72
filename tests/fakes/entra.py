"""A fake Microsoft Entra ID (the v2.0 endpoints msal talks to), over HTTPS.

Served: OpenID discovery (``/{tenant}/v2.0/.well-known/openid-configuration``), the token
endpoint (client credentials with a secret or a certificate assertion, refresh tokens, device
code) and the device authorization endpoint. Error answers have Entra's shape:
``{"error", "error_description": "AADSTSnnnn: …", "error_codes": [nnnn], "timestamp",
"trace_id", "correlation_id"}``.

Access tokens are opaque random strings the fake remembers; :class:`FakeGraph` asks it whether
a token is valid, so a test can expire or revoke tokens behind msal's back.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from tests.fakes.https import FakeService, Request, Response

TENANT = "northwind-advisory.example"
TENANT_ID = "7d1c3f0e-5a4b-4c2d-9e8f-0a1b2c3d4e5f"


@dataclass
class AppRegistration:
    client_id: str
    secret: str | None = None
    secret_expired: bool = False
    certificate: bytes | None = None  # PEM of the uploaded certificate
    public_client_flows: bool = True
    consented: bool = True  # admin consent for the delegated permission


@dataclass
class User:
    username: str
    name: str
    oid: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class IssuedToken:
    client_id: str
    scopes: tuple[str, ...]
    username: str | None  # None: app-only
    expires_at: float
    revoked: bool = False


@dataclass
class DeviceCode:
    client_id: str
    scopes: tuple[str, ...]
    user_code: str
    approved_by: str | None = None
    declined: bool = False


@dataclass
class TokenRequest:
    at: float
    grant_type: str
    client_id: str
    status: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class FakeEntra(FakeService):
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.apps: dict[str, AppRegistration] = {}
        self.users: dict[str, User] = {}
        self.access_tokens: dict[str, IssuedToken] = {}
        self.refresh_tokens: dict[str, IssuedToken] = {}
        self.device_codes: dict[str, DeviceCode] = {}
        self.token_requests: list[TokenRequest] = []
        self.discovery_requests = 0
        self.access_token_seconds = 3599

    # --- test controls -------------------------------------------------------

    def register(self, app: AppRegistration) -> AppRegistration:
        self.apps[app.client_id] = app
        return app

    def add_user(self, username: str, name: str) -> User:
        user = self.users[username.casefold()] = User(username=username, name=name)
        return user

    def approve(self, user_code: str, username: str) -> None:
        """The person opens the verification page, enters the code and signs in."""
        with self.lock:
            for code in self.device_codes.values():
                if code.user_code == user_code:
                    code.approved_by = username
                    return
        raise KeyError(user_code)

    def expire_access_tokens(self) -> None:
        """Every access token issued so far stops working (as after a revocation or expiry)."""
        with self.lock:
            for token in self.access_tokens.values():
                token.expires_at = 0

    def revoke_refresh_tokens(self, username: str) -> None:
        with self.lock:
            for token in self.refresh_tokens.values():
                if token.username and token.username.casefold() == username.casefold():
                    token.revoked = True
            for token in self.access_tokens.values():
                if token.username and token.username.casefold() == username.casefold():
                    token.revoked = True

    def validate(self, token: str) -> IssuedToken | None:
        with self.lock:
            issued = self.access_tokens.get(token)
            if issued is None or issued.revoked or issued.expires_at < time.time():
                return None
            return issued

    def grants(self, grant_type: str | None = None) -> list[TokenRequest]:
        with self.lock:
            return [
                r for r in self.token_requests if grant_type is None or r.grant_type == grant_type
            ]

    # --- protocol ------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        parts = [p for p in request.path.split("/") if p]
        if (
            len(parts) >= 2
            and parts[1:] == ["v2.0", ".well-known", "openid-configuration"]
            and request.method == "GET"
        ):
            return self._discovery(parts[0])
        if len(parts) == 4 and parts[1:3] == ["oauth2", "v2.0"] and request.method == "POST":
            tenant = parts[0]
            if tenant not in (TENANT, TENANT_ID):
                return self._error(400, "invalid_request", 90002, f"Tenant '{tenant}' not found.")
            if parts[3] == "token":
                return self._token(request, tenant)
            if parts[3] == "devicecode":
                return self._devicecode(request, tenant)
        return Response(404, {"error": "not_found"})

    def _discovery(self, tenant: str) -> Response:
        with self.lock:
            self.discovery_requests += 1
        if tenant not in (TENANT, TENANT_ID, "organizations", "common"):
            return self._error(
                400,
                "invalid_tenant",
                90002,
                f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID.",
            )
        base = f"{self.url}/{tenant}"
        return Response(
            200,
            {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "issuer": f"{self.url}/{TENANT_ID}/v2.0",
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "private_key_jwt",
                    "client_secret_basic",
                ],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "tenant_region_scope": "EU",
            },
        )

    def _error(self, status: int, error: str, code: int, message: str) -> Response:
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        return Response(
            status,
            {
                "error": error,
                "error_description": f"AADSTS{code}: {message} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {now}",
                "error_codes": [code],
                "timestamp": now,
                "trace_id": trace,
                "correlation_id": correlation,
                "error_uri": f"{self.url}/error?code={code}",
            },
        )

    def _record(self, grant_type: str, client_id: str, response: Response) -> Response:
        with self.lock:
            self.token_requests.append(
                TokenRequest(time.monotonic(), grant_type, client_id, response.status)
            )
        return response

    def _token(self, request: Request, tenant: str) -> Response:
        form = request.form()
        grant = form.get("grant_type", "")
        client_id = form.get("client_id", "")
        return self._record(grant, client_id, self._token_response(form, grant, client_id, tenant))

    def _token_response(
        self, form: dict[str, str], grant: str, client_id: str, tenant: str
    ) -> Response:
        app = self.apps.get(client_id)
        if app is None:
            return self._error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory '{TENANT}'.",
            )
        scopes = tuple(form.get("scope", "").split())
        if grant == "client_credentials":
            problem = self._check_client(app, form, tenant)
            if problem is not None:
                return problem
            return Response(200, self._issue(app, scopes, None, refresh=False))
        if grant == "refresh_token":
            with self.lock:
                issued = self.refresh_tokens.get(form.get("refresh_token", ""))
            if issued is None or issued.revoked:
                return self._error(
                    400,
                    "invalid_grant",
                    50173,
                    "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.",
                )
            if issued.expires_at < time.time():
                return self._error(
                    400, "invalid_grant", 700082, "The refresh token has expired due to inactivity."
                )
            with self.lock:
                issued.revoked = True  # refresh tokens are replaced on every use
            return Response(200, self._issue(app, scopes, issued.username, refresh=True))
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            if not app.public_client_flows:
                return self._error(
                    401,
                    "invalid_client",
                    7000218,
                    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
                )
            with self.lock:
                code = self.device_codes.get(form.get("device_code", ""))
            if code is None:
                return self._error(
                    400,
                    "expired_token",
                    70020,
                    "The provided value for the input parameter 'device_code' is not valid.",
                )
            if code.approved_by is None:
                return self._error(
                    400,
                    "authorization_pending",
                    70016,
                    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                )
            if not app.consented:
                return self._error(
                    400,
                    "invalid_grant",
                    65001,
                    f"The user or administrator has not consented to use the application with ID '{client_id}' named 'relmon'. Send an interactive authorization request for this user and resource.",
                )
            with self.lock:
                self.device_codes.pop(form["device_code"], None)
            return Response(200, self._issue(app, code.scopes, code.approved_by, refresh=True))
        return self._error(
            400,
            "unsupported_grant_type",
            70003,
            f"The app requested an unsupported grant type '{grant}'.",
        )

    def _check_client(
        self, app: AppRegistration, form: dict[str, str], tenant: str
    ) -> Response | None:
        if "client_secret" in form:
            if app.secret is None or form["client_secret"] != app.secret:
                return self._error(
                    401,
                    "invalid_client",
                    7000215,
                    f"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{app.client_id}'.",
                )
            if app.secret_expired:
                return self._error(
                    401,
                    "invalid_client",
                    7000222,
                    f"The provided client secret keys for app '{app.client_id}' are expired. Visit the Azure portal to create new keys for your app.",
                )
            return None
        assertion = form.get("client_assertion")
        if assertion:
            if app.certificate is None:
                return self._error(
                    401, "invalid_client", 700027, "Client assertion failed signature validation."
                )
            cert = x509.load_pem_x509_certificate(app.certificate)
            header = jwt.get_unverified_header(assertion)
            sha1 = _b64(cert.fingerprint(hashes.SHA1()))  # noqa: S303 - the x5t header is SHA-1 by definition
            sha256 = _b64(cert.fingerprint(hashes.SHA256()))
            # base64url with or without padding (msal keeps it)
            if (
                str(header.get("x5t", "")).rstrip("=") != sha1
                and str(header.get("x5t#S256", "")).rstrip("=") != sha256
            ):
                return self._error(
                    401,
                    "invalid_client",
                    700027,
                    "The certificate with identifier used to sign the client assertion is not registered on application.",
                )
            try:
                jwt.decode(
                    assertion,
                    cert.public_key(),
                    algorithms=["RS256", "PS256"],  # type: ignore[arg-type]
                    audience=f"{self.url}/{tenant}/oauth2/v2.0/token",
                    issuer=app.client_id,
                )
            except jwt.PyJWTError as err:
                return self._error(
                    401,
                    "invalid_client",
                    700027,
                    f"Client assertion failed signature validation ({type(err).__name__}).",
                )
            return None
        return self._error(
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        )

    def _issue(
        self, app: AppRegistration, scopes: tuple[str, ...], username: str | None, *, refresh: bool
    ) -> dict[str, object]:
        access = "eyJ0eXAiOiJKV1Qi." + secrets.token_urlsafe(24)
        now = time.time()
        with self.lock:
            self.access_tokens[access] = IssuedToken(
                app.client_id, scopes, username, now + self.access_token_seconds
            )
        body: dict[str, object] = {
            "token_type": "Bearer",
            "scope": " ".join(
                s for s in scopes if s not in ("openid", "profile", "offline_access")
            ),
            "expires_in": self.access_token_seconds,
            "ext_expires_in": self.access_token_seconds,
            "access_token": access,
        }
        if username is not None and refresh:
            user = self.users[username.casefold()]
            rt = "0.AQkA" + secrets.token_urlsafe(32)
            with self.lock:
                self.refresh_tokens[rt] = IssuedToken(
                    app.client_id, scopes, username, now + 90 * 86400
                )
            claims = {
                "aud": app.client_id,
                "iss": f"{self.url}/{TENANT_ID}/v2.0",
                "iat": int(now),
                "nbf": int(now),
                "exp": int(now) + 3600,
                "name": user.name,
                "oid": user.oid,
                "preferred_username": user.username,
                "sub": _b64(user.oid.encode()),
                "tid": TENANT_ID,
                "ver": "2.0",
            }
            body["refresh_token"] = rt
            body["id_token"] = ".".join(
                [_b64(b'{"typ":"JWT","alg":"none"}'), _b64(json.dumps(claims).encode()), ""]
            )
            body["client_info"] = _b64(json.dumps({"uid": user.oid, "utid": TENANT_ID}).encode())
        return body

    def _devicecode(self, request: Request, tenant: str) -> Response:
        form = request.form()
        client_id = form.get("client_id", "")
        if client_id not in self.apps:
            return self._error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory.",
            )
        device = secrets.token_urlsafe(32)
        user_code = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(9))
        with self.lock:
            self.device_codes[device] = DeviceCode(
                client_id, tuple(form.get("scope", "").split()), user_code
            )
        return Response(
            200,
            {
                "user_code": user_code,
                "device_code": device,
                "verification_uri": "https://microsoft.com/devicelogin",
                "expires_in": 900,
                "interval": 1,
                "message": f"To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code {user_code} to authenticate.",
            },
        )
