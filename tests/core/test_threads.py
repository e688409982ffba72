"""Conversations are rebuilt from references first, subjects only as a last resort."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.core.threads import ThreadInput, assign_threads, normalise_subject

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
