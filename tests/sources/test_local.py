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


def test_a_missing_path_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="nowhere: no such file or directory"):
        discover(tmp_path / "nowhere")
