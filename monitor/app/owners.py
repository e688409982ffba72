"""Owners as people: a client's ``owner`` may be a member's address or one of their aliases,
and one person gets one digest a day and one weekly report a week, about all their clients."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # `relmon --help` loads this module, and not the configuration's
    from monitor.config import Client, Config


def person(config: Config, owner: str) -> str:
    """The address ``owner`` is one person by: a member's own address for any of theirs."""
    member = config.member(owner)
    return member.address if member is not None else owner


def addresses(config: Config, owner: str) -> tuple[str, ...]:
    """Every address the person ``owner`` is may own alerts and replies under."""
    member = config.member(owner)
    return (member.address, *member.aliases) if member is not None else (owner,)


def people(config: Config) -> list[str]:
    """The configured clients' owners, one address a person, sorted."""
    return sorted({person(config, c.owner) for c in config.clients})


def clients_of(config: Config, owner: str) -> list[Client]:
    """The clients the person ``owner`` owns, under any of their addresses."""
    mine = person(config, owner)
    return [c for c in config.clients if person(config, c.owner) == mine]
