"""Rendering a client's alert notifications: what the owner reads, built once per client.

The lifecycle (:func:`monitor.alerts.store.apply`) hands back transitions; for those that notify
at once, the client's report and its health trend (thirty daily analyses) are turned into an
:class:`~monitor.alerts.channel.AlertNote` that every channel renders. The trend is computed at
most once per client and evaluation, and only when some transition needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from datetime import time as clock_time
from functools import cached_property, partial

from monitor.alerts.channel import AlertNote
from monitor.alerts.render import AlertMail, EvidenceLine
from monitor.alerts.store import Transition
from monitor.app.evaluation import team_calendar
from monitor.app.runtime import Runtime
from monitor.app.trends import kept_points
from monitor.app.views import TREND_DAYS
from monitor.config import Client, Config
from monitor.core.analysis import ClientHistory, ClientReport, DayHealth, analyse, day_ends
from monitor.core.health import COMMON_ADVICE


def quiet_until(config: Config, owner: str, now: datetime) -> datetime:
    """When a critical alert may be delivered: now, or the end of the owner's quiet hours."""
    quiet = config.alerts.quiet_hours
    if quiet is None:
        return now
    tz = config.owner_tz(owner)
    local = now.astimezone(tz)
    minutes = local.hour * 60 + local.minute
    start, end = quiet
    inside = start <= minutes < end if start < end else (minutes >= start or minutes < end)
    if not inside:
        return now
    day = local.date() if minutes < end else local.date() + timedelta(days=1)
    return datetime.combine(day, clock_time(end // 60, end % 60), tzinfo=tz).astimezone(UTC)


@dataclass
class ClientFacts:
    """One client at the evaluation's instant, as its notifications describe it."""

    history: ClientHistory
    report: ClientReport
    owner: str
    tz: tzinfo  # the owner's zone
    now: datetime
    #: Health at past days, kept ones read back (:func:`monitor.app.trends.kept_points`).
    kept: Callable[[Sequence[datetime]], Sequence[DayHealth]] | None = None

    @classmethod
    def kept_by(
        cls,
        runtime: Runtime,
        client: Client,
        history: ClientHistory,
        report: ClientReport,
        now: datetime,
    ) -> ClientFacts:
        """A client's facts whose trend reads the past days kept in ``runtime``'s store."""
        kept = partial(kept_points, runtime, client.name, history, now)
        return cls(history, report, client.owner, runtime.config.owner_tz(client.owner), now, kept)

    @cached_property
    def trend(self) -> tuple[int | None, ...]:
        """Health at the end of each of the last thirty days, in the owner's zone."""
        *past, _ = day_ends(self.now, TREND_DAYS, self.tz)
        if self.kept is None:
            scores = [analyse(self.history, day).health.score for day in past]
        else:
            scores = [point.score for point in self.kept(past)]
        return (*scores, self.report.health.score)


def evidence_keys(transitions: Sequence[Transition]) -> list[str]:
    return [str(e["key"]) for t in transitions for e in t.alert.evidence if e.get("key")]


def _evidence(transition: Transition, names: Mapping[str, str]) -> tuple[EvidenceLine, ...]:
    return tuple(
        EvidenceLine(
            datetime.fromisoformat(str(e["date"]).replace("Z", "+00:00")),
            str(e["from"]),
            str(e["subject"]),
            name=names.get(str(e.get("key")), ""),
        )
        for e in transition.alert.evidence
    )


def alert_note(
    transition: Transition,
    facts: ClientFacts,
    config: Config,
    names: Mapping[str, str] | None = None,
) -> AlertNote:
    """What every channel says about a client alert's transition."""
    alert, event, report = transition.alert, transition.event, facts.report
    content = AlertMail(
        alert_id=alert.id,
        event_id=transition.event_id,
        client=alert.client or "",
        kind=alert.kind,
        severity=(event.severity or alert.severity).value,
        event=event.kind.value,
        explanation=alert.explanation,
        evidence=_evidence(transition, names or {}),
        figures=alert.figures,
        pattern=report.pattern.pattern.value,
        advice=report.pattern.advice,
        common_advice=COMMON_ADVICE,
        health=report.health.score,
        trend=facts.trend,
        components=report.health.components,
        raised_at=facts.now,
        opened_at=alert.opened_at,
        day_hours=team_calendar(config).day_seconds() / 3600,
    )
    return AlertNote(
        content=content,
        owner=facts.owner,
        when=facts.now,
        tz=facts.tz,
        first=transition.first,
        not_before=quiet_until(config, facts.owner, facts.now),
    )
