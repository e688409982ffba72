"""Conversations are rebuilt from references first, subjects only as a last resort."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.core.threads import (
    ThreadInput,
    assign_threads,
    normalise_subject,
    same_people,
    subject_links,
    thread_name,
)

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
ACME = frozenset(
    {"dana.whitfield@acme-logistics.example", "alice.marsh@northwind-advisory.example"}
)
OTHER = frozenset({"sam.reed@lumen-analytics.example", "alice.marsh@northwind-advisory.example"})


def msg(
    key: str,
    hours: float,
    *,
    refs: tuple[str, ...] = (),
    subject: str = "Rollout plan",
    people=ACME,
    **kwargs,
) -> ThreadInput:
    return ThreadInput(
        key=key,
        message_id=key,
        date=T0 + timedelta(hours=hours),
        references=refs,
        subject=subject,
        participants=people,
        **kwargs,
    )


def test_replies_join_their_parent_by_references() -> None:
    threads = assign_threads(
        [
            msg("a", 0),
            msg("b", 2, refs=("a",), subject="Re: Rollout plan"),
            msg("c", 30, subject="Invoice 2026-114"),
        ]
    )

    assert threads["a"] == threads["b"]
    assert threads["c"] != threads["a"]


def test_two_replies_to_a_message_we_never_saw_are_one_conversation() -> None:
    # The root lives in a mailbox we do not monitor: the phantom still ties its children together.
    threads = assign_threads([msg("b", 1, refs=("root",)), msg("c", 2, refs=("root", "b2"))])

    assert threads["b"] == threads["c"]


def test_reference_loops_do_not_break_threading() -> None:
    threads = assign_threads([msg("a", 0, refs=("b",)), msg("b", 1, refs=("a",))])

    assert threads["a"] == threads["b"]


def test_subject_fallback_needs_the_same_people_and_30_days() -> None:
    threads = assign_threads(
        [
            msg("a", 0, subject="Steering committee minutes"),
            msg("b", 24, subject="RE: Steering committee minutes"),  # no references, same people
            msg("c", 48, subject="Re: Steering committee minutes", people=OTHER),  # other people
            msg(
                "d", 24 * 45, subject="Re: Steering committee minutes"
            ),  # same people, 6 weeks later
        ]
    )

    assert threads["a"] == threads["b"]
    assert threads["c"] != threads["a"]
    assert threads["d"] != threads["a"]


def test_localised_reply_prefixes_and_list_tags_are_ignored() -> None:
    assert normalise_subject("AW: WG: [acme-pmo] Rollout plan") == "rollout plan"
    assert normalise_subject("回复：转发: 项目进度") == "项目进度"
    assert normalise_subject("VS: Re[2]: Budjetti") == "budjetti"


def test_conversation_id_does_not_merge_mail_that_references_contradict() -> None:
    # Exchange gave two unrelated same-subject threads one conversationId.
    threads = assign_threads(
        [
            msg("a", 0, subject="Invoice", conversation_id="AAQk1"),
            msg("b", 1, subject="Re: Invoice", refs=("a",), conversation_id="AAQk1"),
            msg("x", 2, subject="Invoice", conversation_id="AAQk1", people=OTHER),
            msg("y", 3, subject="Re: Invoice", refs=("x",), conversation_id="AAQk1", people=OTHER),
        ]
    )

    assert threads["a"] == threads["b"]
    assert threads["x"] == threads["y"]
    assert threads["a"] != threads["x"]


def test_gmail_thread_ids_group_messages_without_references() -> None:
    threads = assign_threads(
        [msg("a", 0, gm_thread="1781"), msg("b", 5, subject="Something else", gm_thread="1781")]
    )

    assert threads["a"] == threads["b"]


_messages = st.lists(
    st.builds(
        msg,
        key=st.sampled_from(list("abcdefghij")),
        hours=st.floats(min_value=0, max_value=24 * 60),
        refs=st.lists(st.sampled_from(list("abcdefghijr")), max_size=3).map(tuple),
        subject=st.sampled_from(["Rollout plan", "Re: Rollout plan", "Invoice", "Workshop dates"]),
        people=st.sampled_from([ACME, OTHER]),
    ),
    max_size=12,
    unique_by=lambda m: m.key,
)


@settings(max_examples=200, deadline=None)
@given(messages=_messages, seed=st.randoms())
def test_threads_do_not_depend_on_the_order_messages_were_read_in(messages, seed) -> None:
    shuffled = list(messages)
    seed.shuffle(shuffled)

    assert assign_threads(messages) == assign_threads(shuffled)


def _tried_one_by_one(messages: list[ThreadInput]) -> dict[str, str]:
    """Threads as the fallbacks read when every earlier message was tried in turn: the first
    of a conversationId among the same people, the latest of a subject within the window."""
    ordered = sorted(messages, key=lambda m: (m.date, m.key))
    joined = {m.key: {m.key} for m in ordered}

    def join(a: str, b: str) -> None:
        merged = joined[a] | joined[b]
        for key in merged:
            joined[key] = merged

    for n, message in enumerate(ordered):
        for earlier in ordered[:n]:
            shared = {message.message_id, *message.references, *message.in_reply_to}
            named = {earlier.message_id, *earlier.references, *earlier.in_reply_to} - {None}
            if shared & named or (message.gm_thread and message.gm_thread == earlier.gm_thread):
                join(message.key, earlier.key)
        if message.references or message.in_reply_to:
            continue
        earlier_ones = ordered[:n]
        if message.conversation_id:
            for earlier in earlier_ones:
                if earlier.conversation_id == message.conversation_id and same_people(
                    message.participants, earlier.participants
                ):
                    join(message.key, earlier.key)
                    break
        subject = normalise_subject(message.subject)
        if subject_links(subject):
            for earlier in reversed(earlier_ones):
                if normalise_subject(earlier.subject) != subject:
                    continue
                if message.date - earlier.date > timedelta(days=30):
                    break
                if same_people(message.participants, earlier.participants):
                    join(message.key, earlier.key)
                    break
    dates = {m.key: m.date for m in ordered}
    return {m.key: thread_name(min(joined[m.key], key=lambda k: (dates[k], k))) for m in ordered}


_PEOPLE = [
    "alice.marsh@northwind-advisory.example",
    "dana.whitfield@acme-logistics.example",
    "raj.patel@acme-logistics.example",
    "sam.reed@lumen-analytics.example",
]
_crowded = st.lists(
    st.builds(
        msg,
        key=st.sampled_from([f"m{n}" for n in range(40)]),
        hours=st.floats(min_value=0, max_value=24 * 90),
        refs=st.lists(st.sampled_from(["m1", "m7", "lost"]), max_size=1).map(tuple),
        subject=st.sampled_from(["Rollout plan", "Re: Rollout plan", "Invoice 4471"]),
        people=st.frozensets(st.sampled_from(_PEOPLE), max_size=3),
        conversation_id=st.sampled_from([None, None, "AAQk1", "AAQk2"]),
    ),
    max_size=30,
    unique_by=lambda m: m.key,
)


@settings(max_examples=300, deadline=None)
@given(messages=_crowded)
def test_the_fallbacks_find_the_message_trying_each_earlier_one_would(messages) -> None:
    """GIVEN mail under few subjects among overlapping sets of people (one, two or three of
    them, or none known), some with references, some with a conversationId
    WHEN it is threaded
    THEN each message joins what trying every earlier message in turn would join it to."""
    assert assign_threads(messages) == _tried_one_by_one(messages)


def test_enquiries_from_many_people_under_one_subject_are_threaded_apart_quickly() -> None:
    """GIVEN 6,000 web enquiries in a month under one subject, each from a different person
    WHEN they are threaded
    THEN each is a conversation of its own, and a later reply among the same people joins
    the enquiry it answers (the index of who each message is between finds it)."""
    us = "alice.marsh@northwind-advisory.example"
    enquiries = [
        msg(
            f"e{n}",
            n * 0.1,
            subject="New enquiry from the website",
            people=frozenset({f"visitor{n}@example.org", us}),
        )
        for n in range(6000)
    ]
    answer = msg(
        "answer",
        700,
        subject="Re: New enquiry from the website",
        people=frozenset({"visitor17@example.org", us}),
    )

    threads = assign_threads([*enquiries, answer])

    assert len(set(threads.values())) == 6000
    assert threads["answer"] == threads["e17"]
