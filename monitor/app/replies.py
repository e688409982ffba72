"""Acting on alerts by replying to their emails: "ack", "snooze 3d" or "resolve".

After each sync, every stored reply to an alert email that gives a command (read at ingest by
:mod:`monitor.core.replycommand`) is judged once:

- the alert is one of ours: its id comes from ``In-Reply-To`` with the domain of
  ``[alerts] from``, the email it names is one this store sent (still in its outbox), and it
  is a client alert;
- the reply is from the alert's owner (their address or an alias);
- the reply was seen in a Sent folder of the owner's own monitored mailbox. Anybody can write
  the owner's address in a From: header and send it to us; only the owner's mailbox holds the
  owner's sent mail. A reply seen only elsewhere is *unproven* and judged again on later syncs
  (the owner's Sent folder may be read after another mailbox's copy) for :data:`RECHECK`;
- the alert is not resolved already.

Then the action is applied as if the owner had typed it, to every alert the email told of (an
email about several alerts of one client names them all), recorded as each alert's event with
``by`` saying it came by reply, in the same transaction as the reply's outcome, so a reply acts
exactly once however many processes sync at the same moment. The owner's next digest or weekly
report confirms it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.parser import BytesHeaderParser

import sqlalchemy as sa

from monitor.alerts.model import Action
from monitor.alerts.render import ALERT_HEADER, domain_of
from monitor.alerts.store import StoredAlert, act_on, get
from monitor.app.runtime import Runtime
from monitor.config import Config
from monitor.core.addresses import is_sent_folder
from monitor.core.alerts import MAX_SNOOZE, State, acknowledged_already
from monitor.core.replycommand import ReplyCommand, Verb, alert_answered
from monitor.log import get_logger
from monitor.store.outbox import alert_email
from monitor.store.replies import (
    APPLIED,
    BY_REPLY,
    UNPROVEN,
    ReplyCandidate,
    acted_text,
    candidates,
    record,
)

logger = get_logger()

#: How long a reply not yet seen in its owner's Sent folder is looked at again.
RECHECK = timedelta(days=14)
_ACTIONS = {Verb.ACK: Action.ACK, Verb.SNOOZE: Action.SNOOZE, Verb.RESOLVE: Action.RESOLVE}


@dataclass(frozen=True)
class ReplyOutcome:
    key: str
    alert_id: int | None
    #: applied, unproven, not_owner, unknown_alert, already_resolved, already_acknowledged,
    #: snooze_elapsed
    outcome: str
    acted: tuple[int, ...] = ()  # applied: every alert it acted on


def _mailbox_of(config: Config, account_name: str, folder: str) -> str | None:
    """The address of the mailbox a sighting belongs to: the account's own, or for Graph the
    mailbox its folder label names (``mailbox/folder``)."""
    account = config.account(account_name)
    if account is None:
        return None
    if account.kind == "graph" and "/" in folder:
        mailbox = folder.split("/", 1)[0].casefold()
        return account.address if mailbox == "me" else mailbox
    if account.address:
        return account.address
    username = account.imap.username if account.imap is not None else ""
    return username.casefold() if "@" in username else None


def _owner_addresses(config: Config, owner: str) -> set[str]:
    member = config.member(owner)
    return {owner} | ({member.address, *member.aliases} if member is not None else set())


def _proof(config: Config, candidate: ReplyCandidate, owner: set[str]) -> str | None:
    """The account whose Sent folder, in the owner's own mailbox, holds the reply."""
    for account, folder, sent in candidate.places:
        if (sent or is_sent_folder(folder)) and _mailbox_of(config, account, folder) in owner:
            return account
    return None


def _judge(
    config: Config, candidate: ReplyCandidate, alert: StoredAlert | None
) -> tuple[str, str | None]:
    """(outcome, the account that proved it) of one reply."""
    if alert is None or alert.client is None:
        return "unknown_alert", None
    owner = _owner_addresses(config, alert.owner)
    if candidate.sender not in owner:
        return "not_owner", None
    account = _proof(config, candidate, owner)
    if account is None:
        return UNPROVEN, None
    if alert.state is State.RESOLVED:
        return "already_resolved", account
    return APPLIED, account


def _apply_one(
    connection: sa.Connection, config: Config, candidate: ReplyCandidate, now: datetime
) -> ReplyOutcome | None:
    """Judge one reply and apply it, inside one transaction; None if another process did."""
    ref = alert_answered(candidate.in_reply_to)
    sender = config.alerts.sender
    ours = ref is not None and sender is not None and ref.domain == domain_of(sender).casefold()
    locked = _lock_told(connection, candidate.in_reply_to, ref.alert_id) if ours and ref else {}
    alert = locked.get(ref.alert_id) if ref is not None else None
    outcome, account = _judge(config, candidate, alert)
    others = _others(alert, locked) if outcome in (APPLIED, "already_resolved") else []
    if outcome == "already_resolved" and others:
        outcome = APPLIED  # the email's first alert cleared; the others it told of have not
    command = ReplyCommand.decode(candidate.command)
    until = candidate.date + command.snooze if command.snooze is not None else None
    if until is not None:
        until = min(until, now + MAX_SNOOZE)  # a reply dated ahead of our clock
    if outcome == APPLIED and until is not None and until <= now:
        outcome = "snooze_elapsed"  # read after the snooze it asked for had ended: nothing to do
    acting: list[StoredAlert] = []
    if outcome == APPLIED and alert is not None:
        acting = [alert, *others] if alert.state.active else others
        if command.verb is Verb.ACK:  # acknowledged before (by hand, or an earlier reply)
            acting = [a for a in acting if not acknowledged_already(a.view)]
            outcome = APPLIED if acting else "already_acknowledged"
    values = {
        "alert": alert.id if alert is not None else None,
        "owner": alert.owner if alert is not None else None,
        "outcome": outcome,
        "account": account,
        "at": now,
        "acted": acted_text([a.id for a in acting]) if acting else None,
    }
    if outcome == UNPROVEN and candidate.judged == UNPROVEN:
        return None  # still unproven: nothing new to record or to say
    if not record(connection, candidate, values):
        return None
    for acted in acting:
        act_on(
            connection,
            acted.id,
            _ACTIONS[command.verb],
            now,
            by=candidate.sender + BY_REPLY,
            until=until,
        )
    return ReplyOutcome(
        candidate.key,
        alert.id if alert is not None else None,
        outcome,
        tuple(sorted(a.id for a in acting)),
    )


def _lock_told(
    connection: sa.Connection, in_reply_to: Sequence[str], lead: int
) -> dict[int, StoredAlert]:
    """The alerts the email replied to told of, locked in the order of their ids, as an
    evaluation locks a client's alerts (another order could deadlock with one): ``lead``,
    which its Message-ID names, and the others its X-Relmon-Alert header names (one email
    tells an owner of several alerts of a client at once). None at all when this store sent no
    such email: another store's (a database made anew numbers its alerts from 1 again), or one
    made up."""
    answered = next((value for value in in_reply_to if alert_answered([value])), None)
    payload = alert_email(connection, [answered]) if answered is not None else None
    if payload is None:
        return {}
    header = BytesHeaderParser(policy=policy.default).parsebytes(payload).get(ALERT_HEADER, "")
    listed = str(header).split(";", 1)[0].split(",")
    named = {lead} | {int(part) for part in listed if part.strip().isdigit()}
    found = {ident: get(connection, ident, lock=True) for ident in sorted(named)}
    return {ident: alert for ident, alert in found.items() if alert is not None}


def _others(lead: StoredAlert | None, locked: dict[int, StoredAlert]) -> list[StoredAlert]:
    """The email's other alerts a reply about its first acts on: the same client's and
    owner's, not resolved yet."""
    if lead is None:
        return []
    return [
        other
        for other in locked.values()
        if other.id != lead.id
        and (other.client, other.owner) == (lead.client, lead.owner)
        and other.state.active
    ]


def apply_replies(runtime: Runtime, *, now: datetime) -> list[ReplyOutcome]:
    """Judge every recent reply to an alert email that gives a command; apply those that may
    act. Returns what was newly decided."""
    config = runtime.config
    engine = runtime.store.engine
    with engine.connect() as connection:
        waiting = candidates(connection, now - RECHECK)
    done: list[ReplyOutcome] = []
    for candidate in waiting:
        try:
            with engine.begin() as connection:
                result = _apply_one(connection, config, candidate, now)
        except Exception:  # one reply that cannot be applied never holds up the others
            logger.exception("alert_reply_failed", alert_reply=candidate.key)
            continue
        if result is None:
            continue
        done.append(result)
        if result.outcome == APPLIED:
            logger.info(
                "alert_reply_applied",
                alert=result.alert_id,
                alerts=list(result.acted),
                command=candidate.command,
            )
        else:
            # The sender is an address, never content: who tried, for which alert, and why not.
            logger.warning(
                "alert_reply_ignored",
                alert=result.alert_id,
                reason=result.outcome,
                sender=candidate.sender,
            )
    return done
