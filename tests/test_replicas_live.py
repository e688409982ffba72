"""Three `relmon run` replicas sharing one PostgreSQL and nine IMAP mailboxes on a real Dovecot:
the accounts split between them, each synced by one replica at a time; a replica killed
mid-sync has its accounts taken over within the lease time, with the store and the alert
emails as after one clean sync; a replica frozen inside a write has it ended and its accounts
taken over within the lease time, and commits nothing once it resumes.

The nine mailboxes belong to Northwind's consultants; Alice's holds the Acme history that
raises one alert. Lease: 6 s, so a heartbeat every 2 s (unless RELMON_TEST_LEASE_SECONDS)."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.store.sessions import session_name
from tests.factories import CONFIG, email
from tests.servers.dovecot import Dovecot
from tests.servers.relmon import RelmonProcess
from tests.servers.smtp import SmtpServer
from tests.test_daemon_imap import answered_history, overdue_question

pytestmark = [
    pytest.mark.slow,
    pytest.mark.live,
    pytest.mark.parametrize("store_url", ["postgresql"], indirect=True),
]

#: Short leases keep the tests quick; RELMON_TEST_LEASE_SECONDS=30 measures the default.
LEASE = float(os.environ.get("RELMON_TEST_LEASE_SECONDS", "6"))
HEARTBEAT = LEASE / 3
ACCOUNTS = [f"mailbox-{n}" for n in range(1, 10)]
#: Scheduling slack on two shared cores: a heartbeat's thread may start a little late.
SLACK = 2.0


@dataclass
class Mailboxes:
    messages: int  # distinct messages stored after one clean sync of all nine
    sightings: int
    cursors: dict[tuple[str, str], int]  # (account, folder) -> its last UID


def user(account: str) -> str:
    return (
        "alice.marsh@northwind-advisory.example"
        if account == "mailbox-1"
        else (f"{account}@northwind-advisory.example")
    )


def fill(dovecot: Dovecot, per_account: int, now: datetime) -> Mailboxes:
    """Nine users on one Dovecot, each with ``per_account`` weekly figures from Acme in its
    Inbox (written straight into the maildir); Alice also gets an answered history and one
    question left unanswered for six days."""
    with open(dovecot.root / "passwd", "a") as passwd:
        for account in ACCOUNTS[1:]:
            passwd.write(f"{user(account)}:{{PLAIN}}{dovecot.password}\n")
    start = now - timedelta(days=300)
    for account in ACCOUNTS:
        inbox = dovecot.root / "mail" / user(account) / "Maildir"
        for sub in ("cur", "new", "tmp"):
            (inbox / sub).mkdir(parents=True, exist_ok=True)
        for i in range(per_account):
            when = start + timedelta(hours=7 * i)
            raw = email(
                to=f"{account} <{user(account)}>",
                subject=f"Depot {i % 23} weekly figures",
                date=when,
                message_id=f"figures-{account}-{i}@acme-logistics.example",
                body=f"Hi,\n\nThe figures for depot {i % 23} are attached; volumes up {i % 7} percent.\n\nDana",
            )
            (
                inbox / "cur" / f"{int(when.timestamp())}.M{i}P{os.getpid()}.test,S={len(raw)}:2,S"
            ).write_bytes(raw)
    if os.geteuid() == 0:
        for path in [dovecot.root / "mail", *(dovecot.root / "mail").rglob("*")]:
            os.chown(path, dovecot.uid, dovecot.gid)
    for account in ACCOUNTS:
        dovecot.doveadm("force-resync", "-u", user(account), "*")
    inbox, sent = answered_history(now)
    dovecot.append("INBOX", [*inbox, overdue_question(now)])
    dovecot.append("Sent", sent, flags=(b"\\Seen",))
    extra = len(inbox) + 1 + len(sent)
    total = len(ACCOUNTS) * per_account + extra
    last_uids = {(account, "INBOX"): per_account for account in ACCOUNTS}
    last_uids |= {(account, "Sent"): 0 for account in ACCOUNTS}
    last_uids[("mailbox-1", "INBOX")] += len(inbox) + 1
    last_uids[("mailbox-1", "Sent")] = len(sent)
    return Mailboxes(messages=total, sightings=total, cursors=last_uids)


def replica_config(path: Path, dovecot: Dovecot, smtp: SmtpServer, store_url: str) -> Path:
    accounts = "".join(
        dovecot.account_toml(account, extra="poll_seconds = 300\nbatch_size = 50\n").replace(
            f'username = "{dovecot.username}"', f'username = "{user(account)}"'
        )
        for account in ACCOUNTS
    )
    path.write_text(
        CONFIG
        + accounts
        + f'\n[store]\nurl = "{store_url}"\n'
        + smtp.config()
        + "\n[daemon]\nstop_seconds = 8\ndeliver_seconds = 2\n"
        + f"\n[replicas]\nlease_seconds = {LEASE:g}\n"
    )
    return path


def start_replicas(config: Path, count: int, processes: list[RelmonProcess]) -> list[RelmonProcess]:
    started = [RelmonProcess(config).start() for _ in range(count)]
    processes.extend(started)
    return started


def synced_accounts(engine: sa.Engine) -> set[str]:
    with engine.connect() as connection:
        return set(
            connection.execute(
                sa.text("SELECT account FROM account_state WHERE last_success IS NOT NULL")
            ).scalars()
        )


def stored(engine: sa.Engine) -> tuple[int, int, int]:
    """(messages, distinct Message-IDs, sightings)."""
    with engine.connect() as connection:
        count, distinct = connection.execute(
            sa.text("SELECT count(*), count(DISTINCT message_id) FROM messages")
        ).one()
        sightings = connection.execute(sa.text("SELECT count(*) FROM sightings")).scalar_one()
    return int(count), int(distinct), int(sightings)


def at(record: dict) -> datetime:
    return datetime.fromisoformat(record["timestamp"].replace("Z", "+00:00"))


def sync_intervals(replicas: list[RelmonProcess], ends: dict[int, datetime] | None = None):
    """(account, replica index, start, end) of every pass, from the replicas' logs; a pass a
    killed replica never finished ends at its death (``ends``)."""
    found = []
    for index, process in enumerate(replicas):
        open_passes: dict[str, datetime] = {}
        for record in process.records():
            if record.get("event") == "account_sync_started":
                open_passes[record["account"]] = at(record)
            elif record.get("event") == "account_sync_ended":
                found.append(
                    (record["account"], index, open_passes.pop(record["account"]), at(record))
                )
        for account, began in open_passes.items():
            found.append((account, index, began, (ends or {}).get(index, datetime.now(UTC))))
    return found


def overlapping(intervals) -> list[tuple]:
    return [
        (a1, i1, i2)
        for a1, i1, s1, e1 in intervals
        for a2, i2, s2, e2 in intervals
        if a1 == a2 and i1 < i2 and s1 < e2 and s2 < e1
    ]


def holders(engine: sa.Engine) -> dict[str, str | None]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT name, holder FROM leases WHERE expires_at > clock_timestamp()")
        ).all()
    return dict(rows)


def mid_sync(process: RelmonProcess) -> list[str]:
    """Accounts whose pass this replica has started and not ended."""
    running: set[str] = set()
    for record in process.records():
        if record.get("event") == "account_sync_started":
            running.add(record["account"])
        elif record.get("event") == "account_sync_ended":
            running.discard(record["account"])
    return sorted(running)


def test_three_replicas_share_nine_accounts_and_never_sync_one_account_at_once(
    dovecot, smtp_server, store, store_url, tmp_path, relmon_processes
) -> None:
    now = datetime.now(UTC)
    expected = fill(dovecot, 60, now)
    config = replica_config(tmp_path / "relmon.toml", dovecot, smtp_server, store_url)
    engine = store.engine  # migrated before the replicas start
    replicas = start_replicas(config, 3, relmon_processes)

    replicas[0].wait_until(
        lambda: synced_accounts(engine) >= set(ACCOUNTS), "every account synced", timeout=180
    )
    replicas[0].wait_until(
        lambda: not any(mid_sync(r) for r in replicas), "the passes to end", timeout=60
    )
    shares = Counter(h for n, h in holders(engine).items() if n.startswith("account:"))
    for process in replicas:
        process.signal(signal.SIGTERM)
    codes = [process.wait(timeout=15) for process in replicas]

    assert codes == [0, 0, 0]
    assert sorted(shares.values()) == [3, 3, 3]
    intervals = sync_intervals(replicas)
    assert {a for a, *_ in intervals} == set(ACCOUNTS)
    assert overlapping(intervals) == []
    assert stored(engine) == (expected.messages, expected.messages, expected.sightings)
    assert cursors(engine) == expected.cursors
    assert holders(engine) == {}, "a clean stop releases every lease"


def test_a_killed_replicas_accounts_are_taken_over_within_the_lease_time(
    dovecot, smtp_server, store, store_url, tmp_path, relmon_processes
) -> None:
    """GIVEN three replicas syncing nine mailboxes for the first time
    WHEN one of them is killed (SIGKILL) in the middle of its passes
    THEN the other two take its accounts over within the lease time, the store holds exactly
    what one clean sync stores, and every alert email is sent once."""
    now = datetime.now(UTC)
    expected = fill(dovecot, 250, now)
    config = replica_config(tmp_path / "relmon.toml", dovecot, smtp_server, store_url)
    engine = store.engine  # migrated before the replicas start
    replicas = start_replicas(config, 3, relmon_processes)
    victim = replicas[2]
    victim.wait_until(
        lambda: mid_sync(victim) and stored(engine)[0] > 0, "the victim mid-sync", timeout=120
    )
    orphans = [
        n
        for n, h in holders(engine).items()
        if h is not None and h.endswith(f":{victim.process.pid}")
    ]
    unfinished = mid_sync(victim)
    victim.process.kill()
    killed_at = datetime.now(UTC)
    victim.process.wait(timeout=10)
    survivors = replicas[:2]

    survivors[0].wait_until(
        lambda: all(any(s.events("lease.taken", lease=n) for s in survivors) for n in orphans),
        "the take-over",
        timeout=LEASE * 4,
    )
    taken = {
        n: min(at(r) for s in survivors for r in s.events("lease.taken", lease=n)) for n in orphans
    }
    takeover = {n: (t - killed_at).total_seconds() for n, t in taken.items()}
    survivors[0].wait_until(
        lambda: synced_accounts(engine) >= set(ACCOUNTS), "every account synced", timeout=240
    )
    survivors[0].wait_until(
        lambda: not any(mid_sync(s) for s in survivors), "the passes to end", timeout=60
    )
    survivors[0].wait_until(
        lambda: any(s.events("alerts_evaluated") for s in survivors), "an evaluation", timeout=60
    )
    survivors[0].wait_until(lambda: smtp_server.inbox.messages, "the alert email", timeout=30)
    time.sleep(3 * HEARTBEAT + 2)  # a second evaluation and delivery would send a duplicate now
    print(
        f"\ntake-over after SIGKILL, seconds from the kill (lease {LEASE:g} s): "
        + ", ".join(f"{n}: {s:.2f}" for n, s in sorted(takeover.items()))
    )

    assert unfinished, "the victim was killed mid-sync"
    assert any(n.startswith("account:") for n in orphans)
    assert max(takeover.values()) <= LEASE + SLACK, takeover
    assert stored(engine) == (expected.messages, expected.messages, expected.sightings)
    mails = smtp_server.inbox.messages
    ids = Counter(m.message["Message-ID"] for m in mails)
    alerts = Counter((tuple(m.recipients), m.message["X-Relmon-Alert"]) for m in mails)
    assert cursors(engine) == expected.cursors
    assert [k for k, c in ids.items() if c > 1] == []
    assert [k for k, c in alerts.items() if c > 1] == []
    intervals = sync_intervals(replicas, ends={2: killed_at})
    assert overlapping(intervals) == []


def test_a_replica_frozen_past_its_lease_commits_nothing_when_it_resumes(
    dovecot, smtp_server, store, store_url, tmp_path, relmon_processes
) -> None:
    """GIVEN three replicas, one of them frozen (SIGSTOP) in the middle of its passes, inside a
    write whose rows the others need when they take its accounts over
    WHEN the others take its accounts over and it is resumed (SIGCONT) a lease later
    THEN its write was ended and its accounts taken over within the lease time, the others
    finish every account, and once resumed it finds its leases lost and stops: it reports no
    batch stored for an account it lost (until it takes one again, with a new generation), no
    folder cursor goes back (a stale cursor would), and the store holds exactly what one clean
    sync stores."""
    now = datetime.now(UTC)
    expected = fill(dovecot, 250, now)
    config = replica_config(tmp_path / "relmon.toml", dovecot, smtp_server, store_url)
    engine = store.engine  # migrated before the replicas start
    replicas = start_replicas(config, 3, relmon_processes)
    frozen = replicas[1]
    frozen.wait_until(
        lambda: mid_sync(frozen) and stored(engine)[0] > 0, "the replica mid-sync", timeout=120
    )
    stopped_at = freeze_mid_write(frozen, engine)
    mine = sorted(
        n
        for n, h in holders(engine).items()
        if h is not None and h.endswith(f":{frozen.process.pid}")
    )
    others = [replicas[0], replicas[2]]
    others[0].wait_until(
        lambda: all(any(o.events("lease.taken", lease=n) for o in others) for n in mine),
        "the take-over",
        timeout=LEASE * 4,
    )
    others[0].wait_until(lambda: not open_writes(engine, frozen), "the locks freed", timeout=30)
    freed_at = datetime.now(UTC)
    taken = {
        n: min(
            at(r) for o in others for r in o.events("lease.taken", lease=n) if at(r) > stopped_at
        )
        for n in mine
    }
    takeover = {n: (t - stopped_at).total_seconds() for n, t in taken.items()}
    others[0].wait_until(
        lambda: synced_accounts(engine) >= set(ACCOUNTS) and not any(mid_sync(o) for o in others),
        "the others to finish every account",
        timeout=240,
    )
    print(
        f"\ntake-over after SIGSTOP, seconds from the freeze (lease {LEASE:g} s): "
        + ", ".join(f"{n}: {s:.2f}" for n, s in sorted(takeover.items()))
        + f"; the frozen write's locks freed by {(freed_at - stopped_at).total_seconds():.2f}"
    )

    # Its accounts can be all synced by the others within a lease: resume it only past one.
    time.sleep(max(0.0, LEASE + 0.5 - (datetime.now(UTC) - stopped_at).total_seconds()))
    frozen.signal(signal.SIGCONT)
    resumed_at = datetime.now(UTC)
    frozen.wait_until(
        lambda: {r["lease"] for r in frozen.events("lease.lost")} >= set(mine),
        "lease.lost",
        timeout=30,
    )
    frozen.wait_until(lambda: not mid_sync(frozen), "the frozen passes to stop", timeout=60)
    time.sleep(2 * HEARTBEAT)

    assert mine
    assert max(takeover.values()) <= LEASE + SLACK, takeover
    assert (freed_at - stopped_at).total_seconds() <= LEASE + SLACK
    assert (resumed_at - stopped_at).total_seconds() > LEASE, "frozen past its lease"
    assert stale_batches(frozen, resumed_at, mine) == []
    assert cursors(engine) == expected.cursors, "a stale cursor was written"
    assert stored(engine) == (expected.messages, expected.messages, expected.sightings)


def open_writes(engine: sa.Engine, process: RelmonProcess) -> int:
    """The replica's sessions inside a transaction that has written: they hold row locks."""
    assert process.process is not None
    name = session_name(f"{socket.gethostname()}:{process.process.pid}")
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE application_name = :name AND backend_xid IS NOT NULL"
                ),
                {"name": name},
            ).scalar_one()
        )


def freeze_mid_write(process: RelmonProcess, engine: sa.Engine, timeout: float = 60) -> datetime:
    """Stop the replica (SIGSTOP) inside a transaction that has written and not committed,
    whose row locks a replica taking its accounts over runs into; between two transactions
    (when a stop finds none open) it is let go on for a moment and stopped again. Returns
    when it was stopped."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        process.signal(signal.SIGSTOP)
        stopped_at = datetime.now(UTC)
        time.sleep(0.1)  # the server is done with what the replica had sent
        if open_writes(engine, process):
            return stopped_at
        process.signal(signal.SIGCONT)
        time.sleep(0.02)
    raise AssertionError(f"the replica was never stopped inside a write within {timeout} s")


def stale_batches(process: RelmonProcess, resumed_at: datetime, lost: list[str]) -> list[dict]:
    """Folders the resumed replica reports as stored (``imap_folder_synced`` with messages)
    for an account it had lost, before it took that account again with a new generation."""
    retaken: dict[str, datetime] = {}
    for record in process.events("lease.taken"):
        if at(record) > resumed_at:
            retaken.setdefault(record["lease"], at(record))
    return [
        record
        for record in process.events("imap_folder_synced")
        if at(record) > resumed_at
        and f"account:{record['account']}" in lost
        and at(record)
        < retaken.get(f"account:{record['account']}", datetime.max.replace(tzinfo=UTC))
        and record["new"] + record["known"] > 0
    ]


def cursors(engine: sa.Engine) -> dict[tuple[str, str], int]:
    """Each Inbox's and Sent folder's stored cursor (the last UID synced)."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT account, folder, last_uid FROM folder_state WHERE folder IN ('INBOX', 'Sent')"
            )
        ).all()
    return {(account, folder): int(last_uid or 0) for account, folder, last_uid in rows}
