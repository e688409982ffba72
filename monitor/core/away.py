"""Return dates stated by out-of-office replies: "back on 3 March", "ab dem 9. März wieder im
Büro", "de retour le 9 mars", "estaré de vuelta el 9 de marzo", "palaan toimistolle 9.3.",
"我将于3月9日返回".

A date next to a *return* phrase is the return date. Failing that, a date next to an *until*
phrase ("until 6 March", "bis einschließlich 6. März", "jusqu'au 6 mars inclus", "hasta el 6 de
marzo") is the last day away: the return is that day, or the day after when the text says the
until is inclusive. The year, when missing, is the first that puts the date after the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january jan januar jänner janvier enero ene tammikuu tammikuuta tammik gennaio janeiro",
        "february feb februar février fevrier febrero helmikuu helmikuuta helmik febbraio fevereiro",
        "march mar märz maerz mars marzo maaliskuu maaliskuuta maalisk março",
        "april apr avril abril huhtikuu huhtikuuta huhtik aprile",
        "may mai mayo toukokuu toukokuuta toukok maggio maio",
        "june jun juni juin junio kesäkuu kesäkuuta kesäk giugno junho",
        "july jul juli juillet julio heinäkuu heinäkuuta heinäk luglio julho",
        "august aug août aout agosto elokuu elokuuta elok",
        "september sep sept septembre septiembre setiembre syyskuu syyskuuta syysk settembre setembro",
        "october oct oktober octobre octubre lokakuu lokakuuta lokak ottobre outubro okt",
        "november nov novembre noviembre marraskuu marraskuuta marrask novembro",
        "december dec dezember décembre decembre diciembre joulukuu joulukuuta jouluk dicembre dezembro dez dic",
    ],
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number

_MONTH = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_DATE_PATTERNS = [
    # 2026-03-09
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"),
    # 2026年3月9日 / 3月9日
    re.compile(r"(?:(?P<y>\d{4})\s*年\s*)?(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]"),
    # 9. März 2026 / 9 mars / 9 de marzo de 2026 / 13. huhtikuuta / 3rd of March
    re.compile(
        rf"(?<![\d.])(?P<d>\d{{1,2}})(?:st|nd|rd|th|er|°|º)?\.?\s+(?:of\s+|de\s+)?(?P<mn>{_MONTH})\.?(?![a-zäöüéû])"
        r"(?:,?\s+(?:de\s+)?(?P<y>\d{4}))?",
        re.IGNORECASE,
    ),
    # March 9, 2026 / March 9th
    re.compile(
        rf"(?<![a-zäöüéû])(?P<mn>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?!\d|[.:]\d)(?:,?\s+(?P<y>\d{{4}}))?",
        re.IGNORECASE,
    ),
    # 9.3.2026 / 9.3. / 09/03/2026
    re.compile(r"(?<![\d.:/])(?P<d>\d{1,2})[./](?P<m>\d{1,2})(?:[./](?P<y>\d{2,4})|\.)(?![\d:])"),
]

_RETURN_BEFORE = re.compile(
    r"(?:\bback\b|\breturn(?:ing)?\b|\bin\s+the\s+office\s+(?:again\s+)?(?:on|from)|\bavailable\s+(?:again\s+)?(?:on|from)|"
    r"\breachable\s+(?:again\s+)?(?:on|from)|\bab\s+(?:dem|den|montag|dienstag|mittwoch|donnerstag|freitag)?|\bwieder\b|\bzurück\b|"
    r"de\s+retour|\bretour\b|à\s+partir\s+du|dès\s+le|de\s+vuelta|\bregres[oa]\b|\bvuelvo\b|a\s+partir\s+del|"
    r"reincorporo|reincorporaré|\bpalaan\b|\btakaisin\b|\bpaikalla\b|\btavoitettavissa\b)",
    re.IGNORECASE,
)
_RETURN_AFTER = re.compile(
    r"^[^。.!\n]{0,12}?(?:返回|回来|回到|上班|wieder\s+(?:im\s+büro|erreichbar|da|für)|alkaen)",
    re.IGNORECASE,
)
_UNTIL_BEFORE = re.compile(
    r"(?:\buntil\b|\btill\b|\bthrough\b|\bthru\b|\bbis\b|jusqu['’]au|jusqu['’]à|\bhasta\b|\bto\b|至|到|[–—-])\s*"
    r"(?:and\s+including\s+|einschließlich\s+|einschl\.\s+|zum\s+|(?:le|el)\s+)?"
    r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+|(?:montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag),?\s+(?:den\s+)?|"
    r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\s+|(?:lunes|martes|miércoles|jueves|viernes|sábado|domingo),?\s+)?$",
    re.IGNORECASE,
)
_UNTIL_AFTER = re.compile(r"^\s*(?:asti|saakka)\b", re.IGNORECASE)
# The end of a range ("2.–6.3.", "from 2 to 6 March", "3月2日至3月6日") is the last day away.
_RANGE_END = re.compile(r"(?:\bto\b|至|到|[–—-])\s*(?:\w+day,?\s+)?$", re.IGNORECASE)
_INCLUSIVE = re.compile(
    r"einschließlich|einschl\.|inclus|inclusive|inclusiv|incluido|and\s+including|mukaan\s+lukien",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Found:
    start: int
    end: int
    day: date


def _infer(day: int, month: int, year: int | None, sent: date) -> date | None:
    try:
        if year is not None:
            if year < 100:
                year += 2000
            return date(year, month, day)
        for candidate in (sent.year, sent.year + 1):
            found = date(candidate, month, day)
            if found >= sent - timedelta(days=7):
                return found
    except ValueError:
        return None
    return None


def _dates(text: str, sent: date) -> list[_Found]:
    found: list[_Found] = []
    taken: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            if any(a < match.end() and match.start() < b for a, b in taken):
                continue
            parts = match.groupdict()
            month = (
                _MONTHS.get((parts.get("mn") or "").casefold().rstrip("."))
                if parts.get("mn")
                else int(parts["m"])
            )
            if not month or not 1 <= month <= 12:
                continue
            year = int(parts["y"]) if parts.get("y") else None
            day = _infer(int(parts["d"]), month, year, sent)
            if day is None:
                continue
            taken.append((match.start(), match.end()))
            found.append(_Found(match.start(), match.end(), day))
    found.sort(key=lambda f: f.start)
    return found


def return_date(text: str, sent: datetime) -> date | None:
    """The date the sender is back, as stated in an out-of-office text; ``None`` if none is."""
    sent_day = sent.date()
    found = _dates(text, sent_day)
    if not found:
        return None
    returns: list[date] = []
    untils: list[date] = []
    for item in found:
        before = text[max(0, item.start - 45) : item.start]
        # Only look back within the same sentence.
        before = re.split(r"[.!?。！？\n](?=\s|$)", before)[-1]
        after = text[item.end : item.end + 30]
        if _RETURN_BEFORE.search(before) or _RETURN_AFTER.search(after):
            returns.append(item.day)
        elif _UNTIL_BEFORE.search(before) or _UNTIL_AFTER.search(after):
            inclusive = (
                _INCLUSIVE.search(before)
                or _INCLUSIVE.search(after[:15])
                or _RANGE_END.search(before)
            )
            untils.append(item.day + timedelta(days=1) if inclusive else item.day)
    plausible = [
        d for d in returns if sent_day - timedelta(days=1) <= d <= sent_day + timedelta(days=400)
    ]
    if plausible:
        return plausible[0]
    plausible = [
        d for d in untils if sent_day - timedelta(days=1) <= d <= sent_day + timedelta(days=400)
    ]
    return max(plausible) if plausible else None
