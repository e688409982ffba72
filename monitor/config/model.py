"""The configuration as frozen objects: parsed once, read everywhere, never a nested dict.

Time zones are resolved here once, at parse time: ``Team.tz``, ``Member.tz`` and ``Client.tz``
are zone objects next to the IANA names they were written as (``timezone``), which are kept for
``relmon config check`` and the demo's configuration.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import tzinfo
from fnmatch import fnmatchcase
from pathlib import Path

from monitor.config.secrets import Secret
from monitor.core.addresses import FREEMAIL_DOMAINS, Directory
from monitor.core.calendar import Holidays, WorkingHours
from monitor.core.detectors import Thresholds


def glob_match(pattern: str, value: str) -> bool:
    """A shell-style pattern, case-insensitive."""
    return fnmatchcase(value.casefold(), pattern.casefold())


@dataclass(frozen=True)
class Member:
    """A consultant: a possible owner of clients and receiver of their alerts."""

    name: str
    address: str
    aliases: tuple[str, ...] = ()
    timezone: str | None = None
    tz: tzinfo | None = field(default=None, repr=False, compare=False)  # ``timezone``, resolved
    role: str = "consultant"  # the dashboard: a consultant sees the clients they own; "lead", all

    def is_me(self, address: str) -> bool:
        return address == self.address or address in self.aliases


@dataclass(frozen=True)
class Team:
    name: str
    domains: tuple[str, ...]
    addresses: tuple[str, ...]
    members: tuple[Member, ...]
    timezone: str
    tz: tzinfo = field(repr=False, compare=False)  # ``timezone``, resolved
    working_hours: WorkingHours
    holidays: Holidays | None
    #: The authserv-ids our own receiving servers write in Authentication-Results: a message
    #: from one of us that such a server authenticated is ours, as a Sent-folder copy is.
    trusted_authserv_ids: tuple[str, ...] = ()
    # Mailing lists and distribution groups, ours or clients': mail sent to them never waits
    # for our reply.
    lists: tuple[str, ...] = ()


@dataclass(frozen=True)
class Client:
    name: str
    domains: tuple[str, ...]
    addresses: tuple[str, ...]
    owner: str
    timezone: str | None = None
    tz: tzinfo | None = field(default=None, repr=False, compare=False)  # ``timezone``, resolved
    working_hours: WorkingHours | None = None
    holidays: Holidays | None = None
    cadence_days: float | None = None  # the client's usual spacing, instead of learning it
    thresholds: Thresholds = field(default_factory=Thresholds)


@dataclass(frozen=True)
class MicrosoftAuth:
    """An Entra ID (Azure AD) app registration used through msal."""

    tenant_id: str
    client_id: str
    authority_host: str = "https://login.microsoftonline.com"  # a test authority in tests
    client_secret: Secret | None = None  # app-only: a secret …
    certificate: Secret | None = None  # … or a PEM private key + certificate
    certificate_thumbprint: str | None = None
    ca_file: Path | None = None  # trust this CA for the authority (tests, TLS-inspecting proxies)

    @property
    def authority(self) -> str:
        return f"{self.authority_host.rstrip('/')}/{self.tenant_id}"


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    security: str  # "tls" (implicit), "starttls" or "plain" (only with insecure = true)
    username: str
    auth: str  # "password" or "xoauth2"
    password: Secret | None = None
    oauth_provider: str | None = None  # "microsoft" (msal) or "command"
    token_command: str | None = None
    oauth_scope: str | None = None
    microsoft: MicrosoftAuth | None = None
    ca_file: Path | None = None  # verify the server against this CA instead of the system store
    timeout_seconds: float = 60.0
    idle: bool = True
    poll_seconds: int = 300
    batch_size: int = 500
    max_text_bytes: int = 256 * 1024


@dataclass(frozen=True)
class GraphSettings:
    auth: (
        str  # "app" (client credentials, several mailboxes) or "delegated" (device code, one user)
    )
    microsoft: MicrosoftAuth
    mailboxes: tuple[str, ...] = ()  # app-only: user principal names / addresses to read
    folders: tuple[str, ...] = ("inbox", "sentitems")
    graph_url: str = "https://graph.microsoft.com/v1.0"
    page_size: int = 50
    max_concurrency: int = 4
    timeout_seconds: float = 60.0
    poll_seconds: int = 300
    ca_file: Path | None = None  # trust this CA for graph_url (tests, TLS-inspecting proxies)


@dataclass(frozen=True)
class Account:
    """A monitored mailbox. ``address`` is the mailbox's own address: it always counts as us."""

    name: str
    kind: str
    address: str | None
    path: Path | None = None
    folders_include: tuple[str, ...] = ()
    folders_exclude: tuple[str, ...] = ()
    imap: ImapSettings | None = None
    graph: GraphSettings | None = None
    failures_before_alert: int = 3  # consecutive authentication failures before an operator alert

    def wants_folder(self, folder: str) -> bool:
        """``include`` (if given) and ``exclude`` glob patterns on the folder name."""
        if self.folders_include and not any(glob_match(p, folder) for p in self.folders_include):
            return False
        return not any(glob_match(p, folder) for p in self.folders_exclude)


@dataclass(frozen=True)
class Privacy:
    store_snippets: bool = False
    snippet_chars: int = 200
    exclude_folders: tuple[str, ...] = ()
    exclude_addresses: tuple[str, ...] = ()
    exclude_subjects: tuple[str, ...] = ()
    retention_days: int = 0

    def excluded_folder(self, folder: str) -> bool:
        return any(glob_match(pattern, folder) for pattern in self.exclude_folders)

    def excluded_address(self, address: str) -> bool:
        return any(glob_match(pattern, address) for pattern in self.exclude_addresses)

    def excluded_subject(self, subject: str) -> bool:
        return any(re.search(pattern, subject) for pattern in self.exclude_subjects)

    def excluded_mail(self, addresses: Iterable[str], subject: str) -> str | None:
        """Why mail from or to ``addresses`` with ``subject`` is kept out of the store, or None:
        one rule for mail as it is read and for mail stored before a rule was added."""
        if self.exclude_addresses:
            for address in sorted(a for a in addresses if a):
                if self.excluded_address(address):
                    return "excluded address"
        if self.exclude_subjects and self.excluded_subject(subject):
            return "excluded subject"
        return None


@dataclass(frozen=True)
class Store:
    url: str  # without a password
    password: Secret | None = None  # for PostgreSQL: password_file / password_env

    def connect_url(self) -> str:
        """The URL with the password put in, for the engine only (never printed or logged)."""
        if self.password is None:
            return self.url
        import sqlalchemy as sa

        return (
            sa.engine.make_url(self.url)
            .set(password=self.password.reveal())
            .render_as_string(hide_password=False)
        )


@dataclass(frozen=True)
class Webhook:
    """``[[webhooks]]``: every alert, digest and operator notification POSTed as signed JSON."""

    name: str  # the channel is "webhook:NAME" in the outbox
    url: str
    secret: Secret  # the HMAC-SHA256 key for the signature header
    timeout_seconds: float = 10.0


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    security: str  # "tls" (implicit), "starttls" or "plain" (a local relay)
    username: str | None = None
    password: Secret | None = None
    ca_file: Path | None = None
    timeout_seconds: float = 30.0


@dataclass(frozen=True)
class Daemon:
    """`relmon run`: how often each job runs."""

    evaluate_minutes: float = (
        15.0  # evaluate every client (also right after a sync brings new mail)
    )
    deliver_seconds: float = 30.0  # send what is due in the outbox
    sync_jitter: float = 0.1  # spread each account's sync interval by up to this share
    purge_hour: int = 3  # team-local hour of the daily retention purge
    metrics_address: str | None = None  # "127.0.0.1:9310": Prometheus /metrics and /healthz
    stop_seconds: float = 8.0  # on SIGTERM, finish the current batch within this many seconds


@dataclass(frozen=True)
class Replicas:
    """Several `relmon run` on one PostgreSQL: accounts shared out by leases in the database."""

    lease_seconds: float = 30.0  # a lease not renewed for this long passes to another replica
    id: str | None = None  # this replica's name; None: host name and process id

    @property
    def heartbeat_seconds(self) -> float:
        """How often leases are renewed: three chances before one expires."""
        return self.lease_seconds / 3


@dataclass(frozen=True)
class Alerts:
    """Who hears about alerts, how and when."""

    sender: str | None = None  # From: of alert emails; alerts are not emailed without it
    sender_name: str = "relmon"
    operator: tuple[str, ...] = ()  # told when an account's credentials stop working
    copy_to: tuple[str, ...] = ()  # a copy of every alert email
    digest_hour: int = 8  # owners' local time, for the daily digest of warnings
    quiet_hours: tuple[int, int] | None = (
        None  # (start, end) minutes of local time: critical alerts wait
    )
    max_attempts: int = 12  # delivery attempts before an email is given up (with an error)
    smtp: Smtp | None = None
    # Hold every notification instead of sending it: True until `relmon alerts go-live`, None
    # (the default) for the first day after the first evaluation, False never.
    dry_run: bool | None = None
    # The first evaluation of a client: "summary" (one email per owner about all new clients)
    # or "alerts" (each alert on its own, as later evaluations send them).
    first_run: str = "summary"


@dataclass(frozen=True)
class Web:
    """``[web]``: the dashboard ``relmon web`` serves (and ``relmon run`` when ``enabled``)."""

    enabled: bool = False
    listen: str = "127.0.0.1:8080"
    base_url: str | None = None  # "https://relmon.example.com": links in emails, cookie Secure
    # Peers whose X-Forwarded-For/-Proto (and ``trusted_header``) are believed: IPs or networks.
    trusted_proxies: tuple[str, ...] = ()
    trusted_header: str | None = None  # e.g. "X-Remote-User": sign-in by a proxy's single sign-on
    secret: Secret | None = None  # signs session cookies; a key kept in the store when not given
    #: The value the proxy sends in X-Relmon-Proxy-Secret: with it, the forwarded headers and
    #: ``trusted_header`` are believed only from a proxy that knows it, not from any process
    #: that can reach the listener from a trusted address (every local user, on loopback).
    proxy_secret: Secret | None = None
    session_hours: float = 12.0
    login_attempts: int = 5  # failed sign-ins per address and quarter of an hour


@dataclass(frozen=True)
class Reports:
    """``[reports]``: the weekly portfolio email; off unless ``weekly`` names a day and time."""

    weekly_day: int | None = None  # Monday is 0, in each owner's own time zone
    weekly_minute: int = 8 * 60  # minutes after local midnight

    @property
    def weekly(self) -> bool:
        return self.weekly_day is not None


@dataclass(frozen=True)
class Config:
    path: Path | None
    team: Team
    clients: tuple[Client, ...]
    accounts: tuple[Account, ...]
    store: Store
    privacy: Privacy
    freemail_domains: frozenset[str] = field(default=FREEMAIL_DOMAINS)
    thresholds: Thresholds = field(default_factory=Thresholds)
    extra_cues: dict[str, tuple[str, ...]] = field(default_factory=dict)
    alerts: Alerts = field(default_factory=Alerts)
    daemon: Daemon = field(default_factory=Daemon)
    webhooks: tuple[Webhook, ...] = ()  # [[webhooks]]: signed HTTP POSTs of alerts
    web: Web = field(default_factory=Web)
    reports: Reports = field(default_factory=Reports)  # [reports]: the weekly portfolio email
    replicas: Replicas = field(default_factory=Replicas)  # [replicas]: leases on PostgreSQL

    def member(self, address: str) -> Member | None:
        return next(
            (m for m in self.team.members if m.address == address or address in m.aliases), None
        )

    def owner_zone(self, address: str) -> str:
        """The name of the time zone an owner's digest and quiet hours follow."""
        member = self.member(address)
        return (member.timezone if member and member.timezone else None) or self.team.timezone

    def owner_tz(self, address: str) -> tzinfo:
        """The time zone an owner's digest and quiet hours follow, resolved."""
        member = self.member(address)
        return member.tz if member is not None and member.tz is not None else self.team.tz

    def client(self, name: str) -> Client | None:
        wanted = name.casefold()
        for client in self.clients:
            if client.name.casefold() == wanted:
                return client
        return None

    def account(self, name: str) -> Account | None:
        return next((a for a in self.accounts if a.name == name), None)

    def us_addresses(self) -> frozenset[str]:
        """Every address that is us: team addresses, members and aliases, mailbox addresses."""
        found = set(self.team.addresses)
        for member in self.team.members:
            found.add(member.address)
            found.update(member.aliases)
        found.update(a.address for a in self.accounts if a.address)
        return frozenset(found)

    def directory(self) -> Directory:
        """The address book the core attributes messages with."""
        return Directory(
            us_domains=self.team.domains,
            us_addresses=self.us_addresses(),
            client_domains={domain: c.name for c in self.clients for domain in c.domains},
            client_addresses={address: c.name for c in self.clients for address in c.addresses},
            freemail=self.freemail_domains,
            trusted_authserv_ids=self.team.trusted_authserv_ids,
            lists=self.team.lists,
        )

    def attribution_fingerprint(self) -> str:
        """Changes whenever a change of configuration could change who a message belongs to."""
        basis = {
            "team_domains": sorted(self.team.domains),
            "us": sorted(self.us_addresses()),
            "clients": sorted(
                (c.name, sorted(c.domains), sorted(c.addresses)) for c in self.clients
            ),
            "freemail": sorted(self.freemail_domains),
        }
        return hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()[:16]

    def secrets(self) -> Iterator[tuple[str, Secret]]:
        """Every secret the configuration refers to, with its key."""
        if self.store.password is not None:
            yield self.store.password.key, self.store.password
        if self.alerts.smtp is not None and self.alerts.smtp.password is not None:
            yield self.alerts.smtp.password.key, self.alerts.smtp.password
        for hook in self.webhooks:
            yield hook.secret.key, hook.secret
        if self.web.secret is not None:
            yield self.web.secret.key, self.web.secret
        if self.web.proxy_secret is not None:
            yield self.web.proxy_secret.key, self.web.proxy_secret
        for account in self.accounts:
            microsoft = None
            if account.imap is not None:
                if account.imap.password is not None:
                    yield account.imap.password.key, account.imap.password
                microsoft = account.imap.microsoft
            if account.graph is not None:
                microsoft = account.graph.microsoft
            if microsoft is not None:
                for secret in (microsoft.client_secret, microsoft.certificate):
                    if secret is not None:
                        yield secret.key, secret
