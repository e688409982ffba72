"""A stored message judged again by today's rules, from what the store keeps of it.

The store keeps headers, the judged measures and, only when ``privacy.store_snippets`` is on, the
first characters of the own text. So:

- **own text, tone and cues** are judged again only when the stored snippet holds the whole own
  text (its length is the stored ``own_chars``). The snippet is cut again for quoted history
  (:func:`~monitor.core.owntext.recut_quotes`), then analysed as at ingest. Lines the earlier
  rules dropped are not in the snippet and cannot come back: that needs the mail read again.
- **noise** is judged again from the sender, the subject, whether the message answers another,
  and the own text when it is whole. A message is never made a person's mail again: the rules
  that made it noise may have read headers or a footer the store does not keep. A bounce
  forwarded with a short remark (:mod:`monitor.core.bounce`) is known only from the forwarded
  part, which is never stored: reading the mail again finds it.
- **needs reply** only ever goes from true to false (new noise, or a text now seen to be a
  closing only): whether the message was a calendar invitation is not stored.

Pure: the analyzer is passed in, the message's date is its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from monitor.core.model import Noise, TextFeatures
from monitor.core.noise import NoiseSignals, classify_noise
from monitor.core.normalise import clean_evidence, reply_expected
from monitor.core.owntext import recut_quotes
from monitor.core.sanitise import clean_text
from monitor.core.text import TextAnalyzer

#: Length-only stand-in for an own text the store does not hold whole: the noise rules that
#: weigh a text's length (a read receipt is short) still see it; no word rule can match it.
_UNKNOWN_TEXT_CAP = 2000


@dataclass(frozen=True, slots=True)
class Stored:
    """What the store keeps of a message that a judgement can read."""

    sender: str  # "" for the null sender
    subject: str
    is_reply: bool  # In-Reply-To or References stored
    date: datetime
    noise: Noise | None
    noise_reason: str | None
    needs_reply: bool
    snippet: str | None
    features: TextFeatures  # as stored; ``own_chars`` is the own text's length

    @property
    def whole_text(self) -> str | None:
        """The own text when the snippet holds all of it, else ``None``."""
        if self.features.own_chars == 0:
            return ""
        if self.snippet is not None and len(self.snippet) >= self.features.own_chars:
            return self.snippet
        return None


@dataclass(frozen=True, slots=True)
class Rejudged:
    noise: Noise | None
    noise_reason: str | None
    needs_reply: bool
    features: TextFeatures
    snippet: str | None
    text_judged: bool  # own text, tone and cues were judged again from the whole own text


def _noise(stored: Stored, text: str | None) -> tuple[Noise | None, str | None]:
    if stored.noise is not None:
        return stored.noise, stored.noise_reason
    known = text if text is not None else " " * min(stored.features.own_chars, _UNKNOWN_TEXT_CAP)
    verdict = classify_noise(
        NoiseSignals(
            headers={},
            sender=stored.sender or None,
            subject=stored.subject,
            own_text=known,
            body=text or "",
            is_reply=stored.is_reply,
            null_sender=not stored.sender,
        )
    )
    return (verdict.kind, verdict.reason) if verdict is not None else (None, None)


def rejudge(stored: Stored, analyzer: TextAnalyzer) -> Rejudged:
    """``stored`` judged by today's rules, as far as what is stored allows."""
    whole = stored.whole_text
    text = recut_quotes(whole) if whole else whole
    noise, reason = _noise(stored, text)
    newly_noise = noise is not None and stored.noise is None
    features, snippet = stored.features, stored.snippet
    if text is not None:
        features = clean_evidence(analyzer.analyse(text, date=stored.date, noise=noise))
        snippet = clean_text(text) or None if stored.snippet is not None else None
    elif newly_noise:
        # Noise carries no tone or cues (as at ingest); what the text said about a return
        # date stays.
        features = TextFeatures(
            language=features.language,
            own_chars=features.own_chars,
            away_until=features.away_until,
        )
    needs_reply = stored.needs_reply and noise is None
    if text is not None:
        needs_reply = needs_reply and reply_expected(noise is not None, features, text)
    return Rejudged(
        noise=noise,
        noise_reason=reason,
        needs_reply=needs_reply,
        features=features,
        snippet=snippet,
        text_judged=text is not None,
    )
