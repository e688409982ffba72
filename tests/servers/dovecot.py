"""A real, private Dovecot IMAP server for tests and benchmarks.

Each server gets its own configuration, a free loopback port, a temporary mail directory and
its own run directory, so it never touches the system's Dovecot or another test's. Mail is
loaded the way a mail client would put it there (APPEND); large benchmark mailboxes can be
written straight into the maildir (``write_maildir``) and indexed with ``doveadm force-resync``.

Dovecot refuses to run mail processes as root. Run as root (as CI does), the server's mail user
is a dedicated unprivileged system user (``relmon-mail``), created with ``useradd`` when missing;
run as an ordinary user, everything runs as that user.

    server = start_dovecot(tmp_path / "imap")
    server.append("INBOX", [raw_message])
    ... IMAPClient("127.0.0.1", server.port, ssl=False) ...
    server.stop()

The pytest fixtures at the bottom (``dovecot``, ``dovecot_factory``) stop their servers at the
end of the test.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from imapclient import IMAPClient

from tests.servers import free_port

MAIL_USER = "relmon-mail"
USERNAME = "alice.marsh@northwind-advisory.example"
PASSWORD = "correct horse battery staple"


def _binary(name: str) -> str | None:
    return shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.path.exists(p)), None
    )


def dovecot_available() -> str | None:
    """Why Dovecot cannot be used here, or None when it can."""
    if _binary("dovecot") is None or _binary("doveadm") is None:
        return "dovecot is not installed (Debian: apt-get install dovecot-imapd; tests/run installs it)"
    return None


def _mail_user() -> tuple[str, int, int]:
    """(name, uid, gid) of the user that owns the mail: a dedicated one when we are root."""
    if os.geteuid() != 0:
        entry = pwd.getpwuid(os.geteuid())
        return entry.pw_name, entry.pw_uid, entry.pw_gid
    try:
        entry = pwd.getpwnam(MAIL_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                MAIL_USER,
            ],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(MAIL_USER)
    return entry.pw_name, entry.pw_uid, entry.pw_gid


@dataclass(frozen=True)
class Tls:
    cert_file: Path
    key_file: Path


@dataclass
class Dovecot:
    root: Path
    config: Path
    port: int  # plaintext / STARTTLS listener
    tls_port: int | None  # implicit TLS listener (only with TLS)
    username: str
    password: str
    maildir: Path  # the user's Maildir
    uid: int
    gid: int
    process: subprocess.Popen[bytes] | None = None
    host: str = "127.0.0.1"
    _clients: list[IMAPClient] = field(default_factory=list)

    # ------------------------------------------------------------------ life cycle

    def start(self) -> None:
        check = subprocess.run(
            [_binary("dovecot") or "dovecot", "-c", str(self.config), "-n"],
            capture_output=True,
            text=True,
        )
        if check.returncode != 0:
            raise RuntimeError(f"dovecot rejected its test configuration:\n{check.stderr}")
        self.process = subprocess.Popen(
            [_binary("dovecot") or "dovecot", "-F", "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / "dovecot.stderr", "wb"),  # noqa: SIM115
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited at start:\n{self.log()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as probe:
                    if probe.recv(200).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not answer on port {self.port}:\n{self.log()}")

    def stop(self) -> None:
        for client in self._clients:
            with contextlib.suppress(Exception):  # best effort at the end of a test
                client.logout()
        self._clients.clear()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        parts = []
        for name in ("dovecot.log", "dovecot.stderr"):
            path = self.root / name
            if path.exists():
                parts.append(path.read_text(errors="replace")[-4000:])
        return "\n".join(parts)

    # ------------------------------------------------------------------ loading mail

    def client(self) -> IMAPClient:
        """A logged-in administrative connection (plaintext on loopback), closed at stop()."""
        client = IMAPClient(self.host, self.port, ssl=False, timeout=30)
        client.login(self.username, self.password)
        self._clients.append(client)
        return client

    def create_folder(self, name: str) -> None:
        client = self.client()
        if not client.folder_exists(name):
            client.create_folder(name)

    def append(
        self,
        folder: str,
        messages: Iterable[bytes],
        *,
        flags: tuple[bytes, ...] = (),
        msg_time: datetime | None = None,
    ) -> list[int]:
        """APPEND messages to ``folder`` (created if missing); returns their UIDs."""
        client = self.client()
        if not client.folder_exists(folder):
            client.create_folder(folder)
        uids: list[int] = []
        for raw in messages:
            response = client.append(folder, raw, flags=flags, msg_time=msg_time)
            # "[APPENDUID <uidvalidity> <uid>] Append completed."
            text = response.decode() if isinstance(response, bytes) else str(response)
            if "APPENDUID" in text:
                uids.append(int(text.split("APPENDUID", 1)[1].split("]")[0].split()[1]))
        return uids

    def set_flags(self, folder: str, uids: list[int], flags: tuple[bytes, ...]) -> None:
        client = self.client()
        client.select_folder(folder)
        client.add_flags(uids, flags)

    def expunge(self, folder: str, uids: list[int]) -> None:
        client = self.client()
        client.select_folder(folder)
        client.delete_messages(uids)
        client.uid_expunge(uids) if client.has_capability("UIDPLUS") else client.expunge()

    def uids(self, folder: str) -> list[int]:
        client = self.client()
        client.select_folder(folder, readonly=True)
        return sorted(client.search("ALL"))

    def doveadm(self, *args: str) -> str:
        result = subprocess.run(
            [_binary("doveadm") or "doveadm", "-c", str(self.config), *args],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"doveadm {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def set_uidvalidity(self, folder: str, value: int) -> None:
        """Give ``folder`` a new UIDVALIDITY, as a server does after rebuilding its indexes."""
        self.doveadm("mailbox", "update", "-u", self.username, "--uid-validity", str(value), folder)

    def rebuild_folder(self, folder: str) -> None:
        """Throw away a folder's UID list and indexes (a restored backup, a migrated server):
        Dovecot gives the folder a new UIDVALIDITY and numbers its messages afresh."""
        directory = (
            self.maildir if folder == "INBOX" else self.maildir / f".{folder.replace('/', '.')}"
        )
        for path in [directory / "dovecot-uidlist", *directory.glob("dovecot.index*")]:
            path.unlink(missing_ok=True)
        self.doveadm("force-resync", "-u", self.username, folder)

    def write_maildir(self, folder: str, messages: Iterable[tuple[bytes, float]]) -> int:
        """Write ``(raw, unix time)`` messages straight into the maildir (fast bulk loading for
        benchmarks); call :meth:`resync` afterwards. Returns how many were written."""
        directory = (
            self.maildir if folder == "INBOX" else self.maildir / f".{folder.replace('/', '.')}"
        )
        for sub in ("cur", "new", "tmp"):
            (directory / sub).mkdir(parents=True, exist_ok=True)
        count = 0
        host = socket.gethostname()
        for raw, when in messages:
            count += 1
            name = f"{int(when)}.M{count}P{os.getpid()}.{host},S={len(raw)}:2,S"
            (directory / "cur" / name).write_bytes(raw)
        self.chown_mail()
        return count

    def chown_mail(self) -> None:
        if os.geteuid() != 0:
            return
        for path in [self.maildir.parent, *self.maildir.parent.rglob("*")]:
            os.chown(path, self.uid, self.gid)

    def resync(self) -> None:
        self.doveadm("force-resync", "-u", self.username, "*")

    # ------------------------------------------------------------------ relmon configuration

    def account_toml(
        self,
        name: str = "alice-imap",
        *,
        security: str = "plain",
        port: int | None = None,
        timeout: float = 10,
        extra: str = "",
    ) -> str:
        """An ``[[accounts]]`` entry for this server (password from $RELMON_TEST_IMAP_PASSWORD)."""
        os.environ["RELMON_TEST_IMAP_PASSWORD"] = self.password
        chosen = port or (self.tls_port if security == "tls" else self.port)
        insecure = "insecure = true\n" if security == "plain" else ""
        return (
            f'\n[[accounts]]\nname = "{name}"\nkind = "imap"\nhost = "{self.host}"\nport = {chosen}\n'
            f'security = "{security}"\n{insecure}username = "{self.username}"\n'
            f'password_env = "RELMON_TEST_IMAP_PASSWORD"\ntimeout_seconds = {timeout}\n{extra}'
        )


def _config_text(
    *,
    root: Path,
    port: int,
    tls_port: int | None,
    tls: Tls | None,
    mail_user: tuple[str, int, int],
    special_use: bool,
    oauth: Path | None,
) -> str:
    user, uid, gid = mail_user
    internal = "dovecot" if os.geteuid() == 0 else user
    login = "dovenull" if os.geteuid() == 0 else user
    mailboxes = ""
    for name, use in (
        ("Sent", "\\Sent"),
        ("Drafts", "\\Drafts"),
        ("Trash", "\\Trash"),
        ("Junk", "\\Junk"),
        ("Archive", "\\Archive"),
    ):
        flag = f"    special_use = {use}\n" if special_use else ""
        mailboxes += f"  mailbox {name} {{\n{flag}    auto = subscribe\n  }}\n"
    if tls is None:
        ssl = "ssl = no\n"
        imaps = "  inet_listener imaps {\n    port = 0\n  }\n"
    else:
        ssl = f"ssl = yes\nssl_cert = <{tls.cert_file}\nssl_key = <{tls.key_file}\nssl_min_protocol = TLSv1.2\n"
        imaps = f"  inet_listener imaps {{\n    address = 127.0.0.1\n    port = {tls_port}\n    ssl = yes\n  }}\n"
    mechanisms = "plain login" + (" xoauth2 oauthbearer" if oauth else "")
    oauth_passdb = (
        f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {oauth}\n}}\n"
        if oauth
        else ""
    )
    return f"""# relmon test server: private configuration, nothing from /etc/dovecot
instance_name = relmon-test-{uuid.uuid4().hex[:8]}
base_dir = {root}/run
state_dir = {root}/state
protocols = imap
listen = 127.0.0.1
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
{ssl}disable_plaintext_auth = no
auth_mechanisms = {mechanisms}
auth_verbose = yes
# Answer failed logins at once (tests count attempts; the default delays each by seconds).
auth_failure_delay = 0
{oauth_passdb}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
mail_location = maildir:{root}/mail/%u/Maildir
first_valid_uid = {min(uid, 100) if uid else 0}
first_valid_gid = {min(gid, 100) if gid else 0}
default_internal_user = {internal}
default_internal_group = {internal}
default_login_user = {login}
mail_fsync = never
protocol imap {{
  mail_max_userip_connections = 50
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
{imaps}}}
service anvil {{
  chroot =
  # No growing delay after failed logins from the same address (tests fail logins on purpose).
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot =
}}
namespace inbox {{
  inbox = yes
  separator = /
{mailboxes}}}
"""


def start_dovecot(
    root: Path,
    *,
    tls: Tls | None = None,
    special_use: bool = True,
    oauth_introspection_url: str | None = None,
    username: str = USERNAME,
    password: str = PASSWORD,
) -> Dovecot:
    """Start a private Dovecot under ``root`` (created). The caller stops it."""
    reason = dovecot_available()
    if reason:
        raise RuntimeError(reason)
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir(exist_ok=True)
    name, uid, gid = _mail_user()
    maildir = root / "mail" / username / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    (root / "passwd").write_text(f"{username}:{{PLAIN}}{password}\n")
    oauth: Path | None = None
    if oauth_introspection_url:
        oauth = root / "oauth2.conf.ext"
        oauth.write_text(
            f"introspection_url = {oauth_introspection_url}\nintrospection_mode = post\n"
            "username_attribute = username\nactive_attribute = active\nactive_value = true\n"
            "tokeninfo_url = \nforce_introspection = yes\n"
        )
    port = free_port()
    tls_port = free_port() if tls else None
    config = root / "dovecot.conf"
    config.write_text(
        _config_text(
            root=root,
            port=port,
            tls_port=tls_port,
            tls=tls,
            mail_user=(name, uid, gid),
            special_use=special_use,
            oauth=oauth,
        )
    )
    server = Dovecot(
        root=root,
        config=config,
        port=port,
        tls_port=tls_port,
        username=username,
        password=password,
        maildir=maildir,
        uid=uid,
        gid=gid,
    )
    if os.geteuid() == 0:
        for path in [root / "mail", *(root / "mail").rglob("*")]:
            os.chown(path, uid, gid)
    server.start()
    return server


# ---------------------------------------------------------------------- an OAuth 2.0 token service


class TokenIntrospection:
    """A tiny RFC 7662 introspection endpoint for Dovecot's oauth2 passdb: the tokens it was
    given are active for their user, anything else is not. Runs on a loopback port."""

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                token = ""
                for pair in body.split("&"):
                    key, _, value = pair.partition("=")
                    if key == "token":
                        from urllib.parse import unquote_plus

                        token = unquote_plus(value)
                auth = self.headers.get("Authorization", "")
                if not token and auth.startswith("Bearer "):
                    token = auth[len("Bearer ") :]
                outer.requests += 1
                user = outer.tokens.get(token)
                answer = {"active": "true", "username": user} if user else {"active": "false"}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/introspect"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def issue(self, user: str) -> str:
        token = base64.urlsafe_b64encode(os.urandom(24)).decode().rstrip("=")
        self.tokens[token] = user
        return token

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------------- pytest fixtures


@pytest.fixture
def dovecot_factory() -> Iterator[Callable[..., Dovecot]]:
    """Start Dovecot servers with options (TLS, no SPECIAL-USE, OAuth); all stopped afterwards."""
    reason = dovecot_available()
    if reason:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason)
        pytest.skip(reason)
    started: list[Dovecot] = []

    def factory(**options: object) -> Dovecot:
        # Not under pytest's tmp_path: that is private to root (0700), and the server's mail
        # user must be able to reach its mail directory.
        root = Path(tempfile.mkdtemp(prefix="relmon-dovecot-"))
        server = start_dovecot(root, **options)  # type: ignore[arg-type]
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture
def dovecot(dovecot_factory: Callable[..., Dovecot]) -> Dovecot:
    """A plaintext Dovecot on loopback with SPECIAL-USE folders and one user (Alice)."""
    return dovecot_factory()
