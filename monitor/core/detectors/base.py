"""What every detector shares: the alert kinds, severities, the finding, the wording, the entry.

A detector is a pure function from one client's facts at ``now`` (see :mod:`monitor.core.facts`)
and the thresholds to a :class:`Finding`. Its :class:`Detector` entry is what the rest of relmon
reads: configuration reads the threshold keys and their defaults, the alert emails the title,
the CLI and the views the kind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING, TypeAlias, TypeGuard

from monitor.core import durations
from monitor.core.records import Record

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    from monitor.core.detectors import Thresholds
    from monitor.core.facts import ClientFacts


class Kind(StrEnum):
    """The alert kinds, in the order detectors run and reports list them."""

    SILENCE = "silence"
    CHECKIN_DUE = "checkin_due"
    UNANSWERED = "unanswered"
    FRICTION = "friction"
    MICROMANAGEMENT = "micromanagement"


class Severity(StrEnum):
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return 1 if self is Severity.WARNING else 2


#: A figure behind a finding, as stored with the alert and shown in its email and in JSON.
Figure: TypeAlias = float | int | str | list[str] | None


@dataclass(frozen=True)
class Finding:
    kind: Kind
    severity: Severity | None
    explanation: str
    figures: dict[str, Figure] = field(default_factory=dict)
    evidence: tuple[Record, ...] = ()

    @property
    def firing(self) -> bool:
        return self.severity is not None


@dataclass(frozen=True)
class Detector:
    """A registered alert kind: how it is judged, its thresholds, and how an alert is titled."""

    kind: Kind
    #: The finding for one client's facts; takes the whole :class:`Thresholds`, reads its own keys.
    detect: Callable[[ClientFacts, Thresholds], Finding]
    #: A frozen dataclass of the detector's threshold keys with their defaults; ``Thresholds``
    #: inherits from it, so the keys are settable in ``[thresholds]`` and per client.
    thresholds: type[DataclassInstance]
    #: (warning, critical) key pairs: configuration rejects a warning above its critical.
    pairs: tuple[tuple[str, str], ...]
    #: What follows the client's name in an alert's headline: "Acme has gone quiet".
    title: str
    #: The finding's severity alone, as ``detect`` gives it, without the explanation, figures
    #: and evidence: what the backtest, trends and due times read of most findings.
    severity: Callable[[ClientFacts, Thresholds], Severity | None]

    def threshold_defaults(self) -> dict[str, float]:
        """The detector's threshold keys with their defaults, in declaration order."""
        defaults = {f.name: f.default for f in fields(self.thresholds)}
        return {name: value for name, value in defaults.items() if isinstance(value, int | float)}


# --------------------------------------------------------------------------- wording


def counted(count: int, noun: str) -> str:
    """``counted(1, "message")`` → "1 message", ``counted(3, "message")`` → "3 messages"."""
    return f"{count} {noun}{'s' if count != 1 else ''}"


def days_text(value: float) -> str:
    """Calendar days in words ("13 days", "5 hours"): :func:`monitor.core.durations.calendar_days`."""
    return durations.calendar_days(value)


def hours_text(seconds: float, day_seconds: float = durations.DEFAULT_WORKING_DAY) -> str:
    """Working time in words ("4.6 working hours", "3.9 working days"), in working days of
    ``day_seconds``: :func:`monitor.core.durations.working`."""
    return durations.working(seconds, day_seconds)


def day_month(
    moment: datetime | date, now: datetime | date | None = None, zone: tzinfo | None = None
) -> str:
    """ "27 Sep", with the year when it is not ``now``'s ("27 Sep 2001"), read in ``zone``."""
    return durations.day(moment, now if now is not None else moment, zone)


def quoted(subject: str, limit: int = 60) -> str:
    text = " ".join(subject.split()) or "(no subject)"
    return "'" + (text if len(text) <= limit else text[: limit - 1] + "…") + "'"


def terms(items: Sequence[tuple[Record, tuple[str, ...]]], limit: int = 3) -> str:
    """The distinct cue terms of ``items`` ("escalation:unacceptable" → 'unacceptable'), quoted."""
    seen: list[str] = []
    for _, cues in items:
        for cue in cues:
            term = cue.split(":", 1)[1]
            if term not in seen:
                seen.append(term)
    shown = ", ".join(f"'{t}'" for t in seen[:limit])
    return shown + (" …" if len(seen) > limit else "")


def paused(away_until: date | None, now: datetime) -> TypeGuard[date]:
    """Whether the client's contact is away on ``now``'s date (the return date included): the
    silence and check-in clocks stand still."""
    return away_until is not None and away_until >= now.date()


def severity_between(value: float, warning: float, critical: float) -> Severity | None:
    if value >= critical:
        return Severity.CRITICAL
    if value >= warning:
        return Severity.WARNING
    return None
