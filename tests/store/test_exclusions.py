"""An exclusion added to the privacy settings removes the mail it covers that was stored before:
"never stored" holds for mail read before the rule too."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

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


def _store(store: Store, analyzer, folder: str, *mails: tuple[str, str, str]) -> None:
    items = []
    for ident, frm, subject in mails:
        raw = email(frm=frm, subject=subject, message_id=ident, date=NOW)
        message = from_raw(raw, analyzer=analyzer, privacy=Privacy())
        assert isinstance(message, Message)
        items.append(Item(f"{folder}/{ident}", message))
    with store.engine.begin() as connection:
        save_items(
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


def test_covered_mail_a_process_on_the_old_rules_stores_later_goes_at_the_next_check(
    store: Store, analyzer
) -> None:
    """GIVEN a replica that applied a new exclusion to the stored mail, and another still on the
    previous configuration, which then stores the doctor's results (a sync under way at a
    reload does the same), WHEN the next check runs under the new rules (a start, a reload,
    the nightly job), THEN the results go, though the rules themselves did not change; only
    the mail stored since is read, and a check with nothing new stored is no work at all."""
    rules = Privacy(exclude_addresses=("*@kahl-medizin.example",))
    _store(store, analyzer, "INBOX", ("roadmap@acme-logistics.example", DANA, "Q3 roadmap review"))
    first = follow_exclusions(store.engine, rules)
    _store(store, analyzer, "INBOX", ("order@falkenberg.example", JANA, "Bestellung 4471"))
    _store(store, analyzer, "INBOX", ("results@kahl-medizin.example", DOCTOR, "Ihre Befunde"))

    later = follow_exclusions(store.engine, rules)
    idle = follow_exclusions(store.engine, rules)
    # SQLite gives the next message the id the results had: it is still read.
    _store(store, analyzer, "INBOX", ("again@kahl-medizin.example", DOCTOR, "Ihre Befunde II"))
    reused = follow_exclusions(store.engine, rules)

    assert (first, later, idle, reused) == (0, 1, None, 1)
    assert sorted(_left(store)) == ["order@falkenberg.example", "roadmap@acme-logistics.example"]
