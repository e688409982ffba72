"""Language of own text: VADER reads English only, so every other language is marked unscored.

The statistical model (py3langid) is loaded once by the shell and injected; short texts, where
such models guess, are decided by script and a small word list first.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Protocol

# Languages a consultancy's mail is plausibly in; restricting the model to them avoids exotic
# guesses on short business text.
CANDIDATES = (
    "en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "no", "fi", "pl", "cs", "sk", "hu", "ro",
    "el", "tr", "ru", "uk", "et", "lv", "lt", "sl", "hr", "ca", "zh", "ja", "ko", "ar", "he", "hi",
)

_SHORT_WORDS: dict[str, str] = {}
for _lang, _words in {
    "en": "thanks thank you great ok okay sounds good see you then cheers perfect will do got it noted "
    "sure yes no fine brilliant lovely appreciated much appreciated many the a and best regards",
    "de": "danke vielen dank super gut alles klar bis dann gerne prima passt ja nein grüße",
    "fr": "merci beaucoup parfait d'accord entendu à bientôt oui non bien cordialement",
    "es": "gracias muchas perfecto vale de acuerdo hasta luego sí genial saludos",
    "fi": "kiitos paljon selvä hyvä sopii nähdään moi kyllä ei terveisin",
}.items():
    for _word in _words.split():
        _SHORT_WORDS.setdefault(_word, _lang)

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


class _Model(Protocol):
    def classify(self, text: str) -> tuple[str, float]: ...


def _script_language(text: str) -> str | None:
    """Decide CJK by script: the n-gram model is unreliable on short Chinese."""
    han = kana = hangul = letters = 0
    for char in text[:2000]:
        if not char.isalpha():
            continue
        letters += 1
        code = ord(char)
        if 0x3040 <= code <= 0x30FF:
            kana += 1
        elif 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF:
            hangul += 1
        elif 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF:
            han += 1
    if not letters:
        return None
    if kana / letters > 0.1:
        return "ja"
    if hangul / letters > 0.3:
        return "ko"
    if han / letters > 0.3:
        return "zh"
    return None


class LanguageDetector:
    """Detects the language of own text. Build once (loading the model is slow), then reuse."""

    def __init__(self, model: _Model | None) -> None:
        self._model = model

    @classmethod
    def load(cls) -> LanguageDetector:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        model = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        model.set_languages(list(CANDIDATES))
        return cls(model)

    def detect(self, text: str) -> str | None:
        """ISO 639-1 code, or ``None`` when there is too little text to tell."""
        text = unicodedata.normalize("NFC", text)
        by_script = _script_language(text)
        if by_script is not None:
            return by_script
        words = [w.casefold() for w in _WORD.findall(text[:5000])]
        if not words:
            return None
        if len(words) <= 4:
            votes = [_SHORT_WORDS[w] for w in words if w in _SHORT_WORDS]
            if votes and len(votes) * 2 >= len(words):
                return max(set(votes), key=votes.count)
            if self._model is None:
                return None
        if self._model is None:
            return None
        language, _probability = self._model.classify(text[:5000])
        return language
