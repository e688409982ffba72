"""The client's recent messages as ``relmon client`` and its JSON list them: each with its tone
and the reply gap it opened, on both clocks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from monitor.app.rows import MessageRef, TimelineEntry
from monitor.core.model import Direction
from monitor.core.records import Record

if TYPE_CHECKING:  # a client answered from what was kept loads no analysis
    from monitor.core.analysis import ClientReport
    from monitor.core.gaps import Gap


def ref_of(record: Record) -> MessageRef:
    return {
        "key": record.key,
        "date": record.date,
        "from": record.sender,
        "subject": record.subject,
    }


def hours(seconds: float | None) -> float | None:
    return round(seconds / 3600, 2) if seconds is not None else None


def timeline_of(report: ClientReport, recent: Sequence[Record]) -> list[TimelineEntry]:
    """Recent messages, newest first, with the reply gaps they opened."""
    answered = {g.start.key: g for g in report.gaps.ours}
    client_waits = {g.start.key: g for g in report.gaps.theirs}
    return [_entry(r, answered.get(r.key), client_waits.get(r.key)) for r in reversed(recent)]


def _entry(record: Record, ours: Gap | None, theirs: Gap | None) -> TimelineEntry:
    """One message; ``ours``: the gap to our reply it opened, ``theirs``: to the client's."""
    return TimelineEntry(
        **ref_of(record),
        direction=record.direction.value,
        noise=record.noise,
        sentiment=record.sentiment,
        tone=record.business_tone,
        language=record.language,
        needs_reply=record.waits_for_us and record.direction is Direction.INBOUND,
        reply_reason=_reply_reason(record),
        reply_gap_business_hours=hours(ours.business_seconds) if ours else None,
        reply_gap_wall_hours=hours(ours.wall_seconds) if ours else None,
        answered=(ours.end is not None) if ours else None,
        client_reply_gap_business_hours=hours(theirs.business_seconds) if theirs else None,
        cues=[*record.friction, *record.pressure, *record.basics],
    )


def _reply_reason(record: Record) -> str | None:
    """Why a client message that asks for something waits for no reply from us."""
    if record.direction is not Direction.INBOUND or not record.needs_reply:
        return None
    return record.reply_reason or ("cc_only" if record.cc_only else None)
