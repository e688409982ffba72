"""Tables. The schema itself is created and changed only by the migrations in ``migrations/``;
these definitions are what the code queries with, and a test checks the two agree.

Privacy: no body text is stored. ``snippet`` and evidence sentence texts are filled only when
``privacy.store_snippets`` is on.
"""

from __future__ import annotations

import sqlalchemy as sa

from monitor.store.coltypes import UTCDateTime as UTCDateTime
from monitor.store.coltypes import stored_instant as stored_instant
from monitor.store.kept_tables import client_changes as client_changes
from monitor.store.kept_tables import day_health as day_health
from monitor.store.kept_tables import evaluated_clients as evaluated_clients
from monitor.store.kept_tables import kept_answers as kept_answers
from monitor.store.kept_tables import revision_counter as revision_counter
from monitor.store.registry import metadata as metadata

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(512), nullable=False, unique=True),
    sa.Column("message_id", sa.String(998)),
    sa.Column("date", UTCDateTime, nullable=False, index=True),
    sa.Column("date_problem", sa.String(16)),
    sa.Column("from_addr", sa.String(320), nullable=False, index=True),
    sa.Column("from_name", sa.String(320), nullable=False, default=""),
    sa.Column("to_addrs", sa.JSON, nullable=False),  # [[address, name], ...]
    sa.Column("cc_addrs", sa.JSON, nullable=False),
    sa.Column("subject", sa.Text, nullable=False, default=""),
    sa.Column("in_reply_to", sa.JSON, nullable=False),
    sa.Column("refs", sa.JSON, nullable=False),
    sa.Column("gm_thread", sa.String(32)),
    sa.Column("conversation_id", sa.String(512)),
    sa.Column("thread_id", sa.String(32), index=True),
    sa.Column("noise", sa.String(32)),
    sa.Column("noise_reason", sa.String(400)),
    sa.Column("needs_reply", sa.Boolean, nullable=False),
    sa.Column("has_attachments", sa.Boolean, nullable=False, default=False),
    sa.Column("size", sa.Integer, nullable=False, default=0),
    sa.Column("language", sa.String(8)),
    sa.Column("own_chars", sa.Integer, nullable=False, default=0),
    sa.Column("questions", sa.Integer, nullable=False, default=0),
    sa.Column("closing_only", sa.Boolean, nullable=False, default=False),
    sa.Column("sentiment", sa.Float),  # NULL = unscored (not neutral)
    sa.Column("sentences", sa.Integer, nullable=False, default=0),
    sa.Column("evidence", sa.JSON, nullable=False),  # [[index, compound, text-or-null], ...]
    sa.Column("friction", sa.JSON, nullable=False),  # cue ids
    sa.Column("pressure", sa.JSON, nullable=False),
    sa.Column("basics", sa.JSON, nullable=False, server_default="[]"),
    # Friction cues of own text (migration 0009); NULL = unscored (another language, or older).
    sa.Column("impoliteness", sa.Float),
    sa.Column("tone", sa.Float),  # VADER with work words at no valence
    sa.Column("curtness", sa.Float),
    sa.Column("courtesy", sa.Boolean),  # greets or thanks
    sa.Column("friction_evidence", sa.String(120)),  # cue term, or its excerpt with snippets
    sa.Column("away_until", sa.Date),
    sa.Column("notes", sa.JSON, nullable=False),
    sa.Column("snippet", sa.Text),
    # A reply to a relmon alert: the command it gives ("ack", "snooze:SECONDS", "resolve").
    sa.Column("reply_command", sa.String(32)),
    # Attribution: derived from the configuration, recomputed when it changes.
    sa.Column("direction", sa.String(16), nullable=False, index=True),
    sa.Column("client", sa.String(200), index=True),
    sa.Column("counterpart", sa.String(320)),
    sa.Column("first_seen", UTCDateTime, nullable=False, index=True),  # (migration 0016)
    # A new number whenever the row is inserted or changed, set by the database (migration 0015).
    sa.Column("revision", sa.BigInteger, nullable=False, server_default="0"),
    # A client's records up to an instant, and their revisions from the index alone (0016).
    sa.Index("ix_messages_client_date_revision", "client", "date", "revision"),
    sa.Index("ix_messages_noise", "noise"),  # out-of-office lookups (migration 0012)
    sa.Index("ix_messages_unthreaded", "id", sqlite_where=sa.text("thread_id IS NULL")),  # 0020
    sa.Index("ix_messages_away", "date", sqlite_where=sa.text("away_until IS NOT NULL")),  # 0022
    sa.Index(  # a client's older replies that say until when it is away (migration 0024)
        "ix_messages_client_away",
        "client",
        "away_until",
        sqlite_where=sa.text("away_until IS NOT NULL"),
    ),
)

sightings = sa.Table(
    "sightings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "message",
        sa.Integer,
        sa.ForeignKey("messages.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("account", sa.String(200), nullable=False),
    sa.Column("folder", sa.String(1000), nullable=False),
    sa.Column(
        "location", sa.String(1000), nullable=False
    ),  # IMAP "uidvalidity:uid", file name, Graph id
    sa.Column("first_seen", UTCDateTime, nullable=False),
    sa.Column("expunged_at", UTCDateTime),
    # A Sent place of the mailbox (folder name, IMAP \Sent, Gmail's Sent label; migration 0011).
    sa.Column("sent", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("account", "folder", "location", name="uq_sightings_place"),
)

quarantine = sa.Table(
    "quarantine",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account", sa.String(200), nullable=False),
    sa.Column("folder", sa.String(1000), nullable=False),
    sa.Column("location", sa.String(1000), nullable=False),
    sa.Column("key", sa.String(512)),
    sa.Column("reason", sa.String(64), nullable=False, index=True),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("size", sa.Integer, nullable=False, default=0),
    sa.Column("first_seen", UTCDateTime, nullable=False),
    sa.UniqueConstraint("account", "folder", "location", name="uq_quarantine_place"),
)

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# Where each source stopped: IMAP UIDVALIDITY / last UID / HIGHESTMODSEQ, or a Graph delta link.
# Written in the same transaction as the messages it covers.
folder_state = sa.Table(
    "folder_state",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account", sa.String(200), nullable=False),
    sa.Column("folder", sa.String(1000), nullable=False),
    sa.Column("uidvalidity", sa.BigInteger),
    sa.Column("last_uid", sa.BigInteger),
    sa.Column("highestmodseq", sa.BigInteger),
    sa.Column("delta_link", sa.Text),
    sa.Column("exists_count", sa.Integer),
    sa.Column("synced_at", UTCDateTime),
    sa.UniqueConstraint("account", "folder", name="uq_folder_state_place"),
)

# Health of each account's connection: consecutive failures and the operator escalation.
account_state = sa.Table(
    "account_state",
    metadata,
    sa.Column("account", sa.String(200), primary_key=True),
    sa.Column("consecutive_failures", sa.Integer, nullable=False, default=0),
    sa.Column("last_error_kind", sa.String(32)),
    sa.Column("last_error", sa.Text),
    sa.Column("last_attempt", UTCDateTime),
    sa.Column("last_success", UTCDateTime),
    sa.Column("escalated_at", UTCDateTime),
)

# --------------------------------------------------------------------------- alerts

OPEN_ALERT = "state <> 'resolved'"

# One row per alert: a (client, kind) condition from its opening to its resolution. A new row
# when a resolved condition re-opens after the cool-down. Operator alerts (an account whose
# credentials stopped working) have `account` set and no client.
alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("client", sa.String(200), index=True),
    sa.Column("account", sa.String(200)),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column(
        "owner", sa.String(320), nullable=False
    ),  # who is told: the client's owner, or the operator
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("opened_at", UTCDateTime, nullable=False),
    sa.Column("changed_at", UTCDateTime, nullable=False),
    sa.Column("resolved_at", UTCDateTime),
    sa.Column("snoozed_until", UTCDateTime),
    sa.Column("explanation", sa.Text, nullable=False),
    sa.Column("figures", sa.JSON, nullable=False),
    sa.Column("evidence", sa.JSON, nullable=False),
    sa.Column("pattern", sa.String(32)),
    sa.Column("advice", sa.Text),
    # The highest severity the owner was told of while the alert is open (migration 0025).
    sa.Column("peak", sa.String(16)),
    # At most one alert not resolved per (client, kind) and per (account, kind), whatever
    # number of processes evaluate at once (migration 0008). Their PostgreSQL form: below.
    *(
        sa.Index(
            f"uq_alerts_open_{subject}",
            subject,
            "kind",
            unique=True,
            sqlite_where=sa.text(OPEN_ALERT),
        )
        for subject in ("client", "account")
    ),
)


def give_postgresql_options() -> None:
    """The partial indexes' conditions for PostgreSQL, given when such a store is opened: naming
    a ``postgresql_`` option loads that dialect, a tenth of a second SQLite never needs."""
    for index in (index for table in metadata.tables.values() for index in table.indexes):
        if (where := index.dialect_kwargs.get("sqlite_where")) is not None:
            index.dialect_kwargs["postgresql_where"] = where


# Every transition, with its time and the evidence at that moment.
alert_events = sa.Table(
    "alert_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "alert",
        sa.Integer,
        sa.ForeignKey("alerts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column(
        "event", sa.String(32), nullable=False
    ),  # opened, worsened, acknowledged, notified, …
    sa.Column("severity", sa.String(16)),
    sa.Column("state", sa.String(16), nullable=False),  # the alert's state after the event
    sa.Column("explanation", sa.Text),
    sa.Column("figures", sa.JSON),
    sa.Column("evidence", sa.JSON),
    sa.Column("by", sa.String(200)),  # who did it: "relmon" or the person at the CLI
    sa.Column("route", sa.String(16)),  # immediate, digest, or null (no notification)
    # The outbox row that carried it when one email carries several alerts: a digest, an email
    # of several alerts of one client, a first-run summary.
    sa.Column("digest", sa.Integer),
)

# Notifications to deliver, written in the same transaction as what caused them: each row names
# its channel ("email", "webhook:NAME") and holds that channel's rendered payload.
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # The row's identity, once per channel: an email's Message-ID, a webhook's idempotency key.
    sa.Column("message_id", sa.String(300), nullable=False, unique=True),
    sa.Column("channel", sa.String(64), nullable=False, server_default="email"),
    sa.Column("kind", sa.String(16), nullable=False),  # alert, digest, operator, test
    sa.Column("alert", sa.Integer, sa.ForeignKey("alerts.id", ondelete="SET NULL")),
    sa.Column("recipients", sa.JSON, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    # What the channel sends: the complete RFC 5322 message, the JSON body of a webhook.
    sa.Column("payload", sa.LargeBinary, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("not_before", UTCDateTime, nullable=False),  # quiet hours, retry backoff
    # pending, sending, sent, failed, superseded (its alerts were handled before it was sent)
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    # Attempts that failed after the receiver had the whole message: it may have taken it.
    sa.Column("unconfirmed", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text),
    sa.Column("last_attempt_at", UTCDateTime),
    sa.Column("claimed_by", sa.String(100)),
    sa.Column("claimed_until", UTCDateTime),
    sa.Column("sent_at", UTCDateTime),
)

# One digest per owner and local day, so a restart never sends a second one.
digests = sa.Table(
    "digests",
    metadata,
    sa.Column("owner", sa.String(320), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("outbox", sa.Integer),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

# One row per owner's reply to an alert email that gave a command (keyed by the reply's message
# key, so a reply acts once however often it is read): what came of it, and which later email
# confirmed it to the owner.
reply_actions = sa.Table(
    "reply_actions",
    metadata,
    sa.Column("key", sa.String(512), primary_key=True),
    sa.Column("alert", sa.Integer),
    sa.Column("owner", sa.String(320)),
    sa.Column("command", sa.String(32), nullable=False),
    # applied; unproven (not seen in the owner's own Sent folder, re-checked while recent);
    # not_owner, unknown_alert, already_resolved, already_acknowledged, snooze_elapsed (final)
    sa.Column("outcome", sa.String(32), nullable=False, index=True),
    sa.Column("account", sa.String(200)),  # the mailbox whose Sent folder proved it
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("confirmed_in", sa.Integer),  # the outbox row of the email that confirmed it
    # Applied: the ids of every alert it acted on, comma-separated (the email's first and the
    # others it told of); None before 0027, when it was ``alert`` alone.
    sa.Column("acted", sa.Text),
)

# One weekly portfolio report per owner and local week (its Monday), so a restart never sends
# a second one.
weekly_reports = sa.Table(
    "weekly_reports",
    metadata,
    sa.Column("owner", sa.String(320), primary_key=True),
    sa.Column("week", sa.Date, primary_key=True),
    sa.Column("outbox", sa.Integer),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

# What each threaded message can be linked by (a Message-ID it has or names, its Gmail thread,
# its Graph conversation, its normalised subject), each as a short digest, so re-threading after
# a sync finds the stored messages a new one links to by index instead of reading every row.
# Kept by re-threading itself (monitor/store/conversations.py), which sees every new or
# changed message.
message_links = sa.Table(
    "message_links",
    metadata,
    sa.Column(
        "message",
        sa.Integer,
        sa.ForeignKey("messages.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("link", sa.String(32), nullable=False, index=True),
)

# Dashboard passwords: one argon2 hash per team member address (``relmon web passwd``).
web_users = sa.Table(
    "web_users",
    metadata,
    sa.Column("address", sa.String(320), primary_key=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("changed_at", UTCDateTime, nullable=False),
)

# Several `relmon run` replicas on one PostgreSQL (unused on SQLite, where one process runs).
# A lease is a named piece of work ("account:NAME", "evaluation") held by one replica until
# ``expires_at`` by the database's clock; ``generation`` grows on every change of hands, and
# every commit of a sync checks it (fencing), so a replica that stalled past its lease commits
# nothing after another took over.
leases = sa.Table(
    "leases",
    metadata,
    sa.Column("name", sa.String(300), primary_key=True),
    sa.Column("holder", sa.String(200)),  # NULL: released
    sa.Column("generation", sa.BigInteger, nullable=False),
    sa.Column("acquired_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
)

# The replicas alive: each renews its row with its heartbeat; the accounts are shared among
# the rows not yet expired.
replicas = sa.Table(
    "replicas",
    metadata,
    sa.Column("id", sa.String(200), primary_key=True),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("seen_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    # The process that beats under this id: another one alive under the same id is refused
    # (migration 0023).
    sa.Column("instance", sa.String(64)),
)
