"""``[[webhooks]]``: signed HTTP POSTs of alerts, digests and operator notifications."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from monitor.config.model import Webhook
from monitor.config.reading import Problems, Table

_WEBHOOK_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def parse_webhooks(root: Table, base: Path | None, problems: Problems) -> tuple[Webhook, ...]:
    found: list[Webhook] = []
    for table in root.tables("webhooks"):
        name = table.text("name", required=True) or ""
        if name and not _WEBHOOK_NAME.match(name):
            problems.add(f"{table.where}.name", f"{name!r}: use a-z, 0-9, - and _ (up to 40)")
        elif name in {hook.name for hook in found}:
            problems.add(f"{table.where}.name", f"a second webhook named {name!r}")
        url = table.text("url", required=True) or ""
        parts = urlsplit(url)
        local = parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS
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
