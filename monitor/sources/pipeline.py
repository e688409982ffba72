"""Raw message to stored form, shared by every source: parse, normalise, privacy filter.

Any exception while reading one message becomes a quarantine entry naming the error, so one
broken message never stops an ingest or a sync.
"""

from __future__ import annotations

from datetime import datetime

import structlog

from monitor.config import Privacy
from monitor.core.model import Message, Quarantined
from monitor.core.normalise import Envelope, normalise
from monitor.core.text import TextAnalyzer
from monitor.sources.parse import parse_raw

logger = structlog.get_logger()


def excluded(message: Message, privacy: Privacy) -> str | None:
    """Why the privacy settings keep this message out of the store, or ``None``."""
    if privacy.exclude_addresses:
        for address in sorted(message.participants):
            if privacy.excluded_address(address):
                return "excluded address"
    if privacy.exclude_subjects and privacy.excluded_subject(message.subject):
        return "excluded subject"
    return None


def from_envelope(
    envelope: Envelope, analyzer: TextAnalyzer, privacy: Privacy
) -> Message | Quarantined:
    result = normalise(
        envelope, analyzer, snippet_chars=privacy.snippet_chars if privacy.store_snippets else 0
    )
    if isinstance(result, Quarantined):
        return result
    return result.message


def from_raw(
    raw: bytes,
    *,
    analyzer: TextAnalyzer,
    privacy: Privacy,
    delivered_at: datetime | None = None,
    where: str = "",
) -> Message | Quarantined:
    """Parse and normalise one raw message; never raises for bad input."""
    try:
        envelope = parse_raw(raw, delivered_at=delivered_at)
        if isinstance(envelope, Quarantined):
            return envelope
        return from_envelope(envelope, analyzer, privacy)
    except (RecursionError, MemoryError) as err:
        logger.warning("message_unreadable", where=where, error=type(err).__name__)
        return Quarantined("parser_limit", f"{type(err).__name__} while parsing")
    except Exception as err:  # noqa: BLE001 - one broken message must never stop the ingest
        logger.warning(
            "message_unreadable", where=where, error=type(err).__name__, detail=str(err)[:200]
        )
        return Quarantined("parser_error", f"{type(err).__name__}: {str(err)[:300]}")
