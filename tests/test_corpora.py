"""Every public mail corpus beside the checkout is stored or quarantined, message by message.

The expected counts are computed here independently (files counted, mbox files split by the
standard library's ``mailbox`` module), not taken from relmon.
"""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.app.runtime import Runtime
from monitor.app.sync import ingest_paths
from monitor.store.schema import messages, quarantine
from tests.conftest import corpus
from tests.factories import team_config

pytestmark = [pytest.mark.corpus, pytest.mark.slow]
NOW = datetime(2026, 11, 20, tzinfo=UTC)
NOT_MAIL = ("README", "LICENSE", "LICENCE", "COPYING")
#: Reasons that say what is wrong; a generic parser failure would be a bug.
SPECIFIC = {
    "empty",
    "no_header_section",
    "no_sender",
    "null_sender",
    "no_date",
    "header_too_large",
    "unreadable_file",
    "message_id_conflict",  # notmuch's "duplicate" folder: other messages reusing an id
    "too_large",
}


def expected_messages(root: Path, *, suffix: str | None = None) -> int:
    total = 0
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name.startswith(".") or path.name.startswith(NOT_MAIL):
            continue
        if path.suffix in (".md", ".ann", ".json", ".csv", ".yaml") or (
            suffix and path.suffix != suffix
        ):
            continue
        with open(path, "rb") as handle:
            head = handle.read(5)
        # An .eml file is one message; other files starting with "From " are mbox files.
        total += (
            len(mailbox.mbox(str(path), create=False))
            if head == b"From " and path.suffix != ".eml"
            else 1
        )
    return total


CORPORA = {
    "spamassassin": ("spamassassin", None),
    "asf-ponymail": ("asf-ponymail/corpus", None),
    "quagga-enron": ("quagga/Datasets/Enron", ".txt"),
    "notmuch": ("notmuch/test/corpora", None),
    "flanker": ("flanker/tests/fixtures/messages", None),
    "sisimai": ("sisimai", None),
}


@pytest.mark.parametrize("name", list(CORPORA))
def test_every_corpus_message_is_stored_or_quarantined(name: str, tmp_path: Path, analyzer) -> None:
    relative, suffix = CORPORA[name]
    root = corpus(relative.split("/")[0]).parent / relative
    expected = expected_messages(root, suffix=suffix)
    runtime = Runtime.open(team_config(f"sqlite:///{tmp_path / 'relmon.db'}"), analyzer=analyzer)

    report = ingest_paths(runtime, [root], account=name, now=NOW)

    read = report.total("read")
    assert read == expected
    assert report.total("new") + report.total("known") + report.total("quarantined") == read
    with runtime.store.engine.connect() as connection:
        stored = connection.execute(sa.select(sa.func.count()).select_from(messages)).scalar_one()
        reasons = connection.execute(sa.select(quarantine.c.reason, quarantine.c.detail)).all()
    assert stored == report.total("new")
    assert {reason for reason, _ in reasons} <= SPECIFIC, reasons
    assert all(detail for _, detail in reasons)
    runtime.close()


def test_archives_of_the_same_list_deduplicate_by_message_id(tmp_path: Path, analyzer) -> None:
    root = corpus("asf-ponymail") / "corpus"
    unique_ids = set()
    for path in root.glob("*.mbox"):
        for message in mailbox.mbox(str(path), create=False):
            if message["message-id"]:
                unique_ids.add(message["message-id"].strip())
    runtime = Runtime.open(team_config(f"sqlite:///{tmp_path / 'relmon.db'}"), analyzer=analyzer)

    report = ingest_paths(runtime, [root], account="asf", now=NOW)

    # Three archivers hold the same months: far fewer messages than reads, about one per id.
    assert report.total("known") > report.total("new")
    assert abs(report.total("new") - len(unique_ids)) <= 5
    runtime.close()


def test_bounces_and_auto_replies_from_sisimai_are_noise(tmp_path: Path, analyzer) -> None:
    root = corpus("sisimai") / "maildir" / "bsd"
    runtime = Runtime.open(team_config(f"sqlite:///{tmp_path / 'relmon.db'}"), analyzer=analyzer)

    ingest_paths(runtime, [root], account="sisimai", now=NOW)

    with runtime.store.engine.connect() as connection:
        total, noise = connection.execute(
            sa.select(sa.func.count(), sa.func.count(messages.c.noise)).select_from(messages)
        ).one()
        sender_forms = connection.execute(
            sa.select(sa.func.count())
            .select_from(quarantine)
            .where(quarantine.c.reason.in_(("no_sender", "null_sender")))
        ).scalar_one()
    # Every file there is a bounce, a feedback report or an auto-reply; "MAILER-DAEMON <>" and
    # the other null-sender forms are delivery reports, not unreadable mail.
    assert noise / total > 0.99, f"only {noise} of {total} recognised as noise"
    assert sender_forms == 0
    runtime.close()
