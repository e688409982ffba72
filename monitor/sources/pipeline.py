"""Raw message to stored form, shared by every source: parse, normalise, privacy filter.

Any exception while reading one message becomes a quarantine entry naming the error, so one
broken message never stops an ingest or a sync.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime

from monitor.config import Privacy
from monitor.core.bounds import Budget, within
from monitor.core.model import Message, Quarantined
from monitor.core.normalise import Envelope, normalise
from monitor.core.text import TextAnalyzer
from monitor.log import get_logger
from monitor.sources.parse import parse_raw

logger = get_logger()


def excluded(message: Message, privacy: Privacy) -> str | None:
    """Why the privacy settings keep this message out of the store, or ``None``."""
    return privacy.excluded_mail(message.participants, message.subject)


def _noted(message: Message, budget: Budget, where: str) -> Message:
    """The message with the budget's note, when its analysis ran past the budget."""
    note = budget.note()
    if note is None:
        return message
    logger.warning("analysis_budget", where=where, seconds=round(budget.spent(), 2))
    return replace(message, notes=(*message.notes, note))


def from_envelope(
    envelope: Envelope,
    analyzer: TextAnalyzer,
    privacy: Privacy,
    *,
    budget: Budget | None = None,
    where: str = "",
) -> Message | Quarantined:
    """Normalise one envelope within a time budget (a new one unless ``budget`` is given):
    analysis steps past it are skipped, and the message is stored with what was computed and a
    note saying so (shown by ``relmon export``), never retried."""
    budget = budget if budget is not None else Budget(time.monotonic)
    with within(budget):
        result = normalise(
            envelope, analyzer, snippet_chars=privacy.snippet_chars if privacy.store_snippets else 0
        )
    if isinstance(result, Quarantined):
        return result
    return _noted(result.message, budget, where)


def from_raw(
    raw: bytes,
    *,
    analyzer: TextAnalyzer,
    privacy: Privacy,
    delivered_at: datetime | None = None,
    where: str = "",
) -> Message | Quarantined:
    """Parse and normalise one raw message; never raises for bad input. Parsing counts
    against the message's time budget (see :func:`from_envelope`)."""
    budget = Budget(time.monotonic)
    try:
        envelope = parse_raw(raw, delivered_at=delivered_at)
        if isinstance(envelope, Quarantined):
            return envelope
        return from_envelope(envelope, analyzer, privacy, budget=budget, where=where)
    except (RecursionError, MemoryError) as err:
        logger.warning("message_unreadable", where=where, error=type(err).__name__)
        return Quarantined("parser_limit", f"{type(err).__name__} while parsing")
    except Exception as err:  # noqa: BLE001 - one broken message must never stop the ingest
        logger.warning(
            "message_unreadable", where=where, error=type(err).__name__, detail=str(err)[:200]
        )
        return Quarantined("parser_error", f"{type(err).__name__}: {str(err)[:300]}")
