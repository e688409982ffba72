"""Shared pieces of the IMAP tests: a relmon runtime pointed at a test Dovecot, store snapshots,
and a counter of the IMAP commands relmon sends."""

from __future__ import annotations

import imaplib
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from monitor.app.runtime import Runtime
from monitor.config import Account
from monitor.store.schema import folder_state, messages, quarantine, sightings
from tests.factories import ALICE, BEN, DANA, RAJ, email, team_config
from tests.servers.dovecot import Dovecot

NOW = datetime(2026, 6, 20, 12, 0, tzinfo=UTC)


def open_runtime(
    server: Dovecot,
    store_url: str,
    *,
    account_extra: str = "",
    extra: str = "",
    analyzer: Any = None,
    **toml: Any,
) -> tuple[Runtime, Account]:
    config = team_config(store_url, extra=server.account_toml(extra=account_extra, **toml) + extra)
    runtime = Runtime.open(config, analyzer=analyzer)
    account = config.accounts[0]
    return runtime, account


def client_mail(
    count: int, *, start: int = 0, attachment_every: int = 0, prefix: str = "thread"
) -> list[bytes]:
    """Dana (Acme) writing to Alice: a realistic mix of plain, HTML and attachment mail."""
    found = []
    topics = [
        "warehouse rollout",
        "Q3 roadmap",
        "carrier contract",
        "invoice 2231",
        "pilot site visit",
    ]
    for number in range(start, start + count):
        topic = topics[number % len(topics)]
        found.append(
            email(
                frm=DANA if number % 4 else RAJ,
                to=ALICE,
                cc=[BEN] if number % 5 == 0 else None,
                subject=f"{topic.capitalize()} — update {number}",
                body=(
                    f"Hi Alice,\n\nQuick update on the {topic}: the team finished step {number}. "
                    "Could you confirm the next milestone by Friday? We are a little worried about the timeline.\n\n"
                    "Thanks,\nDana"
                ),
                html=f"<p>Hi Alice,</p><p>Update {number} on the {topic}.</p>"
                if number % 3 == 0
                else None,
                attachment=(b"%PDF-1.4 " + bytes(range(256)) * 400)
                if attachment_every and number % attachment_every == 0
                else None,
                date=datetime(2026, 6, 1, 9, 0, tzinfo=UTC) + timedelta(hours=number),
                message_id=f"{prefix}-{number}@acme-logistics.example",
            )
        )
    return found


def our_replies(count: int, *, start: int = 0, prefix: str = "thread") -> list[bytes]:
    return [
        email(
            frm=ALICE,
            to=DANA,
            subject=f"Re: update {number}",
            body="Hi Dana,\n\nConfirmed, we are on track for Friday.\n\nBest,\nAlice",
            date=datetime(2026, 6, 1, 10, 0, tzinfo=UTC) + timedelta(hours=number),
            message_id=f"reply-{number}@northwind-advisory.example",
            in_reply_to=f"{prefix}-{number}@acme-logistics.example",
        )
        for number in range(start, start + count)
    ]


def snapshot(runtime: Runtime) -> dict[str, Any]:
    """What a sync leaves in the store, without ids and times that legitimately differ."""
    with runtime.store.engine.connect() as connection:
        keys = sorted(connection.execute(sa.select(messages.c.key)).scalars())
        rows = connection.execute(
            sa.select(
                messages.c.key,
                sightings.c.account,
                sightings.c.folder,
                sightings.c.location,
                sightings.c.expunged_at.is_(None),
            ).join(messages, messages.c.id == sightings.c.message)
        ).all()
        states = connection.execute(
            sa.select(
                folder_state.c.account,
                folder_state.c.folder,
                folder_state.c.uidvalidity,
                folder_state.c.last_uid,
                folder_state.c.highestmodseq,
                folder_state.c.exists_count,
            )
        ).all()
        held = connection.execute(
            sa.select(quarantine.c.folder, quarantine.c.location, quarantine.c.reason)
        ).all()
    return {
        "messages": keys,
        "sightings": sorted(tuple(r) for r in rows),
        "folder_state": sorted(tuple(r) for r in states),
        "quarantine": sorted(tuple(r) for r in held),
    }


def stored_messages(runtime: Runtime) -> list[sa.Row[Any]]:
    with runtime.store.engine.connect() as connection:
        return list(connection.execute(sa.select(messages).order_by(messages.c.message_id)))


def places(runtime: Runtime, folder: str | None = None) -> list[sa.Row[Any]]:
    query = sa.select(sightings, messages.c.message_id).join(
        messages, messages.c.id == sightings.c.message
    )
    if folder is not None:
        query = query.where(sightings.c.folder == folder)
    with runtime.store.engine.connect() as connection:
        return list(connection.execute(query.order_by(sightings.c.folder, sightings.c.location)))


_TAGGED = re.compile(rb"^[A-Z]+\d+ (?:UID )?([A-Za-z]+)")


@contextmanager
def imap_commands() -> Iterator[Counter[str]]:
    """Count the IMAP commands relmon sends while the block runs, by name (``UID FETCH``
    counts as ``FETCH``), as they go out on the wire."""
    counted: Counter[str] = Counter()
    original = imaplib.IMAP4.send

    def counting(self: imaplib.IMAP4, data: bytes) -> None:
        match = _TAGGED.match(data)
        if match:
            counted[match.group(1).decode().upper()] += 1
        original(self, data)

    imaplib.IMAP4.send = counting  # type: ignore[method-assign]
    try:
        yield counted
    finally:
        imaplib.IMAP4.send = original  # type: ignore[method-assign]
