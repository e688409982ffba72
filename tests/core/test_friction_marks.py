"""The friction and pressure facts a history reads from its marked messages (those with cues,
negative tone, a politeness score or status requests, picked out once) are those of reading
every message of each day's window, as they were read before the marks, day after day of a
year of mixed mail."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

from monitor.core import friction_norm, tone
from monitor.core.analysis import day_ends
from monitor.core.history import HISTORY_DAYS, ClientHistory, Window
from monitor.core.records import Record, dated_from, dated_within
from monitor.core.sentiment import NEGATIVE_MESSAGE
from monitor.core.tone import FrictionFacts
from tests.core.records import LONDON, RAJ, at, history, inbound, reply

CUES = (
    "escalation:unacceptable",
    "escalation:refund",
    "challenge:why did you",
    "pressure_phrase:per my last email",
    "senior:ceo",
    "tone:disappointed",
)
STATUS = ("status:any update", "status:by eod")
#: Sentiments as VADER gives them, signed zeros and tiny ones too.
SENTIMENTS = (None, 0.0, -0.0, 5e-324, -0.4, 0.35, 0.871, -0.912)


def _maybe(rng: random.Random, value: object, share: float = 0.5) -> object:
    return value if rng.random() < share else None


def _year(seed: int) -> list[Record]:
    """A year of a client's mail: a message most days, some scored by the politeness model
    and some not (another language), with cues, status requests, negative tone and replies."""
    rng = random.Random(seed)
    start = at("Mon 2025-09-01 09:00")
    mail: list[Record] = []
    for number in range(420):
        when = start + timedelta(days=rng.uniform(0, 380), minutes=rng.randint(0, 900))
        text = when.astimezone(LONDON).strftime("%a %Y-%m-%d %H:%M")
        message = inbound(
            text,
            f"Pallet count for the Leeds depot ({number})",
            sender=RAJ if rng.random() < 0.2 else inbound(text).sender,
            sentiment=rng.choice(SENTIMENTS) if rng.random() < 0.8 else rng.uniform(-1, 1),
            impoliteness=_maybe(rng, round(rng.uniform(0, 1), 3), 0.7),
            tone=_maybe(rng, round(rng.uniform(-1, 1), 3), 0.6),
            curtness=_maybe(rng, round(rng.uniform(0, 1), 3)),
            courtesy=rng.choice((None, True, False)),
            friction=tuple(rng.sample(CUES, rng.choice((0, 0, 0, 1, 2)))),
            pressure=tuple(rng.sample(STATUS, rng.choice((0, 0, 0, 1)))),
        )
        mail.append(replace(message, key=f"<m{number}@acme-logistics.example>"))
        if rng.random() < 0.6:
            answered = (when + timedelta(hours=rng.uniform(1, 60))).astimezone(LONDON)
            answer = reply(message, answered.strftime("%a %Y-%m-%d %H:%M"))
            mail.append(replace(answer, key=f"<r{number}@northwind-advisory.example>"))
    return mail


def _friction_read_whole(window: Window, history: ClientHistory) -> FrictionFacts:
    """The friction facts as they were read before the marks: every message of the window."""
    window_days = history.context.thresholds.friction_window_days
    window_start = window.now - timedelta(days=window_days)
    recent = dated_from(window.inbound, window_start)
    norm = friction_norm.assess(window.inbound, window.now)
    cued = [r for r in recent if r.friction and not friction_norm.reads_polite(r, norm.usual_top)]
    first = window.first_counted()
    before = first is not None and first.date < window_start
    senior = tone._senior_copied(history, window_start, window.now) if before else []
    return FrictionFacts(
        window_days=window_days,
        messages=len(recent),
        sentiment_now=tone.mean([t for r in recent if (t := r.business_tone) is not None]),
        sentiment_usual=history.mean_sentiment(window.since(HISTORY_DAYS), window_start),
        escalation=tone._with_cues(cued, "escalation"),
        pressure_phrases=tone._with_cues(recent, "pressure_phrase"),
        challenges=tone._with_cues(cued, "challenge"),
        negative=tuple(
            r
            for r in recent
            if (t := r.business_tone) is not None
            and t <= NEGATIVE_MESSAGE
            and tone._curt_or_unscored(r)
        ),
        senior_copied=tuple(senior),
        norm=norm,
    )


def _instants(client: ClientHistory) -> list[datetime]:
    """A year of day ends (team time) and the instants of some messages, the message in the
    window's last instant."""
    ends = day_ends(at("Mon 2026-09-14 12:00"), 400, LONDON)
    return sorted([*ends, *(r.date for r in client.inbound[::5])])


def test_the_friction_facts_of_the_marks_are_those_of_every_message_of_the_window() -> None:
    compared = 0
    for seed in range(3):
        client = history(*_year(seed))
        for now in _instants(client):
            window = client.at(now)
            facts = tone.friction(window, client)
            assert facts == _friction_read_whole(window, client), (seed, now)
            assert str(facts.sentiment_now) == str(
                _friction_read_whole(window, client).sentiment_now
            )  # signed zeros alike
            compared += bool(facts.escalation or facts.negative or facts.norm.recent)
    assert compared > 400, "the year's days have cues, negative tone and scored messages"


def test_the_status_requests_of_the_marks_are_those_of_every_message_of_the_window() -> None:
    client = history(*_year(7))
    for now in _instants(client):
        window = client.at(now)
        facts = tone.pressure(window, client.context, ())
        start = now - timedelta(days=client.context.thresholds.micromanagement_window_days)
        every = dated_from(window.inbound, start)
        assert facts.status_requests == tuple((r, r.pressure) for r in every if r.pressure)


def test_the_norm_of_the_scored_messages_kept_is_that_of_the_windows_messages() -> None:
    client = history(*_year(3))
    scored = [r for r in client.inbound if r.impoliteness is not None]
    unscored = 0
    for now in _instants(client):
        inbound = client.at(now).inbound
        facts = friction_norm.assess(inbound, now, scored=scored)
        assert facts == friction_norm.assess(inbound, now), now
        # Those without a score since the run began (or in the last days), counted one by one.
        since = now - timedelta(days=friction_norm.RECENT_DAYS)
        if facts.recent:
            since = min(since, facts.recent[0][0].date)
        in_recent = dated_within(inbound, now - timedelta(days=friction_norm.RECENT_LONGEST), now)
        unscored_now = [r for r in dated_from(in_recent, since) if r.impoliteness is None]
        assert facts.unscored == len(unscored_now), now
        unscored += facts.unscored
    assert unscored
