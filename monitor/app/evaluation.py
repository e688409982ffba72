"""Evaluating clients: configuration and stored records in, the core's reports out.

This is the thin shell around :mod:`monitor.core.analysis`: it builds each client's context
(calendars, thresholds) from the configuration and its history from the store, then asks the
pure core. The CLI, the daemon and the backtest all come through here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from monitor.app.runtime import Runtime
from monitor.config import Client, Config
from monitor.core.addresses import Directory, PartyKind
from monitor.core.calendar import NO_HOLIDAYS, BusinessCalendar, Interval
from monitor.core.history import HISTORY_DAYS, Before, ClientContext, ClientHistory
from monitor.core.records import Record
from monitor.store.alerting import away_replies
from monitor.store.db import reading
from monitor.store.records import load_before, load_records

if TYPE_CHECKING:
    import sqlalchemy as sa

    from monitor.core.analysis import ClientReport

#: Up to this many clients are looked up by name (kept answers, indexes); more read every row.
FEW_CLIENTS = 20
#: Up to this share of them (one in three) read their own kept rows, not every client's.
SOME_CLIENTS = 3


def team_calendar(config: Config) -> BusinessCalendar:
    team = config.team
    return BusinessCalendar(team.tz, team.working_hours, team.holidays or NO_HOLIDAYS)


def client_calendar(config: Config, client: Client) -> BusinessCalendar:
    """The client's own calendar where configured; the team's where not."""
    team = team_calendar(config)
    return BusinessCalendar(
        client.tz if client.tz is not None else team.zone,
        client.working_hours or team.hours,
        client.holidays or (team.holidays if not client.timezone else NO_HOLIDAYS),
    )


def _shared(
    calendar: BusinessCalendar, known: dict[BusinessCalendar, BusinessCalendar]
) -> BusinessCalendar:
    """One calendar object per distinct calendar: each keeps its working days and answers, so
    clients that share a calendar work them out once."""
    return known.setdefault(calendar, calendar)


def context(
    config: Config,
    directory: Directory,
    client: Client,
    calendars: dict[BusinessCalendar, BusinessCalendar] | None = None,
) -> ClientContext:
    name = client.name
    known = calendars if calendars is not None else {}

    def is_client_address(address: str) -> bool:
        party = directory.party(address)
        return party.kind is PartyKind.CLIENT and party.client == name

    return ClientContext(
        name=name,
        owner=client.owner,
        ours=_shared(team_calendar(config), known),
        theirs=_shared(client_calendar(config, client), known),
        thresholds=client.thresholds,
        cadence_days=client.cadence_days,
        is_client_address=is_client_address,
        owner_zone=config.owner_tz(client.owner),
    )


def owner_away(runtime: Runtime, as_of: datetime) -> dict[str, list[Interval]]:
    """Away periods per team address, from our own out-of-office replies that state a return date."""
    config = runtime.config
    aliases: dict[str, str] = {}
    for member in config.team.members:
        aliases[member.address] = member.address
        for alias in member.aliases:
            aliases[alias] = member.address
    tz = config.team.tz
    found: dict[str, list[Interval]] = {}
    for sender, sent, until in away_replies(runtime.store.engine, as_of):
        if not runtime.directory.is_us(sender):
            continue
        back = datetime.combine(until, time(0), tzinfo=tz)
        if back > sent:
            found.setdefault(aliases.get(sender, sender), []).append((sent, back))
    return found


@dataclass
class Evaluation:
    """Every configured client's history, ready to be analysed at any instant up to ``as_of``."""

    histories: dict[str, ClientHistory]
    as_of: datetime

    def report(self, client: str, now: datetime | None = None) -> ClientReport:
        from monitor.core.analysis import analyse  # not for an answer read back (kept.py)

        return analyse(self.histories[client], now or self.as_of)


def recent(as_of: datetime, trend_days: int = 1) -> datetime:
    """From when a question about ``as_of`` and the ``trend_days`` days before it (its trend)
    needs each client's records: every window those instants read (two days' slack for the
    time zones of the trend's midnights)."""
    return as_of - timedelta(days=HISTORY_DAYS + trend_days + 2)


def prepare(
    runtime: Runtime,
    as_of: datetime,
    *,
    clients: Sequence[Client] | None = None,
    records: Sequence[Record] | None = None,
    since: datetime | None = None,
    latest: int = 0,
    away: Mapping[str, list[Interval]] | None = None,
) -> Evaluation:
    """Load the records once and build each client's history.

    ``since``: only the records from then on, and of the older ones only what an evaluation
    reads of them (:class:`~monitor.core.history.Before`), for a question about instants from
    ``since`` + :data:`~monitor.core.history.HISTORY_DAYS` on (:func:`recent`), and the
    ``latest`` newest of the older ones (a client's timeline); without it, every record, for
    instants as early as the first message (a backtest, the dashboard's weeks, the counts of
    ``relmon clients``). ``away``: the team's away periods (:func:`owner_away`), when the caller
    prepares several batches at one instant."""
    config = runtime.config
    chosen = list(clients) if clients is not None else list(config.clients)
    engine, directory = runtime.store.engine, runtime.directory
    away = away if away is not None else owner_away(runtime, as_of)
    befores: dict[str, Before] = {}
    if records is not None:
        loaded = list(records)
        since = None
    else:
        with reading(engine) as connection:  # one connection for every client's reads
            loaded = _load(connection, runtime, chosen, as_of, since)
            if since is not None:
                befores = {
                    client.name: load_before(
                        connection,
                        client=client.name,
                        since=since,
                        latest=latest,
                        directory=directory,
                    )
                    for client in chosen
                }
    by_client: dict[str, list[Record]] = {c.name: [] for c in chosen}
    for record in loaded:
        if record.client in by_client:
            by_client[record.client].append(record)
    histories = {}
    calendars: dict[BusinessCalendar, BusinessCalendar] = {}
    for client in chosen:
        histories[client.name] = ClientHistory.build(
            context(config, runtime.directory, client, calendars),
            by_client[client.name],
            owner_away=away.get(client.owner, ()),
            before=befores.get(client.name),
        )
    return Evaluation(histories=histories, as_of=as_of)


def _load(
    connection: sa.Connection,
    runtime: Runtime,
    chosen: Sequence[Client],
    as_of: datetime,
    since: datetime | None,
) -> list[Record]:
    directory = runtime.directory
    if len(chosen) == len(runtime.config.clients):
        return load_records(connection, as_of=as_of, directory=directory, since=since)
    # Some clients (a question about a few, a pass over those that changed, a batch of a
    # larger computation) read their records only, from the (client, date) index.
    loaded: list[Record] = []
    for client in chosen:
        loaded += load_records(
            connection, as_of=as_of, client=client.name, directory=directory, since=since
        )
    return loaded


#: A pass (or a question computing many clients) reads and analyses about this many clients at a
#: time, so its memory is bounded by the clients, not by the size of the store.
BATCH = 50


def batches(clients: Sequence[Client], size: int = BATCH) -> Iterator[list[Client]]:
    """``clients`` in batches of about ``size``, an owner's clients never split (a first
    evaluation sends each owner one summary of them)."""
    by_owner: dict[str, list[Client]] = {}
    for client in clients:
        by_owner.setdefault(client.owner, []).append(client)
    batch: list[Client] = []
    for owned in by_owner.values():
        if batch and len(batch) + len(owned) > size:
            yield batch
            batch = []
        batch += owned
    if batch:
        yield batch


def in_batches(
    runtime: Runtime,
    as_of: datetime,
    clients: Sequence[Client] | None = None,
    *,
    since: datetime | None = None,
) -> Iterator[Evaluation]:
    """``clients`` (every configured client by default) prepared a batch at a time: what a
    question about all of them holds in memory is one batch's records, not the store's."""
    away = owner_away(runtime, as_of)  # read once: every batch's owners' away periods
    for batch in batches(clients if clients is not None else runtime.config.clients, BATCH):
        yield prepare(runtime, as_of, clients=batch, since=since, away=away)


def sparkline_days(as_of: datetime, config: Config, count: int = 30) -> list[datetime]:
    from monitor.core.analysis import day_ends

    return day_ends(as_of, count, config.team.tz)


__all__ = [
    "BATCH",
    "Evaluation",
    "batches",
    "in_batches",
    "prepare",
    "recent",
    "sparkline_days",
]
