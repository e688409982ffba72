"""``[[clients]]``: each client's domains and addresses, owner, calendar and thresholds.

A domain or address belongs to one client only and never to us; a free-mail domain would match
strangers, so it is refused as a client domain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from monitor.config.calendars import check_holidays, check_hours, check_zone
from monitor.config.model import Account, Client, Team
from monitor.config.reading import Problems, Table, each, one_address
from monitor.config.team import is_us
from monitor.config.thresholds import parse_thresholds
from monitor.core.addresses import normalise_address, normalise_domain
from monitor.core.detectors import Thresholds


@dataclass
class _Claims:
    """What the clients read so far have claimed: names, domains and addresses (to their label)."""

    team: Team
    accounts: Sequence[Account]
    freemail: set[str]
    names: set[str] = field(default_factory=set)
    domains: dict[str, str] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)


def parse_clients(
    root: Table,
    team: Team,
    accounts: Sequence[Account],
    freemail: set[str],
    defaults: Thresholds,
    problems: Problems,
) -> list[Client]:
    claims = _Claims(team=team, accounts=accounts, freemail=freemail)
    return [
        _parse_client(client_t, claims, defaults, problems) for client_t in root.tables("clients")
    ]


def _parse_client(
    client_t: Table, claims: _Claims, defaults: Thresholds, problems: Problems
) -> Client:
    where = client_t.where
    name = (client_t.text("name", required=True) or "").strip()
    if name and name.casefold() in claims.names:
        problems.add(f"{where}.name", f"client {name!r} is configured twice")
    claims.names.add(name.casefold())
    label = name or where
    domains = _domains(client_t, label, claims, problems)
    addresses = _addresses(client_t, label, claims, problems)
    if not domains and not addresses:
        problems.add(where, f"client {label!r} needs at least one domain or address")
    owner = one_address(client_t, "owner", required=True) or ""
    if owner and not is_us(owner, claims.team, claims.accounts):
        problems.add(
            f"{where}.owner",
            f"{owner!r} is not a team address (add it to [[team.members]], team.addresses or team.domains)",
        )
    timezone = client_t.text("timezone")
    tz = check_zone(timezone, f"{where}.timezone", problems)
    hours = check_hours(client_t.raw("working_hours"), f"{where}.working_hours", problems)
    holidays = check_holidays(client_t.text("holidays"), f"{where}.holidays", problems)
    cadence_days = client_t.number("cadence_days", 0.0, minimum=0.5) or None
    thresholds = _thresholds(client_t, defaults, problems)
    client = Client(
        name=name,
        domains=tuple(domains),
        addresses=tuple(addresses),
        owner=owner,
        timezone=timezone if tz is not None else None,
        tz=tz,
        working_hours=hours,
        holidays=holidays,
        cadence_days=cadence_days,
        thresholds=thresholds,
    )
    client_t.done()
    return client


def _domains(client_t: Table, label: str, claims: _Claims, problems: Problems) -> list[str]:
    where = client_t.where
    domains = each(client_t.strings("domains"), f"{where}.domains", normalise_domain, problems)
    for index, domain in enumerate(domains):
        key = f"{where}.domains[{index}]"
        if domain in claims.freemail:
            problems.add(
                key,
                f"{domain!r} is a free-mail domain and would match strangers; "
                "list this client's people in addresses instead",
            )
        elif domain in claims.domains:
            problems.add(
                key, f"{domain!r} is already a domain of client {claims.domains[domain]!r}"
            )
        elif any(domain == d or domain.endswith("." + d) for d in claims.team.domains):
            problems.add(key, f"{domain!r} is one of our own team domains")
        claims.domains.setdefault(domain, label)
    return domains


def _addresses(client_t: Table, label: str, claims: _Claims, problems: Problems) -> list[str]:
    where = client_t.where
    addresses = each(
        client_t.strings("addresses"), f"{where}.addresses", normalise_address, problems
    )
    for index, address in enumerate(addresses):
        key = f"{where}.addresses[{index}]"
        if address in claims.addresses:
            problems.add(
                key, f"{address!r} is already an address of client {claims.addresses[address]!r}"
            )
        elif is_us(address, claims.team, claims.accounts):
            problems.add(key, f"{address!r} is one of our own team addresses")
        claims.addresses.setdefault(address, label)
    return addresses


def _thresholds(client_t: Table, defaults: Thresholds, problems: Problems) -> Thresholds:
    thresholds_t = client_t.table("thresholds")
    thresholds = parse_thresholds(thresholds_t, defaults, problems)
    checkin = client_t.number("checkin_days", 0.0, minimum=1.0)
    if checkin:
        # A client's own check-in interval; critical at twice it unless set explicitly.
        critical = (
            thresholds.checkin_critical_days
            if thresholds_t.has("checkin_critical_days")
            else 2 * checkin
        )
        thresholds = replace(
            thresholds,
            checkin_warning_days=checkin,
            checkin_critical_days=max(critical, checkin),
        )
    return thresholds
