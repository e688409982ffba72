"""Answers to the CLI's questions as plain data: the same dicts feed tables and ``--json``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from monitor.core.contact import ContactSummary, summarise
from monitor.core.records import Record
from monitor.runtime import Runtime
from monitor.store.queries import load_records, suggest_clients


def _message(record: Record | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {"key": record.key, "date": record.date, "from": record.sender, "subject": record.subject}


def waiting_on(summary: ContactSummary) -> str | None:
    """Who owes the next message: ``"us"`` when a client message waits for our reply."""
    if summary.awaiting:
        return "us"
    last_in, last_out = summary.last_inbound, summary.last_outbound
    if last_out is not None and (last_in is None or last_out.date > last_in.date):
        return "client"
    return None


def client_overview(runtime: Runtime, as_of: datetime) -> list[dict[str, Any]]:
    """Per configured client: counts, last messages each way, messages awaiting our reply."""
    records = load_records(runtime.store.engine, as_of=as_of)
    by_client: dict[str, list[Record]] = {}
    for record in records:
        if record.client is not None:
            by_client.setdefault(record.client, []).append(record)
    rows = []
    for client in runtime.config.clients:
        summary = summarise(client.name, by_client.get(client.name, []), as_of)
        rows.append(
            {
                "name": client.name,
                "owner": client.owner,
                "domains": list(client.domains),
                "addresses": list(client.addresses),
                "inbound": summary.inbound,
                "outbound": summary.outbound,
                "noise": summary.noise,
                "last_inbound": _message(summary.last_inbound),
                "last_outbound": _message(summary.last_outbound),
                "waiting_on": waiting_on(summary),
                "awaiting": [
                    {**(_message(a.record) or {}), "age_seconds": round(a.age.total_seconds())}
                    for a in summary.awaiting
                ],
            }
        )
    return rows


def suggestions(runtime: Runtime, as_of: datetime, limit: int) -> list[dict[str, Any]]:
    found = suggest_clients(runtime.store.engine, runtime.directory, as_of=as_of, limit=limit)
    return [
        {
            "name": c.name,
            "kind": c.kind,
            "inbound": c.inbound,
            "outbound": c.outbound,
            "two_way": c.two_way,
            "people": sorted(c.people),
            "first": c.first,
            "last": c.last,
        }
        for c in found
    ]
