"""``[store]``: the database URL (SQLite by default, in the state directory) and its password."""

from __future__ import annotations

import os
import re
from pathlib import Path

from monitor.config.model import Store
from monitor.config.paths import state_directory
from monitor.config.reading import Problems, Table

#: A password in the URL's authority: from the user name's colon to the last "@" before the
#: query, so a password holding "/" or "@" (unencoded, as people write them) is found whole.
_AUTHORITY_PASSWORD = re.compile(r"^([a-z0-9+]+://[^/@:?#]*):[^?#]*@", re.IGNORECASE)
#: Query parameters that carry a secret (libpq's and common drivers' names): refused in the
#: configuration, masked wherever a URL is shown.
SECRET_PARAMETERS = frozenset(
    {"password", "passwd", "pwd", "sslpassword", "secret", "token", "access_token", "api_key"}
)
_QUERY_SECRET = re.compile(
    rf"([?&](?:{'|'.join(sorted(SECRET_PARAMETERS))})=)[^&#]*",
    re.IGNORECASE,
)


def masked_url(url: str) -> str:
    """``url`` with any password, in the authority or the query, shown as ``***``."""
    return _QUERY_SECRET.sub(r"\1***", _AUTHORITY_PASSWORD.sub(r"\1:***@", url))


def parse_store(root: Table, base: Path | None, problems: Problems) -> Store:
    store_t = root.table("store")
    url = store_url(store_t.text("url"), base)
    if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", url):
        problems.add(
            "store.url",
            f"unsupported database URL {masked_url(url)!r}; "
            "use sqlite:///path or postgresql+psycopg://…",
        )
    elif masked_url(url) != url:
        problems.add(
            "store.url",
            "the URL carries a password; give it with store.password_file or store.password_env instead",
        )
    password = store_t.secret("password", base, required=False)
    store_t.done()
    return Store(url=url, password=password)


def store_url(raw: str | None, base: Path | None) -> str:
    """The URL as configured. A relative SQLite path is resolved under ``$STATE_DIRECTORY`` when
    it is set (systemd's ``StateDirectory=``, the container's volume), else next to the
    configuration file: under systemd the configuration's folder is read-only."""
    if not raw:
        return f"sqlite:///{state_directory() / 'relmon.db'}"
    if raw.startswith("sqlite:///") and not raw.startswith("sqlite:////"):
        relative = raw[len("sqlite:///") :]
        if relative and relative != ":memory:" and not Path(relative).is_absolute():
            folder = state_directory() if os.environ.get("STATE_DIRECTORY") else base
            if folder is not None:
                return f"sqlite:///{(folder / relative).resolve()}"
    return raw
