"""Graph sync against the fake Graph service and fake Entra ID (real HTTPS, real msal).

Alice and Ben are consultants at Northwind Advisory; their mailboxes are read app-only by one
app registration. Dana Whitfield (Acme Logistics) writes to Alice; Alice answers from Outlook,
so her replies sit in Sent Items without internet headers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.app.sync import sync_account
from monitor.app.sync import sync_source as sync_graph
from monitor.store.schema import folder_state, messages, sightings
from monitor.store.sources import account_health
from tests.fakes.fixtures import ALICE, BEN, CHLOE, DANA, RAJ, World, client_message, sent_reply

NOW = datetime(2026, 6, 20, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.usefixtures("quick_retries")


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'relmon.db'}"


def stored(runtime) -> list[sa.Row]:
    with runtime.store.engine.connect() as connection:
        return list(connection.execute(sa.select(messages).order_by(messages.c.date)))


def places(runtime, folder: str | None = None) -> list[sa.Row]:
    query = sa.select(sightings)
    if folder is not None:
        query = query.where(sightings.c.folder == folder)
    with runtime.store.engine.connect() as connection:
        return list(connection.execute(query))


def delta_link(runtime, account: str, folder: str) -> str | None:
    with runtime.store.engine.connect() as connection:
        return connection.execute(
            sa.select(folder_state.c.delta_link).where(
                folder_state.c.account == account, folder_state.c.folder == folder
            )
        ).scalar()


def folder_report(result, folder: str):
    return next(f for f in result.folders if f.folder == folder)


INBOX = f"{ALICE[1]}/inbox"
SENT = f"{ALICE[1]}/sentitems"


def test_first_sync_follows_every_page_to_the_delta_link(world: World, db: str, analyzer) -> None:
    """GIVEN 23 client messages in Alice's Inbox and a page size of 5
    WHEN the account is synced for the first time
    THEN all five pages are read, every message is stored once, and the deltaLink is kept."""
    for n in range(23):
        world.graph.deliver(ALICE[1], "inbox", client_message(n))
    config = world.config(db, world.account_toml(mailboxes=(ALICE[1],), page_size=5))
    runtime = world.runtime(config, analyzer)

    result = sync_graph(runtime, config.accounts[0], now=NOW)

    inbox = folder_report(result, INBOX)
    assert (inbox.new, inbox.known, inbox.error) == (23, 0, None)
    assert len(stored(runtime)) == 23
    assert {r.location for r in places(runtime, INBOX)} == set(
        world.graph.folder(ALICE[1], "inbox").messages
    )
    link = delta_link(runtime, "m365", INBOX)
    assert link is not None and "$deltatoken=" in link
    inbox_id = world.graph.folder(ALICE[1], "inbox").id
    pages = [r for r in world.graph.recorded(ALICE[1]) if inbox_id in r.path or "/inbox/" in r.path]
    assert len(pages) == 5
    assert (
        pages[0].query.startswith("$select=")
        and "uniqueBody" in pages[0].query
        and "internetMessageHeaders" in pages[0].query
    )
    assert all("$skiptoken=" in p.query for p in pages[1:])


def test_every_request_prefers_immutable_ids_text_bodies_and_the_page_size(
    world: World, db: str, analyzer
) -> None:
    for n in range(12):
        world.graph.deliver(ALICE[1], "inbox", client_message(n))
    config = world.config(db, world.account_toml(mailboxes=(ALICE[1],), page_size=4))
    runtime = world.runtime(config, analyzer)

    sync_graph(runtime, config.accounts[0], now=NOW)

    recorded = world.graph.recorded(ALICE[1])
    assert len(recorded) >= 4
    for request in recorded:
        assert 'IdType="ImmutableId"' in request.prefer, request.path
        assert "odata.maxpagesize=4" in request.prefer
        assert 'outlook.body-content-type="text"' in request.prefer


def test_messages_map_to_the_normalised_form(world: World, db: str, analyzer) -> None:
    """Own text comes from uniqueBody, the date from sentDateTime, people from the recipients."""
    question = client_message(
        1,
        to=ALICE,
        subject="Pilot cost summary",
        text="Hi Alice,\n\nThe board wants a one-page summary of the pilot costs by Friday. Is that feasible?\n\nDana",
    )
    question.cc = [RAJ]
    world.graph.deliver(ALICE[1], "inbox", question)
    config = world.config(db, world.account_toml(mailboxes=(ALICE[1],)))
    runtime = world.runtime(config, analyzer)

    sync_graph(runtime, config.accounts[0], now=NOW)

    [row] = stored(runtime)
    assert row.message_id == question.internet_message_id.strip("<>")
    assert row.from_addr == DANA[1] and row.from_name == DANA[0]
    assert [a for a, _ in row.to_addrs] == [ALICE[1]] and [a for a, _ in row.cc_addrs] == [RAJ[1]]
    assert row.date == question.sent.replace(microsecond=0)
    assert row.direction == "inbound" and row.client == "Acme Logistics"
    assert row.questions == 1 and row.needs_reply is True
    assert row.conversation_id == question.conversation_id
    assert row.snippet is None  # no body text stored by default


def test_incremental_sync_reads_only_what_changed(world: World, db: str, analyzer) -> None:
    """GIVEN a synced Inbox
    WHEN a new message arrives and an old one is marked read
    THEN the next pass stores the new one, counts the read flag as a change, and fetches nothing else."""
    first = [world.graph.deliver(ALICE[1], "inbox", client_message(n)) for n in range(6)]
    config = world.config(db, world.account_toml(mailboxes=(ALICE[1],)))
    runtime = world.runtime(config, analyzer)
    sync_graph(runtime, config.accounts[0], now=NOW)
    before = len(world.graph.recorded(ALICE[1]))
    link = delta_link(runtime, "m365", INBOX)

    world.graph.deliver(ALICE[1], "inbox", client_message(7, subject="Leeds depot change request"))
    world.graph.mark_read(ALICE[1], "inbox", first[2].id)
    result = sync_graph(runtime, config.accounts[0], now=NOW + timedelta(minutes=5))

    inbox = folder_report(result, INBOX)
    assert (inbox.new, inbox.changed, inbox.known, inbox.expunged) == (1, 1, 0, 0)
    assert len(stored(runtime)) == 7
    inbox_id = world.graph.folder(ALICE[1], "inbox").id
    inbox_requests = [
        r
        for r in world.graph.recorded(ALICE[1])[before:]
        if inbox_id in r.path or "/inbox/" in r.path
    ]
    assert len(inbox_requests) == 1 and "$deltatoken=" in inbox_requests[0].query
    assert link is not None and link.split("$deltatoken=")[1] in inbox_requests[0].query
    assert delta_link(runtime, "m365", INBOX) != link


def test_a_deleted_message_is_marked_expunged_and_kept_in_history(
    world: World, db: str, analyzer
) -> None:
    delivered = [world.graph.deliver(ALICE[1], "inbox", client_message(n)) for n in range(3)]
    config = world.config(db, world.account_toml(mailboxes=(ALICE[1],)))
    runtime = world.runtime(config, analyzer)
    sync_graph(runtime, config.accounts[0], now=NOW)

    world.graph.delete(ALICE[1], "inbox", delivered[1].id)
    result = sync_graph(runtime, config.accounts[0], now=NOW + timedelta(hours=1))

    assert folder_report(result, INBOX).expunged == 1
    assert len(stored(runtime)) == 3
    gone = {r.location: r.expunged_at for r in places(runtime, INBOX)}
    assert gone[delivered[1].id] == NOW + timedelta(hours=1)
    assert gone[delivered[0].id] is None and gone[delivered[2].id] is None


def test_a_partial_update_of_a_message_relmon_lacks_fetches_the_message(
    world: World, db: str, analyzer
) -> None:
    """An update arrives as only its changed properties; relmon has never seen the message
    (it was excluded by an earlier failure), so it reads the whole message by id."""
    message = world.graph.deliver(ALICE[1], "inbox", client_message(1))
    config = world.config(db, world.account_toml(mailboxes=(ALICE[1],)))
    runtime = world.runtime(config, analyzer)
    sync_graph(runtime, config.accounts[0], now=NOW)
    with runtime.store.engine.begin() as connection:  # as if the first pass had lost it
        connection.execute(sa.delete(sightings))
        connection.execute(sa.delete(messages))

    world.graph.mark_read(ALICE[1], "inbox", message.id)
    result = sync_graph(runtime, config.accounts[0], now=NOW + timedelta(minutes=5))

    assert folder_report(result, INBOX).new == 1
    fetched = [
        r for r in world.graph.recorded(ALICE[1]) if r.path.endswith(f"/messages/{message.id}")
    ]
    assert len(fetched) == 1
    assert [r.from_addr for r in stored(runtime)] == [DANA[1]]


def test_a_reply_from_sent_items_joins_the_client_thread(world: World, db: str, analyzer) -> None:
    """Sent Items copies have no internet headers; In-Reply-To comes from the item's MAPI
    property, so Alice's reply lands in Dana's thread."""
    question = world.graph.deliver(ALICE[1], "inbox", client_message(2, subject="Scanner training"))
    world.graph.deliver(
        ALICE[1],
        "sentitems",
        sent_reply(
            question, text="Hi Dana,\n\nYes, week 34 works; I have moved the training.\n\nAlice"
        ),
    )
    config = world.config(db, world.account_toml(mailboxes=(ALICE[1],)))
    runtime = world.runtime(config, analyzer)

    result = sync_account(runtime, config.accounts[0], now=NOW)

    assert result.error is None
    rows = {row.subject: row for row in stored(runtime) if row.subject.startswith("RE:")}
    reply = rows["RE: Scanner training"]
    by_id = {row.message_id: row for row in stored(runtime)}
    original = by_id[question.internet_message_id.strip("<>")]
    assert reply.direction == "outbound" and reply.from_addr == ALICE[1]
    assert reply.in_reply_to == [question.internet_message_id.strip("<>")]
    assert reply.thread_id == original.thread_id


def test_without_extended_properties_a_reply_threads_by_conversation_id(
    world: World, db: str, analyzer
) -> None:
    """A tenant that refuses the MAPI properties in a delta query: relmon reads without them,
    and the reply (no headers, no references) joins the thread through conversationId among
    the same people."""
    question = world.graph.deliver(ALICE[1], "inbox", client_message(2, subject="Scanner training"))
    world.graph.deliver(
        ALICE[1], "sentitems", sent_reply(question, text="Hi Dana,\n\nYes, week 34 works.\n\nAlice")
    )
    world.graph.refuse_extended_properties = True
    config = world.config(db, world.account_toml(mailboxes=(ALICE[1],)))
    runtime = world.runtime(config, analyzer)

    result = sync_account(runtime, config.accounts[0], now=NOW)

    assert result.error is None and result.total("new") == 2
    reply, original = sorted(stored(runtime), key=lambda r: r.subject)
    assert reply.subject == "RE: Scanner training" and reply.in_reply_to == []
    assert reply.thread_id == original.thread_id
    assert sum(1 for r in world.graph.recorded(ALICE[1]) if r.status == 400) == 2  # once per folder


def test_a_message_without_unique_body_has_its_body_fetched_for_the_own_text(
    world: World, db: str, analyzer
) -> None:
    message = world.graph.deliver(
        ALICE[1],
        "inbox",
        client_message(
            3,
            text="Hi Alice,\n\nCan we move the steering call? Would Thursday at 10 work for you?\n\nDana",
        ),
    )
    world.graph.omit_unique_body = True
    config = world.config(db, world.account_toml(mailboxes=(ALICE[1],), folders=("inbox",)))
    runtime = world.runtime(config, analyzer)

    sync_graph(runtime, config.accounts[0], now=NOW)

    [row] = stored(runtime)
    assert row.questions == 2 and row.needs_reply is True
    assert any(
        r.path.endswith(f"/messages/{message.id}") and "$select=body" in r.query
        for r in world.graph.recorded(ALICE[1])
    )


def test_one_message_in_two_mailboxes_is_stored_once(world: World, db: str, analyzer) -> None:
    """Dana writes to Alice and Ben: one message, two sightings."""
    message = client_message(4, to=ALICE, subject="Steering call agenda")
    message.to = [ALICE, BEN]
    world.graph.deliver(ALICE[1], "inbox", message)
    copy = client_message(
        4, to=BEN, subject="Steering call agenda", message_id=message.internet_message_id
    )
    copy.to = [ALICE, BEN]
    world.graph.deliver(BEN[1], "inbox", copy)
    config = world.config(db, world.account_toml(mailboxes=(ALICE[1], BEN[1])))
    runtime = world.runtime(config, analyzer)

    result = sync_graph(runtime, config.accounts[0], now=NOW)

    assert result.total("new") == 1 and result.total("known") == 1
    assert len(stored(runtime)) == 1
    assert sorted(r.folder for r in places(runtime)) == [INBOX, f"{BEN[1]}/inbox"]


def test_auto_replies_are_recognised_from_internet_headers(world: World, db: str, analyzer) -> None:
    world.graph.deliver(
        ALICE[1],
        "inbox",
        client_message(
            5,
            subject="Automatic reply: Rollout plan",
            headers=[("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")],
            text="I am out of the office until 15 June with limited access to email.",
        ),
    )
    config = world.config(db, world.account_toml(mailboxes=(ALICE[1],)))
    runtime = world.runtime(config, analyzer)

    sync_graph(runtime, config.accounts[0], now=NOW)

    [row] = stored(runtime)
    assert row.noise == "auto_reply" and row.noise_reason == "Auto-Submitted: auto-replied"
    assert row.needs_reply is False


def test_a_429_makes_the_mailbox_wait_for_retry_after(world: World, db: str, analyzer) -> None:
    """GIVEN Graph throttles Alice's mailbox once with Retry-After: 1
    WHEN the account is synced
    THEN no request reaches Alice's mailbox for a second, then the sync completes; Ben's
    mailbox is not held back."""
    for n in range(4):
        world.graph.deliver(ALICE[1], "inbox", client_message(n))
        world.graph.deliver(BEN[1], "inbox", client_message(n, to=BEN))
    world.graph.fail(ALICE[1], 429, retry_after="1", path_contains="inbox")
    config = world.config(db, world.account_toml(mailboxes=(ALICE[1], BEN[1])))
    runtime = world.runtime(config, analyzer)

    result = sync_graph(runtime, config.accounts[0], now=NOW)

    assert all(f.error is None for f in result.folders)
    assert result.total("new") == 8
    alice = world.graph.recorded(ALICE[1])
    throttled = next(r for r in alice if r.status == 429)
    after = [r for r in alice if r.started > throttled.ended]
    retried = [r for r in after if r.path == throttled.path]
    assert retried, "the throttled request was not retried"
    assert min(r.started for r in retried) - throttled.ended >= 0.95
    # A request already admitted to one of the mailbox's other three slots when the 429 came
    # back may still reach Graph (on a loaded machine, after the 429 is recorded); none after.
    early = [r for r in after if r.started - throttled.ended < 0.95]
    assert len(early) <= 3, early
    ben = world.graph.recorded(BEN[1])
    assert min(r.started for r in ben) < throttled.ended + 0.9  # Ben's mailbox went on meanwhile


def test_a_503_without_retry_after_is_retried_with_backoff(
    world: World, db: str, analyzer, quick_retries
) -> None:
    world.graph.deliver(ALICE[1], "inbox", client_message(1))
    world.graph.fail(ALICE[1], 503, count=2, path_contains="inbox")
    config = world.config(db, world.account_toml(mailboxes=(ALICE[1],), folders=("inbox",)))
    runtime = world.runtime(config, analyzer)

    result = sync_graph(runtime, config.accounts[0], now=NOW)

    assert folder_report(result, INBOX).new == 1
    statuses = [r.status for r in world.graph.recorded(ALICE[1])]
    assert statuses == [503, 503, 200]
    times = [r.started for r in world.graph.recorded(ALICE[1])]
    assert times[1] - times[0] >= quick_retries.base_seconds / 2


def test_throttling_that_outlasts_the_retries_fails_only_that_folder(
    world: World, db: str, analyzer
) -> None:
    world.graph.deliver(ALICE[1], "inbox", client_message(1))
    world.graph.deliver(
        ALICE[1], "sentitems", sent_reply(client_message(2), text="Thanks Dana, noted.")
    )
    world.graph.fail(ALICE[1], 429, count=50, path_contains="inbox")
    config = world.config(db, world.account_toml(mailboxes=(ALICE[1],)))
    runtime = world.runtime(config, analyzer)

    result = sync_graph(runtime, config.accounts[0], now=NOW)

    assert "throttled" in (folder_report(result, INBOX).error or "")
    assert folder_report(result, SENT).new == 1
    assert delta_link(runtime, "m365", INBOX) is None


def test_no_more_than_four_requests_at_once_per_mailbox(world: World, db: str, analyzer) -> None:
    """Six folders of one mailbox synced at once: Graph sees at most four concurrent requests
    to that mailbox (the Outlook limit), yet more than one (the folders do run in parallel)."""
    folders = ("inbox", "sentitems", "archive", "Clients/Acme", "Clients/Falkenberg", "Projects")
    for path in folders[3:]:
        world.graph.add_folder(ALICE[1], path)
    for folder in folders:
        for n in range(6):
            world.graph.deliver(ALICE[1], folder, client_message(n))
    world.graph.latency = 0.08
    config = world.config(
        db, world.account_toml(mailboxes=(ALICE[1],), folders=folders, page_size=2)
    )
    runtime = world.runtime(config, analyzer)

    result = sync_graph(runtime, config.accounts[0], now=NOW)

    assert all(f.error is None for f in result.folders), [f.error for f in result.folders]
    assert result.total("new") == 36
    assert 2 <= world.graph.max_in_flight[ALICE[1]] <= 4


def test_an_expired_token_is_refreshed_once_and_the_request_retried(
    world: World, db: str, analyzer
) -> None:
    """GIVEN a synced account whose access token Graph stops accepting before msal expects
    WHEN the account is synced again
    THEN the 401 leads to one new token from Entra ID and the pass completes."""
    world.graph.deliver(ALICE[1], "inbox", client_message(1))
    config = world.config(db, world.account_toml(mailboxes=(ALICE[1],), folders=("inbox",)))
    runtime = world.runtime(config, analyzer)
    sync_graph(runtime, config.accounts[0], now=NOW)
    assert len(world.entra.grants("client_credentials")) == 1

    world.entra.expire_access_tokens()
    world.graph.deliver(ALICE[1], "inbox", client_message(2))
    result = sync_graph(runtime, config.accounts[0], now=NOW + timedelta(minutes=5))

    assert folder_report(result, INBOX).new == 1
    assert len(world.entra.grants("client_credentials")) == 2
    statuses = [r.status for r in world.graph.recorded(ALICE[1])]
    assert statuses.count(401) == 1


def test_a_token_rejected_after_a_refresh_fails_the_account_without_looping(
    world: World, db: str, analyzer
) -> None:
    world.graph.deliver(ALICE[1], "inbox", client_message(1))
    world.entra.access_token_seconds = -1  # Entra issues tokens Graph never accepts
    config = world.config(db, world.account_toml(mailboxes=(ALICE[1],), folders=("inbox",)))
    runtime = world.runtime(config, analyzer)

    result = sync_account(runtime, config.accounts[0], now=NOW)

    assert result.error_kind == "auth"
    assert "rejected a freshly issued token" in (result.error or "")
    assert [r.status for r in world.graph.recorded(ALICE[1])] == [401, 401]
    assert delta_link(runtime, "m365", INBOX) is None


@pytest.mark.parametrize("how", ["gone", "syncStateNotFound"])
def test_a_void_delta_token_reads_the_folder_again_without_duplicates(
    world: World, store_url: str, analyzer, how: str
) -> None:
    """GIVEN a synced Inbox, then a message deleted and another delivered
    WHEN Graph answers the stored deltaLink with 410 Gone (or syncStateNotFound)
    THEN the folder is read again from scratch: nothing is stored twice, the new message is
    stored, and the deleted one (never reported as @removed) is marked expunged."""
    delivered = [world.graph.deliver(ALICE[1], "inbox", client_message(n)) for n in range(8)]
    config = world.config(
        store_url, world.account_toml(mailboxes=(ALICE[1],), folders=("inbox",), page_size=3)
    )
    runtime = world.runtime(config, analyzer)
    sync_graph(runtime, config.accounts[0], now=NOW)
    old_link = delta_link(runtime, "m365", INBOX)

    world.graph.delete(ALICE[1], "inbox", delivered[3].id)
    world.graph.deliver(ALICE[1], "inbox", client_message(9, subject="Invoice 2026-114"))
    world.graph.void_delta_tokens(ALICE[1], "inbox", how)
    result = sync_graph(runtime, config.accounts[0], now=NOW + timedelta(days=1))

    inbox = folder_report(result, INBOX)
    assert inbox.resynced is not None and inbox.error is None
    assert (inbox.new, inbox.known, inbox.expunged) == (1, 7, 1)
    assert len(stored(runtime)) == 9
    assert len(places(runtime, INBOX)) == 9
    expunged = [r.location for r in places(runtime, INBOX) if r.expunged_at is not None]
    assert expunged == [delivered[3].id]
    assert delta_link(runtime, "m365", INBOX) not in (None, old_link)
    runtime.close()


def test_a_pass_that_fails_midway_keeps_the_old_delta_link_and_the_next_completes(
    world: World, db: str, analyzer
) -> None:
    """The deltaLink is stored with the round's last page only: a round that breaks off is
    read again next time, and idempotent writes keep every message once."""
    for n in range(9):
        world.graph.deliver(ALICE[1], "inbox", client_message(n))
    world.graph.fail(ALICE[1], 500, count=50, path_contains="$skiptoken")
    config = world.config(db, world.account_toml(mailboxes=(ALICE[1],), page_size=3))
    runtime = world.runtime(config, analyzer)

    broken = sync_graph(runtime, config.accounts[0], now=NOW)
    assert folder_report(broken, INBOX).error is not None
    assert folder_report(broken, INBOX).new == 3
    assert delta_link(runtime, "m365", INBOX) is None

    world.graph.faults.clear()
    result = sync_graph(runtime, config.accounts[0], now=NOW + timedelta(minutes=5))

    assert (folder_report(result, INBOX).new, folder_report(result, INBOX).known) == (6, 3)
    assert len(stored(runtime)) == 9
    assert delta_link(runtime, "m365", INBOX) is not None


def test_app_only_over_three_mailboxes_one_forbidden_the_others_sync(
    world: World, db: str, analyzer
) -> None:
    """Chloe's mailbox is outside the app's access scope: her folders report the refusal,
    Alice's and Ben's are synced, and the account as a whole succeeds."""
    world.graph.deliver(ALICE[1], "inbox", client_message(1))
    world.graph.deliver(BEN[1], "inbox", client_message(2, to=BEN))
    world.graph.deliver(CHLOE[1], "inbox", client_message(3, to=CHLOE))
    world.graph.forbidden.add(CHLOE[1])
    config = world.config(db, world.account_toml(mailboxes=(ALICE[1], BEN[1], CHLOE[1])))
    runtime = world.runtime(config, analyzer)

    result = sync_account(runtime, config.accounts[0], now=NOW)

    assert result.error is None
    errors = {f.folder: f.error for f in result.folders}
    assert (
        errors[f"{CHLOE[1]}/inbox"] is not None
        and "ErrorAccessDenied" in errors[f"{CHLOE[1]}/inbox"]
    )
    assert errors[f"{CHLOE[1]}/sentitems"] is not None
    assert all(
        errors[f"{m}/{f}"] is None for m in (ALICE[1], BEN[1]) for f in ("inbox", "sentitems")
    )
    assert result.total("new") == 2
    [health] = account_health(runtime.store.engine)
    assert health.consecutive_failures == 0


def test_every_mailbox_refused_is_an_authentication_failure(
    world: World, db: str, analyzer
) -> None:
    """Refusals everywhere (admin consent missing, empty access scope) need a person."""
    world.graph.forbidden.update({ALICE[1], BEN[1]})
    config = world.config(db, world.account_toml(mailboxes=(ALICE[1], BEN[1])))
    runtime = world.runtime(config, analyzer)

    result = sync_account(runtime, config.accounts[0], now=NOW)

    assert result.error_kind == "auth"
    assert "refused every mailbox" in (result.error or "")


def test_a_revoked_sign_in_is_recorded_and_escalated_not_retried_in_a_loop(
    world: World, db: str, analyzer
) -> None:
    """GIVEN a delegated account whose refresh token was revoked (password change)
    WHEN the daemon syncs it again and again
    THEN each pass fails fast as an authentication failure, the third escalates to the
    operator, and Entra ID sees at most one refresh attempt per pass."""
    from monitor.sources.msauth import login_device_code

    world.graph.deliver(ALICE[1], "inbox", client_message(1))
    config = world.config(
        db,
        world.account_toml(
            name="alice-m365", auth="delegated", address=ALICE[1], folders=("inbox",)
        ),
    )
    runtime = world.runtime(config, analyzer)
    account = config.accounts[0]

    def approve(text: str) -> None:
        world.entra.approve(text.split("enter the code ")[1].split()[0], ALICE[1])

    login_device_code(account, echo=approve)
    assert sync_account(runtime, account, now=NOW).error is None
    world.entra.revoke_refresh_tokens(ALICE[1])
    world.entra.expire_access_tokens()

    results = [
        sync_account(runtime, account, now=NOW + timedelta(minutes=5 * i)) for i in range(1, 4)
    ]

    assert [r.error_kind for r in results] == ["auth", "auth", "auth"]
    assert "AADSTS50173" in (results[0].error or "") and "relmon accounts login alice-m365" in (
        results[0].error or ""
    )
    assert [r.escalated for r in results] == [False, False, True]
    [health] = account_health(runtime.store.engine)
    assert health.consecutive_failures == 3 and health.escalated_at is not None
    assert len(world.entra.grants("refresh_token")) <= 3


def test_a_delegated_account_reads_the_signed_in_users_own_mailbox(
    world: World, db: str, analyzer
) -> None:
    from monitor.sources.msauth import login_device_code

    world.graph.deliver(BEN[1], "inbox", client_message(1, to=BEN))
    world.graph.deliver(
        BEN[1],
        "sentitems",
        sent_reply(
            client_message(1, to=BEN), frm=BEN, text="Thanks Dana, I will check with the team."
        ),
    )
    config = world.config(db, world.account_toml(name="ben-m365", auth="delegated", address=BEN[1]))
    runtime = world.runtime(config, analyzer)
    login_device_code(
        config.accounts[0],
        echo=lambda text: world.entra.approve(text.split("enter the code ")[1].split()[0], BEN[1]),
    )

    result = sync_graph(runtime, config.accounts[0], now=NOW)

    assert {f.folder: f.new for f in result.folders} == {
        f"{BEN[1]}/inbox": 1,
        f"{BEN[1]}/sentitems": 1,
    }
    assert all(
        r.path.startswith("/v1.0/me/") or "users('" in r.path for r in world.graph.recorded()
    )


def test_a_folder_path_is_found_by_display_name(world: World, db: str, analyzer) -> None:
    world.graph.add_folder(ALICE[1], "Clients/Acme")
    world.graph.deliver(ALICE[1], "Clients/Acme", client_message(1))
    config = world.config(
        db,
        world.account_toml(
            mailboxes=(ALICE[1],), folders=("inbox", "clients/acme", "Clients/Nonexistent")
        ),
    )
    runtime = world.runtime(config, analyzer)

    result = sync_graph(runtime, config.accounts[0], now=NOW)

    assert folder_report(result, f"{ALICE[1]}/clients/acme").new == 1
    missing = folder_report(result, f"{ALICE[1]}/Clients/Nonexistent")
    assert missing.error is not None and "Nonexistent" in missing.error
    assert folder_report(result, INBOX).error is None


def test_a_page_link_to_another_host_is_refused(world: World, db: str, analyzer) -> None:
    """The bearer token goes to the configured Graph host only."""
    for n in range(4):
        world.graph.deliver(ALICE[1], "inbox", client_message(n))
    world.graph.foreign_next_link = True
    config = world.config(db, world.account_toml(mailboxes=(ALICE[1],), page_size=2))
    runtime = world.runtime(config, analyzer)

    result = sync_graph(runtime, config.accounts[0], now=NOW)

    assert "refusing to follow" in (folder_report(result, INBOX).error or "")
    assert delta_link(runtime, "m365", INBOX) is None


def test_a_stop_request_ends_the_pass_between_pages_without_a_delta_link(
    world: World, db: str, analyzer
) -> None:
    for n in range(6):
        world.graph.deliver(ALICE[1], "inbox", client_message(n))
    config = world.config(
        db, world.account_toml(mailboxes=(ALICE[1],), folders=("inbox",), page_size=2)
    )
    runtime = world.runtime(config, analyzer)

    def stop_after_first_page() -> bool:
        return len(world.graph.recorded(ALICE[1])) >= 1

    sync_graph(runtime, config.accounts[0], now=NOW, should_stop=stop_after_first_page)

    assert len(world.graph.recorded(ALICE[1])) == 1
    assert len(stored(runtime)) <= 2
    assert delta_link(runtime, "m365", INBOX) is None


def test_messages_from_excluded_addresses_are_not_stored(world: World, db: str, analyzer) -> None:
    world.graph.deliver(ALICE[1], "inbox", client_message(1))
    world.graph.deliver(
        ALICE[1], "inbox", client_message(2, frm=("Dr Ellis", "appointments@my-doctor.example"))
    )
    config = world.config(
        db,
        world.account_toml(mailboxes=(ALICE[1],), folders=("inbox",)),
        privacy='\n[privacy]\nexclude_addresses = ["*@my-doctor.example"]\n',
    )
    runtime = world.runtime(config, analyzer)

    result = sync_graph(runtime, config.accounts[0], now=NOW)

    assert (folder_report(result, INBOX).new, folder_report(result, INBOX).excluded) == (1, 1)
    assert [r.from_addr for r in stored(runtime)] == [DANA[1]]
