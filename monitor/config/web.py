"""``[web]``: where the dashboard listens, how it is reached, and whom it believes."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from monitor.config.model import Client, Web
from monitor.config.reading import Problems, Table

_HOST_PORT = re.compile(r"^(?:\[[0-9a-fA-F:]+\]|[\w.-]+):\d{1,5}$")
_HEADER = re.compile(r"^[A-Za-z0-9-]{1,64}$")


def listen_problem(listen: str) -> str | None:
    """What is wrong with a ``host:port`` to listen on, or None."""
    if not _HOST_PORT.match(listen):
        return f'{listen!r} is not host:port (e.g. "127.0.0.1:8080")'
    port = int(listen.rpartition(":")[2])
    if not 0 < port < 65536:
        return f"{listen!r}: the port must be between 1 and 65535"
    return None


def parse_web(root: Table, base: Path | None, problems: Problems) -> Web:
    web_t = root.table("web")
    listen = web_t.text("listen", "127.0.0.1:8080") or "127.0.0.1:8080"
    problem = listen_problem(listen)
    if problem:
        problems.add("web.listen", problem)
    base_url = web_t.text("base_url")
    if base_url is not None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
            problems.add("web.base_url", f"{base_url!r} is not an http(s):// address")
        base_url = base_url.rstrip("/")
    proxies = web_t.strings("trusted_proxies")
    for index, proxy in enumerate(proxies):
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            problems.add(f"web.trusted_proxies[{index}]", f"{proxy!r} is not an IP or network")
    header = web_t.text("trusted_header")
    if header is not None and not _HEADER.match(header):
        problems.add("web.trusted_header", f"{header!r} is not a header name")
    if header is not None and not proxies:
        problems.add(
            "web.trusted_header",
            "needs web.trusted_proxies: the header is believed only from those addresses",
        )
    web = Web(
        enabled=web_t.flag("enabled", False),
        listen=listen,
        base_url=base_url or None,
        trusted_proxies=tuple(proxies),
        trusted_header=header or None,
        secret=web_t.secret("secret", base, required=False),
        proxy_secret=web_t.secret("proxy_secret", base, required=False),
        session_hours=web_t.number("session_hours", 12.0, minimum=0.1),
        login_attempts=web_t.integer("login_attempts", 5, minimum=1),
    )
    web_t.done()
    return web


def client_slug(name: str) -> str:
    """A client's stable address in the dashboard: "Acme Logistics" → ``acme-logistics``.

    Made from the configured name alone, so links in emails stay valid across restarts."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "client"


def check_slugs(clients: Sequence[Client], problems: Problems) -> None:
    """Two clients whose names make the same dashboard address would share one page."""
    seen: dict[str, str] = {}
    for index, client in enumerate(clients):
        slug = client_slug(client.name)
        if slug in seen:
            problems.add(
                f"clients[{index}].name",
                f"{client.name!r} has the same dashboard address (/clients/{slug}) as "
                f"{seen[slug]!r}; make the names differ in more than punctuation or case",
            )
        seen.setdefault(slug, client.name)
