"""Configuration: one TOML file, validated once into frozen objects.

Every problem names its key and the file, all problems are reported together, unknown keys get a
"did you mean". Secrets are never written inline: a ``…_file`` (read first, which suits systemd
credentials and container secrets) or a ``…_env`` names where the value lives, and the value is
read only when it is needed.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import tzinfo
from pathlib import Path
from typing import Any, TypeVar

from monitor.clock import zone
from monitor.core.addresses import FREEMAIL_DOMAINS, Directory, normalise_address, normalise_domain
from monitor.core.calendar import Holidays, WorkingHours, parse_working_hours
from monitor.core.cues import CATEGORIES as CUE_CATEGORIES
from monitor.core.detectors import Thresholds
from monitor.errors import ConfigError, SecretError

T = TypeVar("T")

ACCOUNT_KINDS = ("maildir", "mbox", "imap", "graph")
IMAP_SECURITY = ("tls", "starttls", "plain")
IMAP_AUTH = ("password", "xoauth2")
OAUTH_PROVIDERS = ("microsoft", "command")
GRAPH_AUTH = ("app", "delegated")

# --------------------------------------------------------------------------- paths


def state_directory() -> Path:
    """Where relmon keeps its state: ``$STATE_DIRECTORY`` (systemd), else XDG state home."""
    systemd = os.environ.get("STATE_DIRECTORY")
    if systemd:
        # systemd may pass several colon-separated directories; the first is ours.
        return Path(systemd.split(":")[0])
    xdg = os.environ.get("XDG_STATE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "state"
    return base / "relmon"


def default_config_path() -> Path:
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = Path(xdg) if xdg else Path.home() / ".config"
    return base / "relmon" / "relmon.toml"


def find_config_path(explicit: str | os.PathLike[str] | None) -> Path:
    """``--config``, then ``$RELMON_CONFIG``, then ``~/.config/relmon/relmon.toml``."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get("RELMON_CONFIG")
    if from_env:
        return Path(from_env)
    return default_config_path()


# --------------------------------------------------------------------------- secrets


@dataclass(frozen=True)
class Secret:
    """A reference to a secret; the value is read only by :meth:`reveal` and never printed."""

    key: str
    file: Path | None = None
    env: str | None = None

    def reveal(self) -> str:
        if self.file is not None:
            try:
                return self.file.read_text(encoding="utf-8").rstrip("\r\n")
            except OSError as err:
                raise SecretError(
                    [f"{self.key}_file: cannot read {str(self.file)!r}: {err.strerror or err}"]
                ) from err
        if self.env is not None:
            value = os.environ.get(self.env)
            if value is None:
                raise SecretError([f"{self.key}_env: environment variable {self.env} is not set"])
            return value
        raise SecretError([f"{self.key}: no {self.key}_file or {self.key}_env given"])

    def describe(self) -> str:
        """Where the secret comes from, masked, for ``relmon config check``."""
        source = f"file {self.file}" if self.file is not None else f"env ${self.env}"
        return f"******** (from {source})"

    def __repr__(self) -> str:
        return f"Secret({self.describe()})"


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Member:
    """A consultant: a possible owner of clients and receiver of their alerts."""

    name: str
    address: str
    aliases: tuple[str, ...] = ()
    timezone: str | None = None


@dataclass(frozen=True)
class Team:
    name: str
    domains: tuple[str, ...]
    addresses: tuple[str, ...]
    members: tuple[Member, ...]
    timezone: str
    working_hours: WorkingHours
    holidays: Holidays | None

    @property
    def tz(self) -> tzinfo:
        return zone(self.timezone)


@dataclass(frozen=True)
class Client:
    name: str
    domains: tuple[str, ...]
    addresses: tuple[str, ...]
    owner: str
    timezone: str | None = None
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
        if self.folders_include and not any(_glob_match(p, folder) for p in self.folders_include):
            return False
        return not any(_glob_match(p, folder) for p in self.folders_exclude)


@dataclass(frozen=True)
class Privacy:
    store_snippets: bool = False
    snippet_chars: int = 200
    exclude_folders: tuple[str, ...] = ()
    exclude_addresses: tuple[str, ...] = ()
    exclude_subjects: tuple[str, ...] = ()
    retention_days: int = 0

    def excluded_folder(self, folder: str) -> bool:
        return any(_glob_match(pattern, folder) for pattern in self.exclude_folders)

    def excluded_address(self, address: str) -> bool:
        return any(_glob_match(pattern, address) for pattern in self.exclude_addresses)

    def excluded_subject(self, subject: str) -> bool:
        return any(re.search(pattern, subject) for pattern in self.exclude_subjects)


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

    def member(self, address: str) -> Member | None:
        return next(
            (m for m in self.team.members if m.address == address or address in m.aliases), None
        )

    def owner_zone(self, address: str) -> str:
        """The time zone an owner's digest and quiet hours follow."""
        member = self.member(address)
        return (member.timezone if member and member.timezone else None) or self.team.timezone

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


# --------------------------------------------------------------------------- reading


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}" if where else message)


class _Table:
    """A TOML table being read: typed getters that record problems instead of raising."""

    def __init__(self, data: Mapping[str, Any], where: str, problems: _Problems) -> None:
        self.data = data
        self.where = where
        self.problems = problems
        self.used: set[str] = set()

    def _key(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def _get(self, key: str, kind: type | tuple[type, ...], kind_name: str) -> Any:
        self.used.add(key)
        if key not in self.data:
            return None
        value = self.data[key]
        # bool is an int in Python; do not let `true` pass as a number.
        if (
            isinstance(value, bool)
            and kind is not bool
            and bool not in (kind if isinstance(kind, tuple) else (kind,))
        ):
            self.problems.add(self._key(key), f"expected {kind_name}, got {value!r}")
            return None
        if not isinstance(value, kind):
            self.problems.add(
                self._key(key), f"expected {kind_name}, got {type(value).__name__} {value!r}"
            )
            return None
        return value

    def text(self, key: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self._get(key, str, "a string")
        if value is None:
            if required and key not in self.data:
                self.problems.add(self._key(key), "is required")
            return default
        if required and not value.strip():
            self.problems.add(self._key(key), "must not be empty")
        return str(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self._get(key, bool, "true or false")
        return default if value is None else bool(value)

    def integer(self, key: str, default: int, *, minimum: int | None = None) -> int:
        value = self._get(key, int, "a whole number")
        if value is None:
            return default
        if minimum is not None and value < minimum:
            self.problems.add(self._key(key), f"must be at least {minimum}, got {value}")
            return default
        return int(value)

    def number(self, key: str, default: float, *, minimum: float | None = None) -> float:
        value = self._get(key, (int, float), "a number")
        if value is None:
            return default
        if minimum is not None and value < minimum:
            self.problems.add(self._key(key), f"must be at least {minimum}, got {value}")
            return default
        return float(value)

    def strings(self, key: str) -> list[str]:
        value = self._get(key, list, "a list of strings")
        if value is None:
            return []
        out: list[str] = []
        for index, item in enumerate(value):
            if isinstance(item, str):
                out.append(item)
            else:
                self.problems.add(f"{self._key(key)}[{index}]", f"expected a string, got {item!r}")
        return out

    def strings_or_string(self, key: str) -> list[str]:
        self.used.add(key)
        if isinstance(self.data.get(key), str):
            return [self.data[key]]
        return self.strings(key)

    def table(self, key: str) -> _Table:
        value = self._get(key, dict, "a table")
        return _Table(value or {}, self._key(key), self.problems)

    def has(self, key: str) -> bool:
        return key in self.data

    def tables(self, key: str) -> list[_Table]:
        value = self._get(key, list, "an array of tables ([[" + key + "]])")
        out: list[_Table] = []
        for index, item in enumerate(value or []):
            where = f"{self._key(key)}[{index}]"
            if isinstance(item, dict):
                out.append(_Table(item, where, self.problems))
            else:
                self.problems.add(where, f"expected a table, got {item!r}")
        return out

    def secret(self, key: str, base: Path | None, *, required: bool = True) -> Secret | None:
        """Read ``key_file`` / ``key_env``; refuse an inline ``key``."""
        self.used.update({key, f"{key}_file", f"{key}_env"})
        if key in self.data:
            self.problems.add(
                self._key(key),
                f'secrets are not accepted inline; use {key}_file = "/path" or {key}_env = "VAR"',
            )
        file_value = self.data.get(f"{key}_file")
        env_value = self.data.get(f"{key}_env")
        if file_value is None and env_value is None:
            if required:
                self.problems.add(self._key(key), f"give {key}_file or {key}_env")
            return None
        file_path: Path | None = None
        if file_value is not None:
            if not isinstance(file_value, str) or not file_value:
                self.problems.add(self._key(f"{key}_file"), "expected a file path")
            else:
                file_path = _resolve_secret_path(file_value, base)
        if env_value is not None and (not isinstance(env_value, str) or not env_value):
            self.problems.add(self._key(f"{key}_env"), "expected an environment variable name")
            env_value = None
        return Secret(key=self._key(key), file=file_path, env=env_value)

    def done(self) -> None:
        """Report keys nobody asked for, with the closest known key as a suggestion."""
        for key in self.data:
            if key in self.used:
                continue
            hint = difflib.get_close_matches(key, sorted(self.used), n=1, cutoff=0.6)
            suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
            known = ", ".join(sorted(self.used))
            self.problems.add(self._key(key), f"unknown key{suggestion} (known here: {known})")


def _resolve_secret_path(value: str, base: Path | None) -> Path:
    path = Path(value).expanduser()
    if path.is_absolute():
        return path
    # A relative name is looked up among systemd credentials first (LoadCredential=name:...).
    creds = os.environ.get("CREDENTIALS_DIRECTORY")
    if creds and (Path(creds) / path).exists():
        return Path(creds) / path
    return (base / path) if base else path


def _glob_match(pattern: str, value: str) -> bool:
    from fnmatch import fnmatchcase

    return fnmatchcase(value.casefold(), pattern.casefold())


def _each(items: list[str], where: str, check: Callable[[str], T], problems: _Problems) -> list[T]:
    out: list[T] = []
    for index, item in enumerate(items):
        try:
            out.append(check(item))
        except ValueError as err:
            problems.add(f"{where}[{index}]", str(err))
    return out


def _check_zone(value: str | None, where: str, problems: _Problems) -> str | None:
    if value is None:
        return None
    try:
        zone(value)
    except ValueError as err:
        problems.add(where, str(err))
        return None
    return value


def _check_hours(value: Any, where: str, problems: _Problems) -> WorkingHours | None:
    if value is None:
        return None
    specs = [value] if isinstance(value, str) else value
    if not isinstance(specs, list) or not all(isinstance(s, str) for s in specs):
        problems.add(where, 'expected a string such as "Mon-Fri 09:00-17:30" or a list of them')
        return None
    try:
        return parse_working_hours(specs)
    except ValueError as err:
        problems.add(where, str(err))
        return None


def _check_holidays(value: str | None, where: str, problems: _Problems) -> Holidays | None:
    if not value:
        return None
    import holidays as holidays_lib

    country, _, subdivision = value.partition("-")
    country = country.upper()
    supported = holidays_lib.list_supported_countries()
    if country not in supported:
        hint = difflib.get_close_matches(country, list(supported), n=1)
        extra = f"; did you mean {hint[0]!r}?" if hint else ""
        problems.add(where, f"unknown country code {country!r} for public holidays{extra}")
        return None
    if subdivision:
        subdivision = subdivision.upper()
        if subdivision not in supported[country]:
            problems.add(
                where,
                f"unknown subdivision {subdivision!r} of {country}; known: {', '.join(supported[country][:30])}",
            )
            return None
    return Holidays(country=country, subdivision=subdivision or None)


def _store_url(raw: str | None, base: Path | None) -> str:
    if not raw:
        return f"sqlite:///{state_directory() / 'relmon.db'}"
    if raw.startswith("sqlite:///") and not raw.startswith("sqlite:////") and base is not None:
        relative = raw[len("sqlite:///") :]
        if relative and relative != ":memory:" and not Path(relative).is_absolute():
            return f"sqlite:///{(base / relative).resolve()}"
    return raw


def parse_config(data: Mapping[str, Any], path: Path | None = None) -> Config:
    """Validate a parsed TOML document. Raises :class:`ConfigError` listing every problem."""
    problems = _Problems()
    base = path.parent if path is not None else None
    root = _Table(data, "", problems)

    matching = root.table("matching")
    freemail = set(FREEMAIL_DOMAINS)
    freemail.update(
        _each(
            matching.strings("freemail_domains"),
            "matching.freemail_domains",
            normalise_domain,
            problems,
        )
    )
    matching.done()

    # team ------------------------------------------------------------------
    team_t = root.table("team")
    if not root.has("team"):
        problems.add("team", "is required: the [team] table names your domains and consultants")
    team_domains = _each(team_t.strings("domains"), "team.domains", normalise_domain, problems)
    for index, domain in enumerate(team_domains):
        if domain in freemail:
            problems.add(
                f"team.domains[{index}]",
                f"{domain!r} is a free-mail domain; list your personal addresses in team.addresses instead",
            )
    team_addresses = _each(
        team_t.strings("addresses"), "team.addresses", normalise_address, problems
    )
    team_zone = _check_zone(team_t.text("timezone", "UTC"), "team.timezone", problems) or "UTC"
    hours = _check_hours(
        team_t.data.get("working_hours", "Mon-Fri 09:00-17:30"), "team.working_hours", problems
    )
    team_t.used.add("working_hours")
    team_holidays = _check_holidays(team_t.text("holidays"), "team.holidays", problems)
    members: list[Member] = []
    for member_t in team_t.tables("members"):
        address = _one_address(member_t, "address", problems, required=True)
        aliases = _each(
            member_t.strings("aliases"), f"{member_t.where}.aliases", normalise_address, problems
        )
        tz_name = _check_zone(member_t.text("timezone"), f"{member_t.where}.timezone", problems)
        members.append(
            Member(
                name=member_t.text("name", address or "") or "",
                address=address or "",
                aliases=tuple(aliases),
                timezone=tz_name,
            )
        )
        member_t.done()
    team = Team(
        name=team_t.text("name", "Our team") or "Our team",
        domains=tuple(team_domains),
        addresses=tuple(team_addresses),
        members=tuple(members),
        timezone=team_zone,
        working_hours=hours or parse_working_hours(["Mon-Fri 09:00-17:30"]),
        holidays=team_holidays,
    )
    team_t.done()
    if not team_domains and not team_addresses and not members:
        problems.add(
            "team", "name at least one of team.domains, team.addresses or [[team.members]]"
        )

    # accounts --------------------------------------------------------------
    accounts: list[Account] = []
    seen_accounts: set[str] = set()
    for account_t in root.tables("accounts"):
        accounts.append(_parse_account(account_t, base, problems, seen_accounts))
        account_t.done()

    def is_us(address: str) -> bool:
        domain = address.rpartition("@")[2]
        return (
            address in team_addresses
            or any(address == m.address or address in m.aliases for m in members)
            or any(address == a.address for a in accounts)
            or any(domain == d or domain.endswith("." + d) for d in team_domains)
        )

    # thresholds and lexicon -------------------------------------------------
    defaults = _parse_thresholds(root.table("thresholds"), Thresholds(), problems)
    lexicon_t = root.table("lexicon")
    extra_cues: dict[str, tuple[str, ...]] = {}
    for category in CUE_CATEGORIES:
        terms = lexicon_t.strings(category)
        if terms:
            extra_cues[category] = tuple(terms)
    lexicon_t.done()

    # clients ---------------------------------------------------------------
    clients: list[Client] = []
    domain_owner: dict[str, str] = {}
    address_owner: dict[str, str] = {}
    names: set[str] = set()
    for client_t in root.tables("clients"):
        where = client_t.where
        name = (client_t.text("name", required=True) or "").strip()
        if name and name.casefold() in names:
            problems.add(f"{where}.name", f"client {name!r} is configured twice")
        names.add(name.casefold())
        label = name or where
        domains = _each(client_t.strings("domains"), f"{where}.domains", normalise_domain, problems)
        for index, domain in enumerate(domains):
            key = f"{where}.domains[{index}]"
            if domain in freemail:
                problems.add(
                    key,
                    f"{domain!r} is a free-mail domain and would match strangers; "
                    "list this client's people in addresses instead",
                )
            elif domain in domain_owner:
                problems.add(
                    key, f"{domain!r} is already a domain of client {domain_owner[domain]!r}"
                )
            elif any(domain == d or domain.endswith("." + d) for d in team_domains):
                problems.add(key, f"{domain!r} is one of our own team domains")
            domain_owner.setdefault(domain, label)
        addresses = _each(
            client_t.strings("addresses"), f"{where}.addresses", normalise_address, problems
        )
        for index, address in enumerate(addresses):
            key = f"{where}.addresses[{index}]"
            if address in address_owner:
                problems.add(
                    key, f"{address!r} is already an address of client {address_owner[address]!r}"
                )
            elif is_us(address):
                problems.add(key, f"{address!r} is one of our own team addresses")
            address_owner.setdefault(address, label)
        if not domains and not addresses:
            problems.add(where, f"client {label!r} needs at least one domain or address")
        owner = _one_address(client_t, "owner", problems, required=True) or ""
        if owner and not is_us(owner):
            problems.add(
                f"{where}.owner",
                f"{owner!r} is not a team address (add it to [[team.members]], team.addresses or team.domains)",
            )
        tz_name = _check_zone(client_t.text("timezone"), f"{where}.timezone", problems)
        client_hours = _check_hours(
            client_t.data.get("working_hours"), f"{where}.working_hours", problems
        )
        client_t.used.add("working_hours")
        client_holidays = _check_holidays(client_t.text("holidays"), f"{where}.holidays", problems)
        cadence_days = client_t.number("cadence_days", 0.0, minimum=0.5) or None
        thresholds_t = client_t.table("thresholds")
        client_thresholds = _parse_thresholds(thresholds_t, defaults, problems)
        checkin = client_t.number("checkin_days", 0.0, minimum=1.0)
        if checkin:
            # A client's own check-in interval; critical at twice it unless set explicitly.
            critical = (
                client_thresholds.checkin_critical_days
                if thresholds_t.has("checkin_critical_days")
                else 2 * checkin
            )
            client_thresholds = replace(
                client_thresholds,
                checkin_warning_days=checkin,
                checkin_critical_days=max(critical, checkin),
            )
        clients.append(
            Client(
                name=name,
                domains=tuple(domains),
                addresses=tuple(addresses),
                owner=owner,
                timezone=tz_name,
                working_hours=client_hours,
                holidays=client_holidays,
                cadence_days=cadence_days,
                thresholds=client_thresholds,
            )
        )
        client_t.done()

    # store and privacy ------------------------------------------------------
    store_t = root.table("store")
    url = _store_url(store_t.text("url"), base)
    if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", url):
        problems.add(
            "store.url",
            f"unsupported database URL {url!r}; use sqlite:///path or postgresql+psycopg://…",
        )
    elif re.match(r"^[a-z+]+://[^/@]*:[^/@]+@", url):
        problems.add(
            "store.url",
            "the URL carries a password; give it with store.password_file or store.password_env instead",
        )
    store_password = store_t.secret("password", base, required=False)
    store_t.done()

    privacy_t = root.table("privacy")
    subjects = privacy_t.strings("exclude_subjects")
    for index, pattern in enumerate(subjects):
        try:
            re.compile(pattern)
        except re.error as err:
            problems.add(
                f"privacy.exclude_subjects[{index}]", f"not a valid regular expression: {err}"
            )
    privacy = Privacy(
        store_snippets=privacy_t.flag("store_snippets", False),
        snippet_chars=privacy_t.integer("snippet_chars", 200, minimum=1),
        exclude_folders=tuple(privacy_t.strings("exclude_folders")),
        exclude_addresses=tuple(a.casefold() for a in privacy_t.strings("exclude_addresses")),
        exclude_subjects=tuple(subjects),
        retention_days=privacy_t.integer("retention_days", 0, minimum=0),
    )
    privacy_t.done()

    alerts = _parse_alerts(root.table("alerts"), root.table("smtp"), base, problems)
    daemon_t = root.table("daemon")
    metrics_address = daemon_t.text("metrics_address")
    if metrics_address and not re.match(
        r"^(?:\[[0-9a-fA-F:]+\]|[\w.-]+):\d{1,5}$", metrics_address
    ):
        problems.add(
            "daemon.metrics_address",
            f'{metrics_address!r} is not host:port (e.g. "127.0.0.1:9310")',
        )
    purge_hour = daemon_t.integer("purge_hour", 3, minimum=0)
    if purge_hour > 23:
        problems.add("daemon.purge_hour", f"must be an hour of the day (0-23), got {purge_hour}")
    daemon = Daemon(
        evaluate_minutes=daemon_t.number("evaluate_minutes", 15.0, minimum=1.0),
        deliver_seconds=daemon_t.number("deliver_seconds", 30.0, minimum=1.0),
        sync_jitter=min(0.5, daemon_t.number("sync_jitter", 0.1, minimum=0.0)),
        purge_hour=min(purge_hour, 23),
        metrics_address=metrics_address or None,
        stop_seconds=daemon_t.number("stop_seconds", 8.0, minimum=1.0),
    )
    daemon_t.done()
    webhooks = _parse_webhooks(root, base, problems)

    root.done()
    if problems.items:
        raise ConfigError(problems.items, str(path) if path else None)
    return Config(
        path=path,
        team=team,
        clients=tuple(clients),
        accounts=tuple(accounts),
        store=Store(url=url, password=store_password),
        privacy=privacy,
        freemail_domains=frozenset(freemail),
        thresholds=defaults,
        extra_cues=extra_cues,
        alerts=alerts,
        daemon=daemon,
        webhooks=webhooks,
    )


_QUIET = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _parse_alerts(table: _Table, smtp_t: _Table, base: Path | None, problems: _Problems) -> Alerts:
    sender = _one_address(table, "from", problems)
    operator = _each(
        table.strings("operator"), f"{table.where}.operator", normalise_address, problems
    )
    copy_to = _each(table.strings("copy_to"), f"{table.where}.copy_to", normalise_address, problems)
    quiet: tuple[int, int] | None = None
    raw_quiet = table.text("quiet_hours")
    if raw_quiet:
        match = _QUIET.match(raw_quiet)
        if (
            not match
            or int(match.group(1)) > 23
            or int(match.group(3)) > 23
            or int(match.group(2)) > 59
            or int(match.group(4)) > 59
        ):
            problems.add(
                f"{table.where}.quiet_hours",
                f'{raw_quiet!r} is not a span of local time; write e.g. "20:00-07:00"',
            )
        else:
            quiet = (
                int(match.group(1)) * 60 + int(match.group(2)),
                int(match.group(3)) * 60 + int(match.group(4)),
            )
    digest_hour = table.integer("digest_hour", 8, minimum=0)
    if digest_hour > 23:
        problems.add(
            f"{table.where}.digest_hour", f"must be an hour of the day (0-23), got {digest_hour}"
        )
        digest_hour = 8
    smtp: Smtp | None = None
    if smtp_t.data:
        host = smtp_t.text("host", required=True) or ""
        security = _choice(smtp_t, "security", IMAP_SECURITY, "starttls", problems)
        port = smtp_t.integer(
            "port", {"tls": 465, "starttls": 587, "plain": 25}[security], minimum=1
        )
        username = smtp_t.text("username")
        password = smtp_t.secret("password", base, required=bool(username))
        smtp = Smtp(
            host=host,
            port=port,
            security=security,
            username=username,
            password=password,
            ca_file=_path(smtp_t, "ca_file", base, problems),
            timeout_seconds=smtp_t.number("timeout_seconds", 30.0, minimum=1.0),
        )
        if sender is None:
            problems.add(
                f"{table.where}.from",
                "is required when [smtp] is set: the address alert emails come from",
            )
    smtp_t.done()
    alerts = Alerts(
        sender=sender,
        sender_name=table.text("from_name", "relmon") or "relmon",
        operator=tuple(operator),
        copy_to=tuple(copy_to),
        digest_hour=digest_hour,
        quiet_hours=quiet,
        max_attempts=table.integer("max_attempts", 12, minimum=1),
        smtp=smtp,
    )
    table.done()
    return alerts


def _parse_thresholds(table: _Table, base: Thresholds, problems: _Problems) -> Thresholds:
    """Thresholds from a [thresholds] table, each key optional, on top of ``base``."""
    values: dict[str, Any] = {}
    for name in Thresholds.names():
        default = getattr(base, name)
        if isinstance(default, int) and not isinstance(default, bool):
            values[name] = table.integer(name, default, minimum=1)
        else:
            values[name] = table.number(name, float(default), minimum=0.0)
    table.done()
    result = replace(base, **values)
    for low, high in (
        ("silence_warning_ratio", "silence_critical_ratio"),
        ("checkin_warning_days", "checkin_critical_days"),
        ("unanswered_warning_hours", "unanswered_critical_hours"),
        ("friction_warning_points", "friction_critical_points"),
        ("micromanagement_warning_ratio", "micromanagement_critical_ratio"),
        ("micromanagement_warning_points", "micromanagement_critical_points"),
    ):
        if getattr(result, low) > getattr(result, high):
            problems.add(
                f"{table.where}.{low}",
                f"the warning threshold ({getattr(result, low)}) is above the critical one ({getattr(result, high)})",
            )
    return result


def _one_address(
    table: _Table, key: str, problems: _Problems, *, required: bool = False
) -> str | None:
    value = table.text(key, required=required)
    if not value:
        return None
    try:
        return normalise_address(value)
    except ValueError as err:
        problems.add(f"{table.where}.{key}", str(err))
        return None


def _parse_account(
    table: _Table, base: Path | None, problems: _Problems, seen: set[str]
) -> Account:
    where = table.where
    name = table.text("name", required=True) or ""
    if name in seen:
        problems.add(f"{where}.name", f"account {name!r} is configured twice")
    seen.add(name)
    kind = table.text("kind", required=True) or ""
    if kind and kind not in ACCOUNT_KINDS:
        hint = difflib.get_close_matches(kind, ACCOUNT_KINDS, n=1)
        extra = f"; did you mean {hint[0]!r}?" if hint else ""
        problems.add(
            f"{where}.kind",
            f"unknown account kind {kind!r}{extra} (known: {', '.join(ACCOUNT_KINDS)})",
        )
    address = _one_address(table, "address", problems)
    path: Path | None = None
    imap: ImapSettings | None = None
    graph: GraphSettings | None = None
    if kind in ("maildir", "mbox"):
        raw = table.text("path", required=True)
        if raw:
            path = Path(raw).expanduser()
            if not path.is_absolute() and base is not None:
                path = base / path
    elif kind == "imap":
        imap = _parse_imap(table, base, problems)
    elif kind == "graph":
        graph = _parse_graph(table, base, problems)
        if graph is not None and graph.auth == "delegated" and address is None:
            problems.add(
                f"{where}.address", "a delegated Graph account needs the mailbox's own address"
            )
    if kind == "imap" and address is None and imap is not None and "@" in imap.username:
        address = imap.username.casefold()
    return Account(
        name=name,
        kind=kind,
        address=address,
        path=path,
        folders_include=tuple(table.strings("include")),
        folders_exclude=tuple(table.strings("exclude")),
        imap=imap,
        graph=graph,
        failures_before_alert=table.integer("failures_before_alert", 3, minimum=1),
    )


def _choice(
    table: _Table, key: str, choices: tuple[str, ...], default: str, problems: _Problems
) -> str:
    value = table.text(key, default) or default
    if value not in choices:
        hint = difflib.get_close_matches(value, choices, n=1)
        extra = f"; did you mean {hint[0]!r}?" if hint else ""
        problems.add(f"{table.where}.{key}", f"{value!r} is not one of {', '.join(choices)}{extra}")
        return default
    return value


def _path(
    table: _Table, key: str, base: Path | None, problems: _Problems, *, must_exist: bool = True
) -> Path | None:
    raw = table.text(key)
    if not raw:
        return None
    path = Path(raw).expanduser()
    if not path.is_absolute() and base is not None:
        path = base / path
    if must_exist and not path.exists():
        problems.add(f"{table.where}.{key}", f"no such file: {str(path)!r}")
    return path


def _parse_microsoft(
    table: _Table, base: Path | None, problems: _Problems, *, confidential: bool
) -> MicrosoftAuth | None:
    tenant = table.text("tenant_id", required=True) or ""
    client = table.text("client_id", required=True) or ""
    secret = certificate = None
    thumbprint = None
    if confidential:
        has_secret = (
            table.has("client_secret_file")
            or table.has("client_secret_env")
            or table.has("client_secret")
        )
        has_certificate = table.has("certificate_file") or table.has("certificate_env")
        if has_secret:
            secret = table.secret("client_secret", base)
        if has_certificate:
            certificate = table.secret("certificate", base)
            thumbprint = table.text("certificate_thumbprint", required=True)
        if not has_secret and not has_certificate:
            problems.add(
                table.where,
                "app-only access needs client_secret_file/_env or certificate_file/_env",
            )
        elif has_secret and has_certificate:
            problems.add(table.where, "give either a client secret or a certificate, not both")
    else:
        table.used.update(
            {
                "client_secret",
                "client_secret_file",
                "client_secret_env",
                "certificate_file",
                "certificate_env",
                "certificate_thumbprint",
            }
        )
        for key in ("client_secret_file", "client_secret_env", "certificate_file"):
            if table.has(key):
                problems.add(
                    f"{table.where}.{key}", "delegated (device-code) access uses no client secret"
                )
    authority_host = (
        table.text("authority_host", "https://login.microsoftonline.com")
        or "https://login.microsoftonline.com"
    )
    if not authority_host.startswith("https://"):
        problems.add(
            f"{table.where}.authority_host", "must be an https:// URL (msal refuses anything else)"
        )
    if tenant in ("common", "organizations", "consumers") and confidential:
        problems.add(
            f"{table.where}.tenant_id",
            f"{tenant!r} is not a tenant; app-only access needs your tenant id or domain",
        )
    if not tenant or not client:
        return None
    return MicrosoftAuth(
        tenant_id=tenant,
        client_id=client,
        authority_host=authority_host,
        client_secret=secret,
        certificate=certificate,
        certificate_thumbprint=thumbprint,
        ca_file=_path(table, "authority_ca_file", base, problems),
    )


def _parse_imap(table: _Table, base: Path | None, problems: _Problems) -> ImapSettings | None:
    where = table.where
    host = table.text("host", required=True) or ""
    security = _choice(table, "security", IMAP_SECURITY, "tls", problems)
    insecure = table.flag("insecure", False)
    if security == "plain" and not insecure:
        problems.add(
            f"{where}.security",
            "plaintext IMAP sends the password unencrypted; set insecure = true to allow it",
        )
    port = table.integer("port", 993 if security == "tls" else 143, minimum=1)
    username = table.text("username", required=True) or ""
    auth = _choice(table, "auth", IMAP_AUTH, "password", problems)
    password = provider = command = scope = None
    microsoft = None
    if auth == "password":
        password = table.secret("password", base)
    else:
        provider = _choice(table, "oauth_provider", OAUTH_PROVIDERS, "microsoft", problems)
        if provider == "command":
            command = table.text("token_command", required=True)
        else:
            microsoft = _parse_microsoft(table, base, problems, confidential=False)
        scope = table.text("oauth_scope", "https://outlook.office.com/IMAP.AccessAsUser.All")
    settings = ImapSettings(
        host=host,
        port=port,
        security=security,
        username=username,
        auth=auth,
        password=password,
        oauth_provider=provider,
        token_command=command,
        oauth_scope=scope,
        microsoft=microsoft,
        ca_file=_path(table, "ca_file", base, problems),
        timeout_seconds=table.number("timeout_seconds", 60.0, minimum=1.0),
        idle=table.flag("idle", True),
        poll_seconds=table.integer("poll_seconds", 300, minimum=10),
        batch_size=table.integer("batch_size", 500, minimum=1),
        max_text_bytes=table.integer("max_text_bytes", 256 * 1024, minimum=1024),
    )
    return settings if host and username else None


def _parse_graph(table: _Table, base: Path | None, problems: _Problems) -> GraphSettings | None:
    where = table.where
    auth = _choice(table, "auth", GRAPH_AUTH, "app", problems)
    microsoft = _parse_microsoft(table, base, problems, confidential=auth == "app")
    mailboxes = _each(table.strings("mailboxes"), f"{where}.mailboxes", normalise_address, problems)
    if auth == "app" and not mailboxes:
        problems.add(
            f"{where}.mailboxes", "app-only access reads the listed mailboxes; name at least one"
        )
    if auth == "delegated" and mailboxes:
        problems.add(
            f"{where}.mailboxes",
            "delegated access reads the signed-in user's own mailbox; remove mailboxes",
        )
    folders = table.strings("folders") or ["inbox", "sentitems"]
    graph_url = (
        table.text("graph_url", "https://graph.microsoft.com/v1.0")
        or "https://graph.microsoft.com/v1.0"
    )
    if not graph_url.startswith("https://"):
        problems.add(f"{where}.graph_url", "must be an https:// URL")
    if microsoft is None:
        return None
    return GraphSettings(
        auth=auth,
        microsoft=microsoft,
        mailboxes=tuple(mailboxes),
        folders=tuple(folders),
        graph_url=graph_url.rstrip("/"),
        page_size=table.integer("page_size", 50, minimum=1),
        max_concurrency=min(4, table.integer("max_concurrency", 4, minimum=1)),
        timeout_seconds=table.number("timeout_seconds", 60.0, minimum=1.0),
        poll_seconds=table.integer("poll_seconds", 300, minimum=10),
        ca_file=_path(table, "ca_file", base, problems),
    )


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Find, read and validate the configuration file."""
    found = find_config_path(path)
    try:
        raw = found.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            [
                f"no configuration file at {found} (give --config, set $RELMON_CONFIG, or copy "
                "config/relmon.example.toml there)"
            ]
        ) from None
    except OSError as err:
        raise ConfigError([f"cannot read {found}: {err.strerror or err}"]) from err
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise ConfigError([f"not UTF-8 text at byte {err.start}"], str(found)) from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError([f"not valid TOML: {err}"], str(found)) from err
    return parse_config(data, found.resolve())


def load_config_text(text: str, path: Path | None = None) -> Config:
    """Validate configuration given as TOML text (tests, the demo's embedded configuration)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError([f"not valid TOML: {err}"], str(path) if path else None) from err
    return parse_config(data, path)


# --------------------------------------------------------------------------- webhooks

_WEBHOOK_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class Webhook:
    """``[[webhooks]]``: every alert, digest and operator notification POSTed as signed JSON."""

    name: str  # the channel is "webhook:NAME" in the outbox
    url: str
    secret: Secret  # the HMAC-SHA256 key for the signature header
    timeout_seconds: float = 10.0


def _parse_webhooks(root: _Table, base: Path | None, problems: _Problems) -> tuple[Webhook, ...]:
    from urllib.parse import urlsplit

    found: list[Webhook] = []
    for table in root.tables("webhooks"):
        name = table.text("name", required=True) or ""
        if name and not _WEBHOOK_NAME.match(name):
            problems.add(f"{table.where}.name", f"{name!r}: use a-z, 0-9, - and _ (up to 40)")
        elif name in {hook.name for hook in found}:
            problems.add(f"{table.where}.name", f"a second webhook named {name!r}")
        url = table.text("url", required=True) or ""
        parts = urlsplit(url)
        local = parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1", "::1")
        if url and not (parts.scheme == "https" and parts.hostname) and not local:
            problems.add(
                f"{table.where}.url", "must be an https:// URL (http:// only to localhost)"
            )
        secret = table.secret("secret", base)
        timeout = table.number("timeout_seconds", 10.0, minimum=1.0)
        table.done()
        if name and url and secret is not None:
            found.append(Webhook(name=name, url=url, secret=secret, timeout_seconds=timeout))
    return tuple(found)
