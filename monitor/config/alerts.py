"""``[alerts]`` (who hears about alerts, when) and ``[smtp]`` (how alert emails leave)."""

from __future__ import annotations

import re
from pathlib import Path

from monitor.config.imap import IMAP_SECURITY
from monitor.config.model import Alerts, Smtp
from monitor.config.reading import Problems, Table, choice, each, file_path, one_address
from monitor.core.addresses import normalise_address

_QUIET = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
FIRST_RUN = ("summary", "alerts")
_SMTP_PORTS = {"tls": 465, "starttls": 587, "plain": 25}


def parse_alerts(table: Table, smtp_t: Table, base: Path | None, problems: Problems) -> Alerts:
    sender = one_address(table, "from")
    operator = each(
        table.strings("operator"), f"{table.where}.operator", normalise_address, problems
    )
    copy_to = each(table.strings("copy_to"), f"{table.where}.copy_to", normalise_address, problems)
    quiet = _quiet_hours(table, problems)
    digest_hour = table.integer("digest_hour", 8, minimum=0)
    if digest_hour > 23:
        problems.add(
            f"{table.where}.digest_hour", f"must be an hour of the day (0-23), got {digest_hour}"
        )
        digest_hour = 8
    smtp: Smtp | None = None
    if smtp_t.data:
        smtp = _parse_smtp(smtp_t, base, problems)
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
        dry_run=_dry_run(table),
        first_run=choice(table, "first_run", FIRST_RUN, "summary"),
    )
    table.done()
    return alerts


def _dry_run(table: Table) -> bool | None:
    """``dry_run = true | false | "first-day"`` (the default)."""
    raw = table.raw("dry_run")
    if raw is None or raw == "first-day":
        return None
    if isinstance(raw, bool):
        return raw
    table.problems.add(f"{table.where}.dry_run", f'{raw!r} is not one of true, false, "first-day"')
    return None


def _quiet_hours(table: Table, problems: Problems) -> tuple[int, int] | None:
    """``quiet_hours = "20:00-07:00"`` as (start, end) minutes of local time."""
    raw_quiet = table.text("quiet_hours")
    if not raw_quiet:
        return None
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
        return None
    return (
        int(match.group(1)) * 60 + int(match.group(2)),
        int(match.group(3)) * 60 + int(match.group(4)),
    )


def _parse_smtp(smtp_t: Table, base: Path | None, problems: Problems) -> Smtp:
    host = smtp_t.text("host", required=True) or ""
    security = choice(smtp_t, "security", IMAP_SECURITY, "starttls")
    port = smtp_t.integer("port", _SMTP_PORTS[security], minimum=1)
    username = smtp_t.text("username")
    insecure = smtp_t.flag("insecure", False)
    if security == "plain" and username and not insecure:
        problems.add(
            f"{smtp_t.where}.security",
            "plaintext SMTP sends the password unencrypted; use tls or starttls, "
            "or set insecure = true to allow it",
        )
    password = smtp_t.secret("password", base, required=bool(username))
    return Smtp(
        host=host,
        port=port,
        security=security,
        username=username,
        password=password,
        ca_file=file_path(smtp_t, "ca_file", base),
        timeout_seconds=smtp_t.number("timeout_seconds", 30.0, minimum=1.0),
    )
