"""Local mail in bounded memory: messages streamed one at a time, a size cap per message, and
mail stored on an earlier pass never parsed or analysed again."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.app.runtime import Runtime
from monitor.app.sync import ingest_paths, sync_account
from monitor.sources import local_source
from monitor.sources.local import MAX_MESSAGE_BYTES, read_mbox
from monitor.store.schema import messages, quarantine
from monitor.store.sink import StoreSink
from tests.factories import ALICE, DANA, RAJ, email, team_config
from tests.hostile import write_huge

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
MB = 1024 * 1024


def mbox_entry(raw: bytes, when: str = "Tue Jun  2 08:12:00 2026") -> bytes:
    return b"From dana@acme-logistics.example " + when.encode() + b"\n" + raw + b"\n"


def maildir(root: Path) -> Path:
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    return root / "cur"


def neighbours() -> tuple[bytes, bytes]:
    return (
        email(message_id="before@acme-logistics.example", subject="Pallet count"),
        email(frm=RAJ, message_id="after@acme-logistics.example", subject="Invoice 4471"),
    )


def test_an_mbox_line_without_an_end_is_read_in_bounded_pieces(tmp_path: Path) -> None:
    """GIVEN an mbox whose middle message is 24 MB on one line (no newline at all)
    WHEN it is read
    THEN every message comes back, and the long one is in memory once, not as a line too."""
    before, after = neighbours()
    long_line = b"X" * (24 * MB)
    mbox = tmp_path / "archive.mbox"
    mbox.write_bytes(
        mbox_entry(before)
        + mbox_entry(email(message_id="long@acme-logistics.example") + long_line + b"\n")
        + mbox_entry(after)
    )

    tracemalloc.start()
    try:
        sizes = []
        for message in read_mbox(mbox):
            assert message.raw is not None
            sizes.append(len(message.raw))
            message.raw = None
            del message
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert len(sizes) == 3 and sizes[1] > len(long_line)
    assert peak < 1.2 * sizes[1], f"peak {peak / MB:.1f} MB for a {sizes[1] / MB:.1f} MB message"


def test_a_file_without_a_single_newline_is_read_in_bounded_pieces(tmp_path: Path) -> None:
    mbox = tmp_path / "broken.mbox"
    mbox.write_bytes(b"From dana@acme-logistics.example Tue Jun  2 08:12:00 2026 " + b"Y" * 16 * MB)

    tracemalloc.start()
    try:
        found = [(m.raw, m.size) for m in read_mbox(mbox)]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # All of it is the "From " line: a message without headers or body, quarantined later.
    assert found == [(b"", 0)]
    assert peak < 2 * MB


def test_an_oversized_maildir_message_is_quarantined_with_its_size_and_neighbours_stored(
    tmp_path: Path, analyzer
) -> None:
    """GIVEN a maildir with a message over the size cap between two ordinary ones
    WHEN it is ingested
    THEN the big one is quarantined as too_large with its size and file name, never read,
    and both neighbours are stored."""
    cur = maildir(tmp_path / "Maildir")
    before, after = neighbours()
    (cur / "1780390320.M1P1.mx:2,S").write_bytes(before)
    big = cur / "1780390400.M2P1.mx:2,S"
    with open(big, "wb") as handle:
        handle.write(email(message_id="export@acme-logistics.example"))
        handle.truncate(MAX_MESSAGE_BYTES + 1)  # sparse: no disk, same size
    (cur / "1780390500.M3P1.mx:2,S").write_bytes(after)
    runtime = Runtime.open(team_config(f"sqlite:///{tmp_path / 'relmon.db'}"), analyzer=analyzer)

    report = ingest_paths(runtime, [tmp_path / "Maildir"], account="alice", now=NOW)

    with runtime.store.engine.connect() as connection:
        stored = set(connection.execute(sa.select(messages.c.message_id)).scalars())
        held = connection.execute(sa.select(quarantine)).one()
    runtime.close()
    assert stored == {"before@acme-logistics.example", "after@acme-logistics.example"}
    assert (held.reason, held.location, held.size) == (
        "too_large",
        "1780390400.M2P1.mx",
        MAX_MESSAGE_BYTES + 1,
    )
    assert f"{MAX_MESSAGE_BYTES + 1} bytes" in held.detail
    assert (report.total("new"), report.total("quarantined")) == (2, 1)


def test_a_local_accounts_second_pass_analyses_nothing(
    tmp_path: Path, analyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a maildir account and an mbox account, each with mail and one broken message
    WHEN the daemon's pass runs twice with nothing new
    THEN the second pass parses and analyses no message at all, and reports them known; the
    first asks the store about no message, as the folders hold none yet."""
    cur = maildir(tmp_path / "Maildir")
    before, after = neighbours()
    (cur / "1780390320.M1P1.mx:2,S").write_bytes(before)
    (cur / "1780390400.M2P1.mx:2,S").write_bytes(b"this is not mail\n")
    (cur / "1780390500.M3P1.mx:2,S").write_bytes(after)
    archive = tmp_path / "sent.mbox"
    archive.write_bytes(
        mbox_entry(email(frm=ALICE, to=DANA, message_id="reply@northwind-advisory.example"))
        + mbox_entry(b"garbage without headers")
    )
    accounts = "".join(
        f'\n[[accounts]]\nname = "{name}"\nkind = "{kind}"\npath = "{path}"\n'
        for name, kind, path in (
            ("alice-maildir", "maildir", tmp_path / "Maildir"),
            ("alice-sent", "mbox", archive),
        )
    )
    config = team_config(f"sqlite:///{tmp_path / 'relmon.db'}", extra=accounts)
    runtime = Runtime.open(config, analyzer=analyzer)
    analysed: list[int] = []
    real = local_source.from_raw

    def counting(raw: bytes, **kwargs: object):  # type: ignore[no-untyped-def]
        analysed.append(len(raw))
        return real(raw, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(local_source, "from_raw", counting)
    asked: list[str] = []
    known = StoreSink.known_locations

    def asking(sink: StoreSink, folder: str, locations):  # type: ignore[no-untyped-def]
        asked.extend(locations)
        return known(sink, folder, locations)

    monkeypatch.setattr(StoreSink, "known_locations", asking)

    first = [sync_account(runtime, account, now=NOW) for account in config.accounts]
    on_first, asked_first = len(analysed), len(asked)
    second = [sync_account(runtime, account, now=NOW) for account in config.accounts]
    runtime.close()

    assert on_first == 5
    assert asked_first == 0, "a folder read for the first time was asked about each message"
    assert len(asked) == 5
    assert len(analysed) == on_first, "the second pass analysed mail stored on the first"
    assert [r.total("new") + r.total("quarantined") for r in first] == [3, 2]
    assert [(r.total("new"), r.total("known"), r.total("quarantined")) for r in second] == [
        (0, 3, 0),
        (0, 2, 0),
    ]


_CHILD = textwrap.dedent(
    """
    import json, resource, sys
    from datetime import UTC, datetime
    from pathlib import Path

    resource.setrlimit(resource.RLIMIT_AS, (1024 ** 3, 1024 ** 3))
    from monitor.app.runtime import Runtime
    from monitor.app.sync import ingest_paths
    from tests.factories import team_config

    root = Path(sys.argv[1])
    runtime = Runtime.open(team_config(f"sqlite:///{root / 'relmon.db'}"))
    report = ingest_paths(
        runtime, [root / "Maildir", root / "archive.mbox"], account="alice",
        now=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
    )
    print(json.dumps({f.folder: [f.new, f.quarantined] for f in report.folders}))
    """
)


@pytest.mark.slow
def test_a_600_mb_message_under_a_1_gb_memory_limit_is_quarantined_and_neighbours_stored(
    tmp_path: Path,
) -> None:
    """GIVEN a 600 MB message between two ordinary ones, in a maildir and in an mbox
    WHEN a process limited to 1 GB of address space ingests both
    THEN each 600 MB message is quarantined with its size and all four neighbours are stored."""
    before, after = neighbours()
    cur = maildir(tmp_path / "Maildir")
    (cur / "1780390320.M1P1.mx:2,S").write_bytes(before)
    huge = write_huge(tmp_path / "Maildir")
    (cur / "1780390500.M3P1.mx:2,S").write_bytes(after)
    with open(tmp_path / "archive.mbox", "wb") as mbox:
        mbox.write(mbox_entry(email(message_id="b2@acme-logistics.example")))
        mbox.write(b"From dana@acme-logistics.example Tue Jun  2 09:00:00 2026\n")
        with open(huge, "rb") as source:
            while block := source.read(8 * MB):
                mbox.write(block)
        mbox.write(b"\n" + mbox_entry(email(message_id="a2@acme-logistics.example")))

    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=Path(__file__).resolve().parents[2],
    )

    assert child.returncode == 0, child.stderr[-2000:]
    assert json.loads(child.stdout.splitlines()[-1]) == {"INBOX": [2, 1], "archive.mbox": [2, 1]}
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'relmon.db'}")
    with engine.connect() as connection:
        held = connection.execute(sa.select(quarantine.c.reason, quarantine.c.size)).all()
    engine.dispose()
    size = huge.stat().st_size  # in the mbox, with the blank line before the next "From "
    assert sorted(held) == [("too_large", size), ("too_large", size + 1)]


def test_running_out_of_memory_on_one_message_quarantines_it_and_the_next_is_stored(
    tmp_path: Path, analyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    cur = maildir(tmp_path / "Maildir")
    before, after = neighbours()
    (cur / "1780390320.M1P1.mx:2,S").write_bytes(before)
    (cur / "1780390400.M2P1.mx:2,S").write_bytes(email(message_id="bomb@acme-logistics.example"))
    (cur / "1780390500.M3P1.mx:2,S").write_bytes(after)
    real = local_source.from_raw

    def exhausted(raw: bytes, **kwargs: object):  # type: ignore[no-untyped-def]
        if b"bomb@" in raw:
            raise MemoryError
        return real(raw, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(local_source, "from_raw", exhausted)
    runtime = Runtime.open(team_config(f"sqlite:///{tmp_path / 'relmon.db'}"), analyzer=analyzer)

    report = ingest_paths(runtime, [tmp_path / "Maildir"], account="alice", now=NOW)
    runtime.close()

    assert (report.total("new"), report.total("quarantined")) == (2, 1)
