"""``[team]`` and its ``[[team.members]]``: who is us; and ``[matching]``: free-mail domains."""

from __future__ import annotations

from collections.abc import Sequence

from monitor.clock import zone
from monitor.config.calendars import check_holidays, check_hours, check_zone
from monitor.config.model import Account, Member, Team
from monitor.config.reading import Problems, Table, each, one_address
from monitor.core.addresses import FREEMAIL_DOMAINS, normalise_address, normalise_domain
from monitor.core.calendar import parse_working_hours

DEFAULT_WORKING_HOURS = "Mon-Fri 09:00-17:30"
#: What a member sees in the dashboard: a consultant, the clients they own; a lead, every client.
ROLES = ("consultant", "lead")


def parse_freemail(root: Table, problems: Problems) -> set[str]:
    """The built-in free-mail domains and ``matching.freemail_domains``."""
    matching = root.table("matching")
    freemail = set(FREEMAIL_DOMAINS)
    freemail.update(
        each(
            matching.strings("freemail_domains"),
            "matching.freemail_domains",
            normalise_domain,
            problems,
        )
    )
    matching.done()
    return freemail


def parse_team(root: Table, freemail: set[str], problems: Problems) -> Team:
    team_t = root.table("team")
    if not root.has("team"):
        problems.add("team", "is required: the [team] table names your domains and consultants")
    domains = each(team_t.strings("domains"), "team.domains", normalise_domain, problems)
    for index, domain in enumerate(domains):
        if domain in freemail:
            problems.add(
                f"team.domains[{index}]",
                f"{domain!r} is a free-mail domain; list your personal addresses in team.addresses instead",
            )
    addresses = each(team_t.strings("addresses"), "team.addresses", normalise_address, problems)
    lists = each(team_t.strings("lists"), "team.lists", normalise_address, problems)
    timezone = team_t.text("timezone", "UTC")
    tz = check_zone(timezone, "team.timezone", problems)
    if timezone is None or tz is None:
        timezone, tz = "UTC", zone("UTC")
    raw_hours = team_t.raw("working_hours")
    hours = check_hours(
        DEFAULT_WORKING_HOURS if raw_hours is None else raw_hours, "team.working_hours", problems
    )
    holidays = check_holidays(team_t.text("holidays"), "team.holidays", problems)
    trusted = each(
        team_t.strings("trusted_authserv_ids"),
        "team.trusted_authserv_ids",
        _authserv_id,
        problems,
    )
    members = [_parse_member(member_t, problems) for member_t in team_t.tables("members")]
    _one_person_each(members, problems)
    team = Team(
        name=team_t.text("name", "Our team") or "Our team",
        domains=tuple(domains),
        addresses=tuple(addresses),
        members=tuple(members),
        timezone=timezone,
        tz=tz,
        working_hours=hours or parse_working_hours([DEFAULT_WORKING_HOURS]),
        holidays=holidays,
        trusted_authserv_ids=tuple(dict.fromkeys(trusted)),
        lists=tuple(lists),
    )
    team_t.done()
    if not domains and not addresses and not members:
        problems.add(
            "team", "name at least one of team.domains, team.addresses or [[team.members]]"
        )
    return team


def _authserv_id(value: str) -> str:
    """The authserv-id a receiving server writes first in Authentication-Results: its host
    name (``mx.google.com``, ``mx.northwind-advisory.example``)."""
    try:
        return normalise_domain(value)
    except ValueError as err:
        raise ValueError(
            f"{value!r} is not an authserv-id: the host name your receiving server writes first "
            "in Authentication-Results"
        ) from err


def _parse_member(member_t: Table, problems: Problems) -> Member:
    address = one_address(member_t, "address", required=True)
    aliases = each(
        member_t.strings("aliases"), f"{member_t.where}.aliases", normalise_address, problems
    )
    timezone = member_t.text("timezone")
    tz = check_zone(timezone, f"{member_t.where}.timezone", problems)
    role = member_t.text("role", "consultant") or "consultant"
    if role not in ROLES:
        problems.add(f"{member_t.where}.role", f"{role!r}: use one of {', '.join(ROLES)}")
    member = Member(
        name=member_t.text("name", address or "") or "",
        address=address or "",
        aliases=tuple(aliases),
        timezone=timezone if tz is not None else None,
        tz=tz,
        role=role if role in ROLES else "consultant",
    )
    member_t.done()
    return member


def _one_person_each(members: Sequence[Member], problems: Problems) -> None:
    """An address (or alias) names one member: the same person listed twice would get two
    digests and two weekly reports, each of part of their clients."""
    first: dict[str, int] = {}
    for index, member in enumerate(members):
        for address in dict.fromkeys((member.address, *member.aliases)):
            if address and first.setdefault(address, index) != index:
                problems.add(
                    f"team.members[{index}]",
                    f"{address} is already team.members[{first[address]}]'s address or alias: "
                    "list one person once, with their other addresses as aliases",
                )


def is_us(address: str, team: Team, accounts: Sequence[Account]) -> bool:
    """Whether ``address`` is one of ours: a team address, member, alias, mailbox or domain."""
    domain = address.rpartition("@")[2]
    return (
        address in team.addresses
        or any(address == m.address or address in m.aliases for m in team.members)
        or any(address == a.address for a in accounts)
        or any(domain == d or domain.endswith("." + d) for d in team.domains)
    )
