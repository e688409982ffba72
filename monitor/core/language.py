"""Language of own text. VADER reads English only, so every other language is marked unscored.

Business mail is written in a handful of languages and almost always in full sentences, so the
most frequent function words identify the language reliably; scripts identify the rest (Chinese,
Japanese, Korean, Cyrillic, Greek, Arabic, Hebrew, Devanagari, Thai). This keeps the detector
small and fast (a statistical model would cost ~100 MB of memory in a daemon that otherwise needs
far less) and makes its decisions explainable. Texts too short to tell give ``None``.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from functools import lru_cache

# The most frequent function words per language (articles, pronouns, auxiliaries, prepositions,
# conjunctions) plus a few words typical of business mail. Words shared by several languages
# count for each of them, weighted down by how many share them.
_FUNCTION_WORDS: dict[str, str] = {
    "en": "the and to of a in is it you that for on are with as be this have i we at will not but "
    "your our from by or they can was would could should please thanks thank let me know if all "
    "just about so what when which there their been has had do does did an my us them any some "
    "get meeting week next call update regards best hi dear would also attached see he she his her "
    "him who how why where here more than then too very really much no yes yeah not don't can't "
    "doesn't didn't isn't it's i'm im dont cant its going go got one out up like good bad great new "
    "time today tomorrow day back now still only even after before because into over",
    "de": "der die das und ist ich nicht sie es zu den mit ein eine sich auf für von wir ihr "
    "dem des im auch wie noch nach bei aus wenn aber oder sind war haben habe hat wird werden "
    "können kann bitte danke vielen dank gruß grüße grüßen freundlichen mit uns ihnen ihre "
    "unsere diese dieser einen einem schon nur über bis wieder morgen heute woche hallo liebe "
    "sehr geehrte geehrter",
    "fr": "le la les et de des un une est je vous nous il elle en que qui pour pas dans sur avec "
    "au aux du ce cette ces mais ou sont avons avez être avoir fait merci bonjour cordialement "
    "bien votre vos notre nos très plus semaine demain aujourd hui pouvez pourriez je suis sera "
    "été leur leurs comme tout aussi",
    "es": "el la los las y de que en un una es por para con no se lo le su sus al del como más "
    "pero muy gracias hola saludos usted ustedes nosotros está están estoy ser sido hay este "
    "esta estos también semana mañana hoy podemos puede cuando donde sobre tenemos tengo "
    "quedo atentamente cordiales",
    "it": "il lo la gli le e di che un una è per non con sono del della dei delle al alla si ma "
    "come anche più ci ho hai abbiamo grazie buongiorno saluti cordiali settimana domani oggi "
    "questo questa essere stato",
    "pt": "o a os as e de que em um uma é para com não se do da dos das no na por mais mas como "
    "obrigado obrigada olá bom dia atenciosamente você vocês nós está estou ser foi também "
    "semana amanhã hoje isso este esta",
    "nl": "de het een en van is dat ik je niet in op te met voor zijn er maar ook als aan wij we "
    "jij u uw ons onze hebben heb heeft worden wordt kan kunnen bedankt dank groeten groet "
    "met vriendelijke hallo beste week morgen vandaag dit deze",
    "sv": "och att det som en på är av för med till den har jag inte om ett vi du ni kan men "
    "från så var eller vara hade tack hej hälsningar vänliga med vecka imorgon idag också "
    "detta denna mycket",
    "da": "og at det som en på er af for med til den har jeg ikke om et vi du kan men fra så "
    "var eller være tak hej hilsen venlig venlige uge mange også dette denne",
    "no": "og at det som en på er av for med til den har jeg ikke om et vi du kan men fra så var "
    "eller være takk hei hilsen vennlig uke mange også dette denne",
    "fi": "ja on ei se että kun mutta olen olet hän me te he ne tämä tuo oli ovat voi jos niin "
    "kuin myös vielä sitten nyt jo kanssa minä sinä meidän teidän kiitos terveisin ole olisi "
    "joka mitä miten missä koska vain paljon tai sekä siitä tästä asiaa asia viikolla "
    "huomenna tänään ensi hei moi ystävällisin voisitko voitko onko meillä teillä",
    "pl": "i w nie na się że to z do jest jak ale o co tak za od po mnie mi jego jej czy dla "
    "już są być był dziękuję pozdrawiam dzień dobry proszę tydzień jutro dzisiaj również",
    "cs": "a v se na je že to s z do o jak ale k by pro jsem jsme jste není děkuji dobrý den "
    "prosím pozdravem týden zítra dnes také",
    "hu": "a az és hogy nem is egy van meg de csak már el ha mint volt vagy köszönöm üdvözlettel "
    "kérem jó napot hét holnap ma",
    "ro": "și în de la nu că o a cu pe se este un care mai din pentru sunt fost mulțumesc "
    "bună ziua cu stimă săptămână mâine azi",
    "tr": "ve bir bu da de için ile ne var mı çok daha ama gibi olarak teşekkürler merhaba "
    "saygılarımla hafta yarın bugün",
}

_WEIGHTS: dict[str, dict[str, float]] = {}
_sharing: Counter[str] = Counter()
for _listed in _FUNCTION_WORDS.values():
    _sharing.update(set(_listed.split()))
for _lang, _listed in _FUNCTION_WORDS.items():
    _WEIGHTS[_lang] = {w: 1.0 / _sharing[w] for w in set(_listed.split())}

_ASCII_LETTERS = dict.fromkeys(map(ord, string.ascii_letters))

# Letters that point at one language or a few; used to break near ties.
_LETTER_HINTS = {
    "ß": ("de",),
    "ñ": ("es",),
    "¿": ("es",),
    "¡": ("es",),
    "ç": ("fr", "pt"),
    "ã": ("pt",),
    "õ": ("pt",),
    "å": ("sv", "da", "no"),
    "ø": ("da", "no"),
    "æ": ("da", "no"),
    "ł": ("pl",),
    "ą": ("pl",),
    "ę": ("pl",),
    "ř": ("cs",),
    "ů": ("cs",),
    "ě": ("cs",),
    "ő": ("hu",),
    "ű": ("hu",),
    "ș": ("ro",),
    "ț": ("ro",),
    "ğ": ("tr",),
    "ı": ("tr",),
    "ş": ("tr",),
}
_SHORT = {
    "thanks": "en",
    "thank": "en",
    "cheers": "en",
    "great": "en",
    "perfect": "en",
    "ok": "en",
    "okay": "en",
    "sounds": "en",
    "good": "en",
    "noted": "en",
    "sure": "en",
    "brilliant": "en",
    "lovely": "en",
    "danke": "de",
    "super": "de",
    "prima": "de",
    "passt": "de",
    "gerne": "de",
    "klar": "de",
    "merci": "fr",
    "parfait": "fr",
    "entendu": "fr",
    "d'accord": "fr",
    "gracias": "es",
    "perfecto": "es",
    "vale": "es",
    "genial": "es",
    "kiitos": "fi",
    "selvä": "fi",
    "sopii": "fi",
    "nähdään": "fi",
    "grazie": "it",
    "obrigado": "pt",
    "obrigada": "pt",
    "bedankt": "nl",
    "tack": "sv",
    "takk": "no",
    "tak": "da",
}
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
# A proper name: two or more capitalised words, perhaps joined by name particles ("Banco de la
# Nación", "El Ultimo de la Fila", "Museo del Prado", "Pieter van Dijk").
_CAPITAL = r"[^\W\d_a-zß-ÿ]"  # a letter that is not lower case (Latin, with accents)
_NAME = re.compile(
    rf"(?<![\w'’]){_CAPITAL}[\w'’-]*(?:\s+(?:(?:de|la|le|del|della|di|da|do|dos|du|van|y|el|los|las)\s+)*"
    rf"{_CAPITAL}[\w'’-]*)+"
)
# Links, addresses, handles and host names say nothing about the language ("msnbc.com" is not
# Portuguese for "with").
_NOT_PROSE = re.compile(
    r"(?:https?://|www\.)\S+|\S+@\S+|(?<!\w)[@#]\w+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|edu|gov|io|co|uk|de|fr)\b",
    re.IGNORECASE,
)


def _script(text: str) -> str | None:
    """A language told by its script, when the text is mostly in one."""
    letters, counts = _script_counts(text)
    if not letters:
        return None
    if counts["kana"] / letters > 0.1:
        return "ja"
    if (counts["han"] + counts["kana"]) / letters > 0.3:
        return "zh"
    if counts["ko"] / letters > 0.3:
        return "ko"
    if counts["cyrillic"] / letters > 0.5:
        return "uk" if counts["uk"] else "ru"
    for name in ("el", "ar", "he", "hi", "th"):
        if counts[name] / letters > 0.5:
            return name
    return None


def _script_counts(text: str) -> tuple[int, Counter[str]]:
    """Letters in the opening, and how many of them each script of interest has."""
    counts: Counter[str] = Counter()
    opening = text[:3000]
    if opening.isascii():  # no script of interest; its letters are A to Z
        return len(opening) - len(opening.translate(_ASCII_LETTERS)), counts
    letters = 0
    for char in opening:
        if not char.isalpha():
            continue
        letters += 1
        code = ord(char)
        if 0x3040 <= code <= 0x30FF:
            counts["kana"] += 1
        elif 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF:
            counts["ko"] += 1
        elif 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF:
            counts["han"] += 1
        elif 0x0400 <= code <= 0x04FF:
            counts["cyrillic"] += 1
            if char in "іїєґІЇЄҐ":
                counts["uk"] += 1
        elif 0x0370 <= code <= 0x03FF:
            counts["el"] += 1
        elif 0x0600 <= code <= 0x06FF:
            counts["ar"] += 1
        elif 0x0590 <= code <= 0x05FF:
            counts["he"] += 1
        elif 0x0900 <= code <= 0x097F:
            counts["hi"] += 1
        elif 0x0E00 <= code <= 0x0E7F:
            counts["th"] += 1
    return letters, counts


def _words(text: str) -> list[str]:
    return [w.casefold().replace("’", "'") for w in _WORD.findall(text)]


def _plainly_english(text: str) -> bool:
    """ASCII prose with two different English function words and no function word that only
    another language has."""
    words = _words(_NOT_PROSE.sub(" ", text))
    letters = "".join(words)
    if not letters or sum(ch.isascii() for ch in letters) < 0.9 * len(letters):
        return False
    english = {w for w in words if w in _WEIGHTS["en"]}
    foreign = {
        w for w in words for lang, weights in _WEIGHTS.items() if lang != "en" and w in weights
    } - english
    return len(english) >= 2 and not foreign


class LanguageDetector:
    """Detects the language of own text: ISO 639-1 code, or ``None`` when it cannot tell.

    ``english_vocabulary`` (VADER's lexicon, when the analyzer has one) counts as extra evidence
    for English: short informal English ("Bad bus! Smelly bus!") has opinion words but no
    function words, and those opinion words are exactly the ones VADER can score.
    """

    def __init__(self, english_vocabulary: frozenset[str] = frozenset()) -> None:
        self.english_vocabulary = english_vocabulary

    @classmethod
    def load(cls, english_vocabulary: frozenset[str] = frozenset()) -> LanguageDetector:
        return cls(english_vocabulary)

    def detect(self, text: str) -> str | None:
        # The opening decides (a bilingual auto-reply leads with its main language); the whole
        # text is used when the opening is too short to tell.
        found = self._detect(text[:500]) or (self._detect(text) if len(text) > 500 else None)
        if found != "en" and _plainly_english(_NAME.sub(" ", text[:500])):
            # Names are no evidence of a language: "I favorited a video -- El Ultimo de la Fila"
            # is English about a Spanish title.
            return "en"
        return found

    def _detect(self, text: str) -> str | None:
        text = unicodedata.normalize("NFC", text)
        by_script = _script(text)
        if by_script is not None:
            return by_script
        words = _words(_NOT_PROSE.sub(" ", text[:6000]))
        if not words:  # nothing but a link or a handle and emoticons: judge what there is
            words = _words(text[:6000])
        if not words:
            return None
        scores, distinct = _function_words(words)
        if self.english_vocabulary:
            hits = sum(1 for w in words if w.isascii() and w in self.english_vocabulary)
            if hits:
                scores["en"] = scores.get("en", 0.0) + 0.5 * hits
        lowered = text.casefold()
        for letter, langs in _LETTER_HINTS.items():
            if letter in lowered:
                for lang in langs:
                    scores[lang] = scores.get(lang, 0.0) + 0.5
        if len(words) <= 4:
            votes = Counter(_SHORT[w] for w in words if w in _SHORT)
            if votes:
                return votes.most_common(1)[0][0]
        return _verdict(words, scores, distinct)


_ELIDED = ("l", "d", "j", "n", "qu", "c", "s", "m", "t")


#: Words up to this long are worked out once and remembered (function words are short; a
#: hostile message's long tokens must not fill memory).
_REMEMBERED_LENGTH = 24


def _contributions(word: str) -> tuple[tuple[str, float, bool], ...]:
    """What one word adds to each language's score, in the languages' order, and whether it
    counts as one of that language's different function words."""
    if len(word) > _REMEMBERED_LENGTH:
        return _worked_out(word)
    return _remembered(word)


@lru_cache(maxsize=65536)
def _remembered(word: str) -> tuple[tuple[str, float, bool], ...]:
    return _worked_out(word)


def _worked_out(word: str) -> tuple[tuple[str, float, bool], ...]:
    found = []
    for lang, weights in _WEIGHTS.items():
        weight = weights.get(word)
        if weight:
            # One-letter words ("a", "e", "o", "s", "i") are frequent everywhere and come from
            # tokenising contractions: weak evidence.
            found.append((lang, weight * 0.3 if len(word) == 1 else weight, True))
        elif "'" in word and lang in ("fr", "it") and word.split("'", 1)[0] in _ELIDED:
            # French and Italian elisions: "l'équipe", "d'accord", "aujourd'hui".
            found.append((lang, 0.5, False))
    return tuple(found)


def _function_words(words: list[str]) -> tuple[dict[str, float], dict[str, set[str]]]:
    """Each language's score from its function words, and which different ones it showed."""
    scores: dict[str, float] = {}
    distinct: dict[str, set[str]] = {}
    for word in words:
        for lang, value, counted in _contributions(word):
            if counted:
                distinct.setdefault(lang, set()).add(word)
            scores[lang] = scores.get(lang, 0.0) + value
    return scores, distinct


def _verdict(
    words: list[str], scores: dict[str, float], distinct: dict[str, set[str]]
) -> str | None:
    """The leading language when the evidence is enough and clear; else plain English or none."""
    ranked = sorted(scores.items(), key=lambda item: -item[1])[:2]
    best, top = ranked[0] if ranked else ("", 0.0)
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    # Enough evidence, and clearly ahead of the next language.
    # Two different function words at least: "em" three times is not Portuguese.
    varied = len(distinct.get(best, ())) >= 2 or best == "en"
    if (
        top >= 1.5
        and varied
        and not (len(words) >= 8 and top < 0.08 * len(words))
        and top > runner_up * 1.15
    ):
        return best
    return "en" if _ascii_english(words, scores, distinct, top) else None


def _ascii_english(
    words: list[str], scores: dict[str, float], distinct: dict[str, set[str]], top: float
) -> bool:
    """Too little to tell by function words. Short, informal English ("Yay. Another good phone
    interview.", "I need a Jayne hat.") often has none: plain ASCII text is English unless
    another language shows two different function words of its own and leads."""
    # Nearly all ASCII: a name or loanword ("André", "clichés") does not make it French.
    letters = "".join(words)
    if sum(ch.isascii() for ch in letters) < 0.9 * len(letters):
        return False
    english = distinct.get("en", set())
    rivals = [
        lang for lang, found in distinct.items() if lang != "en" and len(found - english) >= 2
    ]
    if scores.get("en", 0.0) >= top or (
        len(words) <= 12 and not any(scores[lang] > scores.get("en", 0.0) for lang in rivals)
    ):
        return True
    # Longer text with a few English function words and no other language showing two
    # of its own ("a", "in", "to" against a stray Polish "co").
    return (
        len(english) >= 2
        and not rivals
        and all(len(found) < len(english) for lang, found in distinct.items() if lang != "en")
    )
