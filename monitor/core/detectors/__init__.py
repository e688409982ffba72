"""The alert kinds of DESIGN.md, each judged against the client's own baseline, and their registry.

Every detector takes the facts of one client at ``now`` and returns a :class:`Finding`: a
severity (``None`` when all is well, ``warning`` before a breach, ``critical`` at one), a
one-line explanation a consultant can act on ("Acme usually writes every 6 days; silent for 27
days (4.5× its norm) …"), the figures behind it and the messages that are its evidence.

Defaults are chosen so that a normal relationship raises nothing: alert fatigue is what users
of comparable tools complain about most. A cadence that cannot be learned yet raises no silence
alert; a single grumpy sentence raises no friction alert.

Each detector also gives its severity alone (:func:`levels`), the same as its finding's: a
backtest, a trend or a due time reads only the severities, and a finding's words are written
only where they are read.

One module per kind, each ending in its :class:`Detector` entry. Registering a kind takes three
lines: a member of :class:`Kind` (in ``base.py``), its entry at the end of :data:`DETECTORS`,
and its thresholds dataclass first among the bases of :class:`Thresholds`. Configuration
(threshold keys, :data:`THRESHOLD_PAIRS`), alert emails (the title), the backtest and the
views (:data:`KINDS`) read the registry, so nothing else changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import TYPE_CHECKING, TypeAlias

from monitor.core.detectors import checkin_due, friction, micromanagement, silence, unanswered
from monitor.core.detectors.base import (
    Detector,
    Figure,
    Finding,
    Kind,
    Severity,
    counted,
    day_month,
    days_text,
    hours_text,
    quoted,
)

if TYPE_CHECKING:
    from monitor.core.facts import ClientFacts

#: Every alert kind's entry, in the order detectors run and reports list their findings.
DETECTORS: Mapping[Kind, Detector] = MappingProxyType(
    {
        entry.kind: entry
        for entry in (
            silence.DETECTOR,
            checkin_due.DETECTOR,
            unanswered.DETECTOR,
            friction.DETECTOR,
            micromanagement.DETECTOR,
        )
    }
)
KINDS: tuple[Kind, ...] = tuple(DETECTORS)


# The fields of a dataclass are collected from its bases in reverse order of the MRO, so the
# bases are listed last kind first: ``Thresholds.names()`` then follows :data:`DETECTORS`.
@dataclass(frozen=True)
class Thresholds(
    micromanagement.MicromanagementThresholds,
    friction.FrictionThresholds,
    unanswered.UnansweredThresholds,
    checkin_due.CheckinThresholds,
    silence.SilenceThresholds,
):
    """Warning and critical thresholds; global defaults in ``[thresholds]``, per client in
    ``[clients.thresholds]``. Each detector declares its own keys; the alert lifecycle adds one."""

    cooldown_days: float = 7.0  # a resolved alert re-opens only after this long

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


#: (warning, critical) threshold key pairs of every detector: a warning above its critical is a
#: configuration error.
THRESHOLD_PAIRS: tuple[tuple[str, str], ...] = tuple(
    pair for entry in DETECTORS.values() for pair in entry.pairs
)


def detect_all(facts: ClientFacts, thresholds: Thresholds) -> tuple[Finding, ...]:
    """Every registered detector's finding for one client, in registry order."""
    return tuple(entry.detect(facts, thresholds) for entry in DETECTORS.values())


#: Each kind's severity (``None``: all is well), as the findings give them.
Levels: TypeAlias = dict[Kind, Severity | None]


def levels(facts: ClientFacts, thresholds: Thresholds) -> Levels:
    """Every registered detector's severity for one client, in registry order, as
    :func:`detect_all` gives them, without their explanations, figures and evidence: what a
    backtest, a trend or a due time reads."""
    return {kind: entry.severity(facts, thresholds) for kind, entry in DETECTORS.items()}


def levels_of(findings: Sequence[Finding]) -> Levels:
    return {f.kind: f.severity for f in findings}


__all__ = [
    "DETECTORS",
    "KINDS",
    "THRESHOLD_PAIRS",
    "Detector",
    "Figure",
    "Finding",
    "Kind",
    "Levels",
    "Severity",
    "Thresholds",
    "counted",
    "day_month",
    "days_text",
    "detect_all",
    "hours_text",
    "levels",
    "levels_of",
    "quoted",
]
