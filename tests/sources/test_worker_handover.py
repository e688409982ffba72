"""What a first sync hands to its analysis workers, and what they hand back, arrives exactly as
it left: every fetched message, every analysed one, through the spool or straight to a worker."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.config import Privacy
from monitor.core.model import Mailbox, Message, Quarantined, Sentence, TextFeatures
from monitor.core.slotstate import tuple_state
from monitor.core.text import TextAnalyzer
from monitor.sources.imap_analysis import (
    Analysed,
    Fetched,
    InlineAnalysis,
    Packed,
    ProcessAnalysis,
    analyse_batch,
)
from monitor.sources.imap_behind import Spool
from monitor.sources.mime import Part, find_header_end, parse_headers, structure_of

MAIL = Path(__file__).resolve().parent.parent / "fixtures" / "mail"


def fetched_from(raw: bytes, uid: int) -> Fetched:
    """The message as an IMAP fetch gives it: header section, structure, text parts."""
    _, body_start = find_header_end(raw)
    structure = structure_of(raw, parse_headers(raw[:body_start]), body_start)
    payloads = {p.path: raw[p.start : p.end] for p in structure.text_parts() if p.start >= 0}
    when = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    return Fetched(
        uid, raw[:body_start], structure, payloads, len(raw), when, f"gm{uid}", uid % 2 == 0
    )


def round_trip(value: object) -> object:
    return pickle.loads(pickle.dumps(value, protocol=5))  # noqa: S301 - pickled here


@pytest.fixture(scope="module")
def fixture_mail() -> list[Fetched]:
    files = sorted(MAIL.rglob("*.eml"))
    assert len(files) > 40  # headers, noise and own-text fixtures: many charsets, MIME shapes
    return [fetched_from(path.read_bytes(), uid) for uid, path in enumerate(files, 1)]


@pytest.fixture(scope="module")
def analysed_mail(fixture_mail: list[Fetched], analyzer: TextAnalyzer) -> list[Analysed]:
    return analyse_batch(fixture_mail, analyzer, Privacy(store_snippets=True))


def test_fetched_and_analysed_mail_is_unpickled_equal_to_what_was_pickled(
    fixture_mail: list[Fetched], analysed_mail: list[Analysed]
) -> None:
    messages = [a.result for a in analysed_mail if isinstance(a.result, Message)]
    assert any(m.text.evidence for m in messages) and any(m.to for m in messages)
    assert any(m.noise for m in messages) and any(m.text.impoliteness for m in messages)

    for original in [*fixture_mail, *analysed_mail]:
        back = round_trip(original)
        assert back == original
        assert dataclasses.astuple(back) == dataclasses.astuple(original)


@pytest.mark.parametrize(
    "kind", [Fetched, Analysed, Part, Message, Mailbox, TextFeatures, Sentence, Quarantined]
)
def test_every_class_that_travels_to_a_worker_pickles_its_values_alone(kind: type) -> None:
    """Their state is the tuple of their values, not what the dataclasses module builds by
    reading every object's fields (twice the time of a first sync's handing over)."""
    getstate = kind.__getstate__  # type: ignore[attr-defined]
    assert getstate is not getattr(dataclasses, "_dataclass_getstate", None)
    assert getstate.__qualname__.startswith("tuple_state.")


def test_a_state_is_the_values_in_field_order_and_is_written_back_into_a_blank_object(
    analysed_mail: list[Analysed],
) -> None:
    message = next(a.result for a in analysed_mail if isinstance(a.result, Message) and a.result.cc)
    state = message.__getstate__()  # type: ignore[attr-defined]
    assert state == tuple(getattr(message, f.name) for f in dataclasses.fields(Message))

    blank = object.__new__(Message)
    blank.__setstate__(state)  # type: ignore[attr-defined]
    assert blank == message


@tuple_state
@dataclasses.dataclass(frozen=True, slots=True)
class Cursor:
    uid: int


def test_one_value_classes_and_short_states_are_handled() -> None:
    assert round_trip(Cursor(4711)) == Cursor(4711)
    with pytest.raises(ValueError):
        object.__new__(Message).__setstate__(("<a@b.example>",))  # type: ignore[attr-defined]


def test_tuple_state_refuses_a_class_without_slots() -> None:
    with pytest.raises(TypeError, match="slots"):

        @tuple_state
        @dataclasses.dataclass(frozen=True)
        class Loose:
            uid: int


def test_a_batch_that_waited_in_the_spool_is_analysed_by_a_worker_as_it_is_in_process(
    tmp_path: Path, fixture_mail: list[Fetched], analysed_mail: list[Analysed], analyzer
) -> None:
    spool = Spool(tmp_path)
    place = spool.put(fixture_mail)
    packed = spool.take(place)
    assert isinstance(packed, Packed) and packed.unpack() == fixture_mail

    privacy = Privacy(store_snippets=True)
    workers = ProcessAnalysis(1)
    try:
        from_spool = workers.submit(packed, privacy).result(timeout=120)
        straight = workers.submit(fixture_mail, privacy).result(timeout=120)
    finally:
        workers.close()
        spool.close()

    assert from_spool == straight == analysed_mail
    assert InlineAnalysis(analyzer).submit(packed, privacy).result() == analysed_mail
