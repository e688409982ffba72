"""Local mailboxes: maildir trees, mbox files, folders of .eml files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.errors import IngestError
from monitor.sources.local import discover, read_folder, read_mbox
from tests.factories import ALICE, DANA, email


def mbox_entry(raw: bytes, when: str = "Tue Jun  2 08:12:00 2026") -> bytes:
    return (
        b"From dana.whitfield@acme-logistics.example "
        + when.encode()
        + b"\n"
        + raw.replace(b"\r\n", b"\n")
        + b"\n"
    )


def test_a_maildir_tree_with_subfolders_is_found_folder_by_folder(tmp_path: Path) -> None:
    for folder in ("", ".Sent", ".Clients.Acme"):
        for sub in ("cur", "new", "tmp"):
            (tmp_path / folder / sub).mkdir(parents=True, exist_ok=True)
    (tmp_path / "cur" / "1780390320.M1P1.mx:2,S").write_bytes(email())
    (tmp_path / ".Sent" / "cur" / "1780400000.M2P1.mx:2,S").write_bytes(
        email(frm=ALICE, to=DANA, message_id="sent@x")
    )

    folders = {f.name: f for f in discover(tmp_path)}

    assert set(folders) == {"INBOX", ".Sent", ".Clients.Acme"}
    inbox = list(read_folder(folders["INBOX"]))
    assert [m.location for m in inbox] == ["1780390320.M1P1.mx"]
    assert inbox[0].delivered_at == datetime.fromtimestamp(1780390320, UTC)


def test_an_mbox_file_yields_every_message_and_unescapes_from_lines(tmp_path: Path) -> None:
    body = (
        "Hi Alice,\n\nFrom what I heard the board liked it.\n>From the minutes: approved.\n\nDana"
    )
    mbox = tmp_path / "acme.mbox"
    mbox.write_bytes(
        mbox_entry(
            email(body=body.replace("\nFrom ", "\n>From ").replace("\n>From the", "\n>>From the"))
        )
        + mbox_entry(email(message_id="second@acme-logistics.example"), "Wed Jun  3 10:00:00 2026")
    )

    found = list(read_mbox(mbox))

    assert len(found) == 2
    assert b"\nFrom what I heard" in found[0].raw
    assert b"\n>From the minutes" in found[0].raw
    assert found[1].delivered_at == datetime(2026, 6, 3, 10, 0, tzinfo=UTC)
    assert found[0].location != found[1].location


def test_loose_message_files_skip_licences_and_annotations(tmp_path: Path) -> None:
    (tmp_path / "0001.eml").write_bytes(email())
    (tmp_path / "README.md").write_text("# Sample mail\n")
    (tmp_path / "0001.eml.ann").write_text("{}")
    (tmp_path / "LICENSE").write_text("Apache License")

    folders = discover(tmp_path)

    assert [(f.kind, [p.name for p in f.files]) for f in folders] == [("files", ["0001.eml"])]


def test_the_housekeeping_files_of_mail_servers_beside_a_maildir_are_not_mail(
    tmp_path: Path,
) -> None:
    """GIVEN a maildir tree as Dovecot and Python's mailbox module leave it: folder marks,
    indexes, UID lists and subscriptions beside cur/ and new/, and one message saved there
    by hand
    WHEN it is read
    THEN the maildirs hold the mail, the hand-saved message is read, and none of the
    housekeeping files is taken (or quarantined) as a message."""
    for folder in ("", ".Sent"):
        for sub in ("cur", "new", "tmp"):
            (tmp_path / folder / sub).mkdir(parents=True, exist_ok=True)
        for name in (
            "dovecot-uidlist",
            "dovecot.index",
            "dovecot.index.cache",
            "dovecot.index.log",
            "dovecot-keywords",
            "dovecot-uidvalidity.5f3a2b1c",
            "maildirsize",
        ):
            (tmp_path / folder / name).write_bytes(b"3 V1700000000 N5\n")
    (tmp_path / ".Sent" / "maildirfolder").write_bytes(b"")
    (tmp_path / "subscriptions").write_text("Sent\n")
    (tmp_path / "cur" / "1780390320.M1P1.mx:2,S").write_bytes(email())
    (tmp_path / "saved-by-hand.eml").write_bytes(email(message_id="by-hand@acme-logistics.example"))

    folders = {(f.name, f.kind): [p.name for p in f.files] for f in discover(tmp_path)}

    assert folders == {
        ("INBOX", "maildir"): [],
        (tmp_path.name, "files"): ["saved-by-hand.eml"],
        (".Sent", "maildir"): [],
    }


def test_a_missing_path_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="nowhere: no such file or directory"):
        discover(tmp_path / "nowhere")
