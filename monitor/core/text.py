"""Text features of own text: language, whether it is only a closing, questions.

:class:`TextAnalyzer` holds the slow-to-build resources (language model, VADER lexicon, cue
lexicons). The shell builds one and passes it in; its methods are pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.core.away import return_date
from monitor.core.bounds import MAX_ANALYSED_CHARS, allows
from monitor.core.caseless import Caseless, caseless_text
from monitor.core.cues import Lexicon
from monitor.core.curtness import CurtnessLexicon
from monitor.core.language import LanguageDetector
from monitor.core.model import Noise, TextFeatures
from monitor.core.politeness import PolitenessModel
from monitor.core.sentiment import (
    EVIDENCE,
    SCORED_LANGUAGES,
    DomainVader,
    LinearVader,
    Scored,
    Scorer,
    score,
    score_again,
)

_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|dear|good\s+(?:morning|afternoon|evening)|hallo|hi\s+zusammen|liebe[rs]?|"
    r"sehr\s+geehrte[rs]?|guten\s+(?:morgen|tag|abend)|moin|servus|bonjour|bonsoir|salut|cher|chère|"
    r"hola|buenos\s+días|buenas\s+tardes|estimad[oa]s?|querid[oa]|hei|moi|terve|hyvä|您好|你好|"
    r"尊敬的)\b[^\n.!?]{0,60}?[,!:.]?\s*(?:\n|$)",
    re.IGNORECASE,
)
_CLOSING_PHRASES = re.compile(
    r"(?:many\s+thanks|thanks|thank\s+you|thx|ty|cheers|much\s+appreciated|appreciate\s+it|"
    r"(?:that\s+)?(?:sounds|looks)\s+(?:good|great|fine|perfect)|great|perfect|excellent|brilliant|lovely|"
    r"wonderful|awesome|fantastic|all\s+good|got\s+it|will\s+do|noted|understood|ok(?:ay)?|sure|"
    r"no\s+(?:problem|worries)|received|confirmed|done|see\s+you(?:\s+(?:then|there|soon|tomorrow|"
    r"next\s+week|on\s+\w+|\w+day))?|talk\s+(?:soon|then|tomorrow)|speak\s+(?:soon|then|tomorrow)|"
    r"have\s+a\s+(?:great|good|nice|lovely)\s+(?:day|weekend|evening|week)|(?:best|kind)\s+regards|regards|"
    r"for\s+(?:the|your)\s+(?:update|note|help|quick\s+reply|reply|confirmation|info|information|heads\s+up)|"
    r"danke(?:\s+schön|\s+sehr)?|vielen\s+dank|super|prima|perfekt|alles\s+klar|passt|gerne|"
    r"bis\s+(?:dann|morgen|später|bald|\w+tag)|schönes\s+wochenende|"
    r"merci(?:\s+beaucoup|\s+bien)?|parfait|d'accord|entendu|très\s+bien|à\s+(?:bientôt|demain|plus\s+tard)|"
    r"bonne\s+(?:journée|soirée)|bon\s+week-end|"
    r"(?:muchas\s+)?gracias|perfecto|vale|de\s+acuerdo|genial|hasta\s+(?:luego|mañana|pronto)|"
    r"buen\s+fin\s+de\s+semana|"
    r"kiitos(?:\s+paljon)?|selvä|sopii|hyvä|nähdään|mahtavaa|hienoa|"
    r"谢谢|多谢|收到|好的|明白|没问题|感谢|👍|🙏|😊|🙂)",
    re.IGNORECASE,
)
_QUESTION = re.compile(r"[?？]")
# Asking for something, in the languages relmon reads: a message that asks needs an answer.
_REQUEST = re.compile(
    r"\b(?:please|pls|can\s+you|could\s+you|would\s+you|will\s+you|let\s+(?:me|us)\s+know|"
    r"keep\s+(?:me|us)\s+(?:posted|informed|updated)|get\s+back\s+to\s+(?:me|us)|need|needs|asap|"
    r"by\s+eod|urgent|send\s+(?:me|us|over)|waiting|still|when|bitte|können\s+sie|könnten\s+sie|"
    r"kannst\s+du|brauchen|benötigen|dringend|merci\s+de|pourriez|pouvez|pourrais|besoin|urgent|"
    r"por\s+favor|podrías|podría|puedes|puede|necesito|necesitamos|urgente|voisitko|voitteko|voitko|"
    r"tarvitsen|tarvitsemme|kiire)\b|请|能否|麻烦|需要|尽快",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)
_GREETINGS = Caseless.of(_GREETING)
_CLOSINGS = Caseless.of(_CLOSING_PHRASES)
_REQUESTS = Caseless.of(_REQUEST)


def asks(text: str) -> bool:
    """Whether the text asks something of its reader: a question, or a request ("please",
    "can you", "bitte", "por favor", "请" …)."""
    return bool(_QUESTION.search(text) or _REQUEST.search(text))


def is_closing_only(text: str) -> bool:
    """A short closing that needs no reply: "Thanks!", "Great, see you then", or a brief
    acknowledgement such as "Board confirmed go for 6 July. Thanks Ben." that asks nothing."""
    stripped = text.strip()
    if not stripped or len(stripped) > 300 or _QUESTION.search(stripped):
        return False
    # What is left is read for its words whatever their case: it may be read lower-cased.
    read, lowered = caseless_text(stripped)
    rest = _GREETINGS.on(lowered).sub("", read, count=1)
    rest, hits = _CLOSINGS.on(lowered).subn(" ", rest)
    if not hits:
        return False
    if len(_WORDS.findall(stripped)) <= 30 and not _REQUESTS.on(lowered).search(read):
        return True
    words = _WORDS.findall(rest)
    # What is left may be a name, "Alice", or a filler such as "again" / "so much".
    filler = {
        "again",
        "so",
        "much",
        "very",
        "a",
        "lot",
        "for",
        "all",
        "and",
        "you",
        "too",
        "the",
        "that",
        "auch",
        "und",
        "nochmal",
        "et",
        "y",
        "ja",
        "then",
        "also",
    }
    meaningful = [w for w in words if w.casefold() not in filler]
    return len(meaningful) <= 2


@dataclass
class TextAnalyzer:
    """Computes :class:`TextFeatures` for own text. Build once per process (see :meth:`load`):
    VADER parses its lexicon when constructed, and the cue lexicons are compiled here."""

    languages: LanguageDetector
    sentiment: Scorer | None = None
    lexicon: Lexicon | None = None
    politeness: PolitenessModel | None = None
    tone: DomainVader | None = None
    curtness: CurtnessLexicon | None = None

    @classmethod
    def load(cls, extra_cues: Mapping[str, Iterable[str]] | None = None) -> TextAnalyzer:
        vader = LinearVader()
        vocabulary = frozenset(word for word in vader.lexicon if word.isalpha())
        return cls(
            languages=LanguageDetector.load(vocabulary),
            sentiment=vader,
            lexicon=Lexicon.load(extra_cues),
            politeness=PolitenessModel.load(vader.lexicon),
            tone=DomainVader.load("en"),
            curtness=CurtnessLexicon.load("en"),
        )

    def _tone(self, text: str, language: str | None, scored: Scored | None) -> Scored | None:
        """The message's tone read as business mail, with the sentences that moved it: VADER's
        score again with the work words at no valence, computed only when the text has one
        (otherwise it is the sentiment); of a long text only the sentences with one are
        scored again. ``None``: unscored."""
        if self.tone is None or scored is None or scored.compound is None:
            return None
        if language not in SCORED_LANGUAGES:
            return None
        if not self._has_work_words(text):
            return scored
        if not scored.scored:
            return score(text, language, self.tone)
        return score_again(text, scored, self.tone, self._has_work_words, evidence=EVIDENCE)

    def _has_work_words(self, text: str) -> bool:
        assert self.tone is not None
        folded, work = text.casefold(), self.tone.neutral
        # A word that is a work word is in the text as a substring too: most texts hold none
        # of the few work words, and are told so without reading them word by word.
        return any(w in folded for w in work) and not work.isdisjoint(_WORDS.findall(folded))

    def _curt(self, text: str, language: str | None) -> dict[str, Any]:
        """The curtness fields of :class:`TextFeatures`; all ``None`` when unscored."""
        curt = (
            self.curtness.read(text, language)
            if self.curtness is not None and allows("curtness")
            else None
        )
        if curt is None:
            return {}
        return {
            "curtness": curt.curtness,
            "courtesy": curt.courtesy,
            "friction_evidence": curt.evidence,
            "friction_excerpt": curt.excerpt,
        }

    def analyse(self, text: str, *, date: datetime, noise: Noise | None = None) -> TextFeatures:
        """Features of own text; ``noise`` is the message's noise kind, if it is noise.

        At most :data:`~monitor.core.bounds.MAX_ANALYSED_CHARS` are read; each step runs only
        while the message's time budget (:mod:`monitor.core.bounds`) allows it.
        """
        if not text.strip():
            return TextFeatures(language=None, own_chars=0)
        own_chars = len(text)
        text = text[:MAX_ANALYSED_CHARS]
        language = self.languages.detect(text) if allows("language") else None
        if noise is not None:
            # Noise says nothing about the relationship: no tone, no cues. Of an auto-reply
            # only its return date matters.
            away = (
                return_date(text, date)
                if noise is Noise.AUTO_REPLY and allows("return date")
                else None
            )
            return TextFeatures(language=language, own_chars=own_chars, away_until=away)
        scored = (
            score(text, language, self.sentiment)
            if self.sentiment is not None and allows("sentiment")
            else None
        )
        cues = (
            self.lexicon.find(text, language)
            if self.lexicon is not None and allows("cues")
            else None
        )
        impolite = (
            round(self.politeness.impoliteness(text), 4)
            if self.politeness is not None
            and language == self.politeness.language
            and allows("politeness")
            else None
        )
        toned = self._tone(text, language, scored) if allows("tone") else None
        # The tone as relmon measures it, and the sentences that moved it: read as business mail.
        felt = toned if toned is not None else scored
        negative = felt is not None and felt.compound is not None and felt.compound <= -0.05
        return TextFeatures(
            language=language,
            own_chars=own_chars,
            sentiment=scored.compound if scored else None,
            impoliteness=impolite,
            tone=toned.compound if toned is not None else None,
            **self._curt(text, language),
            sentences=scored.sentences if scored else 0,
            evidence=felt.evidence if felt is not None else (),
            friction=cues.friction if cues else (),
            pressure=cues.pressure if cues else (),
            basics=cues.basics if cues else (),
            questions=len(_QUESTION.findall(text)),
            closing_only=allows("closing check")
            and is_closing_only(text)
            and not negative
            and not (cues and (cues.friction or cues.pressure)),
        )
