"""The client's usual tone before the friction window, read every day of a trend or a backtest,
is the mean of its scored messages' sentiments to the last bit, whichever messages fall in."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.core.tone import mean
from tests.core.records import every, history

#: Sentiments as VADER's compound gives them, rounded or not, tiny ones and signed zeros too.
sentiments = st.one_of(
    st.none(),
    st.floats(-1.0, 1.0),
    st.floats(-1.0, 1.0).map(lambda v: round(v, 3)),
    st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 1e-300, -1.0, 1.0]),
)


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(sentiments, min_size=1, max_size=60),
    first=st.integers(0, 70),
    span=st.integers(0, 70),
)
def test_the_usual_tone_is_the_mean_of_the_sentiments_in_its_days(values, first, span) -> None:
    mail = [
        replace(record, sentiment=value)
        for record, value in zip(every(1, "Mon 2026-03-02 10:00", len(values)), values, strict=True)
    ]
    client = history(*mail)
    since = mail[0].date + timedelta(days=first, hours=-1)
    before = since + timedelta(days=span)
    held = [r.sentiment for r in mail if since <= r.date < before and r.sentiment is not None]

    assert client.mean_sentiment(since, before) == mean(held)
    assert str(client.mean_sentiment(since, before)) == str(mean(held))  # signed zeros alike


def test_a_client_without_scored_messages_in_the_days_has_no_usual_tone() -> None:
    mail = every(7, "Mon 2026-03-02 10:00", 8, sentiment=0.42)
    client = history(*mail)

    assert client.mean_sentiment(mail[0].date - timedelta(days=30), mail[0].date) is None
    assert client.mean_sentiment(mail[0].date, mail[-1].date + timedelta(seconds=1)) == 0.42
