"""The command line, end to end through click: help, configuration, ingest, queries, export."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from monitor.cli import cli
from tests.factories import ALICE, BEN, CONFIG, DANA, JANA, SAM, email

ROOT = Path(__file__).resolve().parents[2]
LONDON = timezone(timedelta(hours=1))


def all_commands(group: click.Group, prefix: str = "relmon") -> list[tuple[str, click.Command]]:
    found = []
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, name
        path = f"{prefix} {name}"
        found.append((path, command))
        if isinstance(command, click.Group):
            found.extend(all_commands(command, path))
    return found


COMMANDS = all_commands(cli)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_has_help_with_an_example(path: str, command: click.Command) -> None:
    help_text = command.help or ""

    assert len(help_text.strip()) > 20, f"{path} has no help"
    if not isinstance(command, click.Group) or command.invoke_without_command:
        assert "Example:" in help_text, f"{path} has no example in its help"


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_is_documented_in_the_readme(path: str, command: click.Command) -> None:
    assert f"`{path}" in (ROOT / "README.md").read_text(encoding="utf-8"), (
        f"README does not document {path}"
    )


@pytest.fixture
def setup(tmp_path: Path) -> tuple[CliRunner, Path, Path]:
    """A configuration for Acme and Falkenberg and a maildir with a few weeks of their mail."""
    config = tmp_path / "relmon.toml"
    config.write_text(CONFIG + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n')
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    messages = {
        "1.M1:2,S": email(date=datetime(2026, 6, 2, 9, 12, tzinfo=LONDON)),
        "2.M2:2,S": email(
            frm=ALICE,
            to=DANA,
            subject="Re: Q3 roadmap review",
            message_id="roadmap-2@northwind-advisory.example",
            in_reply_to="roadmap-1@acme-logistics.example",
            date=datetime(2026, 6, 2, 15, 40, tzinfo=LONDON),
            body="Hi Dana,\n\nThe revised plan is attached; the pilot moves to week 34.\n\nBest,\nAlice",
        ),
        "3.M3:2,S": email(
            frm=DANA,
            to=ALICE,
            subject="Re: Q3 roadmap review",
            message_id="roadmap-3@acme-logistics.example",
            in_reply_to="roadmap-2@northwind-advisory.example",
            references=["roadmap-1@acme-logistics.example", "roadmap-2@northwind-advisory.example"],
            date=datetime(2026, 6, 8, 10, 5, tzinfo=LONDON),
            body="Hi Alice,\n\nThe board asked whether week 34 still leaves time for the scanner training. Can you confirm?\n\nDana",
        ),
        "4.M4:2,S": email(
            frm=DANA,
            to=ALICE,
            subject="Automatic reply: Invoice 2026-114",
            message_id="ooo@acme-logistics.example",
            headers={"Auto-Submitted": "auto-replied"},
            date=datetime(2026, 6, 9, 8, 0, tzinfo=LONDON),
            body="I am out of the office until 15 June with limited access to email.",
        ),
        "5.M5:2,S": email(
            frm=JANA,
            to=BEN,
            subject="Frage zum Workshop",
            message_id="ws-1@mail.gmail.com",
            date=datetime(2026, 6, 10, 14, 0, tzinfo=LONDON),
            body="Hallo Herr Okafor,\n\nkönnen Sie mir erklären, was in der Discovery-Phase genau passiert?\n\nViele Grüße\nJana Becker",
        ),
        "6.M6:2,S": email(
            frm=SAM,
            to=ALICE,
            subject="Data platform",
            message_id="lumen-1@lumen-analytics.example",
            date=datetime(2026, 6, 11, 9, 0, tzinfo=LONDON),
            body="Hi Alice,\n\nWould you be open to a call about our data platform next week?\n\nSam",
        ),
        "7.M7:2,S": email(
            frm=ALICE,
            to=SAM,
            subject="Re: Data platform",
            message_id="lumen-2@northwind-advisory.example",
            in_reply_to="lumen-1@lumen-analytics.example",
            date=datetime(2026, 6, 11, 12, 0, tzinfo=LONDON),
            body="Hi Sam,\n\nHappy to. Tuesday 14:00 works for me.\n\nAlice",
        ),
        "8.M8:2,S": b"This is not an email, just a stray note.\n",
    }
    # Our own mail is in the Sent folder (Maildir++ ".Sent"), as a mail client keeps it.
    sent = maildir / ".Sent"
    for sub in ("cur", "new", "tmp"):
        (sent / sub).mkdir(parents=True)
    for name, raw in messages.items():
        ours = raw.startswith(f"From: {ALICE}".encode())
        (sent if ours else maildir).joinpath("cur", name).write_bytes(raw)
    return CliRunner(), config, maildir


def run(runner: CliRunner, config: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
    return result.exit_code, result.stdout


def test_config_check_prints_the_configuration_and_passes(setup) -> None:
    runner, config, _ = setup

    code, output = run(runner, config, "config", "check", "--json")

    assert code == 0
    data = json.loads(output)
    assert data["ok"] is True
    assert [c["name"] for c in data["config"]["clients"]] == [
        "Acme Logistics",
        "Falkenberg Maschinenbau",
    ]


def test_config_check_says_where_each_mailbox_is_read_and_how_safely(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("RELMON_TEST_IMAP_PASSWORD", "correct horse battery staple")
    config = tmp_path / "relmon.toml"
    accounts = "".join(
        f'\n[[accounts]]\nname = "{name}"\nkind = "imap"\nhost = "{host}"\n'
        f'username = "alice.marsh@northwind-advisory.example"\n{extra}'
        'password_env = "RELMON_TEST_IMAP_PASSWORD"\n'
        for name, host, extra in (
            ("alice", "imap.gmail.com", ""),
            ("lab", "127.0.0.1", 'port = 1143\nsecurity = "plain"\ninsecure = true\n'),
        )
    )
    config.write_text(CONFIG + accounts + f'\n[store]\nurl = "sqlite:///{tmp_path / "r.db"}"\n')

    result = CliRunner().invoke(cli, ["--config", str(config), "config", "check"])

    assert result.exit_code == 0, result.output
    alice = "alice.marsh@northwind-advisory.example"
    assert f"account 'alice' kind imap {alice} imap.gmail.com:993 over TLS\n" in result.output
    assert f"account 'lab' kind imap {alice} 127.0.0.1:1143 over plaintext (insecure)\n" in (
        result.output
    )


def test_config_check_says_who_is_emailed_and_whether_anything_is_sent(tmp_path: Path) -> None:
    """Before going live: the sender, the relay, the dry run, quiet hours, the operators and
    the weekly report, read from the check, not guessed from the file."""
    config = tmp_path / "relmon.toml"
    base = CONFIG + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n'
    config.write_text(base)
    silent = CliRunner().invoke(cli, ["--config", str(config), "config", "check"])
    config.write_text(
        base
        + '\n[alerts]\nfrom = "relmon@northwind-advisory.example"\ndry_run = true\n'
        + 'quiet_hours = "20:00-07:00"\noperator = ["it@northwind-advisory.example"]\n'
        + '\n[smtp]\nhost = "smtp.northwind-advisory.example"\nport = 587\nsecurity = "starttls"\n'
        + '\n[reports]\nweekly = "monday 08:00"\n'
    )

    told = CliRunner().invoke(cli, ["--config", str(config), "config", "check"])

    assert silent.exit_code == 0 and told.exit_code == 0, told.output
    assert "alert emails: none are sent (no [alerts] from)" in silent.output
    said = " ".join(told.output.split())
    assert "alert emails from relmon@northwind-advisory.example to each client's owner" in said
    assert "held until `relmon alerts go-live`" in said and "quiet hours 20:00-07:00" in said
    assert "smtp smtp.northwind-advisory.example:587 (starttls)" in said
    assert "operators (accounts that fail): it@northwind-advisory.example" in said
    assert "weekly report: Monday 08:00 (owners' zones)" in said
    assert (
        "dashboard: not served by relmon run ([web] enabled = false); relmon web serves it on "
        "127.0.0.1:8080" in said
    )
    assert "retention: mail kept until deleted by hand" in said


def test_config_check_says_what_a_short_retention_costs_the_measures(tmp_path: Path) -> None:
    config = tmp_path / "relmon.toml"
    store = f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n'
    config.write_text(CONFIG + store + "\n[privacy]\nretention_days = 30\n")

    said = " ".join(
        CliRunner().invoke(cli, ["--config", str(config), "config", "check"]).output.split()
    )

    assert "retention: mail older than 30 days deleted nightly" in said
    assert "relmon reads up to 180 days back" in said and "with 30 days" in said


def test_config_check_fails_and_names_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "relmon.toml"
    bad.write_text(
        CONFIG.replace('timezone = "Europe/London"', 'timezone = "Atlantis/Capital"').replace(
            'owner = "ben.okafor', 'ownr = "ben.okafor'
        )
    )

    result = CliRunner().invoke(cli, ["--config", str(bad), "config", "check"])

    assert result.exit_code == 1
    assert "team.timezone: unknown time zone 'Atlantis/Capital'" in result.output
    assert "clients[1].ownr: unknown key; did you mean 'owner'?" in result.output
    assert str(bad) in result.output


def test_config_check_masks_secrets_and_reports_unreadable_ones(tmp_path: Path) -> None:
    from monitor.config import Secret

    shown = Secret(key="accounts[0].password", env="RELMON_IMAP_PASSWORD").describe()

    assert shown == "******** (from env $RELMON_IMAP_PASSWORD)"


@pytest.mark.parametrize("as_json", [False, True])
def test_config_check_never_prints_a_password_given_in_the_store_url(
    tmp_path: Path, as_json: bool
) -> None:
    config = tmp_path / "relmon.toml"
    config.write_text(
        CONFIG
        + '\n[store]\nurl = "postgresql://relmon@db.internal/relmon'
        + '?sslmode=require&password=hunter2"\n'
    )

    result = CliRunner().invoke(
        cli, ["--config", str(config), "config", "check", *(["--json"] if as_json else [])]
    )

    assert result.exit_code == 1
    assert "hunter2" not in result.output
    assert "store.url: the URL carries a password" in result.output


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://relmon:pa/ss-S3cr3t@db.internal:5432/relmon",
        "postgresql://relmon:p@ss-S3cr3t@db.internal/relmon?sslmode=require",
        "mysql://relmon:pa/ss-S3cr3t@db.internal/relmon",
    ],
    ids=["slash", "at-sign", "unsupported-scheme"],
)
def test_a_password_holding_a_slash_or_an_at_sign_is_found_and_never_printed(
    tmp_path: Path, url: str
) -> None:
    config = tmp_path / "relmon.toml"
    config.write_text(CONFIG + f'\n[store]\nurl = "{url}"\n')

    result = CliRunner().invoke(cli, ["--config", str(config), "config", "check"])

    assert result.exit_code == 1
    assert "S3cr3t" not in result.output
    assert "store.url:" in result.output


def test_ingest_reports_per_folder_counts_and_is_idempotent(setup) -> None:
    runner, config, maildir = setup

    code, output = run(runner, config, "ingest", str(maildir), "--account", "alice", "--json")
    again_code, again = run(runner, config, "ingest", str(maildir), "--account", "alice", "--json")

    assert code == 0 and again_code == 0
    first, second = json.loads(output)["totals"], json.loads(again)["totals"]
    assert first == {"read": 8, "new": 7, "known": 0, "quarantined": 1, "excluded": 0}
    # The quarantined message too is recognised by its place, not read again.
    assert second == {"read": 8, "new": 0, "known": 8, "quarantined": 0, "excluded": 0}


def _alices_answer(**fields: object) -> bytes:
    """Alice's answer to Dana's question about the pallet count."""
    return email(
        frm=ALICE,
        to=DANA,
        subject="Re: Pallet count",
        body="Hi Dana,\n\nThe count is 412 pallets, confirmed this morning.\n\nAlice",
        date=datetime(2026, 6, 2, 11, 40, tzinfo=LONDON),
        message_id="pallets-reply@northwind-advisory.example",
        **fields,
    )


@pytest.mark.parametrize("name", ["acme-2026.mbox", "Sent.mbox"])
def test_our_replies_in_an_mbox_not_named_sent_are_named_as_not_counted(
    tmp_path: Path, name: str
) -> None:
    """Alice exported one mbox holding Dana's question and her own answer: without a Sent
    folder, nothing shows the answer is hers, so it does not close the wait. The ingest says
    so, and how to fix it, instead of leaving Acme to look unanswered for no visible reason."""
    config = tmp_path / "relmon.toml"
    config.write_text(CONFIG + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n')
    question = email(subject="Pallet count", date=datetime(2026, 6, 2, 9, 12, tzinfo=LONDON))
    answer = _alices_answer(in_reply_to="roadmap-1@acme-logistics.example")
    mbox = tmp_path / name
    mbox.write_bytes(
        b"".join(
            b"From - Tue Jun  2 10:00:00 2026\n" + m.replace(b"\r\n", b"\n") + b"\n"
            for m in (question, answer)
        )
    )

    other = tmp_path / "other.toml"  # a second store: read again, the mail is known by place
    other.write_text(CONFIG + f'\n[store]\nurl = "sqlite:///{tmp_path / "other.db"}"\n')

    code, output = run(CliRunner(), config, "ingest", str(mbox), "--account", "alice")
    _, listed = run(CliRunner(), other, "ingest", str(mbox), "--account", "alice", "--json")

    said = "1 message from our own addresses not counted as ours"
    assert code == 0
    if name == "Sent.mbox":
        assert said not in output and json.loads(listed)["folders"][0]["unproven_ours"] == 0
    else:
        assert said in " ".join(output.split()) and "Sent.mbox" in output
        assert json.loads(listed)["folders"][0]["unproven_ours"] == 1


def test_our_reply_in_a_maildir_inbox_is_named_as_not_counted_with_maildir_advice(
    tmp_path: Path,
) -> None:
    config = tmp_path / "relmon.toml"
    config.write_text(CONFIG + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n')
    answer = _alices_answer()
    inbox = tmp_path / "alice" / "INBOX"
    for part in ("cur", "new", "tmp"):
        (inbox / part).mkdir(parents=True)
    (inbox / "cur" / "1764669600.1.host:2,S").write_bytes(answer)

    code, output = run(CliRunner(), config, "ingest", str(tmp_path / "alice"), "--account", "a")

    said = " ".join(output.split())
    assert code == 0 and "1 message from our own addresses not counted as ours" in said
    assert "maildir folder named Sent" in said and "Sent.mbox" not in said


def test_a_copy_of_our_reply_already_counted_from_sent_is_not_named_as_not_counted(
    tmp_path: Path,
) -> None:
    """Alice's answer, read from her Sent folder first, and again from an archive where she had
    copied herself in: it is counted as hers, and the second ingest does not say it is not."""
    config = tmp_path / "relmon.toml"
    config.write_text(CONFIG + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n')
    answer = _alices_answer(cc=[ALICE], in_reply_to="roadmap-1@acme-logistics.example")
    entry = b"From - Tue Jun  2 12:00:00 2026\n" + answer.replace(b"\r\n", b"\n") + b"\n"
    (tmp_path / "Sent.mbox").write_bytes(entry)
    (tmp_path / "acme-2026.mbox").write_bytes(entry)

    run(CliRunner(), config, "ingest", str(tmp_path / "Sent.mbox"), "--account", "alice")
    _, listed = run(
        CliRunner(), config, "ingest", str(tmp_path / "acme-2026.mbox"), "--account", "alice"
    )
    _, again = run(
        CliRunner(),
        config,
        "ingest",
        str(tmp_path / "acme-2026.mbox"),
        "--account",
        "alice-archive",
        "--json",
    )

    assert "not counted as ours" not in listed
    assert json.loads(again)["folders"][0]["unproven_ours"] == 0


def test_a_gzipped_mbox_is_refused_with_what_to_do_and_one_in_a_folder_is_quarantined_so(
    tmp_path: Path,
) -> None:
    """An archive of mail is not broken mail: relmon says to unpack it, and nothing is lost."""
    import gzip

    config = tmp_path / "relmon.toml"
    config.write_text(CONFIG + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n')
    mbox = b"From - Tue Jun  2 10:00:00 2026\n" + email().replace(b"\r\n", b"\n") + b"\n"
    archive = tmp_path / "acme-2026.mbox.gz"
    archive.write_bytes(gzip.compress(mbox))
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "acme-2026.mbox.gz").write_bytes(gzip.compress(mbox))
    (folder / "question.eml").write_bytes(email())
    runner = CliRunner()

    refused = runner.invoke(cli, ["--config", str(config), "ingest", str(archive)])
    code, read = run(runner, config, "ingest", str(folder), "--json")
    _, quarantined = run(runner, config, "export", "--quarantined", "--json")

    assert refused.exit_code != 0
    said = " ".join(refused.output.split())
    assert "acme-2026.mbox.gz is gzip-compressed" in said and "gunzip -k acme-2026.mbox.gz" in said
    assert code == 0
    assert json.loads(read)["totals"] == {
        "read": 2,
        "new": 1,
        "known": 0,
        "quarantined": 1,
        "excluded": 0,
    }
    (entry,) = [json.loads(line) for line in quarantined.splitlines()]
    assert entry["reason"] == "compressed" and "gunzip" in entry["detail"]


@pytest.mark.parametrize("label", ["", "  ", "alice:work", "alice/2025"])
def test_an_account_label_that_would_read_back_ambiguously_is_refused(setup, label: str) -> None:
    """Where a message was seen reads "account:folder": "a:b" and "" would not read back."""
    runner, config, maildir = setup

    result = runner.invoke(
        cli, ["--config", str(config), "ingest", str(maildir), "--account", label]
    )

    assert result.exit_code == 2
    assert "--account" in result.output and "give a short name" in result.output


def test_clients_shows_who_wrote_last_and_what_waits_for_us(setup) -> None:
    runner, config, maildir = setup
    run(runner, config, "ingest", str(maildir), "--account", "alice")

    code, output = run(runner, config, "clients", "--json", "--as-of", "2026-06-20T12:00:00Z")

    assert code == 0
    data = json.loads(output)
    assert data["schema"] == "relmon/clients/v1"
    acme, falkenberg = data["clients"]
    assert (acme["inbound"], acme["outbound"], acme["noise"]) == (2, 1, 1)
    assert acme["last_inbound"]["subject"] == "Re: Q3 roadmap review"
    assert acme["waiting_on"] == "us"
    assert [a["key"] for a in acme["awaiting"]] == ["roadmap-3@acme-logistics.example"]
    assert acme["awaiting"][0]["age_seconds"] == int(
        (
            datetime(2026, 6, 20, 12, tzinfo=UTC) - datetime(2026, 6, 8, 9, 5, tzinfo=UTC)
        ).total_seconds()
    )
    assert (falkenberg["inbound"], falkenberg["outbound"]) == (1, 0)


def test_as_of_answers_as_the_data_stood_then(setup) -> None:
    runner, config, maildir = setup
    run(runner, config, "ingest", str(maildir), "--account", "alice")

    _, output = run(runner, config, "clients", "--json", "--as-of", "2026-06-02T12:00:00+01:00")

    acme = json.loads(output)["clients"][0]
    assert (acme["inbound"], acme["outbound"]) == (1, 0)
    assert acme["awaiting"][0]["key"] == "roadmap-1@acme-logistics.example"


def test_clients_table_is_readable_text(setup) -> None:
    runner, config, maildir = setup
    run(runner, config, "ingest", str(maildir), "--account", "alice")

    code, output = run(runner, config, "clients", "--as-of", "2026-06-20")

    assert code == 0
    assert "Acme Logistics" in output and "Falkenberg Maschinenbau" in output
    assert "1, oldest 9.9 working days (13 days)" in output  # Dana has waited since 8 June 10:05


def test_clients_suggest_ranks_two_way_correspondents_first(setup) -> None:
    runner, config, maildir = setup
    run(runner, config, "ingest", str(maildir), "--account", "alice")

    code, output = run(runner, config, "clients", "suggest", "--json")

    assert code == 0
    suggestions = json.loads(output)["suggestions"]
    assert suggestions[0]["name"] == "lumen-analytics.example"
    assert (suggestions[0]["inbound"], suggestions[0]["outbound"]) == (1, 1)


def test_a_colleagues_reply_seen_only_as_a_copy_is_not_counted_as_ours(setup) -> None:
    """GIVEN Ben's reply to Sam (Lumen), Alice copied, found in Alice's Inbox only (not in a
    Sent folder relmon reads, so nothing proves it is ours)
    WHEN clients are suggested
    THEN Lumen's count of our mail holds Alice's reply only: once Lumen is a client, Ben's
    copy would not count as our answer either, and a count that says it does would hide the
    wait that follows."""
    runner, config, maildir = setup
    (maildir / "cur" / "9.M9:2,S").write_bytes(
        email(
            frm=BEN,
            to=SAM,
            cc=[ALICE],
            subject="Re: Data platform",
            message_id="lumen-3@northwind-advisory.example",
            in_reply_to="lumen-1@lumen-analytics.example",
            date=datetime(2026, 6, 11, 13, 0, tzinfo=LONDON),
            body="Hi Sam,\n\nI will join the call on Tuesday too.\n\nBen",
        )
    )
    run(runner, config, "ingest", str(maildir), "--account", "alice")

    code, output = run(runner, config, "clients", "suggest", "--json")

    assert code == 0
    lumen = json.loads(output)["suggestions"][0]
    assert (lumen["name"], lumen["inbound"], lumen["outbound"]) == ("lumen-analytics.example", 1, 1)


def test_export_writes_one_row_per_message_as_json_lines_and_csv(setup, tmp_path: Path) -> None:
    runner, config, maildir = setup
    run(runner, config, "ingest", str(maildir), "--account", "alice")

    _, jsonl = run(runner, config, "export", "--json")
    rows = [json.loads(line) for line in jsonl.splitlines()]
    code, _ = run(runner, config, "export", "--format", "csv", "-o", str(tmp_path / "out.csv"))
    table = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text())))

    assert code == 0
    assert len(rows) == len(table) == 7
    ooo = next(r for r in rows if r["key"] == "ooo@acme-logistics.example")
    assert (ooo["noise"], ooo["noise_reason"], ooo["direction"], ooo["client"]) == (
        "auto_reply",
        "Auto-Submitted: auto-replied",
        "inbound",
        "Acme Logistics",
    )
    assert ooo["seen_in"] == ["alice:INBOX"]
    assert "limited access" not in jsonl  # no body text leaves the store by default


def test_export_quarantined_lists_unreadable_messages_with_reasons(setup) -> None:
    runner, config, maildir = setup
    run(runner, config, "ingest", str(maildir), "--account", "alice")

    _, output = run(runner, config, "export", "--quarantined", "--json")

    rows = [json.loads(line) for line in output.splitlines()]
    assert [(r["location"], r["reason"]) for r in rows] == [("8.M8", "no_header_section")]


def test_db_upgrade_is_idempotent(setup) -> None:
    runner, config, _ = setup

    from monitor.store import Store

    head = Store.open("sqlite:///:memory:", migrate=False).head_revision()
    first = run(runner, config, "db", "upgrade")
    second = run(runner, config, "db", "upgrade")

    assert first == (0, f"schema upgraded from empty to {head}\n")
    assert second == (0, f"schema is current (revision {head})\n")


def test_python_dash_m_monitor_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "--version"], capture_output=True, text=True, check=True
    )

    assert result.stdout.startswith("relmon, version ")


def test_sync_reads_configured_local_accounts_and_reports_per_folder(setup) -> None:
    runner, config, maildir = setup
    config.write_text(
        config.read_text()
        + f'\n[[accounts]]\nname = "alice-archive"\nkind = "maildir"\naddress = "alice.marsh@northwind-advisory.example"\npath = "{maildir}"\n'
    )

    code, output = run(runner, config, "sync", "--json")
    again_code, again = run(runner, config, "sync", "--json")
    _, accounts = run(runner, config, "accounts", "--json")

    assert code == 0 and again_code == 0, output
    first = json.loads(output)["accounts"][0]
    assert (first["account"], first["totals"]["new"], first["totals"]["quarantined"]) == (
        "alice-archive",
        7,
        1,
    )
    assert json.loads(again)["accounts"][0]["totals"]["new"] == 0
    health = json.loads(accounts)["accounts"][0]
    assert (health["consecutive_failures"], health["needs_attention"]) == (0, False)
    assert health["last_success"] is not None


def test_a_failing_account_is_reported_and_does_not_stop_the_others(setup, tmp_path) -> None:
    runner, config, maildir = setup
    config.write_text(
        config.read_text()
        + f'\n[[accounts]]\nname = "gone"\nkind = "maildir"\npath = "{tmp_path / "moved-away"}"\n'
        + f'\n[[accounts]]\nname = "alice-archive"\nkind = "maildir"\npath = "{maildir}"\n'
    )

    code, output = run(runner, config, "sync", "--json")

    assert code == 1
    gone, alice = json.loads(output)["accounts"]
    assert gone["error_kind"] == "folder"
    assert "moved-away: no such file or directory" in gone["error"]
    assert alice["totals"]["new"] == 7


def test_acknowledging_an_alert_twice_says_so_and_succeeds(tmp_path: Path) -> None:
    """A script that acknowledges to be safe, or a second colleague: nothing changes, and that
    is no failure."""
    from tests.cli.test_completion import open_unanswered_alert

    config = tmp_path / "relmon.toml"
    config.write_text(CONFIG + f'\n[store]\nurl = "sqlite:///{tmp_path / "relmon.db"}"\n')
    alert = open_unanswered_alert(config, "Acme Logistics")
    command = ["--config", str(config), "alerts", "ack", str(alert)]

    first = CliRunner().invoke(cli, command)
    second = CliRunner().invoke(cli, command)

    assert first.exit_code == 0 and "is now acknowledged" in first.output
    assert second.exit_code == 0, second.output
    assert f"alert {alert} is already acknowledged: nothing changed" in second.output
