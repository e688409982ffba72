"""A scenario: realistic mail between us and a client, through the real normalisation and store.

s = Scenario(tmp_path, analyzer)
first = s.client_writes("Mon 2026-06-01 10:00", "Rollout plan", "Hi Alice, could you …?")
s.we_reply(first, "Tue 2026-06-02 09:00", "Hi Dana, attached …")
report = s.report("Acme Logistics", "2026-06-05 17:00")
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from monitor.app.evaluation import Evaluation, prepare
from monitor.app.runtime import Runtime
from monitor.config import Privacy
from monitor.core.analysis import ClientReport
from monitor.core.model import Message
from monitor.sources.pipeline import from_raw
from monitor.store.conversations import rethread
from monitor.store.messages import Item, save_items
from tests.factories import ALICE, DANA, email, team_config

LONDON = ZoneInfo("Europe/London")
_counter = itertools.count(1)


def at(text: str) -> datetime:
    """'2026-06-01 10:00' (London time; a leading weekday is ignored) -> aware datetime."""
    parts = text.split()
    if len(parts) == 3:
        parts = parts[1:]
    return datetime.fromisoformat(" ".join(parts)).replace(tzinfo=LONDON)


class Scenario:
    def __init__(self, tmp_path: Path, analyzer, extra_config: str = "") -> None:
        self.runtime = Runtime.open(
            team_config(f"sqlite:///{tmp_path / 'relmon.db'}", extra_config), analyzer=analyzer
        )
        self.analyzer = analyzer

    def close(self) -> None:
        self.runtime.close()

    def add(self, raw: bytes, folder: str = "INBOX") -> Message:
        message = from_raw(raw, analyzer=self.analyzer, privacy=Privacy())
        assert isinstance(message, Message), message
        with self.runtime.store.engine.begin() as connection:
            save_items(
                connection,
                account="alice",
                folder=folder,
                items=[Item(f"{next(_counter)}", message)],
                directory=self.runtime.directory,
                now=datetime.now(UTC),
            )
        rethread(self.runtime.store.engine)
        return message

    def client_writes(
        self,
        when: str,
        subject: str,
        body: str,
        *,
        reply_to: Message | None = None,
        frm: str = DANA,
        to: str | list[str] = ALICE,
        cc: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Message:
        return self.add(self._raw(when, subject, body, reply_to, frm, to, cc, headers))

    def we_reply(
        self,
        to_message: Message,
        when: str,
        body: str,
        *,
        frm: str = ALICE,
        to: str = DANA,
        headers: dict[str, str] | None = None,
    ) -> Message:
        subject = (
            to_message.subject
            if to_message.subject.lower().startswith("re:")
            else f"Re: {to_message.subject}"
        )
        return self.add(
            self._raw(when, subject, body, to_message, frm, to, None, headers), folder="Sent"
        )

    def we_write(self, when: str, subject: str, body: str, *, to: str = DANA) -> Message:
        return self.add(self._raw(when, subject, body, None, ALICE, to, None, None), folder="Sent")

    def _raw(self, when, subject, body, reply_to, frm, to, cc, headers) -> bytes:
        ident = f"m{next(_counter)}.{at(when):%Y%m%d%H%M}@{frm.split('@')[1].rstrip('>')}"
        references = None
        if reply_to is not None:
            references = (
                [*reply_to.references, reply_to.message_id] if reply_to.message_id else None
            )
        return email(
            frm=frm,
            to=to,
            cc=cc,
            subject=subject,
            body=body,
            date=at(when),
            message_id=ident,
            in_reply_to=reply_to.message_id if reply_to is not None else None,
            references=references,
            headers=headers,
        )

    def evaluation(self, when: str | datetime) -> Evaluation:
        rethread(self.runtime.store.engine, force=True)
        now = at(when) if isinstance(when, str) else when
        return prepare(self.runtime, now.astimezone(UTC))

    def report(self, client: str, when: str | datetime) -> ClientReport:
        return self.evaluation(when).report(client)

    def weekly_history(
        self, start: str, weeks: int, *, every_days: int = 7, subject: str = "Weekly status"
    ) -> None:
        """A friendly client writing every ``every_days`` days, answered by us within hours."""
        first = at(start)
        for week in range(weeks):
            day = first + timedelta(days=week * every_days)
            while day.weekday() >= 5:
                day += timedelta(days=1)
            when = day.strftime("%Y-%m-%d %H:%M")
            later = (day + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M")
            message = self.client_writes(
                when,
                f"{subject} – week {week + 1}",
                "Hi Alice,\n\nThe warehouse team finished this week's pick-rate review; the figures look good. "
                "Could you confirm we are still on track for the pilot?\n\nThanks,\nDana",
            )
            self.we_reply(
                message,
                later,
                "Hi Dana,\n\nYes, all on track; thanks for the figures, they help a lot.\n\nBest,\nAlice",
            )
