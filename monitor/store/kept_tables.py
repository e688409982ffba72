"""Tables of what the store works out from its messages and keeps: each client's past trend days,
kept answers, last evaluations, and what tells that its messages changed since. Defined here,
in the collection of :mod:`monitor.store.schema`, which every module imports them from.
"""

from __future__ import annotations

import sqlalchemy as sa

from monitor.store.coltypes import UTCDateTime
from monitor.store.registry import metadata

# Each client's health and 30-day tone at the end of past days, computed once for trends and
# sparklines. A row is used only while its fingerprint still matches: the configuration, the
# analysis code and every record of the client dated up to that day (so late mail, a changed
# threshold or a re-analysis makes it be computed again). A cache: dropping it loses nothing.
day_health = sa.Table(
    "day_health",
    metadata,
    sa.Column("client", sa.String(300), primary_key=True),
    sa.Column("day", UTCDateTime, primary_key=True, index=True),
    sa.Column("fingerprint", sa.String(32), nullable=False),
    sa.Column("score", sa.Integer),
    sa.Column("sentiment_30", sa.Float),
)

# An answer kept per (view, client) at an instant, with a fingerprint of its inputs (0016).
kept_answers = sa.Table(
    "kept_answers",
    metadata,
    sa.Column("view", sa.String(40), primary_key=True),
    sa.Column("client", sa.String(300), primary_key=True),
    sa.Column("at", UTCDateTime, primary_key=True),
    sa.Column("fingerprint", sa.String(32), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("settings", sa.String(32)),  # the configuration and code part (migration 0017)
    sa.Column("counter", sa.BigInteger),  # the store's revision counter then
)

# Each client's last evaluation pass, and when it is next due (migration 0018).
evaluated_clients = sa.Table(
    "evaluated_clients",
    metadata,
    sa.Column("client", sa.String(300), primary_key=True),
    sa.Column("evaluated_at", UTCDateTime, nullable=False),
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("fingerprint", sa.String(32), nullable=False),  # its inputs at evaluated_at
    sa.Column("settings", sa.String(32), nullable=False),  # their configuration and code part
    sa.Column("counter", sa.BigInteger),  # the store's revision counter then
    # its records' number, revision sum and newest revision then (migration 0021)
    sa.Column("revisions", sa.String(80)),
)

# The store's revision counter: on SQLite every changed message moves it and is numbered by it
# (0015, 0017); PostgreSQL moves it once per transaction changing messages, at commit (0019).
revision_counter = sa.Table(
    "revision_counter",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

# Per client, the revision counter as the last change to its messages left it (an insert, an
# update, a deletion, mail attributed to it or taken from it), written by the same triggers that
# move the counter (migration 0021): the clients whose mail changed since a counter was read are
# those with a higher one, found without reading the messages' index.
client_changes = sa.Table(
    "client_changes",
    metadata,
    sa.Column("client", sa.String(300), primary_key=True),
    sa.Column("counter", sa.BigInteger, nullable=False),
)
