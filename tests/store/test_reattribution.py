"""A change of clients or team attributes again only the stored mail that names an address or a
domain whose role changed, and comes out exactly as attributing every message again would."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.app.sync import ingest_paths
from monitor.config import load_config_text
from monitor.core.addresses import Directory, changed_roles, renamed_clients
from monitor.store.messages import reattribute
from monitor.store.meta import ATTRIBUTION_ROLES
from monitor.store.schema import messages, meta
from tests import factories
from tests.factories import ALICE, DANA, JANA, SAM, email, team_config
from tests.store.test_store import NOW, conversation, runtime_for, write_maildir

OWNER = 'owner = "alice.marsh@northwind-advisory.example"'
#: Acme takes over the Ops Desk address of Lumen's subdomain (an address outranks a domain).
ACME_DESK = (
    '\n[[clients]]\nname = "Acme Field Ops"\naddresses = ["ops@eu.lumen-analytics.example"]\n'
    + f"{OWNER}\n"
)
SAM_JOINS_US = (
    '\n[[team.members]]\nname = "Sam Reed"\naddress = "sam.reed@lumen-analytics.example"\n'
)
LUMEN = f'\n[[clients]]\nname = "Lumen Analytics"\ndomains = ["lumen-analytics.example"]\n{OWNER}\n'


def _mailbox(root: Path) -> list[Path]:
    """Acme's plan and our reply, Sam's intro from Lumen, Lumen's operations team writing from
    a subdomain, Jana (Falkenberg) from gmail.com, and our note to Sam from the Sent folder."""
    inbox = conversation()
    inbox["1780430000.M5P1.mx:2,S"] = email(
        frm="Ops Desk <ops@eu.lumen-analytics.example>",
        to=ALICE,
        subject="Data platform access",
        message_id="ops-1@eu.lumen-analytics.example",
        date=datetime(2026, 6, 4, 10, 0, tzinfo=UTC),
        body="Hi Alice,\n\nYour VPN account for the data platform is ready.\n\nOps Desk",
    )
    inbox["1780440000.M6P1.mx:2,S"] = email(
        frm=JANA,
        to=ALICE,
        subject="Wartungsvertrag",
        message_id="wartung-1@mail.gmail.example",
        date=datetime(2026, 6, 5, 8, 30, tzinfo=UTC),
        body="Dear Alice,\n\ncould Ben call me about the maintenance contract?\n\nJana",
    )
    sent = {
        "1780450000.M7P1.mx:2,S": email(
            frm=ALICE,
            to=[SAM, DANA],
            subject="Re: Intro call",
            message_id="intro-2@northwind-advisory.example",
            in_reply_to="intro@lumen-analytics.example",
            date=datetime(2026, 6, 5, 15, 0, tzinfo=UTC),
            body="Hi Sam,\n\nThursday at 10 works; I have copied Dana, who ran a similar project.\n\nAlice",
        )
    }
    write_maildir(root / "Maildir" / ".Sent", sent)
    return [write_maildir(root / "Maildir", inbox)]


def _store_mailbox(store_url: str, analyzer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The mailbox stored under the team's configuration, without Lumen as a client."""
    runtime = runtime_for(store_url, analyzer)
    ingest_paths(runtime, _mailbox(tmp_path), account="alice", now=NOW)
    runtime.close()


def _attributions(engine: sa.Engine) -> dict[str, tuple[str, str | None, str | None]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                messages.c.key, messages.c.direction, messages.c.client, messages.c.counterpart
            )
        ).all()
    return {row.key: (row.direction, row.client, row.counterpart) for row in rows}


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The senders of the messages attributed from here on."""
    seen: list[str] = []
    real = Directory.attribute

    def counting(self, sender, to, cc, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(sender.address if sender is not None else "")
        return real(self, sender, to, cc, **kwargs)

    monkeypatch.setattr(Directory, "attribute", counting)
    return seen


def test_adding_a_client_attributes_again_only_the_mail_naming_its_domain(
    store_url, analyzer, tmp_path, monkeypatch
) -> None:
    _store_mailbox(store_url, analyzer, tmp_path)
    attributed = _counting(monkeypatch)

    runtime = runtime_for(store_url, analyzer, LUMEN)
    found = _attributions(runtime.store.engine)
    runtime.close()

    # Sam's intro, the subdomain's note and our reply to Sam; not Acme's plan, nor Jana's mail.
    assert sorted(attributed) == [
        "alice.marsh@northwind-advisory.example",
        "ops@eu.lumen-analytics.example",
        "sam.reed@lumen-analytics.example",
    ]
    assert found["intro@lumen-analytics.example"][:2] == ("inbound", "Lumen Analytics")
    assert found["ops-1@eu.lumen-analytics.example"][:2] == ("inbound", "Lumen Analytics")
    # Our reply went to Sam first: it is now Lumen's, no longer Acme's (Dana was only copied).
    assert found["intro-2@northwind-advisory.example"][:2] == ("outbound", "Lumen Analytics")


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param(
            [
                LUMEN,
                LUMEN + ACME_DESK,
                LUMEN.replace("Lumen Analytics", "Lumen Data"),
                LUMEN
                + '\n[[clients]]\nname = "Lumen Europe"\ndomains = ["eu.lumen-analytics.example"]\n'
                + OWNER
                + "\n",
                "",
            ],
            id="add-take-a-contact-rename-split-remove",
        ),
        pytest.param([LUMEN, LUMEN + SAM_JOINS_US], id="a-contact-joins-our-team"),
    ],
)
def test_attributing_only_what_changed_agrees_with_attributing_every_message(
    store_url, analyzer, tmp_path, changes
) -> None:
    _store_mailbox(store_url, analyzer, tmp_path)
    moved = 0
    for extra in changes:
        config = team_config(store_url, extra)
        engine = sa.create_engine(store_url)
        directory = config.directory()
        moved += reattribute(engine, directory, config.attribution_fingerprint())
        incremental = _attributions(engine)

        assert reattribute(engine, directory, "every message", force=True) == 0, extra
        assert _attributions(engine) == incremental
        engine.dispose()
    assert moved >= len(changes)


def _forget_roles(store_url: str, analyzer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The mailbox stored as by a version that kept no roles."""
    runtime = runtime_for(store_url, analyzer)
    ingest_paths(runtime, _mailbox(tmp_path), account="alice", now=NOW)
    with runtime.store.engine.begin() as connection:
        connection.execute(sa.delete(meta).where(meta.c.name == ATTRIBUTION_ROLES))
    runtime.close()


def test_a_store_that_kept_no_roles_attributes_every_message_at_its_first_change(
    store_url, analyzer, tmp_path, monkeypatch
) -> None:
    _forget_roles(store_url, analyzer, tmp_path)
    attributed = _counting(monkeypatch)

    runtime_for(store_url, analyzer, LUMEN).close()
    first = len(attributed)
    runtime_for(store_url, analyzer).close()

    assert first == 6
    assert len(attributed) - first == 3  # back without Lumen: its three messages only


def test_a_store_that_kept_no_roles_keeps_them_when_opened_unchanged(
    store_url, analyzer, tmp_path, monkeypatch
) -> None:
    _forget_roles(store_url, analyzer, tmp_path)
    attributed = _counting(monkeypatch)

    runtime_for(store_url, analyzer).close()
    assert attributed == []
    runtime_for(store_url, analyzer, LUMEN).close()

    assert len(attributed) == 3


def test_roles_that_changed_are_the_addresses_and_domains_named_differently() -> None:
    before = team_config().directory().roles()
    lumen = team_config(extra=LUMEN).directory().roles()
    renamed = team_config(extra=LUMEN.replace("Lumen Analytics", "Lumen Data")).directory()

    assert changed_roles(before, lumen) == {"lumen-analytics.example"}
    assert changed_roles(lumen, renamed.roles()) == {"lumen-analytics.example"}
    assert changed_roles(lumen, lumen) == frozenset()
    assert renamed.roles()["lumen-analytics.example"] == "client domain Lumen Data"
    assert before["gmail.com"] == "freemail"
    assert before["j.becker.falkenberg@gmail.com"] == "client Falkenberg Maschinenbau"


@pytest.mark.parametrize(
    ("before", "after", "one_statement"),
    [
        pytest.param(LUMEN, LUMEN.replace("Lumen Analytics", "Lumen Data"), True, id="rename"),
        pytest.param(
            LUMEN,
            LUMEN.replace("Lumen Analytics", "Lumen Data").replace(
                '"lumen-analytics.example"', '"lumen-analytics.example", "lumen.example"'
            ),
            False,
            id="renamed-and-a-domain-added",
        ),
    ],
)
def test_renaming_a_client_moves_its_mail_without_reading_it(
    store_url, analyzer, tmp_path, monkeypatch, before: str, after: str, one_statement: bool
) -> None:
    """GIVEN mail stored with Lumen Analytics a client
    WHEN the client is renamed (and nothing else changes)
    THEN its messages take the new name in one statement, no message read and attributed
    again, as attributing every message would have them; a change that is more than a new
    name (a domain added too) attributes the mail naming it again."""
    _store_mailbox(store_url, analyzer, tmp_path)
    runtime_for(store_url, analyzer, before).close()
    attributed = _counting(monkeypatch)

    runtime = runtime_for(store_url, analyzer, after)
    found = _attributions(runtime.store.engine)
    runtime.close()
    one_by_one = list(attributed)
    config = team_config(store_url, after)
    engine = sa.create_engine(store_url)
    reattribute(engine, config.directory(), "every message", force=True)
    rebuilt = _attributions(engine)
    engine.dispose()

    assert (one_by_one == []) is one_statement
    assert found == rebuilt
    assert found["intro@lumen-analytics.example"][1] != "Lumen Analytics"


def test_only_a_new_name_for_every_address_of_a_client_is_a_renaming() -> None:
    """Two clients swapping names is a renaming; a client whose address takes a new name while
    its domain keeps the old one (a split), a name that cannot be read apart from the roles,
    and a domain added are not."""
    lumen = team_config(extra=LUMEN).directory().roles()
    swapped = {
        key: role.replace("Acme Logistics", "\0")
        .replace("Lumen Analytics", "Acme Logistics")
        .replace("\0", "Lumen Analytics")
        for key, role in lumen.items()
    }
    split = {**lumen, "j.becker.falkenberg@gmail.com": "client Falkenberg GmbH"}
    odd = {key: role.replace("Lumen Analytics", "Lumen; Data") for key, role in lumen.items()}
    added = {**lumen, "lumen.example": "client domain Lumen Analytics"}
    merged = {**lumen, "lumen-analytics.example": "client domain Acme Logistics"}

    assert renamed_clients(lumen, swapped) == {
        "Acme Logistics": "Lumen Analytics",
        "Lumen Analytics": "Acme Logistics",
    }
    others = (lumen, split, odd, added, merged)
    assert [renamed_clients(lumen, other) for other in others] == [None] * 5


def test_two_processes_opening_the_store_after_a_swap_of_names_apply_it_once(
    store_url, analyzer, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN Acme Logistics and Falkenberg Maschinenbau swapping names in one edit, WHEN two
    processes sharing PostgreSQL open the store at the same moment (both read the old
    fingerprint), THEN the swap is applied once: applied twice, each client's mail would be
    the other's again, under a fingerprint that says all is current."""
    import threading

    from monitor.store import messages as writer

    if not store_url.startswith("postgresql"):
        pytest.skip("SQLite's writers take turns from the start of their transaction")
    _store_mailbox(store_url, analyzer, tmp_path)
    swap = {"Acme Logistics": "\0", "Falkenberg Maschinenbau": "Acme Logistics"}
    text = factories.CONFIG
    for old, new in [*swap.items(), ("\0", "Falkenberg Maschinenbau")]:
        text = text.replace(f'name = "{old}"', f'name = "{new}"')
    config = load_config_text(text + f'\n[store]\nurl = "{store_url}"\n')
    engine = sa.create_engine(store_url)
    before = _attributions(engine)
    both_read = threading.Barrier(2)
    read, first = writer.get_meta, threading.local()

    def reading_together(connection, name):  # type: ignore[no-untyped-def]
        value = read(connection, name)
        if name == writer.ATTRIBUTION and not getattr(first, "done", False):
            first.done = True
            both_read.wait(timeout=10)
        return value

    monkeypatch.setattr(writer, "get_meta", reading_together)
    moved: list[int] = []
    opening = [
        threading.Thread(
            target=lambda: moved.append(
                reattribute(engine, config.directory(), config.attribution_fingerprint())
            )
        )
        for _ in range(2)
    ]
    for thread in opening:
        thread.start()
    for thread in opening:
        thread.join(timeout=30)
    after = _attributions(engine)
    engine.dispose()

    named = {
        "Acme Logistics": "Falkenberg Maschinenbau",
        "Falkenberg Maschinenbau": "Acme Logistics",
    }
    assert sorted(moved)[0] == 0 and sorted(moved)[1] > 0
    assert after == {
        key: (direction, named.get(client or "", client), counterpart)
        for key, (direction, client, counterpart) in before.items()
    }
