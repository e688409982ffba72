"""``relmon db reanalyse``: stored judgements re-derived under today's rules, from what is stored,
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Any

import sqlalchemy as sa

from monitor.config import Privacy
from monitor.core.model import Message
from monitor.core.rejudge import rejudge
from monitor.sources.pipeline import from_raw
from monitor.store.messages import Item, save_items
from monitor.store.reanalyse import reanalyse
from monitor.store.rows import judgement_columns
from monitor.store.schema import messages
from tests.conftest import corpus
from tests.factories import ALICE, DANA, RAJ, email, team_config

NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
SNIPPETS = Privacy(store_snippets=True, snippet_chars=4000)

# A Lotus Notes reply: the quoted header block has no "From:" line, which earlier rules missed,
# so the quoted complaint was judged as Dana's own words.
LOTUS_REPLY = """Raj, the pallet counts for Leeds are in the shared sheet now.

Dana




Raj Patel
06/01/2026 04:12 PM
To: Dana Whitfield/ACME@ACME
cc:
Subject: Leeds pallet counts

This is unacceptable. I am still waiting for the Leeds counts and will escalate to the board."""


def _store(engine: sa.Engine, raw: bytes, location: str, privacy: Privacy, analyzer) -> Message:  # type: ignore[no-untyped-def]
    message = from_raw(raw, analyzer=analyzer, privacy=privacy)
    assert isinstance(message, Message)
    with engine.begin() as connection:
        save_items(
            connection,
            account="alice",
            folder="INBOX",
            items=[Item(location, message)],
            directory=team_config().directory(),
            now=NOW,
        )
    return message


def _as_earlier_rules_left_it(engine: sa.Engine, key: str, text: str, analyzer) -> None:  # type: ignore[no-untyped-def]
    """The row as a version of relmon that kept ``text`` whole as own text wrote it."""
    features = analyzer.analyse(text, date=NOW)
    columns = judgement_columns(None, None, True, features, text)
    with engine.begin() as connection:
        connection.execute(sa.update(messages).where(messages.c.key == key).values(**columns))


def _row(engine: sa.Engine, key: str) -> Any:
    with engine.connect() as connection:
        return connection.execute(sa.select(messages).where(messages.c.key == key)).one()


def test_quoted_lotus_notes_history_kept_by_earlier_rules_is_cut_and_its_cues_dropped(
    store, analyzer
) -> None:
    """GIVEN a Lotus Notes reply stored with its quoted complaint as own text, snippets on
    WHEN the store is re-analysed
    THEN the own text, its length and the friction cues are those of Dana's words alone."""
    raw = email(frm=DANA, to=RAJ, subject="Re: Leeds pallet counts", body=LOTUS_REPLY)
    message = _store(store.engine, raw, "1", SNIPPETS, analyzer)
    _as_earlier_rules_left_it(store.engine, message.key, LOTUS_REPLY, analyzer)
    assert _row(store.engine, message.key).friction

    tally = reanalyse(store.engine, partial(rejudge, analyzer=analyzer))

    row = _row(store.engine, message.key)
    assert row.snippet == "Raj, the pallet counts for Leeds are in the shared sheet now.\n\nDana"
    assert row.own_chars == len(row.snippet)
    assert row.friction == []
    assert (tally.messages, tally.text_judged, tally.changed) == (1, 1, 1)
    assert tally.groups["own_text"] == 1 and tally.groups["cues"] == 1


NOTICE = "Your message to dana.w@acme-logistics.example could not be delivered."


def test_a_stored_bounce_from_a_postmaster_becomes_noise_without_its_body(store, analyzer) -> None:
    """GIVEN a failure notice from post_master@ stored as a person's mail, no snippets kept
    WHEN the store is re-analysed
    THEN it is a delivery report that waits for nobody, and its own text is reported unjudged."""
    raw = email(
        frm="Mail Administrator <post_master@acme-logistics.example>",
        to=ALICE,
        subject="Undeliverable: Q3 roadmap review",
        message_id="ndr-77@acme-logistics.example",
        body=NOTICE,
    )
    message = _store(store.engine, raw, "2", Privacy(), analyzer)
    with store.engine.begin() as connection:
        connection.execute(
            sa.update(messages)
            .where(messages.c.key == message.key)
            .values(
                noise=None,
                noise_reason=None,
                needs_reply=True,
                sentiment=-0.4,
                language="en",
                own_chars=len(NOTICE),
            )
        )

    tally = reanalyse(store.engine, partial(rejudge, analyzer=analyzer))

    row = _row(store.engine, message.key)
    assert row.noise == "delivery_report"
    assert row.needs_reply is False
    assert row.sentiment is None
    assert tally.new_noise == {"delivery_report": 1}
    assert tally.text_not_stored == 1


def test_noise_found_by_headers_that_are_not_stored_is_never_taken_back(store, analyzer) -> None:
    raw = email(
        frm=DANA,
        to=ALICE,
        subject="Acme Logistics news, June",
        message_id="news-6@acme-logistics.example",
        headers={"List-Id": "Acme news <news.acme-logistics.example>"},
        body="Our new Leeds warehouse opens on 1 July.",
    )
    message = _store(store.engine, raw, "3", SNIPPETS, analyzer)
    assert _row(store.engine, message.key).noise == "bulk"

    tally = reanalyse(store.engine, partial(rejudge, analyzer=analyzer))

    row = _row(store.engine, message.key)
    assert (row.noise, row.noise_reason) == ("bulk", message.noise_reason)
    assert tally.changed == 0


def test_mail_stored_under_todays_rules_is_left_exactly_as_ingest_wrote_it(store, analyzer) -> None:
    """Ingest and re-analysis write the judged columns through one function: a store judged by
    today's rules does not change, with or without snippets, in small batches."""
    bodies = [
        LOTUS_REPLY,
        "Hi Alice,\n\nWhy is the rollout plan still not here? This is the third time I ask.\n\nDana",
        "Thanks!",
        "Am 31.05.17 um 09:43 schrieb Alice Marsh:\n> Der Plan kommt morgen.\n\nDanke, bis dann.",
        "I am out of the office until 14 June with limited access to mail.",
    ]
    for index, body in enumerate(bodies):
        privacy = SNIPPETS if index % 2 else Privacy()
        raw = email(frm=DANA, to=ALICE, message_id=f"m{index}@acme-logistics.example", body=body)
        _store(store.engine, raw, str(index), privacy, analyzer)
    with store.engine.connect() as connection:
        before = connection.execute(sa.select(messages).order_by(messages.c.id)).all()

    tally = reanalyse(store.engine, partial(rejudge, analyzer=analyzer), batch=2)

    with store.engine.connect() as connection:
        after = connection.execute(sa.select(messages).order_by(messages.c.id)).all()
    assert tally.messages == len(bodies)
    assert tally.changed == 0
    assert after == before


def test_a_dry_run_counts_the_changes_and_writes_nothing(store, analyzer) -> None:
    raw = email(frm=DANA, to=RAJ, subject="Re: Leeds pallet counts", body=LOTUS_REPLY)
    message = _store(store.engine, raw, "1", SNIPPETS, analyzer)
    _as_earlier_rules_left_it(store.engine, message.key, LOTUS_REPLY, analyzer)

    dry = reanalyse(store.engine, partial(rejudge, analyzer=analyzer), dry_run=True)
    unchanged = _row(store.engine, message.key)
    real = reanalyse(store.engine, partial(rejudge, analyzer=analyzer))
    again = reanalyse(store.engine, partial(rejudge, analyzer=analyzer))

    assert unchanged.snippet == LOTUS_REPLY
    assert dry.changed == real.changed == 1
    assert again.changed == 0


def test_real_mail_stored_with_whole_snippets_is_judged_again_exactly_as_ingest_judged_it(
    store, analyzer
) -> None:
    """GIVEN real mail of many forms (Enron people, list mail, spam with control characters and
    odd charsets) stored with snippets long enough for the whole own text
    WHEN the store is re-analysed under the same rules
    THEN not one judged column changes: ingest and re-analysis cannot drift apart."""
    folders = {
        corpus("quagga") / "Datasets" / "Enron" / "annotated_all" / "train": "*.txt",
        corpus("spamassassin") / "easy_ham": "0001*",
        corpus("spamassassin") / "spam": "000*",
    }
    whole = Privacy(store_snippets=True, snippet_chars=100_000)
    items = []
    for folder, pattern in folders.items():
        for path in sorted(folder.glob(pattern))[:120]:
            message = from_raw(path.read_bytes(), analyzer=analyzer, privacy=whole)
            if isinstance(message, Message):
                items.append(Item(f"{folder.name}/{path.name}", message))
    with store.engine.begin() as connection:
        save_items(
            connection,
            account="alice",
            folder="INBOX",
            items=items,
            directory=team_config().directory(),
            now=NOW,
        )

    tally = reanalyse(store.engine, partial(rejudge, analyzer=analyzer), dry_run=True)

    assert tally.messages >= 200
    assert tally.text_judged == tally.messages
    assert tally.changed == 0, dict(tally.groups)


def test_a_message_a_sync_changes_while_it_is_judged_is_left_to_the_next_run(
    store, analyzer
) -> None:
    """GIVEN a Lotus Notes reply stored as earlier rules judged it
    WHEN a later copy with its References is merged in while the message is being judged
    THEN the merge stands, the stale judgement is not written, and the next run writes it."""
    raw = email(frm=DANA, to=RAJ, subject="Re: Leeds pallet counts", body=LOTUS_REPLY)
    message = _store(store.engine, raw, "1", SNIPPETS, analyzer)
    _as_earlier_rules_left_it(store.engine, message.key, LOTUS_REPLY, analyzer)

    def judge_while_a_copy_arrives(stored):  # type: ignore[no-untyped-def]
        with store.engine.begin() as connection:
            connection.execute(
                sa.update(messages)
                .where(messages.c.key == message.key)
                .values(refs=["counts-1@acme-logistics.example"], thread_id=None)
            )
        return rejudge(stored, analyzer)

    racing = reanalyse(store.engine, judge_while_a_copy_arrives)
    merged = _row(store.engine, message.key)
    later = reanalyse(store.engine, partial(rejudge, analyzer=analyzer))

    assert (racing.changed, racing.skipped) == (1, 1)
    assert merged.refs == ["counts-1@acme-logistics.example"]
    assert merged.snippet == LOTUS_REPLY
    assert (later.changed, later.skipped) == (1, 0)
    assert _row(store.engine, message.key).friction == []


def test_a_message_stored_before_friction_was_scored_gets_its_politeness_and_curtness(
    store, analyzer
) -> None:
    """GIVEN a curt client message stored whole by a version that kept no impoliteness,
    curtness or courtesy
    WHEN the store is re-analysed
    THEN those columns are filled in as ingest fills them today."""
    body = "Why is the Leeds report still missing? You need to explain this today."
    raw = email(frm=DANA, to=RAJ, subject="Leeds report", body=body)
    message = _store(store.engine, raw, "1", SNIPPETS, analyzer)
    today = _row(store.engine, message.key)
    assert today.curtness is not None and today.curtness > 0
    with store.engine.begin() as connection:
        connection.execute(
            sa.update(messages)
            .where(messages.c.key == message.key)
            .values(
                impoliteness=None, tone=None, curtness=None, courtesy=None, friction_evidence=None
            )
        )

    tally = reanalyse(store.engine, partial(rejudge, analyzer=analyzer))

    again = _row(store.engine, message.key)
    assert tally.groups["tone"] == 1 and tally.groups["cues"] == 1
    assert (again.impoliteness, again.tone, again.curtness, again.courtesy) == (
        today.impoliteness,
        today.tone,
        today.curtness,
        today.courtesy,
    )
    assert again.friction_evidence is not None
    assert again.friction_evidence == today.friction_evidence
