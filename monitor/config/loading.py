"""Reading the whole file: every section in turn, every problem collected, one error at the end."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from monitor.config.accounts import parse_accounts
from monitor.config.alerts import parse_alerts
from monitor.config.clients import parse_clients
from monitor.config.daemon import parse_daemon, parse_replicas
from monitor.config.model import Config
from monitor.config.paths import find_config_path
from monitor.config.privacy import parse_privacy
from monitor.config.reading import Problems, Table
from monitor.config.reports import parse_reports
from monitor.config.store import parse_store
from monitor.config.team import parse_freemail, parse_team
from monitor.config.thresholds import parse_lexicon, parse_thresholds
from monitor.config.web import check_slugs, parse_web
from monitor.config.webhooks import parse_webhooks
from monitor.core.detectors import Thresholds
from monitor.errors import ConfigError


def parse_config(data: Mapping[str, object], path: Path | None = None) -> Config:
    """Validate a parsed TOML document. Raises :class:`ConfigError` listing every problem."""
    problems = Problems()
    base = path.parent if path is not None else None
    root = Table(data, "", problems)
    # The order of the sections is the order problems are reported in.
    freemail = parse_freemail(root, problems)
    team = parse_team(root, freemail, problems)
    accounts = parse_accounts(root, base, problems)
    defaults = parse_thresholds(root.table("thresholds"), Thresholds(), problems)
    extra_cues = parse_lexicon(root)
    clients = parse_clients(root, team, accounts, freemail, defaults, problems)
    store = parse_store(root, base, problems)
    privacy = parse_privacy(root, problems)
    alerts = parse_alerts(root.table("alerts"), root.table("smtp"), base, problems)
    daemon = parse_daemon(root, problems)
    replicas = parse_replicas(root, store.url, problems)
    webhooks = parse_webhooks(root, base, problems)
    web = parse_web(root, base, problems)
    check_slugs(clients, problems)
    reports = parse_reports(root, alerts, problems)
    root.done()
    if problems.items:
        raise ConfigError(problems.items, str(path) if path else None)
    return Config(
        path=path,
        team=team,
        clients=tuple(clients),
        accounts=tuple(accounts),
        store=store,
        privacy=privacy,
        freemail_domains=frozenset(freemail),
        thresholds=defaults,
        extra_cues=extra_cues,
        alerts=alerts,
        daemon=daemon,
        webhooks=webhooks,
        web=web,
        reports=reports,
        replicas=replicas,
    )


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Find, read and validate the configuration file."""
    found = find_config_path(path)
    try:
        raw = found.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            [
                f"no configuration file at {found} (give --config or set $RELMON_CONFIG; "
                "`relmon init` writes a first one from a mailbox, and `relmon config example` "
                "prints the example with every key explained)"
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
