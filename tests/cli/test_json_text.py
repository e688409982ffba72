"""Every ``--json`` answer is written by one walk over the payload; its text is exactly what
``json.dumps(to_jsonable(payload), ensure_ascii=False, indent=2)`` wrote before, byte for byte."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta, timezone
from enum import Enum, IntEnum, StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.cli.common import to_jsonable
from monitor.cli.json_text import json_text


def reference(payload: Any) -> str:
    return json.dumps(to_jsonable(payload), ensure_ascii=False, indent=2)


def _health_row(name: str, owner: str, day: int) -> dict[str, Any]:
    return {
        "name": name,
        "owner": owner,
        "health": 20 + day,
        "components": {"responsiveness": 0, "engagement": 13, "sentiment": 11, "balance": 100},
        "trend": [
            {"date": date(2026, 8, 3) + timedelta(days=n), "health": 35, "sentiment_30d": 0.1 * n}
            for n in range(30)
        ],
        "pattern": {
            "name": "micromanager",
            "advice": "Offer a fixed rhythm — a weekly status report — and keep to it.",
            "reasons": ["45.7 messages a week over 180 days", "7% of them chasers"],
        },
        "last_inbound": {
            "date": datetime(2026, 8, 27, 20, 13, tzinfo=UTC),
            "from": "j.muller@mueller-soehne.example",
            "subject": 'Re: "Angebot" für Q3 \\ Rückfrage\n\ttab\x01',
        },
        "last_outbound": None,
        "awaiting": {"count": 230, "oldest_age_seconds": timedelta(days=208, seconds=1)},
        "reply_gap_30d": {"count": 0, "median_wall_hours": None, "p90_wall_hours": 507.28},
        "silent_days": 4.5,
        "away_until": datetime(2026, 9, 1, 9, 0, tzinfo=ZoneInfo("Europe/Berlin")),
        "sentiment": {"mean_30d": 0.155, "trend": -0.0, "tiny": 1e-07, "huge": 12345678901234567.0},
        "alerts": [],
        "figures": {},
        "senior_copied": {"cfo@mueller-soehne.example", "ceo@mueller-soehne.example"},
        "window": (date(2026, 6, 1), date(2026, 8, 31)),
        "ok": True,
        "muted": False,
        "messages": 10**30,
        "negative": -17,
    }


def test_a_health_answer_is_written_exactly_as_json_dumps_wrote_it() -> None:
    payload = {
        "schema": "relmon/health/v1",
        "as_of": datetime(2026, 9, 1, 8, 0, tzinfo=UTC),
        "clients": [
            _health_row("Müller & Söhne", "ben.okafor@northwind-advisory.example", 1),
            _health_row("北京 Trading 🚚", "chloe@northwind-advisory.example", 2),
        ],
    }
    text = json_text(payload)
    assert text == reference(payload)
    assert '"name": "Müller & Söhne"' in text  # not \u00fc: the text is UTF-8, not escaped
    assert '"alerts": [],' in text and '"figures": {},' in text


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        (),
        set(),
        "",
        0.1,
        1e-07,
        12345678901234567.0,
        -0.0,
        0.0,
        1e300 * 10,
        -(1e300 * 10),
        math.nan,
        10**40,
        -(10**40),
        None,
        True,
        {"a": [[], {}, [[]], {"b": {}}]},
        [0.0, -0.0, 0.0, -0.0, math.nan, math.nan],
        {0: "zero", 2.5: "two and a half", None: "none", True: "yes", "x": "x"},
        {1: "number one", "1": "text one"},  # keys that become the same text: the last value
        {date(2026, 1, 2): [datetime(2026, 1, 2, 23, 30, tzinfo=timezone(timedelta(hours=-5)))]},
        {"path": Path("/var/lib/relmon/relmon.db"), "frozen": frozenset({3, 1, 2})},
        {"naive": datetime(2026, 3, 29, 1, 30), "micro": datetime(2026, 1, 1, 0, 0, 0, 5, UTC)},
        {"early": date(999, 12, 31), "late": timedelta(seconds=-1.5)},
    ],
    ids=repr,
)
def test_every_kind_of_value_is_written_as_json_dumps_wrote_it(value: Any) -> None:
    assert json_text(value) == reference(value)
    assert json_text({"wrapped": [value, {"again": value}]}) == reference(
        {"wrapped": [value, {"again": value}]}
    )


class Severity(StrEnum):
    WARNING = "warning"


class Kind(str, Enum):  # noqa: UP042 - its str() is not its text, unlike a StrEnum
    UNANSWERED = "unanswered"


class Level(IntEnum):
    HIGH = 3


def test_subclasses_of_text_and_numbers_are_written_as_json_dumps_wrote_them() -> None:
    class Ordered(dict[str, Any]):
        pass

    payload = {
        "severity": Severity.WARNING,
        "kind": Kind.UNANSWERED,
        "level": Level.HIGH,
        Severity.WARNING: 1,
        Kind.UNANSWERED: 2,  # str() of this key is "Kind.UNANSWERED", not its text
        "ordered": Ordered(b=1, a=2),
        "points": [Level.HIGH, Severity.WARNING],
    }
    assert json_text(payload) == reference(payload)


def test_a_value_json_cannot_hold_is_refused_as_json_dumps_refused_it() -> None:
    payload = {"client": "Müller & Söhne", "callback": object()}
    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        reference(payload)
    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        json_text(payload)


_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
    | st.dates()
    | st.datetimes(timezones=st.none() | st.timezones())
    | st.timedeltas()
)
_values = st.recursive(
    _leaves,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=4).map(tuple)
        | st.dictionaries(st.text(max_size=6) | st.integers(), inner, max_size=4)
        | st.frozensets(st.integers() | st.floats(allow_nan=False), max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_values)
def test_any_payload_is_written_as_json_dumps_wrote_it(value: Any) -> None:
    assert json_text(value) == reference(value)
