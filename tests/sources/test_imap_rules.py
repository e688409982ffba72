"""The pure rules behind IMAP sync: which folders are read, when a folder counts as unchanged or
must be read again, how BODYSTRUCTURE maps to the MIME tree, how reconnects back off."""

from __future__ import annotations

from monitor.sources.imap import Snapshot, resync_reason, text_part_groups, uid_windows, unchanged
from monitor.sources.imap_conn import Backoff
from monitor.sources.imap_folders import ListedFolder, choose_folders
from monitor.sources.imap_mime import structure_from_bodystructure
from monitor.store.sources import FolderState


def folder(name: str, *flags: bytes, delimiter: str = "/") -> ListedFolder:
    return ListedFolder(name=name, flags=frozenset(f.lower() for f in flags), delimiter=delimiter)


def read(choices) -> list[tuple[str, str]]:
    return [(c.name, c.role) for c in choices if not c.skipped]


def test_special_use_folders_are_read_or_skipped_by_their_attribute() -> None:
    listed = [
        folder("INBOX"),
        folder("Gesendet", b"\\Sent"),
        folder("Papierkorb", b"\\Trash"),
        folder("Spam", b"\\Junk"),
        folder("Entwürfe", b"\\Drafts"),
        folder("Kunden/Acme"),
        folder("Archiv", b"\\Archive"),
    ]

    choices = choose_folders(listed, gmail=False)

    assert read(choices) == [
        ("INBOX", "inbox"),
        ("Gesendet", "sent"),
        ("Archiv", "other"),
        ("Kunden/Acme", "other"),
    ]
    assert {c.name: c.skipped for c in choices if c.skipped} == {
        "Entwürfe": "drafts (not sent)",
        "Papierkorb": "deleted mail",
        "Spam": "junk mail",
    }


def test_exchange_folders_without_attributes_are_recognised_by_name() -> None:
    listed = [
        folder("INBOX"),
        folder("Sent Items"),
        folder("Deleted Items"),
        folder("Junk Email"),
        folder("Drafts"),
        folder("Projects/Sent"),
        folder("Clients"),
    ]

    choices = choose_folders(listed, gmail=False)

    assert read(choices) == [
        ("INBOX", "inbox"),
        ("Sent Items", "sent"),
        ("Clients", "other"),
        ("Projects/Sent", "other"),
    ]
    assert next(c for c in choices if c.name == "Sent Items").found_by == "name"


def test_name_fallback_is_not_used_when_the_server_marks_a_sent_folder() -> None:
    choices = choose_folders(
        [folder("INBOX"), folder("Sent"), folder("Outbox Copies", b"\\Sent")], gmail=False
    )

    assert [(c.name, c.role) for c in choices if c.role == "sent"] == [("Outbox Copies", "sent")]


def test_gmail_all_mail_replaces_inbox_sent_and_labels() -> None:
    listed = [
        folder("INBOX"),
        folder("[Gmail]", b"\\Noselect"),
        folder("[Gmail]/All Mail", b"\\All"),
        folder("[Gmail]/Sent Mail", b"\\Sent"),
        folder("[Gmail]/Spam", b"\\Junk"),
        folder("[Gmail]/Important", b"\\Important"),
        folder("Clients/Acme"),
    ]

    choices = choose_folders(listed, gmail=True)

    assert read(choices) == [("[Gmail]/All Mail", "all")]
    assert "All Mail" in (next(c for c in choices if c.name == "INBOX").skipped or "")


def test_configured_patterns_choose_among_the_readable_folders() -> None:
    listed = [
        folder("INBOX"),
        folder("Sent", b"\\Sent"),
        folder("Клиенты/Ромашка"),
        folder("Personal"),
    ]

    choices = choose_folders(listed, gmail=False, wanted=lambda name: name != "Personal")

    assert read(choices) == [("INBOX", "inbox"), ("Sent", "sent"), ("Клиенты/Ромашка", "other")]


def state(**values) -> FolderState:
    base = {
        "account": "alice",
        "folder": "INBOX",
        "uidvalidity": 7,
        "last_uid": 120,
        "highestmodseq": 900,
        "exists_count": 118,
    }
    return FolderState(**{**base, **values})


def test_a_folder_is_unchanged_only_when_every_counter_agrees() -> None:
    same = Snapshot(uidvalidity=7, uidnext=121, exists=118, highestmodseq=900)

    assert unchanged(state(), same)
    assert not unchanged(state(), Snapshot(7, 122, 119, 901))  # new mail
    assert not unchanged(state(), Snapshot(7, 121, 117, 901))  # an expunge
    assert not unchanged(state(), Snapshot(7, 121, 118, 905))  # a flag changed
    assert not unchanged(state(), Snapshot(8, 121, 118, 900))  # a new UIDVALIDITY
    assert not unchanged(None, same)
    assert unchanged(state(highestmodseq=None), Snapshot(7, 121, 118, None))  # no CONDSTORE


def test_only_a_new_uidvalidity_asks_for_a_full_resync() -> None:
    assert resync_reason(state(), Snapshot(7, 130, 120, 950)) is None
    assert resync_reason(None, Snapshot(7, 130, 120, 950)) is None
    assert resync_reason(state(), Snapshot(9, 5, 4, 10)) == "UIDVALIDITY changed from 7 to 9"


def test_uid_searches_are_split_into_windows() -> None:
    assert list(uid_windows(1, 120_000, 50_000)) == [
        (1, 50_000),
        (50_001, 100_000),
        (100_001, 120_000),
    ]
    assert list(uid_windows(5, 4)) == []


def test_text_parts_are_fetched_once_per_layout() -> None:
    groups = text_part_groups(
        [(1, ["1"]), (2, ["1.1", "1.2"]), (3, ["1"]), (4, []), (5, ["1.1", "1.2"])]
    )

    assert groups == {("1",): [1, 3], ("1.1", "1.2"): [2, 5]}


def test_bodystructure_of_a_reply_with_html_and_a_pdf() -> None:
    body = (
        [
            (
                [
                    (
                        b"TEXT",
                        b"PLAIN",
                        (b"CHARSET", b"utf-8"),
                        None,
                        None,
                        b"QUOTED-PRINTABLE",
                        812,
                        20,
                        None,
                        None,
                        None,
                        None,
                    ),
                    (
                        b"TEXT",
                        b"HTML",
                        (b"CHARSET", b"utf-8"),
                        None,
                        None,
                        b"BASE64",
                        2210,
                        29,
                        None,
                        None,
                        None,
                        None,
                    ),
                ],
                b"ALTERNATIVE",
                (b"BOUNDARY", b"alt"),
                None,
                None,
                None,
            ),
            (
                b"APPLICATION",
                b"PDF",
                (b"NAME", b"plan.pdf"),
                None,
                None,
                b"BASE64",
                402112,
                None,
                (b"ATTACHMENT", (b"FILENAME", b"plan.pdf")),
                None,
                None,
            ),
        ],
        b"MIXED",
        (b"BOUNDARY", b"mix"),
        None,
        None,
        None,
    )

    structure = structure_from_bodystructure(body)

    assert structure.content_type == "multipart/mixed"
    assert [(p.path, p.content_type, p.encoding) for p in structure.parts] == [
        ("1.1", "text/plain", "quoted-printable"),
        ("1.2", "text/html", "base64"),
        ("2", "application/pdf", "base64"),
    ]
    assert [p.path for p in structure.text_parts()] == ["1.1", "1.2"]
    assert (
        structure.parts[2].is_attachment
        and structure.parts[2].filename == "plan.pdf"
        and structure.has_attachments
    )


def test_bodystructure_of_a_delivery_report_keeps_its_report_type() -> None:
    body = (
        [
            (
                b"TEXT",
                b"PLAIN",
                (b"CHARSET", b"us-ascii"),
                None,
                None,
                b"7BIT",
                300,
                8,
                None,
                None,
                None,
                None,
            ),
            (
                b"MESSAGE",
                b"DELIVERY-STATUS",
                None,
                None,
                None,
                b"7BIT",
                400,
                None,
                None,
                None,
                None,
            ),
            (
                b"MESSAGE",
                b"RFC822",
                None,
                None,
                None,
                b"7BIT",
                900,
                (None,) * 10,
                (b"TEXT", b"PLAIN", None, None, None, b"7BIT", 10, 1),
                30,
                None,
                None,
                None,
                None,
            ),
        ],
        b"REPORT",
        (b"REPORT-TYPE", b"delivery-status", b"BOUNDARY", b"r"),
        None,
        None,
        None,
    )

    structure = structure_from_bodystructure(body)

    assert structure.report_type == "delivery-status"
    assert [p.content_type for p in structure.parts] == [
        "text/plain",
        "message/delivery-status",
        "message/rfc822",
    ]
    assert [p.path for p in structure.text_parts()] == ["1"]


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    draws = iter([0.0, 1.0, 0.5, 0.0, 1.0, 1.0])
    backoff = Backoff(base=1.0, cap=5.0, rng=lambda: next(draws))

    delays = [backoff.next_delay() for _ in range(6)]

    assert delays == [0.5, 2.0, 3.0, 2.5, 5.0, 5.0]
    backoff.reset()
    assert backoff.failures == 0


def test_gmail_says_which_messages_of_all_mail_we_sent() -> None:
    """On Gmail, All Mail holds sent and received mail alike; the \\Sent label tells them apart."""
    from monitor.sources.imap_fetch import _headed, _header_items

    def fetched(labels: tuple) -> bool:
        data = {b"BODY[HEADER]": b"From: a@b.example\r\n\r\n", b"X-GM-LABELS": labels}
        return _headed(7, data, 65536, {}).sent

    assert "X-GM-LABELS" in _header_items(gmail=True)
    assert "X-GM-LABELS" not in _header_items(gmail=False)
    assert fetched((b"\\Sent", b"\\Important")) is True
    assert fetched(("\\Inbox", "Clients/Acme")) is False
    assert fetched(()) is False
