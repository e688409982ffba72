"""An exclusion added to the privacy settings removes the mail it covers that was stored before:
"never stored" holds for mail read before the rule too."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from monitor.config import Privacy
from monitor.core.model import Message
from monitor.sources.pipeline import from_raw
from monitor.store import Store
from monitor.store.exclusions import follow_exclusions
from monitor.store.kept_tables import kept_answers
from monitor.store.messages import Item, save_items
from monitor.store.schema import messages, sightings
from tests.factories import DANA, JANA, RAJ, email, team_config

NOW = datetime(2026, 6, 20, 9, 0, tzinfo=UTC)
DOCTOR = "Dr Ines Kahl <praxis@kahl-medizin.example>"
ALICE = "alice.marsh@northwind-advisory.example"


def _store(store: Store, analyzer, folder: str, *mails: tuple[str, str, str]):  # type: ignore[no-untyped-def]
    """The mails stored at ``folder`` by a process without exclusions of its own."""
    with store.engine.begin() as connection:
        return _save_in(connection, analyzer, folder, *mails)


def _save_in(connection, analyzer, folder: str, *mails: tuple[str, str, str]):  # type: ignore[no-untyped-def]
    items = []
    for ident, frm, subject in mails:
        raw = email(frm=frm, subject=subject, message_id=ident, date=NOW)
        message = from_raw(raw, analyzer=analyzer, privacy=Privacy())
        assert isinstance(message, Message)
        items.append(Item(f"{folder}/{ident}", message))
    return save_items(
        connection,
        account="alice",
        folder=folder,
        items=items,
        directory=team_config().directory(),
        now=NOW,
    )


def _left(store: Store) -> dict[str, list[str]]:
    with store.engine.connect() as connection:
        rows = connection.execute(
            sa.select(messages.c.key, sightings.c.folder).join(
                sightings, sightings.c.message == messages.c.id
            )
        ).all()
    found: dict[str, list[str]] = {}
    for key, folder in rows:
        found.setdefault(key, []).append(folder)
    return {key: sorted(folders) for key, folders in found.items()}


def test_mail_stored_before_an_exclusion_covered_it_is_removed_when_it_does(
    store: Store, analyzer
) -> None:
    _store(
        store,
        analyzer,
        "INBOX",
        ("roadmap@acme-logistics.example", DANA, "Q3 roadmap review"),
        ("results@kahl-medizin.example", DOCTOR, "Ihre Befunde"),
        ("march@acme-logistics.example", RAJ, "Payslip March"),
        ("order@falkenberg.example", JANA, "Bestellung 4471"),
    )
    _store(store, analyzer, "HR/Reviews", ("order@falkenberg.example", JANA, "Bestellung 4471"))
    _store(store, analyzer, "HR/Reviews", ("review@acme-logistics.example", DANA, "Your review"))
    with store.engine.begin() as connection:
        connection.execute(
            sa.insert(kept_answers).values(
                view="client/40", client="Acme Logistics", at=NOW, fingerprint="f", body="{}"
            )
        )
    before = Privacy()
    assert follow_exclusions(store.engine, before) is None  # nothing excluded: nothing to do

    after = replace(
        before,
        exclude_addresses=("*@kahl-medizin.example",),
        exclude_subjects=(r"(?i)\bpayslip\b",),
        exclude_folders=("HR/*",),
    )
    removed = follow_exclusions(store.engine, after)
    again = follow_exclusions(store.engine, after)

    assert removed == 3 and again is None
    assert _left(store) == {
        "roadmap@acme-logistics.example": ["INBOX"],
        "order@falkenberg.example": ["INBOX"],  # also seen in INBOX: only the HR place goes
    }
    with store.engine.connect() as connection:
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(kept_answers)).scalar() == 0
        )


def test_a_graph_folder_excluded_by_its_bare_name_goes_as_its_sync_leaves_it_out(
    store: Store, analyzer
) -> None:
    """Graph places are named "mailbox/folder"; its sync excludes a folder by either name,
    so "Private" covers alice@…/Private. An IMAP folder "Clients/Private" is not "Private"."""
    graph_place = "alice.marsh@northwind-advisory.example/Private"
    with store.engine.begin() as connection:
        for account, folder, ident in (
            ("alice-365", graph_place, "a@acme-logistics.example"),
            ("alice-imap", "Clients/Private", "b@acme-logistics.example"),
        ):
            raw = email(frm=DANA, subject="Q3 roadmap review", message_id=ident, date=NOW)
            message = from_raw(raw, analyzer=analyzer, privacy=Privacy())
            assert isinstance(message, Message)
            save_items(
                connection,
                account=account,
                folder=folder,
                items=[Item(ident, message)],
                directory=team_config().directory(),
                now=NOW,
            )

    removed = follow_exclusions(
        store.engine, Privacy(exclude_folders=("Private",)), frozenset({"alice-365"})
    )

    assert removed == 1
    assert _left(store) == {"b@acme-logistics.example": ["Clients/Private"]}


def test_a_process_on_the_old_rules_stores_nothing_the_recorded_rules_exclude(
    store: Store, analyzer
) -> None:
    """GIVEN a replica that applied a new exclusion, and another still on the previous
    configuration (or a sync under way at a reload), WHEN that one stores the doctor's results
    beside an order, THEN the results are kept out as the recorded rules say: never stored,
    counted as excluded; the order is stored."""
    rules = Privacy(exclude_addresses=("*@kahl-medizin.example",))
    _store(store, analyzer, "INBOX", ("roadmap@acme-logistics.example", DANA, "Q3 roadmap review"))
    assert follow_exclusions(store.engine, rules) == 0

    saved = _store(
        store,
        analyzer,
        "INBOX",
        ("results@kahl-medizin.example", DOCTOR, "Ihre Befunde"),
        ("order@falkenberg.example", JANA, "Bestellung 4471"),
    )

    assert (saved.new, saved.excluded) == (1, 1)
    assert sorted(_left(store)) == ["order@falkenberg.example", "roadmap@acme-logistics.example"]


def test_new_rules_wait_for_a_batch_being_written_and_then_remove_what_it_held(
    store: Store, analyzer
) -> None:
    """On PostgreSQL, a batch an old-rules process is writing when new rules are applied: the
    rules are recorded once it has committed, and the check that follows removes the
    doctor's results it held (a batch written under the old rules is checked, never skipped)."""
    import threading
    import time

    if store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's writers take turns from the start of their transaction")
    rules = Privacy(exclude_addresses=("*@kahl-medizin.example",))
    written, commit = threading.Event(), threading.Event()

    def old_rules_batch() -> None:
        with store.engine.begin() as connection:
            _save_in(
                connection, analyzer, "INBOX", ("results@kahl-medizin.example", DOCTOR, "Befunde")
            )
            written.set()
            commit.wait(timeout=10)

    writer = threading.Thread(target=old_rules_batch)
    writer.start()
    written.wait(timeout=10)
    removed: list[int | None] = []
    applying = threading.Thread(
        target=lambda: removed.append(follow_exclusions(store.engine, rules))
    )
    applying.start()
    time.sleep(0.5)
    waited = applying.is_alive()
    commit.set()
    writer.join(timeout=10)
    applying.join(timeout=30)

    assert waited, "the rules were recorded while a batch under the old ones was being written"
    assert removed == [1] and _left(store) == {}
