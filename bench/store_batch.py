"""Time one ``save_items`` batch of 500 new messages on SQLite and on PostgreSQL, median of 5.

    python bench/store_batch.py [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]

Also times a batch holding one row PostgreSQL refuses (the store's own guard bypassed), which
is retried row by row in savepoints: the price of keeping a poison message's neighbours.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from monitor.config import Privacy
from monitor.core.model import Mailbox, Message
from monitor.core.text import TextAnalyzer
from monitor.sources.pipeline import from_raw
from monitor.store import Store
from monitor.store import messages as store_messages
from monitor.store.messages import Item, save_items
from tests.factories import email, team_config

NOW = datetime(2026, 6, 20, tzinfo=UTC)
BATCH = 500


def batch(analyzer: TextAnalyzer, tag: str) -> list[Item]:
    template = from_raw(email(), analyzer=analyzer, privacy=Privacy())
    assert isinstance(template, Message)
    return [
        Item(f"{tag}:{n}", replace(template, key=f"{tag}-{n}@acme.example", message_id=None))
        for n in range(BATCH)
    ]


def poisoned(items: list[Item]) -> list[Item]:
    bad = replace(
        items[0].result,  # type: ignore[arg-type]
        key="poison@acme.example",
        sender=Mailbox("a" * 330 + "@acme-logistics.example"),
    )
    return [*items[:250], Item("poison", bad), *items[250:]]


def timed(url: str, analyzer: TextAnalyzer, *, poison: bool) -> float:
    store = Store.open(url)
    directory = team_config().directory()
    samples = []
    try:
        for run in range(5):
            items = batch(analyzer, f"r{run}")
            if poison:
                items = poisoned(items)
            started = time.perf_counter()
            with store.engine.begin() as connection:
                save_items(
                    connection,
                    account="bench",
                    folder="INBOX",
                    items=items,
                    directory=directory,
                    now=NOW,
                )
            samples.append(time.perf_counter() - started)
    finally:
        store.close()
    return statistics.median(samples)


def pg_schema(base: str) -> tuple[str, sa.Engine, str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", admin, schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    analyzer = TextAnalyzer.load()
    with tempfile.TemporaryDirectory() as tmp:
        lite = timed(f"sqlite:///{Path(tmp) / 'bench.db'}", analyzer, poison=False)
    print(f"sqlite      {BATCH} new messages: {lite * 1000:8.1f} ms per batch (median of 5)")
    for poison in (False, True):
        if poison and not hasattr(store_messages, "row_problem"):
            continue  # before the guard: a refused row loses the whole batch
        if poison:
            store_messages.row_problem = lambda table, row: None  # type: ignore[attr-defined]
        url, admin, schema = pg_schema(args.postgres)
        try:
            seconds = timed(url, analyzer, poison=poison)
        finally:
            with admin.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        what = "+1 refused row, retried row by row" if poison else "new messages"
        print(f"postgresql  {BATCH} {what}: {seconds * 1000:8.1f} ms per batch (median of 5)")


if __name__ == "__main__":
    main()
