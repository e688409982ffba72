"""Configuration: one TOML file, validated once into frozen objects.

Every problem names its key and the file, all problems are reported together, unknown keys get a
"did you mean". Secrets are never written inline: a ``…_file`` (read first, which suits systemd
credentials and container secrets) or a ``…_env`` names where the value lives, and the value is
read only when it is needed. Time zones are resolved once, while the file is read.

The package, by job:

- :mod:`~monitor.config.reading`: :class:`Table` and :class:`Problems`, the typed getters every
  section reads through;
- :mod:`~monitor.config.secrets`, :mod:`~monitor.config.paths`: secret references, where files live;
- :mod:`~monitor.config.model`: the frozen objects the rest of relmon reads;
- one module per section: :mod:`~monitor.config.team` (with ``[matching]``),
  :mod:`~monitor.config.accounts` (with :mod:`~monitor.config.imap`, :mod:`~monitor.config.graph`
  and :mod:`~monitor.config.microsoft`), :mod:`~monitor.config.thresholds` (with ``[lexicon]``),
  :mod:`~monitor.config.clients`, :mod:`~monitor.config.store`, :mod:`~monitor.config.privacy`,
  :mod:`~monitor.config.alerts` (with ``[smtp]``), :mod:`~monitor.config.daemon`;
- :mod:`~monitor.config.loading`: the file read and every section parsed in turn.
"""

from __future__ import annotations

from monitor.config.accounts import ACCOUNT_KINDS, SETTINGS_PARSERS
from monitor.config.graph import GRAPH_AUTH
from monitor.config.imap import IMAP_AUTH, IMAP_SECURITY, OAUTH_PROVIDERS
from monitor.config.loading import load_config, load_config_text, parse_config
from monitor.config.model import (
    Account,
    Alerts,
    Client,
    Config,
    Daemon,
    GraphSettings,
    ImapSettings,
    Member,
    MicrosoftAuth,
    Privacy,
    Replicas,
    Smtp,
    Store,
    Team,
    Webhook,
)
from monitor.config.paths import default_config_path, find_config_path, state_directory
from monitor.config.reading import Problems, Table
from monitor.config.secrets import Secret

# The names the reading helpers had while the configuration was one module.
_Problems = Problems
_Table = Table

__all__ = [
    "ACCOUNT_KINDS",
    "GRAPH_AUTH",
    "IMAP_AUTH",
    "IMAP_SECURITY",
    "OAUTH_PROVIDERS",
    "SETTINGS_PARSERS",
    "Account",
    "Alerts",
    "Client",
    "Config",
    "Daemon",
    "GraphSettings",
    "ImapSettings",
    "Member",
    "MicrosoftAuth",
    "Privacy",
    "Problems",
    "Replicas",
    "Secret",
    "Smtp",
    "Store",
    "Table",
    "Team",
    "Webhook",
    "default_config_path",
    "find_config_path",
    "load_config",
    "load_config_text",
    "parse_config",
    "state_directory",
]
