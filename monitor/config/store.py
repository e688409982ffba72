"""``[store]``: the database URL (SQLite by default, in the state directory) and its password."""

from __future__ import annotations

import re
from pathlib import Path

from monitor.config.model import Store
from monitor.config.paths import state_directory
from monitor.config.reading import Problems, Table


def parse_store(root: Table, base: Path | None, problems: Problems) -> Store:
    store_t = root.table("store")
    url = store_url(store_t.text("url"), base)
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
    password = store_t.secret("password", base, required=False)
    store_t.done()
    return Store(url=url, password=password)


def store_url(raw: str | None, base: Path | None) -> str:
    """The URL as configured; a relative SQLite path is relative to the configuration file."""
    if not raw:
        return f"sqlite:///{state_directory() / 'relmon.db'}"
    if raw.startswith("sqlite:///") and not raw.startswith("sqlite:////") and base is not None:
        relative = raw[len("sqlite:///") :]
        if relative and relative != ":memory:" and not Path(relative).is_absolute():
            return f"sqlite:///{(base / relative).resolve()}"
    return raw
